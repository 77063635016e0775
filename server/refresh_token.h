// Refresh tokens (API.md §5) -- PLACEHOLDER until the refresh-token issue lands.
//
// For now a login or registration only hands out a fresh opaque token: 256 bits from
// the system CSPRNG, base64url without padding (43 characters). Nothing stores it yet,
// so it cannot be redeemed. The later issue (storage as a SHA-256 hash, rotation,
// reuse detection, POST /api/auth/refresh) replaces this one function and its callers'
// single call site in handlers/auth.cc. Thread-safe.
#ifndef SESSIONKIT_SERVER_REFRESH_TOKEN_H_
#define SESSIONKIT_SERVER_REFRESH_TOKEN_H_

#include <string>

#include "sessionkit/result.h"

namespace sessionkit::server {

// Unavailable if the system CSPRNG fails.
Result<std::string> IssueRefreshToken();

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_REFRESH_TOKEN_H_
