// GET /api/users/me (API.md §6): {user, session}. A user missing from this server's
// database (a session imported from another service) is described by its token.
#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/handlers.h"
#include "server/handlers/views.h"
#include "server/response.h"

namespace sessionkit::server {

void HandleMe(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    // The profile from memory (profile_cache.h) or a primary-key read on the local
    // database: short enough for this thread either way.
    Result<User> user = s.profiles != nullptr ? s.profiles->Find(auth->claims.user_id)
                                              : s.users->FindById(auth->claims.user_id);
    if (!user.ok() && !user.status().IsNotFound()) {
      return ReplyError(*s.metrics, user.status(), Site::kResource, reply);
    }
    SuccessBody body;
    internal::JsonWriter& w = body.data();
    w.BeginObject().Key("user");
    if (user.ok()) {
      WriteUser(w, *user);
    } else {
      WriteUserFromClaims(w, auth->claims);
    }
    w.Key("session");
    WriteSession(w, auth->validation.session, true);
    w.EndObject();
    reply(body.Finish(200, "OK"));
  });
}

}  // namespace sessionkit::server
