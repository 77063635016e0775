#include "server/router.h"

namespace sessionkit::server {

std::string_view RouteLabel(Route route) noexcept {
  switch (route) {
    case Route::kRegister: return "register";
    case Route::kLogin: return "login";
    case Route::kLogout: return "logout";
    case Route::kLogoutAll: return "logout_all";
    case Route::kRefresh: return "refresh";
    case Route::kChangePassword: return "change_password";
    case Route::kListSessions: return "list_sessions";
    case Route::kRevokeSession: return "revoke_session";
    case Route::kMe: return "users_me";
    case Route::kVerify: return "verify";
    case Route::kHealthz: return "healthz";
    case Route::kMetrics: return "metrics";
    case Route::kUnknownPath: return "unknown_path";
    case Route::kWrongMethod: return "wrong_method";
  }
  return "unknown_path";
}

namespace {

constexpr std::string_view kVerifyPath = "/api/auth/verify";
constexpr std::string_view kSessionsPath = "/api/auth/sessions";

RouteMatch Only(Method method, Method wanted, Route route, std::string_view allow) {
  if (method == wanted) return {route, {}, {}};
  return {Route::kWrongMethod, {}, allow};
}

}  // namespace

RouteMatch MatchRoute(Method method, std::string_view path) noexcept {
  // Verify first: it is the hot path, and it takes every method and any subpath.
  if (path.starts_with(kVerifyPath) &&
      (path.size() == kVerifyPath.size() || path[kVerifyPath.size()] == '/')) {
    return {Route::kVerify, {}, {}};
  }
  if (path == "/api/auth/login") return Only(method, Method::kPost, Route::kLogin, "POST");
  if (path == "/api/auth/register") return Only(method, Method::kPost, Route::kRegister, "POST");
  if (path == "/api/auth/logout") return Only(method, Method::kPost, Route::kLogout, "POST");
  if (path == "/api/auth/logout-all") {
    return Only(method, Method::kPost, Route::kLogoutAll, "POST");
  }
  if (path == "/api/auth/refresh") return Only(method, Method::kPost, Route::kRefresh, "POST");
  if (path == "/api/auth/password") {
    return Only(method, Method::kPost, Route::kChangePassword, "POST");
  }
  if (path == "/api/users/me") return Only(method, Method::kGet, Route::kMe, "GET");
  if (path == kSessionsPath) return Only(method, Method::kGet, Route::kListSessions, "GET");
  if (path.starts_with(kSessionsPath) && path.size() > kSessionsPath.size() &&
      path[kSessionsPath.size()] == '/') {
    std::string_view id = path.substr(kSessionsPath.size() + 1);
    if (id.find('/') != std::string_view::npos) return {Route::kUnknownPath, {}, {}};
    RouteMatch match = Only(method, Method::kDelete, Route::kRevokeSession, "DELETE");
    if (match.route == Route::kRevokeSession) match.param = id;
    return match;
  }
  if (path == "/healthz") return Only(method, Method::kGet, Route::kHealthz, "GET");
  if (path == "/metrics") return Only(method, Method::kGet, Route::kMetrics, "GET");
  return {Route::kUnknownPath, {}, {}};
}

}  // namespace sessionkit::server
