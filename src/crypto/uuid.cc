#include "src/crypto/uuid.h"

#include <cstddef>

#include "src/crypto/random.h"

namespace sessionkit::internal {

Result<std::string> NewUuidV4() {
  unsigned char b[16];
  if (Status s = RandomBytes(b, sizeof(b)); !s.ok()) return s;
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10xx
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < sizeof(b); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

}  // namespace sessionkit::internal
