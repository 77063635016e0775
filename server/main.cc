// sessionkit-server: wires configuration -> stores -> session manager -> HTTP server.
//
// Exit status: 0 after --help or a clean SIGTERM/SIGINT shutdown, 2 for a configuration
// error (nothing secret is printed), 1 when a dependency cannot be set up at start
// (database file, port in use).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "server/config.h"
#include "server/handlers/issue_session.h"
#include "server/handlers/services.h"
#include "server/http/http_server.h"
#include "sessionkit/account_service.h"
#include "sessionkit/auth_state_store.h"
#include "sessionkit/redis_store.h"
#include "sessionkit/sqlite_store.h"

namespace sk = sessionkit;
namespace srv = sessionkit::server;

namespace {

std::string ReadDotEnv() {
  std::ifstream in(".env");
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void SetUpLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("sessionkit");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

struct Stores {
  sk::SessionStorePtr sessions;
  sk::AuthStateStorePtr auth_state;  // refresh tokens, failed logins: beside the sessions
  sk::UserStorePtr users;            // with SQLite sessions, on the same database
};

// The stores of the configuration, logged. Exit code on failure (2 config, 1 run).
// With Redis, one client serves both stores and runs its connections on the server's
// event loops (`loops`, running): a validation's command goes out, and its reply comes
// back, on the loop of the connection that asked, with no thread hop.
sk::Result<Stores> OpenStores(const srv::ServerConfig& config,
                              std::vector<boost::asio::io_context*> loops, int& exit_code) {
  sk::Result<sk::SessionStorePtr> sessions = sk::Status::Internal("no store");
  sk::Result<sk::AuthStateStorePtr> auth_state = sk::Status::Internal("no store");
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
    sessions = std::move(redis->sessions);
    auth_state = std::move(redis->auth_state);
  } else {
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
  if (!sessions.ok()) return sessions.status();
  if (!auth_state.ok()) return auth_state.status();
  return Stores{std::move(sessions).value(), std::move(auth_state).value()};
}

int Fail(int code, const std::string& what) {
  spdlog::critical("{}", what);
  return code;
}

int Run(const srv::ServerConfig& config) {
  if (config.jwt_secret_generated) {
    spdlog::warn("--dev: JWT_SECRET not set; generated a random one for this run "
                 "(tokens will not survive a restart)");
  } else if (config.jwt_secret.size() < srv::kMinJwtSecretBytes) {
    spdlog::warn("--dev: running with a JWT_SECRET shorter than {} bytes",
                 srv::kMinJwtSecretBytes);
  }

  sk::Result<sk::PasswordHasher> hasher = sk::PasswordHasher::Create();
  if (!hasher.ok()) return Fail(1, hasher.status().ToString());

  // The HTTP server first: its event loops run the Redis connections too. Destroyed
  // last, after everything that may still answer a request (see the end of Run).
  srv::Metrics metrics;
  srv::Services services;
  srv::HttpServerOptions http;
  http.host = config.http_host;
  http.port = config.http_port;
  http.threads = config.io_threads;
  http.max_connections = config.max_connections;
  http.limits.max_body_bytes = srv::kMaxBodyBytes;
  http.limits.header_timeout = std::chrono::milliseconds(config.header_timeout_ms);
  http.limits.body_timeout = std::chrono::milliseconds(config.body_timeout_ms);
  http.limits.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
  auto server = std::make_unique<srv::HttpServer>(http, services, config.trusted_proxies);
  server->StartLoops();

  int store_exit = 1;
  sk::Result<Stores> stores = OpenStores(config, server->loops().contexts(), store_exit);
  if (!stores.ok()) return Fail(store_exit, "session store: " + stores.status().ToString());
  sk::AuthStateStorePtr auth_state = std::move(stores->auth_state);

  sk::ManagerOptions manager_options;
  manager_options.idle_timeout = std::chrono::hours(config.session_ttl_hours);
  manager_options.absolute_lifetime = std::chrono::hours(config.session_max_lifetime_hours);
  manager_options.touch_interval = std::chrono::seconds(config.session_touch_interval_seconds);
  manager_options.binding =
      config.session_binding == "strict" ? sk::BindingPolicy::kStrict : sk::BindingPolicy::kWarn;
  manager_options.max_sessions_per_user = static_cast<std::uint32_t>(config.session_max_per_user);
  sk::Result<std::unique_ptr<sk::SessionManager>> manager =
      sk::SessionManager::Open(manager_options, std::move(stores->sessions));
  if (!manager.ok()) return Fail(2, "session manager: " + manager.status().ToString());

  sk::JwtOptions jwt_options;
  jwt_options.secret = config.jwt_secret;
  jwt_options.previous_secrets = config.jwt_previous_secrets;
  jwt_options.leeway = std::chrono::seconds(config.jwt_leeway_seconds);
  jwt_options.accepted_issuers = config.jwt_accept_issuers;
  sk::Result<sk::JwtCodec> jwt = sk::JwtCodec::Create(std::move(jwt_options));
  if (!jwt.ok()) return Fail(2, "JWT configuration: " + std::string(sk::CodeName(jwt.status().code())));

  sk::UserStorePtr users = std::move(stores->users);
  if (users == nullptr) {  // sessions in Redis: the users stay in the local database file
    sk::Result<sk::UserStorePtr> opened = sk::OpenSqliteUserStore({.path = config.database_path});
    if (!opened.ok()) return Fail(1, "users database: " + opened.status().ToString());
    users = std::move(opened).value();
  }

  // Password hashing runs below the I/O threads' priority: logins under load wait for
  // CPU instead of starving validations (docs/performance.md, target 4).
  constexpr int kPasswordWorkerNice = 10;
  srv::WorkerPool workers(config.hash_threads, config.hash_queue, kPasswordWorkerNice);

  // The account flows. Successors of spent refresh tokens are derived from JWT_SECRET, so
  // every server sharing the secret hands out the same pair within the grace window.
  sk::AccountOptions account_options;
  account_options.refresh_secret = config.jwt_secret;
  account_options.access_token_lifetime = std::chrono::hours(config.jwt_expired_hours);
  account_options.issuer = config.jwt_issuer;
  account_options.refresh_grace = std::chrono::seconds(config.refresh_reuse_grace_seconds);
  account_options.login_limits.window = std::chrono::seconds(config.login_failure_window_seconds);
  account_options.login_limits.max_per_identifier =
      static_cast<std::uint32_t>(config.login_max_failures_per_identifier);
  account_options.login_limits.max_per_ip =
      static_cast<std::uint32_t>(config.login_max_failures_per_ip);
  sk::Result<std::unique_ptr<sk::AccountService>> accounts = sk::AccountService::Open(
      std::move(account_options),
      {.sessions = manager->get(), .auth_state = auth_state.get(), .users = users.get(),
       .jwt = &*jwt, .hasher = &*hasher,
       .blocking = [&workers](std::function<void()> job) { return workers.Submit(std::move(job)); },
       .notices = srv::LogAccountNotice});
  if (!accounts.ok()) return Fail(2, "account service: " + accounts.status().ToString());
  services.sessions = manager->get();
  services.jwt = &*jwt;
  services.users = users.get();
  // /me's profile lookups stay in memory for a minute (profile_cache.h says why that is
  // safe); sessions themselves are read from the store on every request.
  srv::ProfileCache profiles(*users, nullptr, std::chrono::seconds(60));
  services.profiles = &profiles;
  services.workers = &workers;
  services.metrics = &metrics;
  services.auth_state = auth_state.get();
  services.accounts = accounts->get();

  if (sk::Status listening = server->Listen(); !listening.ok()) {
    return Fail(1, "HTTP_ADDR " + config.http_addr + ": " + listening.message());
  }
  auto endpoint = server->endpoint();
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

  server->Run();

  // Order matters: nothing may call a Responder after the server's event loops are gone.
  workers.Stop();
  accounts->reset();
  manager->reset();
  auth_state.reset();
  users.reset();
  server.reset();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv, argv + argc);
  srv::EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  unsigned cores = std::thread::hardware_concurrency();
  srv::ConfigOutcome outcome = srv::LoadConfig(args, env, ReadDotEnv(), cores == 0 ? 1 : cores);
  if (!outcome.config) {
    (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.message << std::endl;
    return outcome.exit_code;
  }
  SetUpLogging(outcome.config->log_level);
  return Run(*outcome.config);
}
