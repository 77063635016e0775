// The second factor's routes (API.md §9): setup, confirm, verify (the second step of a
// login), recovery codes and disable. The flows are AccountService's; this file reads
// the bodies and turns outcomes into answers:
//   - a wrong, replayed or malformed code -> 401 invalid_code (counted as a failed
//     login: s.metrics->LoginFailed and a log line naming the user, never the code);
//   - the user or IP past the login throttle -> 429 with Retry-After;
//   - verify with an unknown, expired, spent or killed mfa_token -> 401 unauthorized;
//   - setup while 2FA is on -> 409; confirm/recovery-codes/disable without the right
//     enrolment -> 400; a read-only external user store -> 403 read_only_users.
// Verify answers like login, in the transport the request chose (API.md §8: with
// X-Auth-Transport: cookie the three cookies, and csrf_token in place of the tokens); a
// user disabled since the password step -> 403 account_disabled, no session. GET
// /api/auth/2fa tells the signed-in user whether 2FA is on (for the security page).
// No secret, code or token is ever logged; the secret leaves only in setup's answer.
#include <spdlog/spdlog.h>

#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/browser.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/handlers/views.h"
#include "server/json_body.h"
#include "server/login_throttle.h"
#include "server/response.h"

namespace sessionkit::server {
namespace {

constexpr std::string_view kInvalidCode = "Invalid code";

// The answers every 2FA outcome shares; false when `result` is not one of them.
bool ReplyCommon(Services& s, TwoFactorResult result, const Status& error,
                 std::int64_t retry_after_seconds, Responder& reply) {
  switch (result) {
    case TwoFactorResult::kUnsupported:
      reply(ErrorResponse(ApiError::kReadOnlyUsers,
                          "Users are managed by another system; two-factor authentication is off"));
      return true;
    case TwoFactorResult::kUserNotFound:
      reply(ErrorResponse(ApiError::kNotFound, "User not found"));
      return true;
    case TwoFactorResult::kNotEnrolled:
      reply(ErrorResponse(ApiError::kBadRequest, "No matching two-factor enrolment"));
      return true;
    case TwoFactorResult::kAlreadyOn:
      reply(ErrorResponse(ApiError::kConflict, "Two-factor authentication is already on"));
      return true;
    case TwoFactorResult::kInvalidToken:
      reply(ErrorResponse(ApiError::kUnauthorized, "Invalid or expired mfa_token"));
      return true;
    case TwoFactorResult::kInvalidCode:
      reply(ErrorResponse(ApiError::kInvalidCode, kInvalidCode));
      return true;
    case TwoFactorResult::kThrottled:
      s.metrics->LoginThrottled();
      reply(ThrottledResponse(retry_after_seconds));
      return true;
    case TwoFactorResult::kBusy:
      ReplyBusy(s, reply);
      return true;
    case TwoFactorResult::kStoreError:
      if (!error.IsUnavailable()) spdlog::error("two-factor flow failed: {}", error.ToString());
      ReplyError(*s.metrics, error.IsUnavailable() ? error : Status::Internal("two-factor"),
                 Site::kWrite, reply);
      return true;
    case TwoFactorResult::kAccountDisabled:
      reply(ErrorResponse(ApiError::kAccountDisabled, kAccountDisabled));
      return true;
    case TwoFactorResult::kDone:
    case TwoFactorResult::kSessionFailed:
      return false;
  }
  return false;
}

void WriteCodes(internal::JsonWriter& w, const std::vector<std::string>& codes) {
  w.Key("recovery_codes").BeginArray();
  for (const std::string& code : codes) w.String(code);
  w.EndArray();
}

// {code} of an authenticated 2FA route.
using CodeFlow = void (AccountService::*)(TwoFactorCodeRequest,
                                          std::function<void(TwoFactorCodeOutcome)>);

void HandleCodeRoute(Services& s, const Request& req, Responder reply, CodeFlow flow,
                     std::string_view what) {
  Authenticate(s, req, std::move(reply), [&s, &req, flow, what](AuthContextPtr auth,
                                                                Responder reply) {
    TwoFactorCodeRequest request;
    Status parsed = ReadStringFields(req.body, {{"code", &request.code}});
    if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
    if (request.code.empty()) return reply(ErrorResponse(ApiError::kBadRequest, "code is required"));
    request.user_id = auth->claims.user_id;
    request.session_id = auth->claims.session_id;
    request.client_ip = req.client_ip;
    ((*s.accounts).*flow)(std::move(request), [&s, auth, what, ip = req.client_ip,
                                               reply](TwoFactorCodeOutcome o) mutable {
      if (o.code_rejected) {
        s.metrics->LoginFailed();
        spdlog::info("two-factor code refused: user_id={} ip={} route={}",
                     auth->claims.user_id, ip, what);
      }
      if (ReplyCommon(s, o.result, o.error, o.retry_after_seconds, reply)) return;
      SuccessBody body;
      internal::JsonWriter& w = body.data();
      w.BeginObject();
      if (what == "confirm") {
        spdlog::info("two-factor on: user_id={}; sessions revoked: {} (kept {}, aal 2: {})",
                     auth->claims.user_id, o.revoked, ShortSessionId(auth->claims.session_id),
                     o.session_upgraded ? "yes" : "no");
        WriteCodes(w, o.recovery_codes);
        w.Key("revoked").Int(static_cast<std::int64_t>(o.revoked));
        w.EndObject();
        return reply(body.Finish(200, "Two-factor authentication enabled"));
      }
      if (what == "recovery-codes") {
        spdlog::info("recovery codes regenerated: user_id={}", auth->claims.user_id);
        WriteCodes(w, o.recovery_codes);
        w.EndObject();
        return reply(body.Finish(200, "Recovery codes regenerated"));
      }
      spdlog::info("two-factor off: user_id={}", auth->claims.user_id);
      w.EndObject();
      reply(body.Finish(200, "Two-factor authentication disabled"));
    });
  });
}

}  // namespace

void HandleTotpSetup(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    s.accounts->SetupTotp(auth->claims.user_id, [&s, auth, reply](TotpSetupOutcome o) mutable {
      if (ReplyCommon(s, o.result, o.error, 0, reply)) return;
      spdlog::info("two-factor setup started: user_id={}", auth->claims.user_id);
      SuccessBody body;
      body.data().BeginObject()
          .Key("secret").String(o.secret)
          .Key("otpauth_uri").String(o.otpauth_uri)
          .Key("qr_svg").String(o.qr_svg)
          .EndObject();
      reply(body.Finish(200, "Scan the code, then confirm with a code from the app"));
    });
  });
}

