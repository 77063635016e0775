#include "server/refresh_token.h"

#include <sodium.h>

namespace sessionkit::server {

// Placeholder: see the header. The refresh-token issue replaces this body.
Result<std::string> IssueRefreshToken() {
  if (sodium_init() < 0) return Status::Unavailable("CSPRNG unavailable");
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof(bytes));
  char encoded[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(encoded, sizeof(encoded), bytes, sizeof(bytes),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(bytes, sizeof(bytes));
  return std::string(encoded);
}

}  // namespace sessionkit::server
