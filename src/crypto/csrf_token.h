// CSRF tokens bound to a session (API.md §8): the value a browser page sends back as
// X-CSRF-Token with every cookie-authenticated unsafe request.
//
//   csrf_token = base64url(HMAC-SHA256(csrf_key, session id))      (43 characters)
//   csrf_key   = HMAC-SHA256(JWT_SECRET, "sessionkit csrf token v1")
//
// Derived rather than stored, so every server sharing the store and JWT_SECRET computes
// the same token for a session, and nothing is written per request. The label separates
// this key from the JWT signing key and the refresh-successor key (src/account/
// refresh_token.h). A token is 43 base64url characters, a session id is "sess_" + hex:
// the two never coincide. Changing JWT_SECRET changes every token (pages fetch theirs
// again at login or refresh).
//
// Never fails. Immutable after construction: one CsrfTokens may be used from many
// threads at once. Tokens are secrets: never log them.
#ifndef SESSIONKIT_CRYPTO_CSRF_TOKEN_H_
#define SESSIONKIT_CRYPTO_CSRF_TOKEN_H_

#include <string>
#include <string_view>

#include "src/crypto/hmac.h"

namespace sessionkit::internal {

inline constexpr std::string_view kCsrfKeyLabel = "sessionkit csrf token v1";

class CsrfTokens {
 public:
  // Derives the CSRF key from the JWT signing secret (see the header comment).
  explicit CsrfTokens(std::string_view jwt_secret);

  // The token of `session_id`.
  std::string TokenFor(std::string_view session_id) const;

  // True iff `presented` is the token of `session_id`; compared in constant time, no
  // allocation. An empty `presented` never matches.
  bool Matches(std::string_view session_id, std::string_view presented) const noexcept;

 private:
  HmacSha256Key key_;
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_CRYPTO_CSRF_TOKEN_H_