void HandleTotpConfirm(Services& s, const Request& req, Responder reply) {
  HandleCodeRoute(s, req, std::move(reply), &AccountService::ConfirmTotp, "confirm");
}

void HandleRecoveryCodes(Services& s, const Request& req, Responder reply) {
  HandleCodeRoute(s, req, std::move(reply), &AccountService::RegenerateRecoveryCodes,
                  "recovery-codes");
}

void HandleTotpDisable(Services& s, const Request& req, Responder reply) {
  HandleCodeRoute(s, req, std::move(reply), &AccountService::DisableTotp, "disable");
}

void HandleTwoFactorVerify(Services& s, const Request& req, Responder reply) {
  SecondFactorRequest request;
  Status parsed = ReadStringFields(req.body, {{"mfa_token", &request.mfa_token},
                                              {"code", &request.code},
                                              {"recovery_code", &request.recovery_code}});
  if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  if (request.mfa_token.empty() || (request.code.empty() == request.recovery_code.empty())) {
    return reply(ErrorResponse(ApiError::kBadRequest,
                               "mfa_token and one of code or recovery_code are required"));
  }
  request.client = ClientInfoOf(req);
  const bool cookie_transport = WantsCookieTransport(s, req);  // API.md §8, like login
  s.accounts->VerifySecondFactor(
      std::move(request),
      [&s, cookie_transport, ip = req.client_ip, reply](SecondFactorOutcome o) mutable {
        if (o.code_rejected) {
          s.metrics->LoginFailed();
          spdlog::info("two-factor code refused: user_id={} ip={} route=verify{}", o.user.id, ip,
                       o.token_killed ? " (mfa_token dead)" : "");
        }
        if (o.recovery_code_used) {
          spdlog::info("recovery code used: user_id={} left={}", o.user.id, o.recovery_codes_left);
        }
        NoteIssuedSession(s, o.user, o.issued);
        if (o.result == TwoFactorResult::kAccountDisabled) {
          spdlog::info("second step refused: account disabled: user_id={} ip={}", o.user.id, ip);
        }
        if (ReplyCommon(s, o.result, o.error, o.retry_after_seconds, reply)) return;
        if (o.result == TwoFactorResult::kSessionFailed) {
          return ReplyIssueFailure(s, o.error, o.failed_step, o.user, reply);
        }
        // The answer of login (issue_session.h), in the transport the request chose, plus
        // recovery_codes_left when a recovery code was used.
        Response cookies;
        std::string csrf;
        if (cookie_transport && s.browser != nullptr) {
          csrf = SetSessionCookies(
              *s.browser,
              {.access_token = o.issued.access_token,
               .refresh_token = o.issued.refresh_token,
               .session_id = o.issued.session.id,
               .refresh_max_age = RemainingSessionLifetime(s, o.issued.session.created_at)},
              cookies);
        } else {
          AddNoStore(cookies);
        }
        SuccessBody body;
        internal::JsonWriter& w = body.data();
        w.BeginObject().Key("user");
        WriteUser(w, o.user);
        if (csrf.empty()) {
          w.Key("token").String(o.issued.access_token)
              .Key("refresh_token").String(o.issued.refresh_token);
        } else {
          w.Key("csrf_token").String(csrf);
        }
        w.Key("requires_2fa").Bool(false)
            .Key("is_verified").Bool(o.user.is_email_verified);
        if (o.recovery_code_used) {
          w.Key("recovery_codes_left").Int(static_cast<std::int64_t>(o.recovery_codes_left));
        }
        w.EndObject();
        Response r = body.Finish(200, "Login successful");
        r.headers = std::move(cookies.headers);
        reply(std::move(r));
      });
}

