// The HTTP side of the AccountService's session-issuing outcomes, shared by register
// and login, and the account helpers other handlers use.
//
// ReplyIssued answers {user, token, refresh_token, requires_2fa: false, is_verified}
// with the given status and message; ReplyIssueFailure answers 503 for a store outage
// (counted) and 500 otherwise (logged with the failed step). NoteIssuedSession counts
// and logs a created session (short session id) and the sessions the per-user cap
// evicted. LogAccountNotice logs the service's background tidy-up failures.
// May be called from any thread.
#ifndef SESSIONKIT_SERVER_HANDLERS_ISSUE_SESSION_H_
#define SESSIONKIT_SERVER_HANDLERS_ISSUE_SESSION_H_

#include <chrono>
#include <string_view>

#include "server/handlers/services.h"
#include "server/http/message.h"
#include "sessionkit/account_service.h"

namespace sessionkit::server {

// What the session records about the client, copied out of the Request.
ClientInfo ClientInfoOf(const Request& req);

// Counts and logs a created session and its evictions; nothing if none was created.
void NoteIssuedSession(Services& s, const User& user, const IssuedSession& issued);

void ReplyIssued(const User& user, const IssuedSession& issued, int status,
                 std::string_view message, Responder& reply);
// The same, in the transport the request chose (captured before going async with
// WantsCookieTransport, browser.h): with `cookie_transport` the three cookies of API.md
// §8 are set and the body carries csrf_token in place of token and refresh_token.
// Either way the answer has Cache-Control: no-store.
void ReplyIssued(Services& s, bool cookie_transport, const User& user,
                 const IssuedSession& issued, int status, std::string_view message,
                 Responder& reply);

// Seconds from now until the session `created_at` reaches its absolute lifetime: the
// refresh cookie's Max-Age.
std::chrono::seconds RemainingSessionLifetime(const Services& s, TimePoint created_at);
void ReplyIssueFailure(Services& s, const Status& error, IssueStep step, const User& user,
                       Responder& reply);

// 429 `rate_limited` "Server busy; try again later" with Retry-After: 1 (counted): the
// password workers' queue is full.
void ReplyBusy(Services& s, Responder& reply);

// Drops the refresh tokens of sessions that are gone (logout, revoke, eviction).
void ForgetRefreshTokens(Services& s, std::string_view session_id);

// The server's log lines for AccountService notices.
void LogAccountNotice(const AccountNotice& notice);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_ISSUE_SESSION_H_
