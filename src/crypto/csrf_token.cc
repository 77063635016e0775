#include "src/crypto/csrf_token.h"

#include <openssl/crypto.h>

#include "src/crypto/constant_time.h"
#include "src/util/base64url.h"

namespace sessionkit::internal {
namespace {

constexpr std::size_t kTokenChars = 43;  // base64url of 32 bytes, no padding

// The CSRF key: HMAC(JWT_SECRET, label), 32 bytes. The temporary is wiped.
HmacSha256Key DeriveKey(std::string_view jwt_secret) {
  Sha256Digest derived = HmacSha256Key(jwt_secret).Mac(kCsrfKeyLabel);
  HmacSha256Key key(AsBytes(derived));
  OPENSSL_cleanse(derived.data(), derived.size());
  return key;
}

}  // namespace

CsrfTokens::CsrfTokens(std::string_view jwt_secret) : key_(DeriveKey(jwt_secret)) {}

std::string CsrfTokens::TokenFor(std::string_view session_id) const {
  return Base64UrlEncode(AsBytes(key_.Mac(session_id)));
}

bool CsrfTokens::Matches(std::string_view session_id, std::string_view presented) const noexcept {
  if (presented.size() != kTokenChars) return false;
  char decoded[33];  // the decoder may write up to its output bound
  if (!Base64UrlDecodeInto(presented, decoded)) return false;
  Sha256Digest expected = key_.Mac(session_id);
  return ConstantTimeEquals(std::string_view(decoded, 32), AsBytes(expected));
}

}  // namespace sessionkit::internal
