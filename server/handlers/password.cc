// POST /api/auth/password (bearer) {current_password, new_password} (API.md §6).
//
// The new password follows the registration rules (400). The flow is
// AccountService::ChangePassword; here its outcome becomes the answer: a user not in
// this server's database -> 404 (an imported session has no password here); username
// or client IP past the login throttle's limits -> 429 with Retry-After; a wrong current
// password -> 401 invalid_credentials (counted as a failed login); otherwise the new
// hash is stored and every OTHER session of the user is revoked: 200 {revoked: n}. With
// 2FA on, `code` (TOTP or recovery code) is needed too: missing or wrong -> 401
// invalid_code, counted as a failed login.
#include <spdlog/spdlog.h>

#include "server/error_map.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/bearer.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/json_body.h"
#include "server/login_throttle.h"
#include "server/response.h"
#include "server/users/validation.h"

namespace sessionkit::server {
namespace {

void ReplyFailure(Services& s, const Status& status, Responder& reply) {
  ReplyError(*s.metrics, status, Site::kWrite, reply);
}

void AnswerChange(Services& s, const AuthContext& auth, std::string_view client_ip,
                  PasswordChangeOutcome& o, Responder& reply) {
  if (o.password_rejected) {
    s.metrics->LoginFailed();
    spdlog::info("password change refused: user_id={} ip={} reason=wrong current password",
                 o.user_id, client_ip);
  }
  if (o.password_saved) {
    spdlog::info("password changed: user_id={} (by {})", o.user_id,
                 ShortSessionId(auth.claims.session_id));
  }
  switch (o.result) {
    case PasswordChangeResult::kChanged: {
      spdlog::info("sessions revoked: {} of user_id={} reason=password change (kept {})",
                   o.revoked, o.user_id, ShortSessionId(auth.claims.session_id));
      SuccessBody body;
      body.data().BeginObject().Key("revoked").Int(static_cast<std::int64_t>(o.revoked))
          .EndObject();
      return reply(body.Finish(200, "Password changed"));
    }
    case PasswordChangeResult::kUserNotFound:
      return reply(ErrorResponse(ApiError::kNotFound, "User not found"));
    case PasswordChangeResult::kThrottled:
      s.metrics->LoginThrottled();
      return reply(ThrottledResponse(o.retry_after_seconds));
    case PasswordChangeResult::kInvalidCredentials:
      return reply(ErrorResponse(ApiError::kInvalidCredentials, "Invalid credentials"));
    case PasswordChangeResult::kBusy:
      return ReplyBusy(s, reply);
    case PasswordChangeResult::kStoreError:
      if (o.password_saved) {
        spdlog::warn("password changed for user_id={} but its other sessions were not "
                     "revoked ({})", o.user_id, CodeName(o.error.code()));
      }
      return ReplyFailure(s, o.error, reply);
    case PasswordChangeResult::kHashFailed:
      return reply(ErrorResponse(ApiError::kInternal, "Internal server error"));
    case PasswordChangeResult::kInvalidCode:  // API.md §9: 2FA on, `code` missing or wrong
      return reply(ErrorResponse(ApiError::kInvalidCode, "Invalid code"));
  }
}

}  // namespace

void HandleChangePassword(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s, &req](AuthContextPtr auth, Responder reply) {
    if (s.users_read_only) {
      return reply(ErrorResponse(ApiError::kReadOnlyUsers, kReadOnlyUsers));
    }
    // `req` is alive until the reply (bearer.h); everything needed later is copied now.
    PasswordChangeRequest request;
    Status parsed = ReadStringFields(req.body, {{"current_password", &request.current_password},
                                                {"new_password", &request.new_password},
                                                {"code", &request.code}});
    if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
    if (request.current_password.empty() || request.new_password.empty()) {
      return reply(ErrorResponse(ApiError::kBadRequest,
                                 "current_password and new_password are required"));
    }
    if (std::string_view problem = CheckPassword(request.new_password); !problem.empty()) {
      return reply(ErrorResponse(ApiError::kBadRequest, problem));
    }
    request.user_id = auth->claims.user_id;
    request.session_id = auth->claims.session_id;
    request.client_ip = req.client_ip;
    s.accounts->ChangePassword(
        std::move(request),
        [&s, auth, ip = req.client_ip, reply](PasswordChangeOutcome o) mutable {
          AnswerChange(s, *auth, ip, o, reply);
        });
  });
}

}  // namespace sessionkit::server
