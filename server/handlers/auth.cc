// POST /api/auth/register, /login, /logout, /logout-all, /logout-others (API.md §6).
// Register and login answer in the transport the request chose (API.md §8: cookies with
// X-Auth-Transport: cookie); logout and logout-all expire the cookies.
//
// Register and login: the input rules here, the flow in AccountService (user lookup and
// argon2id on the worker pool, the login throttle, the session); this file turns its
// outcome into the answer. Unknown user and wrong password get the same 401; an
// identifier or IP past its limit gets 429 with Retry-After; a full worker queue 429.
#include <spdlog/spdlog.h>

#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/browser.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/handlers/logged_identifier.h"
#include "server/json_body.h"
#include "server/login_throttle.h"
#include "server/response.h"
#include "server/users/validation.h"

namespace sessionkit::server {
namespace {

constexpr std::string_view kInvalidCredentials = "Invalid credentials";

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

void ReplyUserStoreError(Services& s, const Status& status, Responder& reply) {
  MappedError mapped = MapAndCount(*s.metrics, status, Site::kWrite);
  if (mapped.error == ApiError::kConflict) mapped.message = status.message();  // fixed texts
  reply(ErrorResponse(mapped));
}

void AnswerRegister(Services& s, bool cookie_transport, RegisterOutcome& o, Responder& reply) {
  if (!o.user.id.empty()) {
    spdlog::info("user registered: user_id={} username={:?}", o.user.id, o.user.username);
  }
  NoteIssuedSession(s, o.user, o.issued);
  switch (o.result) {
    case RegisterResult::kRegistered:
      SendVerificationAfterRegister(s, o.user.id);  // API.md §13 (no-op without mail)
      return ReplyIssued(s, cookie_transport, o.user, o.issued, 201, "Registration successful",
                         reply);
    case RegisterResult::kBusy:
      return ReplyBusy(s, reply);
    case RegisterResult::kUserStoreError:
      return ReplyUserStoreError(s, o.error, reply);
    case RegisterResult::kHashFailed:
      return reply(ErrorResponse(ApiError::kInternal, "Internal server error"));
    case RegisterResult::kSessionFailed:
      return ReplyIssueFailure(s, o.error, o.failed_step, o.user, reply);
  }
}

// `identifier` (its mark, never the text: logged_identifier.h) and `ip` are for the log
// lines.
void AnswerLogin(Services& s, bool cookie_transport, std::string_view identifier,
                 std::string_view ip, LoginOutcome& o, Responder& reply) {
  if (o.rejection != PasswordRejection::kNone) {
    s.metrics->LoginFailed();
    spdlog::info("login failed: identifier={} ip={} reason={}", identifier, ip,
                 o.rejection == PasswordRejection::kWrongPassword ? "wrong password"
                                                                  : "unknown user");
  }
  if (o.upgrade == HashUpgrade::kUpgraded) {
    spdlog::info("password rehashed to argon2id: user_id={}", o.user.id);
  } else if (o.upgrade == HashUpgrade::kFailed) {
    spdlog::warn("password rehash not saved: user_id={} ({})", o.user.id,
                 CodeName(o.upgrade_error));
  }
  if (o.password_matched) {
    s.metrics->LoginOk();
    if (o.throttle_reset_error != Code::kOk) {
      spdlog::warn("failed-login count not reset for user_id={} ({})", o.user.id,
                   CodeName(o.throttle_reset_error));
    }
  }
  NoteIssuedSession(s, o.user, o.issued);
  switch (o.result) {
    case LoginResult::kLoggedIn:
      return ReplyIssued(s, cookie_transport, o.user, o.issued, 200, "Login successful", reply);
    case LoginResult::kInvalidCredentials:
      return reply(ErrorResponse(ApiError::kInvalidCredentials, kInvalidCredentials));
    case LoginResult::kThrottled:
      s.metrics->LoginThrottled();
      spdlog::info("login throttled: identifier={} ip={} retry_after={}s", identifier, ip,
                   o.retry_after_seconds);
      return reply(ThrottledResponse(o.retry_after_seconds));
    case LoginResult::kBusy:
      return ReplyBusy(s, reply);
    case LoginResult::kStoreError:
      return ReplyUserStoreError(s, o.error, reply);
    case LoginResult::kSessionFailed:
      return ReplyIssueFailure(s, o.error, o.failed_step, o.user, reply);
    case LoginResult::kSecondFactorRequired: {  // API.md §9: no session, no token
      spdlog::info("login waits for the second factor: user_id={} ip={}", o.user.id, ip);
      SuccessBody body;
      body.data().BeginObject()
          .Key("requires_2fa").Bool(true)
          .Key("mfa_token").String(o.mfa_token)
          .Key("mfa_expires_in").Int(o.mfa_expires_in)
          .EndObject();
      return reply(body.Finish(200, "Second factor required"));
    }
    case LoginResult::kAccountDisabled:
      spdlog::info("login refused: account disabled: user_id={} ip={}", o.user.id, ip);
      return reply(ErrorResponse(ApiError::kAccountDisabled, kAccountDisabled));
  }
}

}  // namespace

void HandleRegister(Services& s, const Request& req, Responder reply) {
  if (s.users_read_only) return reply(ErrorResponse(ApiError::kReadOnlyUsers, kReadOnlyUsers));
  RegisterRequest request;
  Status parsed = ReadStringFields(req.body, {{"username", &request.username},
                                              {"email", &request.email},
                                              {"password", &request.password}});
  if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  for (std::string_view problem : {CheckUsername(request.username), CheckEmail(request.email),
                                   CheckPassword(request.password)}) {
    if (!problem.empty()) return reply(ErrorResponse(ApiError::kBadRequest, problem));
  }
  request.client = ClientInfoOf(req);
  bool cookie_transport = WantsCookieTransport(s, req);
  s.accounts->Register(std::move(request),
                       [&s, cookie_transport, reply](RegisterOutcome outcome) mutable {
                         AnswerRegister(s, cookie_transport, outcome, reply);
                       });
}

void HandleLogin(Services& s, const Request& req, Responder reply) {
  std::string email_or_username, email, username;
  LoginRequest request;
  Status parsed = ReadStringFields(req.body, {{"email_or_username", &email_or_username},
                                              {"email", &email},
                                              {"username", &username},
                                              {"password", &request.password}});
  if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  // API.md §6: email_or_username, else email, else username; any may hold either.
  std::string identifier = !IsBlank(email_or_username) ? std::move(email_or_username)
                           : !IsBlank(email)           ? std::move(email)
                                                       : std::move(username);
  if (IsBlank(identifier) || request.password.empty()) {
    return reply(ErrorResponse(ApiError::kBadRequest,
                               "email_or_username and password are required"));
  }
  // Matched ignoring surrounding whitespace (and case, in the users table).
  identifier.erase(0, identifier.find_first_not_of(" \t\r\n"));
  identifier.erase(identifier.find_last_not_of(" \t\r\n") + 1);
  // People type passwords into this field: the log gets a keyed mark, not the text.
  std::string logged_identifier = LoggedIdentifier(s.log_identifier_key, identifier);
  request.identifier = std::move(identifier);
  request.client = ClientInfoOf(req);
  bool cookie_transport = WantsCookieTransport(s, req);
  s.accounts->Login(std::move(request),
                    [&s, cookie_transport, identifier = std::move(logged_identifier),
                     ip = req.client_ip, reply](LoginOutcome o) mutable {
                      AnswerLogin(s, cookie_transport, identifier, ip, o, reply);
                    });
}

void HandleLogout(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    const std::string& id = auth->claims.session_id;
    s.sessions->RevokeAsync(id, [&s, auth, reply](Result<bool> revoked) mutable {
      if (!revoked.ok()) return ReplyError(*s.metrics, revoked.status(), Site::kWrite, reply);
      spdlog::info("session revoked: {} user_id={} reason=logout",
                   ShortSessionId(auth->claims.session_id), auth->claims.user_id);
      ForgetRefreshTokens(s, auth->claims.session_id);
      Response r = SuccessBody().Finish(200, "Logged out");
      ExpireSessionCookies(s.browser, r);
      reply(std::move(r));
    });
  });
}

