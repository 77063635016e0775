// RedisAuthStateStore: the AuthStateStore of include/sessionkit/auth_state_store.h on Redis.
// Internal; open it with OpenRedisAuthStateStore (its own client) or
// OpenRedisStoresOnLoops (sessionkit/redis_store.h); OpenRedisAuthStateStoreOn below
// puts it on a client shared with other stores.
//
// Keys (docs/account-security-storage.md has the full table):
//   refresh_token:<token_hash>    hash {session_id, user_id, issued_at, expires_at, and once
//                                 spent rotated_at, next}; times in Unix ms;
//                                 PEXPIRE = expires_at - now
//   session_refresh:<session_id>  set of the session's token hashes (its "family");
//                                 PEXPIRE raised to its longest-lived member's
//   login_failures:<key>          sorted set, score = failure time in Unix ms, member
//                                 "<ms>:<16 random hex>"; PEXPIRE = window after each failure
//   mfa_token:<token_hash>        hash {user_id, expires_at (Unix ms), failures}: a login
//                                 waiting for its second factor; PEXPIRE = expires_at - now.
//                                 Not a session: a Go service sharing the Redis sees none
// Field names shared with the Go peer's refresh_token hashes (session_id, user_id,
// rotated_at, next) mean the same; a record without expires_at is governed by its TTL.
//
// Atomicity: issue, rotate (including reuse's DEL session:<id> + SREM
// user_sessions:<uid> + the family's deletion), revoke and record-failure are each one
// Lua script; peek is one read-only script; reset one DEL. Every operation is one round
// trip; callbacks run on the client's I/O thread (see redis_client.h). Time decisions use the caller's `now`
// (or the store clock), never Redis' clock. Thread-safe.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_AUTH_STATE_H_
#define SESSIONKIT_STORE_REDIS_REDIS_AUTH_STATE_H_

#include <memory>
#include <string>
#include <string_view>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "src/store/redis/redis_client.h"

namespace sessionkit::internal {

inline constexpr std::string_view kRefreshTokenKeyPrefix = "refresh_token:";
inline constexpr std::string_view kRefreshFamilyKeyPrefix = "session_refresh:";
inline constexpr std::string_view kLoginFailuresKeyPrefix = "login_failures:";

inline constexpr std::string_view kMfaTokenKeyPrefix = "mfa_token:";
inline std::string MfaTokenKey(std::string_view token_hash) {
  return std::string(kMfaTokenKeyPrefix).append(token_hash);
}
inline std::string RefreshTokenKey(std::string_view token_hash) {
  return std::string(kRefreshTokenKeyPrefix).append(token_hash);
}
inline std::string RefreshFamilyKey(std::string_view session_id) {
  return std::string(kRefreshFamilyKeyPrefix).append(session_id);
}
inline std::string LoginFailuresKey(std::string_view key) {
  return std::string(kLoginFailuresKeyPrefix).append(key);
}

// The store on `client` (shared: the session store may use the same one). `clock`
// nullptr = SystemClock(); not owned. InvalidArgument for a null client.
Result<AuthStateStorePtr> OpenRedisAuthStateStoreOn(std::shared_ptr<RedisCommands> client,
                                                    const Clock* clock);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_AUTH_STATE_H_
