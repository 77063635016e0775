#include "src/account/two_factor_check.h"

#include <sodium.h>

#include <string>

#include "src/account/recovery_codes.h"
#include "src/account/totp.h"

namespace sessionkit::internal {

Result<CodeCheck> CheckSecondFactorCode(UserStore& users, const TotpSecretBox& box,
                                        const TwoFactorEnrolment& enrolment,
                                        std::string_view code, bool allow_recovery,
                                        TimePoint now) {
  Result<std::string> secret = box.Open(enrolment.user_id, enrolment.key_id, enrolment.sealed_secret);
  if (!secret.ok()) {
    return Status::Internal("cannot open the TOTP secret (key id " + enrolment.key_id +
                            "): " + std::string(secret.status().message()));
  }
  struct Wipe {
    std::string& s;
    ~Wipe() { sodium_memzero(s.data(), s.size()); }
  } wipe{*secret};

  CodeCheck out;
  if (std::optional<std::int64_t> step = MatchTotp(*secret, code, now)) {
    if (*step <= enrolment.last_step) return out;  // replayed: no write needed to know
    Result<bool> advanced = users.AdvanceTwoFactorStep(enrolment.user_id, *step);
    if (!advanced.ok()) return advanced.status();
    out.accepted = *advanced;  // false: another request took this step first
    return out;
  }
  if (!allow_recovery) return out;
  std::optional<std::string> normalized = NormalizeRecoveryCode(code);
  if (!normalized) return out;
  Result<UserStore::RecoveryCodeUse> use =
      users.UseRecoveryCode(enrolment.user_id, RecoveryCodeHash(*secret, enrolment.user_id, *normalized));
  if (!use.ok()) return use.status();
  out.accepted = use->used;
  out.recovery_code_used = use->used;
  out.recovery_codes_left = use->left;
  return out;
}

}  // namespace sessionkit::internal
