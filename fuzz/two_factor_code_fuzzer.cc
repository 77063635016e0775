// Fuzz target: what a person types as a second factor (src/account/totp.h MatchTotp,
// src/account/recovery_codes.h NormalizeRecoveryCode / RecoveryCodeHash): the two steps
// CheckSecondFactorCode (two_factor_check.h) runs on the code before it asks the store.
//
// Input: 8 bytes of a time (a system_clock tick count, little-endian), one byte giving
// the secret's length (mod 65), that many bytes of secret, then the typed code.
//
// Properties beyond "no crash":
//   - a TOTP match is exactly 6 ASCII digits, for a step of the window around the
//     time (never negative), whose code it is; the current step's own code always
//     matches;
//   - a recovery code that normalises is 10 characters of the alphabet, normalises to
//     itself and from its "xxxxx-xxxxx" upper-case form, and hashes to 64 lowercase hex;
//     a typed code over 64 bytes never normalises.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "src/account/recovery_codes.h"
#include "src/account/totp.h"

namespace {

using namespace sessionkit::internal;
using sessionkit::TimePoint;

bool IsSixDigits(std::string_view code) {
  if (code.size() != 6) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 9) return 0;
  std::uint64_t ticks = 0;
  for (int i = 7; i >= 0; --i) ticks = (ticks << 8) | data[i];
  const TimePoint now{TimePoint::duration(static_cast<TimePoint::rep>(ticks))};
  std::string_view rest(reinterpret_cast<const char*>(data) + 9, size - 9);
  const std::size_t secret_size = std::min<std::size_t>(data[8] % 65, rest.size());
  const std::string_view secret = rest.substr(0, secret_size);
  const std::string_view code = rest.substr(secret_size);

  const std::int64_t current = TotpStep(now);
  if (std::optional<std::int64_t> step = MatchTotp(secret, code, now)) {
    FUZZ_CHECK(IsSixDigits(code));
    FUZZ_CHECK(*step >= 0 && *step >= current - kTotpWindowSteps &&
               *step <= current + kTotpWindowSteps);
    FUZZ_CHECK(TotpCode(secret, *step) == code);
  }
  if (current >= 0) {
    const std::string own = TotpCode(secret, current);
    FUZZ_CHECK(IsSixDigits(own));
    std::optional<std::int64_t> step = MatchTotp(secret, own, now);
    FUZZ_CHECK(step.has_value() && *step <= current);
  }

  const std::optional<std::string> normalized = NormalizeRecoveryCode(code);
  if (code.size() > 64) FUZZ_CHECK(!normalized);
  if (normalized) {
    FUZZ_CHECK(normalized->size() == 10);
    for (char c : *normalized) FUZZ_CHECK(kRecoveryAlphabet.find(c) != std::string_view::npos);
    FUZZ_CHECK(NormalizeRecoveryCode(*normalized) == normalized);
    std::string typed = normalized->substr(0, 5) + "-" + normalized->substr(5);
    for (char& c : typed) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    FUZZ_CHECK(NormalizeRecoveryCode(typed) == normalized);
    const std::string hash = RecoveryCodeHash(secret, code, *normalized);
    FUZZ_CHECK(hash.size() == 64);
    for (char c : hash) FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  return 0;
}
