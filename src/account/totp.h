// TOTP (RFC 6238 over RFC 4226): HMAC-SHA-1, 6 digits, 30-second steps counted from the
// Unix epoch, and the text forms around it (API.md §9): unpadded base32 secrets and the
// otpauth:// URI authenticator apps read.
//
// Why our own few lines rather than liboath: the code is 20 lines on OpenSSL's HMAC
// (which the project already links); MatchTotp compares the presented code with every
// step of the window in constant time (liboath's validate uses strcmp and stops at the
// first match), and the clock is the caller's injected TimePoint. Correctness is pinned
// by RFC 6238 appendix B's SHA-1 vectors and, end to end, by codes from the real
// `oathtool` (liboath) in tests/integration/test_two_factor.py.
//
// MatchTotp does not know about replay: it returns the step the code matched, and the
// caller accepts the code only if it can advance the user's last accepted step to it
// atomically (UserStore::AdvanceTwoFactorStep).
//
// Pure functions; thread-safe; nothing throws. Secrets never leave these functions
// except through the caller.
#ifndef SESSIONKIT_SRC_ACCOUNT_TOTP_H_
#define SESSIONKIT_SRC_ACCOUNT_TOTP_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sessionkit/clock.h"

namespace sessionkit::internal {

inline constexpr std::int64_t kTotpPeriodSeconds = 30;
inline constexpr int kTotpDigits = 6;
inline constexpr std::size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226's recommendation
// Steps either side of the current one that are accepted (clock drift, typing time).
inline constexpr std::int64_t kTotpWindowSteps = 1;

// The RFC 6238 time step of `t`: floor(unix seconds / 30). Times before the epoch are step -1
// or less (never accepted: steps are compared with a last step that starts at -1).
std::int64_t TotpStep(TimePoint t) noexcept;

// HOTP(secret, step) with `digits` decimal digits (6..8), zero-padded.
std::string TotpCode(std::string_view secret, std::int64_t step, int digits = kTotpDigits);

// The step in [step(now) - 1, step(now) + 1] whose code equals `code` (exactly 6 ASCII
// digits; anything else matches nothing). Every candidate is computed and compared in
// constant time, whatever matches.
std::optional<std::int64_t> MatchTotp(std::string_view secret, std::string_view code,
                                      TimePoint now);

// RFC 4648 base32 (A-Z, 2-7) without padding.
std::string Base32Encode(std::string_view bytes);
// Accepts upper or lower case, ignores spaces and '=' padding; nullopt for other characters,
// trailing bits that are not zero, or a length no encoding has (1, 3 or 6 characters modulo
// 8): an accepted text is exactly Base32Encode of what it decodes to.
std::optional<std::string> Base32Decode(std::string_view text);

// RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string PercentEncode(std::string_view text);

// otpauth://totp/<issuer>:<username>?secret=<base32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30
// with issuer and username percent-encoded (API.md §9).
std::string OtpauthUri(std::string_view issuer, std::string_view username,
                       std::string_view base32_secret);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_ACCOUNT_TOTP_H_
