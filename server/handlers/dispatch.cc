#include "server/error_map.h"
#include "server/handlers/handlers.h"

namespace sessionkit::server {

void Dispatch(Services& s, const Request& req, const RouteMatch& match, Responder reply) {
  switch (match.route) {
    case Route::kVerify: return HandleVerify(s, req, std::move(reply));
    case Route::kRegister: return HandleRegister(s, req, std::move(reply));
    case Route::kLogin: return HandleLogin(s, req, std::move(reply));
    case Route::kLogout: return HandleLogout(s, req, std::move(reply));
    case Route::kLogoutAll: return HandleLogoutAll(s, req, std::move(reply));
    case Route::kRefresh: return HandleRefresh(s, req, std::move(reply));
    case Route::kChangePassword: return HandleChangePassword(s, req, std::move(reply));
    case Route::kListSessions: return HandleListSessions(s, req, std::move(reply));
    case Route::kRevokeSession: return HandleRevokeSession(s, req, match.param, std::move(reply));
    case Route::kMe: return HandleMe(s, req, std::move(reply));
    case Route::kHealthz: return HandleHealthz(s, req, std::move(reply));
    case Route::kMetrics: return HandleMetrics(s, req, std::move(reply));
    case Route::kWrongMethod: {
      Response r = ErrorResponse(ApiError::kMethodNotAllowed, "Method not allowed");
      r.headers.emplace_back("Allow", std::string(match.allow));
      return reply(std::move(r));
    }
    case Route::kUnknownPath: break;
  }
  reply(ErrorResponse(ApiError::kNotFound, "Route not found"));
}

}  // namespace sessionkit::server
