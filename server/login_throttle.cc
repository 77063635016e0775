#include "server/login_throttle.h"

#include <string>

#include "server/error_map.h"

namespace sessionkit::server {

Response ThrottledResponse(std::int64_t retry_after_seconds) {
  Response r = ErrorResponse(ApiError::kRateLimited, "Too many failed logins; try again later");
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

}  // namespace sessionkit::server
