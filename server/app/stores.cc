#include "server/app/stores.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "sessionkit/mysql_store.h"
#include "sessionkit/redis_store.h"
#include "sessionkit/sqlite_store.h"

namespace sessionkit::server {
namespace {

// Sessions and account state: Redis, or the SQLite file (then with its users too).
Result<ConfiguredStores> OpenSessionStores(const ServerConfig& config,
                                           std::span<boost::asio::io_context* const> loops,
                                           int& exit_code) {
  if (!config.redis_addr.empty() || !config.redis_cluster_nodes.empty()) {
    RedisStoreOptions options;
    if (!config.redis_addr.empty()) {
      if (Status parsed = ParseRedisAddress(config.redis_addr, options); !parsed.ok()) {
        exit_code = 2;
        return Status::InvalidArgument("REDIS_ADDR must be host:port or [ipv6]:port");
      }
      options.db = config.redis_db;
      spdlog::info("session store: Redis at {}:{} db {}", options.host, options.port, options.db);
    } else {
      // A Redis Cluster (API.md §12): the client follows the slot map from these seeds.
      if (Status parsed = ParseRedisClusterNodes(config.redis_cluster_nodes, options);
          !parsed.ok()) {
        exit_code = 2;
        return parsed;
      }
      spdlog::info("session store: Redis Cluster, seeds {}", config.redis_cluster_nodes);
    }
    options.password = config.redis_password;
    options.wait_replicas = config.redis_wait_replicas;
    options.wait_timeout = std::chrono::milliseconds(config.redis_wait_timeout_ms);
    if (options.wait_replicas > 0) {
      spdlog::info("session store: a new session waits for {} replica(s), up to {} ms", options.wait_replicas,
                   config.redis_wait_timeout_ms);
    }
    exit_code = 1;
    if (loops.empty()) {  // a tool: each store's client runs its own I/O thread
      options.connections = 1;
      Result<SessionStorePtr> sessions = OpenRedisStore(options);
      if (!sessions.ok()) return sessions.status();
      Result<AuthStateStorePtr> auth_state = OpenRedisAuthStateStore(options);
      if (!auth_state.ok()) return auth_state.status();
      return ConfiguredStores{std::move(sessions).value(), std::move(auth_state).value(),
                              nullptr};
    }
    // One client serves both stores on the server's event loops: a validation's command
    // goes out, and its reply comes back, on the loop of the connection that asked.
    options.connections = 1;  // per loop (and per master on a cluster): one pipeline each
    if (config.session_cache_tracking) {
      options.near_cache = true;
      options.near_cache_max_staleness = std::chrono::milliseconds(config.session_cache_max_staleness_ms);
      spdlog::info("session near-cache: on (CLIENT TRACKING), a cached session is served at most {} ms "
                   "after it was read from Redis",
                   config.session_cache_max_staleness_ms);
    }
    Result<RedisStores> redis = OpenRedisStoresOnLoops(options, loops);
    if (!redis.ok()) return redis.status();
    ConfiguredStores stores{std::move(redis->sessions), std::move(redis->auth_state), nullptr};
    stores.redis_nodes = std::move(redis->node_health);
    return stores;
  }
  SqliteStoreOptions options;
  options.path = config.database_path;
  options.read_cache_entries = static_cast<std::size_t>(config.sqlite_read_cache_entries);
  spdlog::info("session store: embedded SQLite at {}", options.path);
  exit_code = 1;
  // One database for the file's three stores: one pool, one writer lock.
  Result<SqliteStores> stores = OpenSqliteStores(options);
  if (!stores.ok()) return stores.status();
  return ConfiguredStores{std::move(stores->sessions), std::move(stores->auth_state),
                          std::move(stores->users)};
}

}  // namespace

std::optional<ConfiguredStores> OpenConfiguredStores(
    const ServerConfig& config, std::span<boost::asio::io_context* const> loops,
    StoreOpenError& error) {
  int exit_code = 1;
  Result<ConfiguredStores> opened = OpenSessionStores(config, loops, exit_code);
  if (!opened.ok()) {
    error = {exit_code, "session store: " + opened.status().ToString()};
    return std::nullopt;
  }
  ConfiguredStores stores = std::move(opened).value();

  if (config.mysql_users) {
    // Shared users (API.md §10). Its calls block: a server runs them on its workers.
    // The URL is logged redacted; the store's errors never carry the password.
    spdlog::info("users database: MySQL/MariaDB at {}", RedactedUrl(config.database_url));
    const bool external = !config.user_lookup_sql.empty();
    Result<UserStorePtr> users =
        external ? OpenMysqlExternalUserStore(
                       *config.mysql_users, {.lookup_sql = config.user_lookup_sql,
                                             .by_id_sql = config.user_by_id_sql})
                 : OpenMysqlUserStore(*config.mysql_users);
    if (!users.ok()) {
      // A query that does not prepare or lacks a column is the configuration's fault.
      const int code = users.status().code() == Code::kInvalidArgument ? 2 : 1;
      error = {code, "users database: " + users.status().ToString()};
      return std::nullopt;
    }
    stores.users = std::move(users).value();
    if (external) {
      spdlog::info("users: read-only, from USER_LOOKUP_SQL / USER_BY_ID_SQL (register and "
                   "password change are off; hashes are never rewritten)");
      stores.users_read_only = true;
    }
  } else if (stores.users == nullptr) {  // sessions in Redis: the users stay in the file
    Result<UserStorePtr> users = OpenSqliteUserStore({.path = config.database_path});
    if (!users.ok()) {
      error = {1, "users database: " + users.status().ToString()};
      return std::nullopt;
    }
    stores.users = std::move(users).value();
  }
  return stores;
}

ManagerOptions ManagerOptionsOf(const ServerConfig& config) {
  ManagerOptions options;
  options.idle_timeout = std::chrono::hours(config.session_ttl_hours);
  options.absolute_lifetime = std::chrono::hours(config.session_max_lifetime_hours);
  options.touch_interval = std::chrono::seconds(config.session_touch_interval_seconds);
  options.binding = config.binding;
  options.max_sessions_per_user = static_cast<std::uint32_t>(config.session_max_per_user);
  return options;
}

Result<PasswordHasher> PasswordHasherOf(const ServerConfig& config) {
  return PasswordHasher::Create(
      Argon2idCost(static_cast<std::uint32_t>(config.password_hash_memory_kib),
                   static_cast<std::uint32_t>(config.password_hash_iterations)));
}

}  // namespace sessionkit::server
