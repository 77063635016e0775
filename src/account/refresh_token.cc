#include "src/account/refresh_token.h"

#include <sodium.h>

#include "src/crypto/hex.h"
#include "src/crypto/random.h"
#include "src/crypto/sha256.h"
#include "src/util/base64url.h"

namespace sessionkit::internal {
namespace {

// The successor key: HMAC(JWT_SECRET, label), 32 bytes. The temporary is wiped.
HmacSha256Key DeriveKey(std::string_view jwt_secret) {
  Sha256Digest derived = HmacSha256Key(jwt_secret).Mac(kRefreshKeyLabel);
  HmacSha256Key key(AsBytes(derived));
  sodium_memzero(derived.data(), derived.size());
  return key;
}

bool IsBase64UrlChar(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

}  // namespace

RefreshTokens::RefreshTokens(std::string_view jwt_secret) : key_(DeriveKey(jwt_secret)) {}

Result<std::string> RefreshTokens::Generate() {
  unsigned char bytes[32];
  if (Status s = RandomBytes(bytes, sizeof(bytes)); !s.ok()) {
    return Status::Unavailable("CSPRNG unavailable");
  }
  std::string token = Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  sodium_memzero(bytes, sizeof(bytes));
  return token;
}

bool RefreshTokens::IsWellFormed(std::string_view token) noexcept {
  if (token.size() != kRefreshTokenChars) return false;
  for (char c : token) {
    if (!IsBase64UrlChar(c)) return false;
  }
  return true;
}

std::string RefreshTokens::HashOf(std::string_view token) {
  return HexLower(AsBytes(Sha256(token)));
}

std::string RefreshTokens::SuccessorOf(std::string_view spent) const {
  return Base64UrlEncode(AsBytes(key_.Mac(spent)));
}

}  // namespace sessionkit::internal
