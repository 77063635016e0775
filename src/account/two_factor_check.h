// Checking a second-factor code against a confirmed enrolment (private to src/account):
// shared by login verification, password change and the 2FA management flows.
//
// A TOTP code is accepted when it matches a step of the window (totp.h) AND the user
// store moves the user's last accepted step forward to it by compare-and-set
// (UserStore::AdvanceTwoFactorStep): so a code is accepted at most once, even when two
// servers check it at the same instant. With allow_recovery, a recovery code (recognised
// by its shape) is spent instead, also by compare-and-set.
//
// Blocking (UserStore calls): run it on the blocking executor. Errors: the user store's
// (Unavailable), Internal when the secret cannot be opened (its key is not configured,
// or the sealed text does not verify). The secret is wiped before returning.
#ifndef SESSIONKIT_SRC_ACCOUNT_TWO_FACTOR_CHECK_H_
#define SESSIONKIT_SRC_ACCOUNT_TWO_FACTOR_CHECK_H_

#include <cstdint>
#include <string_view>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/two_factor.h"
#include "sessionkit/user_store.h"
#include "src/account/totp_secret_box.h"

namespace sessionkit::internal {

struct CodeCheck {
  bool accepted = false;
  bool recovery_code_used = false;
  std::uint32_t recovery_codes_left = 0;
};

Result<CodeCheck> CheckSecondFactorCode(UserStore& users, const TotpSecretBox& box,
                                        const TwoFactorEnrolment& enrolment,
                                        std::string_view code, bool allow_recovery,
                                        TimePoint now);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_ACCOUNT_TWO_FACTOR_CHECK_H_