// GET /api/auth/2fa: is 2FA on for this user, and how many recovery codes are left. For
// the security page, which must show the right controls; read on the worker pool.
void HandleTwoFactorStatus(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    auto job = [&s, auth, reply]() mutable {
      bool supported = s.users != nullptr && s.users->SupportsTwoFactor();
      bool enabled = false;
      std::size_t codes_left = 0;
      if (supported) {
        Result<TwoFactorEnrolment> enrolment = s.users->GetTwoFactor(auth->claims.user_id);
        if (!enrolment.ok() && !enrolment.status().IsNotFound()) {
          return ReplyError(*s.metrics, enrolment.status(), Site::kResource, reply);
        }
        if (enrolment.ok() && enrolment->confirmed) {
          enabled = true;
          codes_left = enrolment->recovery_code_hashes.size();
        }
      }
      SuccessBody body;
      internal::JsonWriter& w = body.data();
      w.BeginObject().Key("available").Bool(supported).Key("enabled").Bool(enabled);
      if (enabled) w.Key("recovery_codes_left").Int(static_cast<std::int64_t>(codes_left));
      w.EndObject();
      reply(body.Finish(200, "OK"));
    };
    auto shared = std::make_shared<decltype(job)>(std::move(job));
    if (!s.workers->Submit([shared] { (*shared)(); })) ReplyBusy(s, reply);
  });
}

}  // namespace sessionkit::server
