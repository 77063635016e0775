// What a log line says of a typed login identifier: never the text itself.
//
// People type passwords into the username field, so failed-login lines must not carry
// what was typed. They carry "id#" + the first 12 hex digits of
// HMAC-SHA256(K, identifier lowercased), K = HMAC-SHA256(JWT_SECRET,
// "sessionkit log identifier v1"): the same identifier gives the same mark (lines of
// one attack can be grouped, and an operator who knows a user's name can compute it),
// but a mark cannot be reversed by hashing guesses without the secret.
//
// Thread safety: LogIdentifierKey is immutable after construction; LoggedIdentifier is
// reentrant.
#ifndef SESSIONKIT_SERVER_HANDLERS_LOGGED_IDENTIFIER_H_
#define SESSIONKIT_SERVER_HANDLERS_LOGGED_IDENTIFIER_H_

#include <string>
#include <string_view>

#include "src/crypto/hmac.h"

namespace sessionkit::server {

class LogIdentifierKey {
 public:
  // Derives K from the JWT signing secret.
  explicit LogIdentifierKey(std::string_view jwt_secret);

  // "id#" + 12 lowercase hex digits.
  std::string Mark(std::string_view identifier) const;

 private:
  internal::HmacSha256Key key_;
};

// key->Mark(identifier), or "id#redacted" without a key (handler tests).
std::string LoggedIdentifier(const LogIdentifierKey* key, std::string_view identifier);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_LOGGED_IDENTIFIER_H_
