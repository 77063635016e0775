// IssueSession: the common tail of register and login.
//
// Creates a session (purpose, client IP, User-Agent, X-Device-Id or the derived
// device id), stores the session's first refresh token (refresh_token.h; its hash only,
// live until the session's absolute deadline), signs the access token of API.md §4 and
// answers
//   {user, token, refresh_token, requires_2fa: false, is_verified}
// with the given status and message. If the store refuses, `on_failure` runs first
// (register uses it to remove the user it just created) and the reply is 503 for an
// outage, 500 otherwise; a session whose refresh token could not be stored is revoked
// again. The session event is logged with the short session id; sessions evicted by the
// per-user cap are logged and their refresh tokens dropped.
// May be called from any thread; the continuation may run on a store thread.
#ifndef SESSIONKIT_SERVER_HANDLERS_ISSUE_SESSION_H_
#define SESSIONKIT_SERVER_HANDLERS_ISSUE_SESSION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "server/handlers/services.h"
#include "server/http/message.h"
#include "sessionkit/user_store.h"

namespace sessionkit::server {

// What the session records about the client, copied out of the Request.
struct ClientInfo {
  std::string ip;
  std::string user_agent;
  std::string device_id_header;

  static ClientInfo From(const Request& req) {
    return {req.client_ip, std::string(req.user_agent), std::string(req.device_id)};
  }
};

void IssueSession(Services& s, User user, std::string purpose, ClientInfo client, int status,
                  std::string_view message, Responder reply,
                  std::function<void()> on_failure = {});

// The access-token claims of `user` in `session`, issued at `issued_at` (Unix seconds);
// exp = issued_at + JWT_EXPIRED. Equal inputs give byte-identical signed tokens.
AccessClaims ClaimsFor(const Services& s, const User& user, const Session& session,
                       std::int64_t issued_at);

// Unix seconds of `t`, rounded down.
std::int64_t UnixSeconds(TimePoint t) noexcept;

// Drops the refresh tokens of sessions that are gone (logout, revoke, eviction): tidy-up
// only, since a token whose session is gone is refused anyway. Failures are logged.
void ForgetRefreshTokens(Services& s, std::string_view session_id);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_ISSUE_SESSION_H_
