#include "server/app/application.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "server/handlers/issue_session.h"
#include "sessionkit/account_service.h"

#include "sessionkit/mysql_store.h"
#include "sessionkit/redis_store.h"
#include "sessionkit/sqlite_store.h"

namespace sk = sessionkit;
namespace srv = sessionkit::server;

namespace {

struct Stores {
  sk::SessionStorePtr sessions;
  sk::AuthStateStorePtr auth_state;  // refresh tokens, failed logins: beside the sessions
  sk::UserStorePtr users;            // with SQLite sessions, on the same database
  std::function<std::vector<sk::RedisNodeHealth>()> redis_nodes;  // Redis Cluster only
};

// The stores of the configuration, logged. Exit code on failure (2 config, 1 run).
// With Redis, one client serves both stores and runs its connections on the server's
// event loops (`loops`, running): a validation's command goes out, and its reply comes
// back, on the loop of the connection that asked, with no thread hop. The users stay in
// the database file then (Stores::users is null; the caller opens them).
sk::Result<Stores> OpenStores(const srv::ServerConfig& config,
                              std::vector<boost::asio::io_context*> loops, int& exit_code) {
  if (!config.redis_addr.empty()) {
    sk::RedisStoreOptions options;
    if (sk::Status parsed = sk::ParseRedisAddress(config.redis_addr, options); !parsed.ok()) {
      exit_code = 2;
      return sk::Status::InvalidArgument("REDIS_ADDR must be host:port or [ipv6]:port");
    }
    options.password = config.redis_password;
    options.db = config.redis_db;
    spdlog::info("session store: Redis at {}:{} db {}", options.host, options.port, options.db);
    options.connections = 1;  // per loop: one pipeline per thread batches the most
    exit_code = 1;
    sk::Result<sk::RedisStores> redis = sk::OpenRedisStoresOnLoops(options, loops);
    if (!redis.ok()) return redis.status();
    return Stores{std::move(redis->sessions), std::move(redis->auth_state), nullptr};
  }
  if (!config.redis_cluster_nodes.empty()) {
    sk::RedisStoreOptions options;
    if (sk::Status parsed = sk::ParseRedisClusterNodes(config.redis_cluster_nodes, options); !parsed.ok()) {
      exit_code = 2;
      return parsed;
    }
    options.password = config.redis_password;
    spdlog::info("session store: Redis Cluster, seeds {}", config.redis_cluster_nodes);
    options.connections = 1;  // per master and loop
    exit_code = 1;
    sk::Result<sk::RedisStores> redis = sk::OpenRedisStoresOnLoops(options, loops);
    if (!redis.ok()) return redis.status();
    Stores stores{std::move(redis->sessions), std::move(redis->auth_state), nullptr};
    stores.redis_nodes = std::move(redis->node_health);
    return stores;
  }
  sk::SqliteStoreOptions options;
  options.path = config.database_path;
  spdlog::info("session store: embedded SQLite at {}", options.path);
  exit_code = 1;
  // One database for the file's three stores: one pool, one writer lock.
  sk::Result<sk::SqliteStores> stores = sk::OpenSqliteStores(options);
  if (!stores.ok()) return stores.status();
  return Stores{std::move(stores->sessions), std::move(stores->auth_state),
                std::move(stores->users)};
}

}  // namespace

