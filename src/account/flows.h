// What the AccountService flows share (private to src/account): the refresh-successor
// key and the login throttle.
//
// Thread safety: immutable after construction; every member may be used from any thread.
#ifndef SESSIONKIT_SRC_ACCOUNT_FLOWS_H_
#define SESSIONKIT_SRC_ACCOUNT_FLOWS_H_

#include "sessionkit/account_service.h"
#include "src/account/login_throttle.h"
#include "src/account/refresh_token.h"
#include "src/account/totp_secret_box.h"

namespace sessionkit {

struct AccountService::Flows {
  Flows(const AccountOptions& options, AuthStateStore& auth_state, internal::TotpSecretBox box)
      : refresh_tokens(options.refresh_secret),
        throttle(auth_state, options.login_limits),
        totp_box(std::move(box)) {}

  internal::RefreshTokens refresh_tokens;
  internal::LoginThrottle throttle;
  internal::TotpSecretBox totp_box;  // seals and opens TOTP secrets
};

}  // namespace sessionkit

#endif  // SESSIONKIT_SRC_ACCOUNT_FLOWS_H_
