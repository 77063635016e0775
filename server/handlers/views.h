// JSON shapes of API.md §6: `user` objects {id, username, email, role, is_premium}
// (never a password hash) and session records with `current`.
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
void WriteSession(internal::JsonWriter& w, const Session& session, bool current);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_VIEWS_H_
