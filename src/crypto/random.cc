#include "src/crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

namespace sessionkit::internal {

Status RandomBytes(void* out, std::size_t size) {
  auto* dst = static_cast<unsigned char*>(out);
  while (size > 0) {  // RAND_bytes takes an int length
    const std::size_t chunk = std::min<std::size_t>(size, INT_MAX);
    if (RAND_bytes(dst, static_cast<int>(chunk)) != 1) {
      return Status::Unavailable("system CSPRNG failed");
    }
    dst += chunk;
    size -= chunk;
  }
  return Status::Ok();
}

Result<std::string> RandomBytes(std::size_t size) {
  std::string out(size, '\0');
  Status s = RandomBytes(out.data(), out.size());
  if (!s.ok()) return s;
  return out;
}

}  // namespace sessionkit::internal
