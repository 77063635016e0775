// The email routes of API.md §13: POST /api/auth/email/verify/request (bearer),
// /api/auth/email/verify, /api/auth/password/forgot, /api/auth/password/reset.
//
// Without SMTP_URL (Services::mail null) every one answers 404 like an unknown route;
// with read-only users (API.md §10) 403 read_only_users. The flows are AccountService's
// (account_email.cc); here their outcomes become answers, and a queued mail wakes the
// delivery worker (server/mail/mail_outbox.h). Log lines name user ids and mail ids,
// never a token, a link or an address typed into forgot.
#include <spdlog/spdlog.h>

#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/json_body.h"
#include "server/login_throttle.h"
#include "server/mail/mail_outbox.h"
#include "server/response.h"
#include "server/users/validation.h"

namespace sessionkit::server {
namespace {

// The one answer of forgot, whether or not the address is known.
constexpr std::string_view kForgotMessage =
    "If an account has this email address, a link to reset its password is on its way";

// 404 (no SMTP_URL) or 403 (read-only users); false when the route may run.
bool RefusedUpFront(Services& s, Responder& reply) {
  if (s.mail == nullptr) {
    reply(ErrorResponse(ApiError::kNotFound, "Not found"));
    return true;
  }
  if (s.users_read_only) {
    reply(ErrorResponse(ApiError::kReadOnlyUsers, kReadOnlyUsers));
    return true;
  }
  return false;
}

// The answers every flow shares; false when `o` is a success left to the caller.
bool ReplyEmailFailure(Services& s, EmailOutcome& o, Responder& reply) {
  switch (o.result) {
    case EmailResult::kDone:
      return false;
    case EmailResult::kDisabled:
      reply(ErrorResponse(ApiError::kNotFound, "Not found"));
      return true;
    case EmailResult::kInvalidToken:
      reply(ErrorResponse(ApiError::kInvalidToken, "Invalid or expired link"));
      return true;
    case EmailResult::kUserNotFound:
      reply(ErrorResponse(ApiError::kNotFound, "User not found"));
      return true;
    case EmailResult::kThrottled:
      s.metrics->LoginThrottled();
      reply(ThrottledResponse(o.retry_after_seconds));
      return true;
    case EmailResult::kInvalidCode:
      s.metrics->LoginFailed();
      reply(ErrorResponse(ApiError::kInvalidCode, "Invalid code"));
      return true;
    case EmailResult::kBusy:
      ReplyBusy(s, reply);
      return true;
    case EmailResult::kStoreError:
      ReplyError(*s.metrics, o.error, Site::kWrite, reply);
      return true;
    case EmailResult::kHashFailed:
      reply(ErrorResponse(ApiError::kInternal, "Internal server error"));
      return true;
  }
  return false;
}

void NoteQueued(Services& s, const EmailOutcome& o, std::string_view what) {
  if (o.mail_id.empty()) return;
  spdlog::info("mail queued: {} id={} user_id={}", what, o.mail_id, o.user_id);
  if (s.mail != nullptr) s.mail->Wake();
}

}  // namespace

void SendVerificationAfterRegister(Services& s, const std::string& user_id) {
  if (s.mail == nullptr || s.users_read_only || s.accounts == nullptr) return;
  s.accounts->RequestEmailVerification(user_id, [&s](EmailOutcome o) {
    if (o.result == EmailResult::kDone) return NoteQueued(s, o, "verify-email");
    spdlog::warn("verification mail at registration not queued: user_id={} ({})", o.user_id,
                 o.error.ok() ? "refused" : CodeName(o.error.code()));
  });
}

void HandleEmailVerifyRequest(Services& s, const Request& req, Responder reply) {
  if (RefusedUpFront(s, reply)) return;
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    s.accounts->RequestEmailVerification(
        auth->claims.user_id, [&s, reply](EmailOutcome o) mutable {
          if (ReplyEmailFailure(s, o, reply)) return;
          NoteQueued(s, o, "verify-email");
          reply(SuccessBody().Finish(200, "Verification email sent"));
        });
  });
}

void HandleEmailVerify(Services& s, const Request& req, Responder reply) {
  if (RefusedUpFront(s, reply)) return;
  std::string token;
  if (Status parsed = ReadStringFields(req.body, {{"token", &token}}); !parsed.ok()) {
    return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  }
  if (token.empty()) return reply(ErrorResponse(ApiError::kBadRequest, "token is required"));
  s.accounts->VerifyEmail(std::move(token), [&s, reply](EmailOutcome o) mutable {
    if (o.result == EmailResult::kInvalidToken) {
      spdlog::info("email verification refused: invalid token");
    }
    if (ReplyEmailFailure(s, o, reply)) return;
    spdlog::info("email verified: user_id={}", o.user_id);
    SuccessBody body;
    body.data().BeginObject().Key("is_verified").Bool(true).EndObject();
    reply(body.Finish(200, "Email verified"));
  });
}

void HandlePasswordForgot(Services& s, const Request& req, Responder reply) {
  if (RefusedUpFront(s, reply)) return;
  std::string email;
  if (Status parsed = ReadStringFields(req.body, {{"email", &email}}); !parsed.ok()) {
    return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  }
  if (email.empty() || email.size() > 254) {
    return reply(ErrorResponse(ApiError::kBadRequest, "email is required"));
  }
  std::string ip(req.client_ip);
  s.accounts->ForgotPassword(std::move(email), ip, [&s, ip, reply](EmailOutcome o) mutable {
    if (o.result == EmailResult::kThrottled) {
      spdlog::info("password forgot throttled: ip={} retry_after={}s", ip, o.retry_after_seconds);
    }
    if (ReplyEmailFailure(s, o, reply)) return;
    NoteQueued(s, o, "reset-password");
    reply(SuccessBody().Finish(200, kForgotMessage));
  });
}

void HandlePasswordReset(Services& s, const Request& req, Responder reply) {
  if (RefusedUpFront(s, reply)) return;
  PasswordResetRequest request;
  Status parsed = ReadStringFields(req.body, {{"token", &request.token},
                                              {"new_password", &request.new_password},
                                              {"code", &request.code}});
  if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  if (request.token.empty() || request.new_password.empty()) {
    return reply(ErrorResponse(ApiError::kBadRequest, "token and new_password are required"));
  }
  if (std::string_view problem = CheckPassword(request.new_password); !problem.empty()) {
    return reply(ErrorResponse(ApiError::kBadRequest, problem));
  }
  request.client_ip = req.client_ip;
  std::string ip(req.client_ip);
  s.accounts->ResetPassword(std::move(request), [&s, ip, reply](EmailOutcome o) mutable {
    if (o.result == EmailResult::kInvalidToken) {
      spdlog::info("password reset refused: invalid token ip={}", ip);
    } else if (o.result == EmailResult::kInvalidCode) {
      spdlog::info("password reset refused: user_id={} ip={} reason=invalid code", o.user_id, ip);
    }
    if (o.password_saved) spdlog::info("password reset: user_id={} ip={}", o.user_id, ip);
    if (ReplyEmailFailure(s, o, reply)) return;
    spdlog::info("sessions revoked: {} of user_id={} reason=password reset", o.revoked, o.user_id);
    SuccessBody body;
    body.data().BeginObject().Key("revoked").Int(static_cast<std::int64_t>(o.revoked)).EndObject();
    reply(body.Finish(200, "Password reset"));
  });
}

}  // namespace sessionkit::server