namespace sessionkit::server {

Application::Application(const ServerConfig& config) : config_(config) {}

std::unique_ptr<Application> Application::Open(const ServerConfig& config, StartupError& error) {
  std::unique_ptr<Application> app(new Application(config));
  if (std::optional<StartupError> failed = app->Build()) {
    error = std::move(*failed);
    return nullptr;
  }
  return app;
}

std::optional<StartupError> Application::Build() {
  const ServerConfig& config = config_;
  Result<PasswordHasher> hasher = PasswordHasher::Create(
      Argon2idCost(static_cast<std::uint32_t>(config.password_hash_memory_kib),
                   static_cast<std::uint32_t>(config.password_hash_iterations)));
  if (!hasher.ok()) return StartupError{1, hasher.status().ToString()};
  hasher_.emplace(std::move(hasher).value());
  log_identifier_key_.emplace(config.jwt_secret);

  // The HTTP server first: its event loops run the Redis connections too. Destroyed
  // last, after everything that may still answer a request (see ~Application).
  HttpServerOptions http;
  http.host = config.http_host;
  http.port = config.http_port;
  http.threads = config.io_threads;
  http.max_connections = config.max_connections;
  http.limits.max_body_bytes = kMaxBodyBytes;
  http.limits.header_timeout = std::chrono::milliseconds(config.header_timeout_ms);
  http.limits.body_timeout = std::chrono::milliseconds(config.body_timeout_ms);
  http.limits.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
  http.trusted_proxies = &config.trusted_proxies;
  server_ = std::make_unique<HttpServer>(http, handler_, metrics_.http_gauges());
  server_->StartLoops();

  int store_exit = 1;
  Result<Stores> stores = OpenStores(config, server_->loops().contexts(), store_exit);
  if (!stores.ok()) return StartupError{store_exit, "session store: " + stores.status().ToString()};
  auth_state_ = std::move(stores->auth_state);
  services_.redis_nodes = std::move(stores->redis_nodes);

  ManagerOptions manager_options;
  manager_options.idle_timeout = std::chrono::hours(config.session_ttl_hours);
  manager_options.absolute_lifetime = std::chrono::hours(config.session_max_lifetime_hours);
  manager_options.touch_interval = std::chrono::seconds(config.session_touch_interval_seconds);
  manager_options.binding = config.binding;
  manager_options.max_sessions_per_user = static_cast<std::uint32_t>(config.session_max_per_user);
  Result<std::unique_ptr<SessionManager>> manager =
      SessionManager::Open(manager_options, std::move(stores->sessions));
  if (!manager.ok()) return StartupError{2, "session manager: " + manager.status().ToString()};
  manager_ = std::move(manager).value();

  JwtOptions jwt_options;
  jwt_options.secret = config.jwt_secret;
  jwt_options.previous_secrets = config.jwt_previous_secrets;
  jwt_options.leeway = std::chrono::seconds(config.jwt_leeway_seconds);
  jwt_options.accepted_issuers = config.jwt_accept_issuers;
  Result<JwtCodec> jwt = JwtCodec::Create(std::move(jwt_options));
  if (!jwt.ok()) {
    return StartupError{2, "JWT configuration: " + std::string(CodeName(jwt.status().code()))};
  }
  jwt_.emplace(std::move(jwt).value());

  users_ = std::move(stores->users);
  if (config.mysql_users) {
    // Shared users (API.md §10). Its calls block: they run on the worker pool only.
    // The URL is logged redacted; the store's errors never carry the password.
    spdlog::info("users database: MySQL/MariaDB at {}", RedactedUrl(config.database_url));
    const bool external = !config.user_lookup_sql.empty();
    Result<UserStorePtr> opened =
        external ? OpenMysqlExternalUserStore(
                       *config.mysql_users, {.lookup_sql = config.user_lookup_sql,
                                             .by_id_sql = config.user_by_id_sql})
                 : OpenMysqlUserStore(*config.mysql_users);
    if (!opened.ok()) {
      // A query that does not prepare or lacks a column is the configuration's fault.
      const int code = opened.status().code() == Code::kInvalidArgument ? 2 : 1;
      return StartupError{code, "users database: " + opened.status().ToString()};
    }
    users_ = std::move(opened).value();
    if (external) {
      spdlog::info("users: read-only, from USER_LOOKUP_SQL / USER_BY_ID_SQL (register and "
                   "password change are off; hashes are never rewritten)");
      services_.users_read_only = true;
    }
  } else if (users_ == nullptr) {  // sessions in Redis: the users stay in the local file
    Result<UserStorePtr> opened = OpenSqliteUserStore({.path = config.database_path});
    if (!opened.ok()) return StartupError{1, "users database: " + opened.status().ToString()};
    users_ = std::move(opened).value();
  }

  // Password hashing runs below the I/O threads' priority: logins under load wait for
  // CPU instead of starving validations (docs/performance.md, target 4).
  constexpr int kPasswordWorkerNice = 10;
  workers_ = std::make_unique<WorkerPool>(config.hash_threads, config.hash_queue,
                                          kPasswordWorkerNice);

  // The account flows. Successors of spent refresh tokens are derived from JWT_SECRET, so
  // every server sharing the secret hands out the same pair within the grace window.
  AccountOptions account_options;
  account_options.refresh_secret = config.jwt_secret;
  account_options.access_token_lifetime = std::chrono::hours(config.jwt_expired_hours);
  account_options.issuer = config.jwt_issuer;
  account_options.refresh_grace = std::chrono::seconds(config.refresh_reuse_grace_seconds);
  account_options.login_limits.window = std::chrono::seconds(config.login_failure_window_seconds);
  account_options.login_limits.max_per_identifier =
      static_cast<std::uint32_t>(config.login_max_failures_per_identifier);
  account_options.upgrade_password_hashes = !services_.users_read_only;
  account_options.login_limits.max_per_ip =
      static_cast<std::uint32_t>(config.login_max_failures_per_ip);
  WorkerPool* workers = workers_.get();
  Result<std::unique_ptr<AccountService>> accounts = AccountService::Open(
      std::move(account_options),
      {.sessions = manager_.get(), .auth_state = auth_state_.get(), .users = users_.get(),
       .jwt = &*jwt_, .hasher = &*hasher_,
       .blocking = [workers](std::function<void()> job) { return workers->Submit(std::move(job)); },
       .notices = LogAccountNotice});
  if (!accounts.ok()) return StartupError{2, "account service: " + accounts.status().ToString()};
  accounts_ = std::move(accounts).value();

  // /me's profile lookups stay in memory for a minute (profile_cache.h says why that is
  // safe); sessions themselves are read from the store on every request.
  profiles_ = std::make_unique<ProfileCache>(*users_, nullptr, std::chrono::seconds(60));

  services_.sessions = manager_.get();
  services_.jwt = &*jwt_;
  services_.users = users_.get();
  services_.profiles = profiles_.get();
  services_.workers = workers_.get();
  services_.metrics = &metrics_;
  services_.auth_state = auth_state_.get();
  services_.accounts = accounts_.get();
  services_.log_identifier_key = &*log_identifier_key_;
  return std::nullopt;
}

Application::~Application() {
  // Order matters: nothing may call a Responder after the server's event loops are gone.
  if (workers_) workers_->Stop();
  accounts_.reset();
  manager_.reset();
  auth_state_.reset();
  profiles_.reset();
  users_.reset();
  server_.reset();
}

std::optional<StartupError> Application::Listen() {
  if (Status listening = server_->Listen(); !listening.ok()) {
    return StartupError{1, "HTTP_ADDR " + config_.http_addr + ": " + listening.message()};
  }
  return std::nullopt;
}

void SetUpLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("sessionkit");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

int RunServer(const ServerConfig& config) {
  if (config.jwt_secret_generated) {
    spdlog::warn("--dev: JWT_SECRET not set; generated a random one for this run "
                 "(tokens will not survive a restart)");
  } else if (config.jwt_secret.size() < kMinJwtSecretBytes) {
    spdlog::warn("--dev: running with a JWT_SECRET shorter than {} bytes", kMinJwtSecretBytes);
  }
  auto fail = [](const StartupError& error) {
    spdlog::critical("{}", error.message);
    return error.exit_code;
  };

  StartupError error;
  std::unique_ptr<Application> app = Application::Open(config, error);
  if (!app) return fail(error);
  if (std::optional<StartupError> failed = app->Listen()) return fail(*failed);
  auto endpoint = app->http().endpoint();
  spdlog::info("listening on {}:{} ({} I/O threads, {} password workers, binding {}, "
               "trusted proxies: {})",
               endpoint.address().to_string(), endpoint.port(), config.io_threads,
               config.hash_threads, config.session_binding,
               config.trusted_proxies.empty() ? "none" : config.trusted_proxies_text);
  spdlog::info("account security: max {} sessions per user (0 = unlimited), refresh grace {} s, "
               "login throttle {} failures per identifier / {} per IP in {} s (0 = off)",
               config.session_max_per_user, config.refresh_reuse_grace_seconds,
               config.login_max_failures_per_identifier, config.login_max_failures_per_ip,
               config.login_failure_window_seconds);
  spdlog::info("password hashing: argon2id m={} KiB t={} p=1 (older hashes are rehashed at the "
               "next good login)",
               config.password_hash_memory_kib, config.password_hash_iterations);

  app->Run();
  app.reset();
  spdlog::info("stopped");
  return 0;
}

}  // namespace sessionkit::server
