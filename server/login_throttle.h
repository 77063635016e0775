// The HTTP answer of the login throttle (API.md §6, last paragraph). The throttling
// policy itself (failure windows, keys, Retry-After) is the library's AccountService.
// Thread safety: a pure function.
#ifndef SESSIONKIT_SERVER_LOGIN_THROTTLE_H_
#define SESSIONKIT_SERVER_LOGIN_THROTTLE_H_

#include <cstdint>

#include "server/http/message.h"

namespace sessionkit::server {

// 429 `rate_limited` ("Too many failed logins; try again later") with Retry-After.
Response ThrottledResponse(std::int64_t retry_after_seconds);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_LOGIN_THROTTLE_H_
