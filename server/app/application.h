// Application: the server's wiring, reusable by any program that needs the same pieces
// (the server's main, an administration tool).
//
// Open() builds, from a ServerConfig, in this order: the route table and its metrics,
// the HTTP server with its event loops started (a Redis client runs its connections on
// them), the session, account-state and users stores (server/app/stores.h, shared with
// sessionkit-ctl), the SessionManager, the JwtCodec, the users' profile cache, the
// password workers, the AccountService
// (refresh tokens, login throttle, password hashing), and the Services the handlers see. Nothing listens yet: Listen()
// binds, Run() serves until SIGINT/SIGTERM or RequestStop(). The destructor tears down
// in the one safe order: workers stopped, then the account service, the manager, account
// state and users closed, then the HTTP server (nothing may call a Responder after its loops are gone).
//
// Errors: Open() logs only which store it opens; it returns a StartupError with the
// exit code of main (2: the configuration cannot work, 1: a dependency cannot be set
// up) and the message to log, which never holds a secret.
// Thread safety: one thread calls Open, Listen, Run and the destructor; RequestStop may
// be called from any thread.
#ifndef SESSIONKIT_SERVER_APP_APPLICATION_H_
#define SESSIONKIT_SERVER_APP_APPLICATION_H_

#include <memory>
#include <optional>
#include <string>

#include "server/app/config.h"
#include "server/handlers/browser.h"
#include "server/handlers/routes.h"
#include "server/handlers/services.h"
#include "server/http/http_server.h"
#include "server/live_sessions_sampler.h"
#include "server/mail/mail_outbox.h"
#include "server/metrics.h"
#include "server/router.h"
#include "sessionkit/account_service.h"
#include "sessionkit/auth_state_store.h"
#include "sessionkit/session_manager.h"
#include "sessionkit/status.h"

namespace sessionkit::server {

struct StartupError {
  int exit_code = 1;
  std::string message;
};

class Application {
 public:
  // `config` must outlive the Application.
  static std::unique_ptr<Application> Open(const ServerConfig& config, StartupError& error);
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;
  ~Application();

  // Binds HTTP_ADDR; on failure the error to exit with (1).
  std::optional<StartupError> Listen();
  void Run() { server_->Run(); }
  void RequestStop() { server_->RequestStop(); }

  HttpServer& http() noexcept { return *server_; }
  Services& services() noexcept { return services_; }
  const Router& router() const noexcept { return router_; }

 private:
  explicit Application(const ServerConfig& config);
  std::optional<StartupError> Build();

  const ServerConfig& config_;
  Router router_{ApiRoutes()};
  Metrics metrics_{router_.labels()};
  Services services_;
  ApiHandler handler_{router_, services_};
  std::unique_ptr<HttpServer> server_;
  std::optional<PasswordHasher> hasher_;
  std::optional<LogIdentifierKey> log_identifier_key_;
  AuthStateStorePtr auth_state_;
  std::unique_ptr<SessionManager> manager_;
  std::optional<JwtCodec> jwt_;
  UserStorePtr users_;
  std::unique_ptr<ProfileCache> profiles_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<LiveSessionsSampler> live_sessions_;  // stopped first
  std::unique_ptr<BrowserPolicy> browser_;
  std::unique_ptr<MailOutbox> mail_;  // API.md §13; nullptr without SMTP_URL  // nullptr: SESSION_COOKIES=off
};

// Logs to stderr at `level` (trace … off), UTC timestamps; the default spdlog logger.
// `format` is "text" or "json" (LOG_FORMAT, server/app/log_format.h).
void SetUpLogging(const std::string& level, const std::string& format = "text");

// Runs the server of `config` until it is stopped: Open, Listen, Run, with the start-up
// log lines. Returns main's exit status (0 after a clean stop).
int RunServer(const ServerConfig& config);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_APP_APPLICATION_H_
