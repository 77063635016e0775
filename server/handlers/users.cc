// GET /api/users/me (API.md §6): {user, session}. A user missing from this server's
// database (a session imported from another service) is described by its token.
//
// The user database is never read on this thread (an event loop): the profile comes
// from memory (profile_cache.h) when this thread has it, and otherwise from a lookup on
// the worker pool, which answers from there and leaves the profile for this thread's
// next /me.
#include "server/error_map.h"
#include "server/handlers/error_reply.h"
#include "server/handlers/bearer.h"
#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "server/handlers/views.h"
#include "server/response.h"

namespace sessionkit::server {
namespace {

// Runs `job` on the worker pool; a full or stopping pool answers 429 at once.
template <class Job>
void OnWorker(Services& s, Responder& reply, Job job) {
  auto shared = std::make_shared<Job>(std::move(job));
  if (!s.workers->Submit([shared] { (*shared)(); })) ReplyBusy(s, reply);
}

// `user` nullptr: not in the database; described from the token.
void ReplyMe(const AuthContext& auth, const User* user, Responder& reply) {
  SuccessBody body;
  internal::JsonWriter& w = body.data();
  w.BeginObject().Key("user");
  if (user != nullptr) {
    WriteUser(w, *user);
  } else {
    WriteUserFromClaims(w, auth.claims);
  }
  w.Key("session");
  WriteSession(w, auth.validation.session, true);
  // API.md §13: the user's state (the profile cache may hold it up to its ttl).
  w.Key("is_verified").Bool(user != nullptr ? user->is_email_verified : auth.claims.is_verified);
  w.EndObject();
  reply(body.Finish(200, "OK"));
}

// On a worker: the database's answer, or the error reply.
void ReplyLookup(Services& s, const AuthContext& auth, const Result<User>& user,
                 Responder& reply) {
  if (!user.ok() && !user.status().IsNotFound()) {
    return ReplyError(*s.metrics, user.status(), Site::kResource, reply);
  }
  ReplyMe(auth, user.ok() ? &*user : nullptr, reply);
}

}  // namespace

void HandleMe(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [&s](AuthContextPtr auth, Responder reply) {
    if (s.profiles == nullptr) {
      return OnWorker(s, reply, [&s, auth, reply]() mutable {
        ReplyLookup(s, *auth, s.users->FindById(auth->claims.user_id), reply);
      });
    }
    const User* cached = nullptr;
    switch (s.profiles->Cached(auth->claims.user_id, cached)) {
      case ProfileCache::Hit::kFound:
        return ReplyMe(*auth, cached, reply);
      case ProfileCache::Hit::kAbsent:
        return ReplyMe(*auth, nullptr, reply);
      case ProfileCache::Hit::kMiss:
        break;
    }
    OnWorker(s, reply, [&s, auth, reply,
                        load = s.profiles->PrepareLoad(auth->claims.user_id)]() mutable {
      ReplyLookup(s, *auth, load.Run(), reply);
    });
  });
}

}  // namespace sessionkit::server
