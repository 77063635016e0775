// JSON shapes of API.md §6: `user` objects {id, username, email, role, is_premium}
// (never a password hash) and session records with `current`; items of the session
// list also carry `client` ({browser, os, device_type} read from the User-Agent, §8).
// Numeric user ids (imported sessions) are written as JSON numbers, as read.
// Thread safety: pure functions.
#ifndef SESSIONKIT_SERVER_HANDLERS_VIEWS_H_
#define SESSIONKIT_SERVER_HANDLERS_VIEWS_H_

#include "sessionkit/user_store.h"
#include "sessionkit/jwt.h"
#include "sessionkit/session.h"
#include "src/util/json_writer.h"

namespace sessionkit::server {

void WriteUser(internal::JsonWriter& w, const User& user);
// A user known only from its token (a session imported from another service).
void WriteUserFromClaims(internal::JsonWriter& w, const AccessClaims& claims);
enum class SessionShape : bool {
  kRecord,    // the record and `current` (/api/users/me: the hot path, nothing parsed)
  kListItem,  // and `client` (GET /api/auth/sessions)
};
void WriteSession(internal::JsonWriter& w, const Session& session, bool current,
                  SessionShape shape = SessionShape::kRecord);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_VIEWS_H_
