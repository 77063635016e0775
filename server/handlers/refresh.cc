// POST /api/auth/refresh {refresh_token} (API.md §5).
//
// The rotation (grace replay, reuse detection) is AccountService::Refresh; here:
//   rotated or grace replay -> 200 {token, refresh_token} (a replay gets the same pair);
//   malformed, unknown, expired, or its session invalid -> 401 unauthorized;
//   reuse (spent longer than REFRESH_REUSE_GRACE_SECONDS ago: the session and its tokens
//   are revoked) -> 401 refresh_reused and a warning log line (short session id and
//   user id, never a token);
//   a store outage -> 503; a full worker queue -> 429.
#include <spdlog/spdlog.h>

#include "server/error_map.h"
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

void AnswerRefresh(Services& s, std::string_view client_ip, RefreshOutcome& o,
                   Responder& reply) {
  if (o.rotation_done) {
    if (o.rotation == RotateOutcome::kRotated) s.metrics->RefreshRotated();
    if (o.rotation == RotateOutcome::kGraceReplay) s.metrics->RefreshReplayed();
  }
  switch (o.result) {
    case RefreshResult::kRotated:
    case RefreshResult::kGraceReplay: {
      SuccessBody body;
      body.data().BeginObject().Key("token").String(o.access_token)
          .Key("refresh_token").String(o.refresh_token).EndObject();
      return reply(body.Finish(200, "Token refreshed"));
    }
    case RefreshResult::kReused:
      s.metrics->RefreshReused();
      s.metrics->AuthRejected();
      spdlog::warn("refresh token reuse: session {} user_id={:?} revoked (token spent {} ms "
                   "before, grace {} s); possible token theft, client ip {}",
                   ShortSessionId(o.session_id), o.user_id, o.spent_ago.count(),
                   s.accounts->options().refresh_grace.count(), client_ip);
      return reply(ErrorResponse(ApiError::kRefreshReused,
                                 "Refresh token already used; the session was revoked"));
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
  Status parsed = ReadStringFields(req.body, {{"refresh_token", &request.refresh_token}});
  if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  if (request.refresh_token.empty()) {
    return reply(ErrorResponse(ApiError::kBadRequest, "refresh_token is required"));
  }
  request.client_ip = req.client_ip;
  request.user_agent = std::string(req.user_agent);
  s.accounts->Refresh(std::move(request),
                      [&s, ip = req.client_ip, reply](RefreshOutcome o) mutable {
                        AnswerRefresh(s, ip, o, reply);
                      });
}

}  // namespace sessionkit::server
