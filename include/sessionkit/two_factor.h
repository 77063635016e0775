// Second factor (API.md §9): the enrolment a UserStore keeps, and the keys that encrypt
// TOTP secrets at rest.
//
// A TOTP secret is stored only sealed: XChaCha20-Poly1305-IETF (libsodium) under one
// of the configured encryption keys, with the user id and the key id as additional data
// (a sealed secret copied to another user's row, or relabelled with another key id, does
// not open). Each enrolment names the key that sealed it, so keys rotate without
// re-enrolling anybody: the first key of the list seals, every key opens. Which key is
// used by default and how to rotate it: docs/two-factor.md.
//
// Thread safety: plain data and pure functions.
#ifndef SESSIONKIT_TWO_FACTOR_H_
#define SESSIONKIT_TWO_FACTOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/result.h"

namespace sessionkit {

// One encryption key for TOTP secrets.
struct TotpEncryptionKey {
  std::string id;   // 1..32 of [A-Za-z0-9_.-]; stored beside each secret it seals
  std::string key;  // exactly 32 bytes
};

// TOTP_ENCRYPTION_KEYS: "id:base64key[,id:base64key...]" (standard or URL-safe base64,
// padding optional, 32 bytes each), the first one sealing. InvalidArgument naming the
// entry (never its key) for a bad id, a duplicate id or a key that is not 32 bytes.
Result<std::vector<TotpEncryptionKey>> ParseTotpEncryptionKeys(std::string_view text);

// The default key, derived from a JWT secret:
//   key = HMAC-SHA256(jwt_secret, "sessionkit totp secret key v1")
//   id  = "jwt-" + first 8 hex of SHA-256(key)
// so servers sharing JWT_SECRET agree on it, and the id changes when the secret does.
TotpEncryptionKey DeriveTotpEncryptionKey(std::string_view jwt_secret);

// The second factor of one user, as a UserStore keeps it.
struct TwoFactorEnrolment {
  std::string user_id;
  std::string key_id;         // the TotpEncryptionKey that sealed `sealed_secret`
  std::string sealed_secret;  // base64url(nonce || ciphertext || tag); never logged
  bool confirmed = false;     // false: set up, waiting for its first code
  // The last time step whose code was accepted (-1: none yet). A code of this step or an
  // earlier one is refused: each code is accepted at most once.
  std::int64_t last_step = -1;
  std::vector<std::string> recovery_code_hashes;  // 64 lowercase hex each; unused codes only
};

}  // namespace sessionkit

#endif  // SESSIONKIT_TWO_FACTOR_H_
