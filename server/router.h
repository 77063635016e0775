// Router: the route table of API.md §6 as data, and the matcher derived from it.
//
// One RouteRow per route: method (or any), path (exact, with one {param} segment, or a
// whole subtree), metrics label, whether a bearer token is required, CSRF class (API.md
// §8) and handler. From the rows alone the Router derives matching, the 405 Allow
// value and the metrics labels; the handlers (handlers.h) are called through the row.
//
// Matching, on the path without its query string, case-sensitive:
//   - subtree rows first (they own every path beneath them; /api/auth/verify[/…], the
//     hot path, is one), then the others in table order; the first row whose path and
//     method match wins;
//   - kExact: the path itself; kParam: the path, '/', then one segment (possibly empty,
//     never containing '/'), handed to the handler as `param`;
//   - a path that some row matches but no row with this method -> kWrongMethod (405)
//     with Allow = the methods of the rows of that path, in table order; HEAD is not GET;
//   - no row -> kUnknownPath (404).
// Route ids: row i has id i; kUnknownPath and kWrongMethod follow the rows, so every
// id indexes labels().
// Thread safety: immutable after construction; Match is a pure function.
#ifndef SESSIONKIT_SERVER_ROUTER_H_
#define SESSIONKIT_SERVER_ROUTER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/message.h"

namespace sessionkit::server {

struct Services;  // handlers/services.h: what a handler may use

using RouteId = std::uint32_t;

enum class PathMatch : std::uint8_t {
  kExact,    // "/api/users/me"
  kParam,    // "/api/auth/sessions" + "/{param}"
  kSubtree,  // "/api/auth/verify" and "/api/auth/verify/…"
};

// What API.md §8 asks of a cookie-authenticated request on this route; ApiHandler
// applies it before the handler (handlers/browser.h, CheckCsrf).
enum class CsrfClass : std::uint8_t {
  kNone,       // safe method: no check
  kUnsafe,     // changes state: origin and token checks
  kEntry,      // register, login, refresh: origin check only (login CSRF)
  kForwarded,  // verify: the checks apply to the forwarded method and headers
};

// A handler of the table: `param` is the {param} segment of a kParam row, else empty.
using RouteHandler = void (*)(Services& s, const Request& req, std::string_view param,
                              Responder reply);

// Adapts a handler with or without a param to RouteHandler: `.handler = RouteTo<HandleMe>`.
template <auto Handle>
void RouteTo(Services& s, const Request& req, std::string_view param, Responder reply) {
  if constexpr (requires { Handle(s, req, param, std::move(reply)); }) {
    Handle(s, req, param, std::move(reply));
  } else {
    Handle(s, req, std::move(reply));
  }
}

inline constexpr std::optional<Method> kAnyMethod = std::nullopt;

struct RouteRow {
  std::optional<Method> method;  // kAnyMethod: every method
  PathMatch match = PathMatch::kExact;
  std::string_view path;
  std::string_view label;        // metrics: sessionkit_http_requests_total{route=…}
  bool auth_required = false;    // needs a valid access token (the handler checks it)
  CsrfClass csrf = CsrfClass::kNone;
  RouteHandler handler = nullptr;
};

struct RouteMatch {
  RouteId id = 0;               // a row, kUnknownPath or kWrongMethod (Router::ids)
  const RouteRow* row = nullptr;  // nullptr for 404 and 405
  std::string_view param;       // kParam rows: the segment
  std::string_view allow;       // 405: the Allow value
};

class Router {
 public:
  // `rows` must outlive the Router. Labels must be distinct, and not "unknown_path" or
  // "wrong_method" (checked: a violation is a programming error and aborts).
  explicit Router(std::span<const RouteRow> rows);

  RouteId unknown_path() const noexcept { return static_cast<RouteId>(rows_.size()); }
  RouteId wrong_method() const noexcept { return unknown_path() + 1; }

  RouteMatch Match(Method method, std::string_view path) const noexcept;

  std::span<const RouteRow> rows() const noexcept { return rows_; }
  // The metrics label of every id: the rows', then "unknown_path", "wrong_method".
  const std::vector<std::string_view>& labels() const noexcept { return labels_; }
  // The id of a label; unknown_path() if there is none (for tests and tools).
  RouteId IdOf(std::string_view label) const noexcept;

 private:
  std::span<const RouteRow> rows_;
  std::vector<RouteId> order_;     // subtree rows first, then the rest, in table order
  std::vector<std::string> allow_;  // per row: the methods of the rows sharing its path
  std::vector<std::string_view> labels_;
};

std::string_view MethodName(Method method) noexcept;

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_ROUTER_H_
