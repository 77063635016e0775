// The routes of API.md §6 as functions: (Services, Request) -> one Response through
// the Responder. No sockets here, so each handler is testable on its own.
//
// Each is called through its row of the route table (routes.h), which also answers 404
// and 405. Handlers that need the store or the password workers continue
// asynchronously: their continuations may run on a store thread, a worker thread or an
// event loop and do only cheap work there (build JSON, sign a token); the Responder
// hands the write back to the connection's event loop. A handler never reads the
// Request after replying.
#ifndef SESSIONKIT_SERVER_HANDLERS_HANDLERS_H_
#define SESSIONKIT_SERVER_HANDLERS_HANDLERS_H_

#include "server/handlers/services.h"
#include "server/http/message.h"

namespace sessionkit::server {

void HandleRegister(Services& s, const Request& req, Responder reply);
void HandleLogin(Services& s, const Request& req, Responder reply);
void HandleLogout(Services& s, const Request& req, Responder reply);
void HandleLogoutAll(Services& s, const Request& req, Responder reply);
void HandleLogoutOthers(Services& s, const Request& req, Responder reply);
void HandleRefresh(Services& s, const Request& req, Responder reply);
void HandleChangePassword(Services& s, const Request& req, Responder reply);
void HandleListSessions(Services& s, const Request& req, Responder reply);
void HandleRevokeSession(Services& s, const Request& req, std::string_view session_id,
                         Responder reply);
void HandleMe(Services& s, const Request& req, Responder reply);
void HandleVerify(Services& s, const Request& req, Responder reply);
void HandleHealthz(Services& s, const Request& req, Responder reply);
void HandleMetrics(Services& s, const Request& req, Responder reply);
// Second factor (two_factor.cc, API.md §9).
void HandleTotpSetup(Services& s, const Request& req, Responder reply);
void HandleTotpConfirm(Services& s, const Request& req, Responder reply);
void HandleTwoFactorVerify(Services& s, const Request& req, Responder reply);
void HandleTwoFactorStatus(Services& s, const Request& req, Responder reply);
void HandleRecoveryCodes(Services& s, const Request& req, Responder reply);
void HandleTotpDisable(Services& s, const Request& req, Responder reply);
// email.cc (API.md §13)
void HandleEmailVerifyRequest(Services& s, const Request& req, Responder reply);
void HandleEmailVerify(Services& s, const Request& req, Responder reply);
void HandlePasswordForgot(Services& s, const Request& req, Responder reply);
void HandlePasswordReset(Services& s, const Request& req, Responder reply);
// Queues the verification mail of a user who just registered (no-op without mail).
void SendVerificationAfterRegister(Services& s, const std::string& user_id);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_HANDLERS_H_
