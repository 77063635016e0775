// POST /api/auth/refresh {refresh_token} (API.md §5).
//
//   1. the token's shape (43 base64url characters), then GetRefresh(SHA-256 of it):
//      unknown or expired -> 401 unauthorized;
//   2. an active token: validate its session through the SessionManager (live, same
//      user, binding policy; the validation is activity, so the session slides), then
//      RotateRefresh with successor = HMAC(refresh key, token), live until the session's
//      absolute deadline;
//      a spent token: RotateRefresh first (a replay reads, a reuse revokes), then
//      validate the session of a replay;
//   3. rotated or grace replay -> 200 {token, refresh_token}: the access token is signed
//      with iat = the rotation time, so a replay gets byte-identical tokens;
//      reuse (spent longer than REFRESH_REUSE_GRACE_SECONDS ago) -> the store has
//      deleted the session and its tokens; 401 refresh_reused and a warning log line
//      (short session id and user id, never a token).
// A store outage is 503 at any step.
#include <spdlog/spdlog.h>

#include <memory>

#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/json_body.h"
#include "server/refresh_token.h"
#include "server/response.h"

namespace sessionkit::server {
namespace {

constexpr std::string_view kInvalidRefresh = "Invalid or expired refresh token";

// One refresh request's state, shared by its continuations.
struct RefreshFlow : std::enable_shared_from_this<RefreshFlow> {
  Services& s;
  Responder reply;
  std::string client_ip;
  std::string user_agent;
  TimePoint now;
  std::string presented_hash;
  std::string successor;
  std::string successor_hash;
  RefreshRecord record;
  bool validated = false;
  Session session;  // once validated

  RefreshFlow(Services& services, Responder r) : s(services), reply(std::move(r)) {}

  void Unauthorized() {
    s.metrics->AuthRejected();
    reply(ErrorResponse(ApiError::kUnauthorized, kInvalidRefresh));
  }

  void StoreFailure(const Status& status) {
    if (status.IsUnavailable()) return ReplyError(*s.metrics, status, Site::kWrite, reply);
    if (status.IsNotFound() || status.IsExpired()) return Unauthorized();
    spdlog::error("refresh failed: {}", status.ToString());
    reply(ErrorResponse(ApiError::kInternal, "Internal server error"));
  }

  void Start() {
    auto self = shared_from_this();
    s.auth_state->GetRefreshAsync(presented_hash, [self](Result<RefreshRecord> found) {
      if (!found.ok()) return self->StoreFailure(found.status());
      self->record = std::move(found).value();
      if (self->record.state == RefreshState::kActive) {
        self->Validate([self] { self->Rotate(); });
      } else {
        self->Rotate();
      }
    });
  }

  template <class Next>
  void Validate(Next next) {
    auto self = shared_from_this();
    ValidateRequest request{record.session_id, record.user_id, client_ip, user_agent};
    s.sessions->ValidateAsync(request, [self, next = std::move(next)](Result<Validation> v) {
      if (!v.ok()) {
        if (v.status().IsUnavailable()) return self->StoreFailure(v.status());
        return self->Unauthorized();  // session revoked, expired, another user's, drifted
      }
      self->validated = true;
      self->session = std::move(v->session);
      next();
    });
  }

  void Rotate() {
    TimePoint expires = validated
                            ? session.created_at + s.sessions->options().absolute_lifetime
                            : record.expires_at;  // a spent token never rotates again
    if (expires <= now) expires = now + std::chrono::seconds(1);
    RotateRequest request;
    request.presented_hash = presented_hash;
    request.successor_hash = successor_hash;
    request.now = now;
    request.grace = s.refresh_grace;
    request.successor_expires_at = expires;
    auto self = shared_from_this();
    s.auth_state->RotateRefreshAsync(request, [self](Result<RefreshRotation> rotation) {
      self->Rotated(std::move(rotation));
    });
  }

  void Rotated(Result<RefreshRotation> rotation) {
    if (!rotation.ok()) {
      if (rotation.status().code() == Code::kConflict) {
        spdlog::error("refresh of {}: successor already stored; refused",
                      ShortSessionId(record.session_id));
        return Unauthorized();
      }
      return StoreFailure(rotation.status());
    }
    switch (rotation->outcome) {
      case RotateOutcome::kReused:
        s.metrics->RefreshReused();
        s.metrics->AuthRejected();
        spdlog::warn("refresh token reuse: session {} user_id={:?} revoked (token spent {} ms "
                     "before, grace {} s); possible token theft, client ip {}",
                     ShortSessionId(rotation->session_id), rotation->user_id,
                     std::chrono::duration_cast<std::chrono::milliseconds>(
                         now - rotation->rotated_at).count(),
                     s.refresh_grace.count(), client_ip);
        return reply(ErrorResponse(ApiError::kRefreshReused,
                                   "Refresh token already used; the session was revoked"));
      case RotateOutcome::kGraceReplay:
        if (rotation->successor_hash != successor_hash) {
          // Derived under another key (JWT_SECRET changed since the rotation).
          spdlog::warn("refresh replay of {} derived a different successor; refused",
                       ShortSessionId(rotation->session_id));
          return Unauthorized();
        }
        s.metrics->RefreshReplayed();
        break;
      case RotateOutcome::kRotated:
        s.metrics->RefreshRotated();
        break;
    }
    TimePoint rotated_at = rotation->rotated_at;
    if (validated) return Answer(rotated_at);
    auto self = shared_from_this();
    Validate([self, rotated_at] { self->Answer(rotated_at); });
  }

  void Answer(TimePoint rotated_at) {
    // A primary-key read of the local users table (as /users/me does); a user this
    // server does not know (an imported session) is described by its session.
    Result<User> found = s.users->FindById(session.user_id);
    if (!found.ok() && !found.status().IsNotFound()) return StoreFailure(found.status());
    User user;
    if (found.ok()) {
      user = std::move(found).value();
    } else {
      user.id = session.user_id;
      user.username = session.username;
    }
    std::string token = s.jwt->Sign(ClaimsFor(s, user, session, UnixSeconds(rotated_at)));
    SuccessBody body;
    body.data().BeginObject().Key("token").String(token).Key("refresh_token").String(successor)
        .EndObject();
    reply(body.Finish(200, "Token refreshed"));
  }
};

}  // namespace

void HandleRefresh(Services& s, const Request& req, Responder reply) {
  std::string presented;
  Status parsed = ReadStringFields(req.body, {{"refresh_token", &presented}});
  if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
  if (presented.empty()) {
    return reply(ErrorResponse(ApiError::kBadRequest, "refresh_token is required"));
  }
  auto flow = std::make_shared<RefreshFlow>(s, std::move(reply));
  if (!RefreshTokens::IsWellFormed(presented)) return flow->Unauthorized();
  flow->client_ip = req.client_ip;
  flow->user_agent = std::string(req.user_agent);
  flow->now = ClockOrSystem(s.clock).Now();
  flow->presented_hash = RefreshTokens::HashOf(presented);
  flow->successor = s.refresh_tokens->SuccessorOf(presented);
  flow->successor_hash = RefreshTokens::HashOf(flow->successor);
  flow->Start();
}

}  // namespace sessionkit::server
