// GET /api/auth/sessions and DELETE /api/auth/sessions/{id} (API.md §6).
#include <spdlog/spdlog.h>

#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/handlers/views.h"
#include "server/response.h"

namespace sessionkit::server {
void HandleListSessions(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    s.sessions->ListForUserAsync(
        auth->claims.user_id,
        [&s, auth, reply](Result<std::vector<Session>> list) mutable {
          if (!list.ok()) return ReplyError(*s.metrics, list.status(), Site::kResource, reply);
          SuccessBody body;
          internal::JsonWriter& w = body.data();
          w.BeginArray();
          for (const Session& session : *list) {  // newest first (SessionManager)
            WriteSession(w, session, session.id == auth->claims.session_id,
                         SessionShape::kListItem);
          }
          w.EndArray();
          reply(body.Finish(200, "Sessions"));
        });
  });
}

void HandleRevokeSession(Services& s, const Request& req, std::string_view session_id,
                         Responder reply) {
  Authenticate(s, req, std::move(reply), [&s, session_id](AuthContextPtr auth, Responder reply) {
    if (!IsWellFormedSessionId(session_id)) {
      return reply(ErrorResponse(ApiError::kBadRequest, "Malformed session id"));
    }
    // Ownership first: another user's session is "not found", never revoked.
    s.sessions->store().GetAsync(
        session_id, [&s, auth, reply, id = std::string(session_id)](Result<Session> found) mutable {
          if (!found.ok()) return ReplyError(*s.metrics, found.status(), Site::kResource, reply);
          if (found->user_id != auth->claims.user_id) {
            return reply(ErrorResponse(ApiError::kNotFound, "Session not found"));
          }
          s.sessions->RevokeAsync(id, [&s, auth, reply, id](Result<bool> revoked) mutable {
            if (!revoked.ok()) return ReplyError(*s.metrics, revoked.status(), Site::kWrite, reply);
            if (!*revoked) return reply(ErrorResponse(ApiError::kNotFound, "Session not found"));
            spdlog::info("session revoked: {} user_id={} reason=revoked by {}",
                         ShortSessionId(id), auth->claims.user_id,
                         ShortSessionId(auth->claims.session_id));
            ForgetRefreshTokens(s, id);
            SuccessBody body;
            body.data().BeginObject().Key("revoked").Int(1).EndObject();
            reply(body.Finish(200, "Session revoked"));
          });
        });
  });
}

}  // namespace sessionkit::server
