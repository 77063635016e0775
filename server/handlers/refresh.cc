// POST /api/auth/refresh {refresh_token} (API.md §5).
//
// The rotation (grace replay, reuse detection) is AccountService::Refresh; here:
//   rotated or grace replay -> 200 {token, refresh_token} (a replay gets the same pair);
//   malformed, unknown, expired, or its session invalid -> 401 unauthorized;
//   reuse (spent longer than REFRESH_REUSE_GRACE_SECONDS ago: the session and its tokens
//   are revoked) -> 401 refresh_reused and a warning log line (short session id and
//   user id, never a token);
//   a store outage -> 503; a full worker queue -> 429.
// The token comes from the body or, when the body has none, from the refresh cookie
// (API.md §8); the cookie transport (X-Auth-Transport: cookie, or a token read from the
// cookie) answers with the three cookies and csrf_token instead of the tokens, and
// refresh_reused expires the cookies.
#include <spdlog/spdlog.h>

#include "server/error_map.h"
#include "server/handlers/browser.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/json_body.h"
#include "server/response.h"

namespace sessionkit::server {
namespace {

constexpr std::string_view kInvalidRefresh = "Invalid or expired refresh token";

void Unauthorized(Services& s, Responder& reply) {
  s.metrics->AuthRejected();
  reply(ErrorResponse(ApiError::kUnauthorized, kInvalidRefresh));
}

void AnswerRefresh(Services& s, bool cookie_transport, std::string_view client_ip,
                   RefreshOutcome& o, Responder& reply) {
  if (o.rotation_done) {
    if (o.rotation == RotateOutcome::kRotated) s.metrics->RefreshRotated();
    if (o.rotation == RotateOutcome::kGraceReplay) s.metrics->RefreshReplayed();
  }
  switch (o.result) {
    case RefreshResult::kRotated:
    case RefreshResult::kGraceReplay: {
      if (cookie_transport && s.browser != nullptr) {
        Response cookies;
        std::string csrf = SetSessionCookies(
            *s.browser,
            {.access_token = o.access_token,
             .refresh_token = o.refresh_token,
             .session_id = o.session_id,
             .refresh_max_age = RemainingSessionLifetime(s, o.session_created_at)},
            cookies);
        SuccessBody body;
        body.data().BeginObject().Key("csrf_token").String(csrf).EndObject();
        Response r = body.Finish(200, "Token refreshed");
        r.headers = std::move(cookies.headers);
        return reply(std::move(r));
      }
      SuccessBody body;
      body.data().BeginObject().Key("token").String(o.access_token)
          .Key("refresh_token").String(o.refresh_token).EndObject();
      Response r = body.Finish(200, "Token refreshed");
      AddNoStore(r);
      return reply(std::move(r));
    }
    case RefreshResult::kReused:
      s.metrics->RefreshReused();
      s.metrics->AuthRejected();
      spdlog::warn("refresh token reuse: session {} user_id={:?} revoked (token spent {} ms "
                   "before, grace {} s); possible token theft, client ip {}",
                   ShortSessionId(o.session_id), o.user_id, o.spent_ago.count(),
                   s.accounts->options().refresh_grace.count(), client_ip);
      {
        Response r = ErrorResponse(ApiError::kRefreshReused,
                                   "Refresh token already used; the session was revoked");
        ExpireSessionCookies(s.browser, r);
        return reply(std::move(r));
      }
    case RefreshResult::kInvalid:
      if (o.refusal == RefreshRefusal::kSuccessorConflict) {
        spdlog::error("refresh of {}: successor already stored; refused",
                      ShortSessionId(o.session_id));
      } else if (o.refusal == RefreshRefusal::kAccountDisabled) {
        spdlog::info("refresh refused: account disabled: user_id={:?}; session {} revoked",
                     o.user_id, ShortSessionId(o.session_id));
      } else if (o.refusal == RefreshRefusal::kReplayKeyChanged) {
        spdlog::warn("refresh replay of {} derived a different successor; refused",
                     ShortSessionId(o.session_id));
      }
      return Unauthorized(s, reply);
    case RefreshResult::kBusy:
      return ReplyBusy(s, reply);
    case RefreshResult::kStoreError:
      return ReplyError(*s.metrics, o.error, Site::kWrite, reply);
    case RefreshResult::kInternal:
      spdlog::error("refresh failed: {}", o.error.ToString());
      return reply(ErrorResponse(ApiError::kInternal, "Internal server error"));
  }
}

}  // namespace

void HandleRefresh(Services& s, const Request& req, Responder reply) {
  RefreshRequest request;
  bool cookie_transport = WantsCookieTransport(s, req);
  std::string_view from_cookie = RefreshCookie(s, req);
  // A browser refreshing from its cookie may send no body at all.
  bool blank_body = req.body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (!blank_body || from_cookie.empty()) {
    Status parsed = ReadStringFields(req.body, {{"refresh_token", &request.refresh_token}});
    if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  }
  if (request.refresh_token.empty() && !from_cookie.empty()) {
    request.refresh_token = std::string(from_cookie);
    cookie_transport = true;  // it came from a cookie: it goes back in one
  }
  if (request.refresh_token.empty()) {
    return reply(ErrorResponse(ApiError::kBadRequest, "refresh_token is required"));
  }
  request.client_ip = req.client_ip;
  request.user_agent = std::string(req.user_agent);
  s.accounts->Refresh(std::move(request),
                      [&s, cookie_transport, ip = req.client_ip, reply](RefreshOutcome o) mutable {
                        AnswerRefresh(s, cookie_transport, ip, o, reply);
                      });
}

}  // namespace sessionkit::server
