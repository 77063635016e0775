// The stores of a configuration (API.md §7, §10): where sessions, account state and
// users live, opened the one way every program of the project opens them -- the server's
// Application and sessionkit-ctl (API.md §11) both call OpenConfiguredStores, so an
// administration tool always works on exactly the stores a server of the same
// configuration uses.
//
//   REDIS_ADDR or REDIS_CLUSTER_NODES set
//                    -> sessions and account state in Redis, users in DATABASE_URL
//                       (the SQLite file, or MySQL/MariaDB; USER_LOOKUP_SQL /
//                       USER_BY_ID_SQL make them read-only)
//   neither          -> the three stores in the one SQLite file (one database, one
//                       writer lock)
//
// With `loops` (a server's running event loops) the Redis client runs its connections on
// them (see redis_store.h); without (a command-line tool) each Redis store runs its
// client's own I/O thread. Logs (spdlog, info) which stores it opens; the MySQL URL only
// redacted.
//
// Errors: a StoreOpenError with main's exit code (2: the configuration cannot work,
// 1: a store cannot be opened) and a message that never holds a secret. A Redis that is
// down is not an error here (its calls answer Unavailable until it is back).
// Thread safety: call from one thread; the stores returned are thread-safe.
#ifndef SESSIONKIT_SERVER_APP_STORES_H_
#define SESSIONKIT_SERVER_APP_STORES_H_

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "server/app/config.h"
#include "sessionkit/auth_state_store.h"
#include "sessionkit/password_hasher.h"
#include "sessionkit/redis_store.h"
#include "sessionkit/result.h"
#include "sessionkit/session_manager.h"
#include "sessionkit/session_store.h"
#include "sessionkit/user_store.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace sessionkit::server {

struct ConfiguredStores {
  SessionStorePtr sessions;
  AuthStateStorePtr auth_state;  // refresh tokens, failed logins: beside the sessions
  UserStorePtr users;
  bool users_read_only = false;  // an external schema (API.md §10)
  // Redis Cluster only (API.md §12): every node's role and reachability, for /healthz.
  std::function<std::vector<RedisNodeHealth>()> redis_nodes;
};

struct StoreOpenError {
  int exit_code = 1;
  std::string message;
};

// Opens the stores of `config` (see the top of this file). On failure returns nullopt
// stores and fills `error`.
std::optional<ConfiguredStores> OpenConfiguredStores(
    const ServerConfig& config, std::span<boost::asio::io_context* const> loops,
    StoreOpenError& error);

// The session manager's options of `config` (lifetimes, touch interval, binding, cap).
ManagerOptions ManagerOptionsOf(const ServerConfig& config);

// The password hasher at `config`'s argon2id cost.
Result<PasswordHasher> PasswordHasherOf(const ServerConfig& config);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_APP_STORES_H_
