// Access tokens: HS256 JWS compact tokens with the claims of API.md §4.
//
// Verification is strict: the header's `alg` must be exactly "HS256" (none, HS512,
// RS256... are rejected whatever else the token says); the signature is compared in
// constant time; `exp` must be present and in the future, `iat` (if present) not in the
// future, both with `leeway`; `typ` (if present) is "JWT" in any case; `sub` (if present)
// equals `user_id`; `iss` is checked only when accepted_issuers is non-empty;
// `session_id` must be a well-formed session id. `jku` / `x5u` are ignored.
//
// Keys: `secret` signs; `previous_secrets` only verify. When previous secrets are
// configured, every key has a `kid` (KeyIdFor) and signed tokens carry it: a token's
// kid selects among the local keys and an unknown kid is rejected; a token without kid
// is tried against every local key.
//
// JwtCodec is immutable after Create and safe to use from many threads.
#ifndef SESSIONKIT_JWT_H_
#define SESSIONKIT_JWT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"

namespace sessionkit {

struct JwtOptions {
  std::string secret;                         // signing key (JWT_SECRET); must be non-empty
  std::vector<std::string> previous_secrets;  // verification only (JWT_PREVIOUS_SECRETS)
  std::chrono::seconds leeway{30};            // JWT_LEEWAY_SECONDS; 0..60
  std::vector<std::string> accepted_issuers;  // JWT_ACCEPT_ISSUERS; empty = any
  const Clock* clock = nullptr;               // nullptr = SystemClock(); not owned
};

// The claim set of the contract (API.md §4), and only it: every access token sessionkit
// signs carries these claims, and Verify accepts a token only if it has them with these
// types. Servers and peers that share JWT_SECRET rely on exactly this set; a new claim is
// a contract change (API.md first), not a field added here for one application.
struct AccessClaims {
  std::string user_id;
  bool user_id_is_number = false;  // the claim was (or is to be written as) a JSON number
  std::string session_id;
  std::string device_id;
  std::string last_ip;
  std::string username;
  std::string email;
  std::string role;
  bool is_premium = false;
  bool is_verified = false;
  std::string issuer;           // iss
  std::string subject;          // sub; Sign writes user_id when empty
  std::int64_t issued_at = 0;   // iat, Unix seconds
  std::int64_t expires_at = 0;  // exp, Unix seconds
  // amr (API.md §9): how the session was authenticated, ["pwd"] or ["pwd","otp"].
  // Written by Sign when non-empty; Verify does not read it (the session record, not the
  // token, decides the assurance level), so it stays empty there.
  std::vector<std::string> amr;
};

// The kid of a key: first 16 lowercase hex of SHA-256("sessionkit-kid:" + secret).
std::string KeyIdFor(std::string_view secret);

class JwtCodec {
 public:
  // InvalidArgument for an empty secret or a leeway outside 0..60 s.
  static Result<JwtCodec> Create(JwtOptions options);

  JwtCodec(JwtCodec&&) noexcept;
  JwtCodec& operator=(JwtCodec&&) noexcept;
  ~JwtCodec();

  // header.payload.signature. `claims` is written as given.
  std::string Sign(const AccessClaims& claims) const;

  // Errors: Malformed (not a JWS, bad base64url or JSON, missing/ill-typed claims, bad
  // session_id), Unauthenticated (alg, kid, signature, typ, sub, iss), Expired (exp), and
  // Unauthenticated for an iat in the future.
  Result<AccessClaims> Verify(std::string_view token) const;

 private:
  struct Impl;
  explicit JwtCodec(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sessionkit

#endif  // SESSIONKIT_JWT_H_
