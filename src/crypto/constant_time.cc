#include "src/crypto/constant_time.h"

#include <openssl/crypto.h>

namespace sessionkit::internal {

bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sessionkit::internal
