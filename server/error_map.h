// The one place where failures become HTTP statuses and the contract's error codes.
//
// API.md §6 fixes the vocabulary (bad_request, invalid_credentials, unauthorized,
// not_found, method_not_allowed, conflict, payload_too_large, rate_limited,
// store_unavailable, internal) and the status of each. Handlers never write a status
// number for an error: they name an ApiError, or map a library Status with the Site
// it came from (the same kNotFound is a 401 while authenticating a token and a 404
// when looking up a resource). A store outage is always 503, never 500.
//
// Messages are fixed, client-safe strings: no secret, no library detail is echoed.
// Thread safety: pure functions.
#ifndef SESSIONKIT_SERVER_ERROR_MAP_H_
#define SESSIONKIT_SERVER_ERROR_MAP_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/message.h"
#include "sessionkit/status.h"

namespace sessionkit::server {

enum class ApiError : std::uint8_t {
  kBadRequest,
  kInvalidCredentials,
  kUnauthorized,
  kRefreshReused,
  kNotFound,
  kMethodNotAllowed,
  kConflict,
  kPayloadTooLarge,
  kRateLimited,
  kStoreUnavailable,
  kInternal,
  kReadOnlyUsers,  // API.md §10: users of an external schema; register / password change
  kInvalidCode,    // API.md §9: a wrong, replayed or missing second-factor code (401)
  kAal2Required,   // API.md §9: X-Require-AAL: 2 and an aal 1 session (403)
  kAccountDisabled,  // API.md §11: the right password for a disabled account
  kCsrfRejected,   // API.md §8: a cookie-authenticated request failed the CSRF checks (403)
  kInvalidToken,   // API.md §13: a bad, used or expired email token (400)
};

// The HTTP status of an error code (400, 401, 401, 401, 404, 405, 409, 413, 429, 503, 500,
// 403, 403).
int HttpStatusOf(ApiError error) noexcept;

// The contract's name of an error code ("bad_request", ...).
std::string_view ApiErrorName(ApiError error) noexcept;

// The message of read_only_users.
inline constexpr std::string_view kReadOnlyUsers =
    "Users are managed by another system; registration and password changes are off";

// The message of account_disabled.
inline constexpr std::string_view kAccountDisabled = "This account is disabled";

// Where a library Status came from; decides what kNotFound and friends mean.
enum class Site : std::uint8_t {
  kAuthentication,  // validating an access token and its session: anything -> 401
  kResource,        // looking up a named resource: not found / malformed -> 404 / 400
  kWrite,           // creating or deleting: conflict -> 409
};

struct MappedError {
  ApiError error;
  std::string message;
};

// Maps a non-OK Status. Unavailable -> store_unavailable everywhere; kInternal and
// unexpected codes -> internal. The message is chosen here, never Status::message().
MappedError MapStatus(const Status& status, Site site);

// The error envelope {"success":false,"message":…,"error":{"code":…}} with its status.
Response ErrorResponse(ApiError error, std::string_view message);
Response ErrorResponse(const MappedError& mapped);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_ERROR_MAP_H_
