// Router: maps (method, path) to one of the routes of API.md §6.
//
// Exact paths, no patterns engine: a handful of string comparisons per request. The
// query string must already be stripped (Request::path). Rules:
//   - an unknown path                         -> Route::kUnknownPath (404)
//   - a known path with another method        -> Route::kWrongMethod (405) + Allow value
//   - /api/auth/verify and /api/auth/verify/… -> Route::kVerify for ANY method
//   - /api/auth/sessions/{id}                 -> Route::kRevokeSession, param = id (may be
//     empty or malformed; the handler answers 400 for that)
// Thread safety: pure function.
#ifndef SESSIONKIT_SERVER_ROUTER_H_
#define SESSIONKIT_SERVER_ROUTER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/http/message.h"

namespace sessionkit::server {

enum class Route : std::uint8_t {
  kRegister,
  kLogin,
  kLogout,
  kLogoutAll,
  kRefresh,
  kChangePassword,
  kListSessions,
  kRevokeSession,
  kMe,
  kVerify,
  kHealthz,
  kMetrics,
  kUnknownPath,
  kWrongMethod,
};
inline constexpr std::size_t kRouteCount = static_cast<std::size_t>(Route::kWrongMethod) + 1;

// Stable label for metrics ("login", "verify", "unknown_path", ...).
std::string_view RouteLabel(Route route) noexcept;

struct RouteMatch {
  Route route = Route::kUnknownPath;
  std::string_view param;  // the {id} of /api/auth/sessions/{id}
  std::string_view allow;  // for kWrongMethod: the Allow header value
};

RouteMatch MatchRoute(Method method, std::string_view path) noexcept;

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_ROUTER_H_
