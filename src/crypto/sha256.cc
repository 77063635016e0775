#include "src/crypto/sha256.h"

#include <openssl/sha.h>

namespace sessionkit::internal {

Sha256Digest Sha256(std::string_view data) noexcept {
  Sha256Digest out;
  ::SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

}  // namespace sessionkit::internal