void HandleLogoutAll(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    s.sessions->RevokeAllForUserAsync(
        auth->claims.user_id, {}, [&s, auth, reply](Result<std::uint64_t> revoked) mutable {
          if (!revoked.ok()) return ReplyError(*s.metrics, revoked.status(), Site::kWrite, reply);
          spdlog::info("sessions revoked: {} of user_id={} reason=logout-all (by {})", *revoked,
                       auth->claims.user_id, ShortSessionId(auth->claims.session_id));
          SuccessBody body;
          body.data().BeginObject().Key("revoked").Int(static_cast<std::int64_t>(*revoked)).EndObject();
          Response r = body.Finish(200, "All sessions revoked");
          ExpireSessionCookies(s.browser, r);
          reply(std::move(r));
        });
  });
}

void HandleLogoutOthers(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    s.sessions->RevokeAllForUserAsync(
        auth->claims.user_id, auth->claims.session_id,
        [&s, auth, reply](Result<std::uint64_t> revoked) mutable {
          if (!revoked.ok()) return ReplyError(*s.metrics, revoked.status(), Site::kWrite, reply);
          spdlog::info("sessions revoked: {} of user_id={} reason=logout-others (kept {})",
                       *revoked, auth->claims.user_id, ShortSessionId(auth->claims.session_id));
          SuccessBody body;
          body.data().BeginObject().Key("revoked").Int(static_cast<std::int64_t>(*revoked)).EndObject();
          reply(body.Finish(200, "Other sessions revoked"));
        });
  });
}

}  // namespace sessionkit::server
