#include "server/app/application.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "server/app/log_format.h"
#include "server/app/stores.h"
#include "server/handlers/issue_session.h"
#include "server/mail/mail_outbox.h"
#include "server/mail/smtp_url.h"
#include "sessionkit/account_service.h"
#include "sessionkit/mysql_store.h"

namespace sessionkit::server {
namespace {

// The address of MAIL_FROM ("Name <a@b>" -> "a@b"), the SMTP envelope sender.
std::string EnvelopeAddressOf(const std::string& from) {
  const std::size_t open = from.rfind('<');
  if (open == std::string::npos) return from;
  const std::size_t close = from.find('>', open);
  return close == std::string::npos ? from : from.substr(open + 1, close - open - 1);
}

}  // namespace

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
  Result<PasswordHasher> hasher = PasswordHasherOf(config);
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

  // The stores (server/app/stores.h, shared with sessionkit-ctl): with Redis, its
  // connections run on the server's event loops.
  StoreOpenError store_error;
  std::optional<ConfiguredStores> stores =
      OpenConfiguredStores(config, server_->loops().contexts(), store_error);
  if (!stores) return StartupError{store_error.exit_code, store_error.message};
  // Every store call's latency and failures by operation (server/store_metrics.h).
  stores->sessions = InstrumentSessionStore(std::move(stores->sessions), metrics_.store_metrics());
  auth_state_ = InstrumentAuthStateStore(std::move(stores->auth_state), metrics_.store_metrics());
  users_ = std::move(stores->users);
  services_.users_read_only = stores->users_read_only;
  services_.redis_nodes = std::move(stores->redis_nodes);
  metrics_.SetRedisNodes(services_.redis_nodes);

  Result<std::unique_ptr<SessionManager>> manager =
      SessionManager::Open(ManagerOptionsOf(config), std::move(stores->sessions));
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
  if (!config.smtp_url.empty()) {  // API.md §13
    account_options.email.enabled = true;
    account_options.email.public_origin = config.public_origin;
    account_options.email.mail_from = config.mail_from;
  }
  // TOTP secrets (docs/two-factor.md): TOTP_ENCRYPTION_KEYS if set (its first key seals),
  // else the key derived from JWT_SECRET; keys derived from JWT_SECRET and every
  // JWT_PREVIOUS_SECRETS entry always open too, so neither rotation strands an enrolment.
  if (!config.totp_encryption_keys.empty()) {
    Result<std::vector<TotpEncryptionKey>> keys =
        ParseTotpEncryptionKeys(config.totp_encryption_keys);
    if (!keys.ok()) return StartupError{2, std::string(keys.status().message())};
    account_options.totp_keys = std::move(keys).value();
  }
  std::vector<const std::string*> jwt_secrets = {&config.jwt_secret};
  for (const std::string& previous : config.jwt_previous_secrets) jwt_secrets.push_back(&previous);
  for (const std::string* secret : jwt_secrets) {
    TotpEncryptionKey derived = DeriveTotpEncryptionKey(*secret);
    bool listed = false;
    for (const TotpEncryptionKey& key : account_options.totp_keys) listed |= key.id == derived.id;
    if (!listed) account_options.totp_keys.push_back(std::move(derived));
  }
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
  if (config.live_sessions_sample_seconds > 0) {
    live_sessions_ = std::make_unique<LiveSessionsSampler>(
        manager_->store(), metrics_, std::chrono::seconds(config.live_sessions_sample_seconds));
  }

  // The browser transport (API.md §8): cookies, CSRF, credentialed CORS.
  if (config.cookies_enabled) {
    browser_ = std::make_unique<BrowserPolicy>(BrowserSettings{
        .secure = config.cookie_secure,
        .public_origin = config.public_origin,
        .trusted_origins = config.trusted_origins,
        .jwt_secret = config.jwt_secret,
        .access_token_lifetime = std::chrono::hours(config.jwt_expired_hours)});
    services_.browser = browser_.get();
  }
  services_.web_ui = config.web_ui;

  // Mail (API.md §13): the delivery worker on its own thread, over the queue in the
  // account-state store.
  if (!config.smtp_url.empty()) {
    Result<SmtpUrl> smtp = ParseSmtpUrl(config.smtp_url);
    if (!smtp.ok()) return StartupError{2, std::string(smtp.status().message())};
    mail_ = std::make_unique<MailOutbox>(*auth_state_,
                                         SmtpSender(*smtp, EnvelopeAddressOf(config.mail_from)),
                                         &metrics_, MailOutboxOptions{});
    mail_->Start();
    services_.mail = mail_.get();
    spdlog::info("mail: {} from {:?} (links to {})", RedactSmtpUrl(config.smtp_url),
                 config.mail_from, config.public_origin);
  }
  services_.mail_pages = services_.mail != nullptr;  // the pages of §13 (pages.h)
  return std::nullopt;
}

Application::~Application() {
  // Order matters: nothing may call a Responder after the server's event loops are gone.
  live_sessions_.reset();  // its count may be using the store
  mail_.reset();           // its worker uses the auth-state store
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

void SetUpLogging(const std::string& level, const std::string& format) {
  auto logger = spdlog::stderr_logger_mt("sessionkit");
  if (format == "json") {
    logger->set_formatter(MakeJsonLogFormatter());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
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
  if (config.cookies_enabled && !config.cookie_secure) {
    spdlog::warn("COOKIE_SECURE=false: session cookies are sent without Secure and without "
                 "the __Host-/__Secure- prefixes; for plain-HTTP development only, never in "
                 "production");
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
