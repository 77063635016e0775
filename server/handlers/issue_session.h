// IssueSession: the common tail of register and login.
//
// Creates a session (purpose, client IP, User-Agent, X-Device-Id or the derived
// device id), signs the access token of API.md §4 for it, hands out a refresh token
// (refresh_token.h) and answers
//   {user, token, refresh_token, requires_2fa: false, is_verified}
// with the given status and message. If the store refuses, `on_failure` runs first
// (register uses it to remove the user it just created) and the reply is 503 for an
// outage, 500 otherwise. The session event is logged with the short session id.
// May be called from any thread; the continuation may run on a store thread.
#ifndef SESSIONKIT_SERVER_HANDLERS_ISSUE_SESSION_H_
#define SESSIONKIT_SERVER_HANDLERS_ISSUE_SESSION_H_

#include <functional>
#include <string>
#include <string_view>

#include "server/handlers/services.h"
#include "server/http/message.h"
#include "server/users/user_store.h"

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

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_ISSUE_SESSION_H_
