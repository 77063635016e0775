// POST /api/auth/password (bearer) {current_password, new_password} (API.md §6).
//
// The new password follows the registration rules (400). The user must be in this
// server's database (404 otherwise: an imported session has no password here). The
// login throttle guards the current password like a login: the user's username
// (lowercased) and the client IP past their limits -> 429 with Retry-After, and a wrong
// current password is 401 invalid_credentials counted as a failed login for both.
// Then, on the worker pool: the new argon2id hash is stored and every OTHER session of
// the user is revoked (the current one stays): 200 {revoked: n}.
#include <spdlog/spdlog.h>

#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/handlers/on_worker.h"
#include "server/json_body.h"
#include "server/response.h"
#include "server/users/validation.h"

namespace sessionkit::server {
namespace {

struct PasswordChange {
  AuthContextPtr auth;
  User user;
  std::string current;
  std::string fresh;
  std::string id_key;
  std::string ip_key;
  std::string client_ip;
};

// On a worker: check, hash, store, revoke the others.
void ChangePassword(Services& s, std::shared_ptr<PasswordChange> change, Responder reply) {
  const User& user = change->user;
  if (s.hasher->Verify(user.password_hash, change->current) == PasswordCheck::kMismatch) {
    s.metrics->LoginFailed();
    spdlog::info("password change refused: user_id={} ip={} reason=wrong current password",
                 user.id, change->client_ip);
    return s.login_throttle->RecordFailureAsync(
        change->id_key, change->ip_key, ClockOrSystem(s.clock).Now(),
        [&s, reply](Status recorded) mutable {
          if (!recorded.ok()) return ReplyError(*s.metrics, recorded, Site::kWrite, reply);
          reply(ErrorResponse(ApiError::kInvalidCredentials, "Invalid credentials"));
        });
  }
  Result<std::string> hash = s.hasher->Hash(change->fresh);
  if (!hash.ok()) return reply(ErrorResponse(ApiError::kInternal, "Internal server error"));
  if (Status saved = s.users->UpdatePasswordHash(user.id, *hash); !saved.ok()) {
    return ReplyError(*s.metrics, saved, Site::kWrite, reply);
  }
  spdlog::info("password changed: user_id={} (by {})", user.id,
               ShortSessionId(change->auth->claims.session_id));
  s.sessions->RevokeAllForUserAsync(
      user.id, change->auth->claims.session_id,
      [&s, change, reply](Result<std::uint64_t> revoked) mutable {
        if (!revoked.ok()) {
          spdlog::warn("password changed for user_id={} but its other sessions were not "
                       "revoked ({})", change->user.id, CodeName(revoked.status().code()));
          return ReplyError(*s.metrics, revoked.status(), Site::kWrite, reply);
        }
        spdlog::info("sessions revoked: {} of user_id={} reason=password change (kept {})",
                     *revoked, change->user.id, ShortSessionId(change->auth->claims.session_id));
        SuccessBody body;
        body.data().BeginObject().Key("revoked").Int(static_cast<std::int64_t>(*revoked))
            .EndObject();
        reply(body.Finish(200, "Password changed"));
      });
}

}  // namespace

void HandleChangePassword(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s, &req](AuthContextPtr auth, Responder reply) {
    // `req` is alive until the reply (bearer.h); everything needed later is copied now.
    auto change = std::make_shared<PasswordChange>();
    Status parsed = ReadStringFields(req.body, {{"current_password", &change->current},
                                                {"new_password", &change->fresh}});
    if (!parsed.ok()) return reply(ErrorResponse(ApiError::kBadRequest, parsed.message()));
    if (change->current.empty() || change->fresh.empty()) {
      return reply(ErrorResponse(ApiError::kBadRequest,
                                 "current_password and new_password are required"));
    }
    if (std::string_view problem = CheckPassword(change->fresh); !problem.empty()) {
      return reply(ErrorResponse(ApiError::kBadRequest, problem));
    }
    // A primary-key read of the local users table (as /users/me does).
    Result<User> user = s.users->FindById(auth->claims.user_id);
    if (!user.ok()) {
      if (user.status().IsNotFound()) {
        return reply(ErrorResponse(ApiError::kNotFound, "User not found"));
      }
      return ReplyError(*s.metrics, user.status(), Site::kWrite, reply);
    }
    change->user = std::move(user).value();
    change->auth = std::move(auth);
    change->client_ip = req.client_ip;
    change->id_key = IdentifierKey(change->user.username);
    change->ip_key = IpKey(req.client_ip);
    s.login_throttle->CheckAsync(
        change->id_key, change->ip_key, ClockOrSystem(s.clock).Now(),
        [&s, change, reply](Result<std::int64_t> refusal) mutable {
          if (!refusal.ok()) return ReplyError(*s.metrics, refusal.status(), Site::kWrite, reply);
          if (*refusal > 0) {
            s.metrics->LoginThrottled();
            return reply(ThrottledResponse(*refusal));
          }
          OnWorker(s, reply, [&s, change, reply]() mutable {
            ChangePassword(s, change, std::move(reply));
          });
        });
  });
}

}  // namespace sessionkit::server
