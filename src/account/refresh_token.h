// Refresh tokens (API.md §5): the opaque tokens themselves, and the names the store keeps.
//
// A token is 256 bits from the system CSPRNG, base64url without padding (43 characters).
// The store never sees it: it keeps HashOf(token), the SHA-256 of the token's text in
// lowercase hex. When a token is rotated, its successor is not random but derived:
//
//   successor = base64url(HMAC-SHA256(refresh_key, spent token))
//   refresh_key = HMAC-SHA256(JWT_SECRET, "sessionkit refresh successor v1")
//
// so every request that presents the same spent token within the grace window -- on any
// server that shares JWT_SECRET -- computes the same successor without the store keeping
// a plain token. The label separates this key from the JWT signing key (a successor is
// never a MAC an attacker could use as a JWT signature). Changing JWT_SECRET changes the
// key: a grace replay across that change is refused (the stored successor hash differs).
//
// Errors: Generate returns Unavailable if the CSPRNG fails. Tokens never appear in logs.
// Thread safety: RefreshTokens is immutable after construction; the functions are pure.
#ifndef SESSIONKIT_SRC_ACCOUNT_REFRESH_TOKEN_H_
#define SESSIONKIT_SRC_ACCOUNT_REFRESH_TOKEN_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "sessionkit/result.h"
#include "src/crypto/hmac.h"

namespace sessionkit::internal {

inline constexpr std::size_t kRefreshTokenChars = 43;  // base64url of 32 bytes
inline constexpr std::string_view kRefreshKeyLabel = "sessionkit refresh successor v1";

class RefreshTokens {
 public:
  // Derives the successor key from the JWT signing secret (see the header comment).
  explicit RefreshTokens(std::string_view jwt_secret);

  // A fresh random token.
  static Result<std::string> Generate();

  // 43 characters of the base64url alphabet. Anything else is refused before a lookup.
  static bool IsWellFormed(std::string_view token) noexcept;

  // What the store keeps: SHA-256 of the token's text, 64 lowercase hex.
  static std::string HashOf(std::string_view token);

  // The deterministic successor of `spent`: a well-formed token.
  std::string SuccessorOf(std::string_view spent) const;

 private:
  HmacSha256Key key_;
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_ACCOUNT_REFRESH_TOKEN_H_
