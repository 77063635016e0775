// Recovery codes of the second factor (API.md §9): ten single-use codes "xxxxx-xxxxx".
//
// A code is 10 characters from a 31-character alphabet without look-alikes (no 0/o,
// 1/l/i): about 49.5 bits from the system CSPRNG, drawn without modulo bias. Codes are
// typed back case-insensitively, with or without the hyphen and spaces.
//
// Stored hashed. The hash is fast and keyed, not a password hash: a code has ~50 bits
// of entropy (no dictionary to try, unlike a password), and the key is what makes a
// stolen users database useless for guessing -- without it no hash can be tested
// offline at all, and online guesses are throttled like failed logins. The key is
// derived from the user's own TOTP secret (which the database holds only encrypted):
//   key  = HMAC-SHA256(totp_secret, "sessionkit recovery code v1")
//   hash = hex(HMAC-SHA256(key, user_id || 0x00 || normalized code))
// so it lives exactly as long as the enrolment, needs no setting of its own, and
// survives a rotation of the encryption key (the plaintext secret does not change).
//
// Thread-safe (pure functions); nothing throws.
#ifndef SESSIONKIT_SRC_ACCOUNT_RECOVERY_CODES_H_
#define SESSIONKIT_SRC_ACCOUNT_RECOVERY_CODES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/result.h"

namespace sessionkit::internal {

inline constexpr std::size_t kRecoveryCodeCount = 10;
inline constexpr std::string_view kRecoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";

// kRecoveryCodeCount fresh codes, "xxxxx-xxxxx". Unavailable if the CSPRNG fails.
Result<std::vector<std::string>> GenerateRecoveryCodes();

// The 10 characters of a typed code, lowercased, hyphens and spaces dropped; nullopt if
// what remains is not 10 characters of the alphabet.
std::optional<std::string> NormalizeRecoveryCode(std::string_view typed);

// 64 lowercase hex (see the header comment). `normalized` from NormalizeRecoveryCode.
std::string RecoveryCodeHash(std::string_view totp_secret, std::string_view user_id,
                             std::string_view normalized);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_ACCOUNT_RECOVERY_CODES_H_
