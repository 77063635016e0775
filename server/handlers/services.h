// Services: everything a handler may use, built once (app/application.h) and passed by
// reference.
//
// Nothing here is owned: the Application (or a test) owns each piece and keeps it alive until the
// server and the worker pool have stopped. Every member is thread-safe.
#ifndef SESSIONKIT_SERVER_HANDLERS_SERVICES_H_
#define SESSIONKIT_SERVER_HANDLERS_SERVICES_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "server/handlers/logged_identifier.h"
#include "server/metrics.h"
#include "server/users/profile_cache.h"
#include "server/worker_pool.h"
#include "sessionkit/account_service.h"
#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/jwt.h"
#include "sessionkit/redis_store.h"
#include "sessionkit/session_manager.h"
#include "sessionkit/user_store.h"

namespace sessionkit::server {

class BrowserPolicy;  // browser.h
class MailOutbox;     // server/mail/mail_outbox.h

struct Services {
  SessionManager* sessions = nullptr;
  const JwtCodec* jwt = nullptr;
  sessionkit::UserStore* users = nullptr;
  ProfileCache* profiles = nullptr;  // /me's user lookups; nullptr = straight to `users`
  WorkerPool* workers = nullptr;  // blocking work: password hashing, user database
  Metrics* metrics = nullptr;
  const Clock* clock = nullptr;  // nullptr = SystemClock()
  // Refresh tokens and failed-login windows, beside the sessions (same file / same Redis).
  AuthStateStore* auth_state = nullptr;
  // Register, login, refresh, password change: the account flows over the above.
  AccountService* accounts = nullptr;
  // Users of an external schema (USER_LOOKUP_SQL, API.md §10): register and password
  // change answer 403 read_only_users.
  bool users_read_only = false;
  // Marks typed login identifiers in log lines (logged_identifier.h); nullptr = redacted.
  const LogIdentifierKey* log_identifier_key = nullptr;
  // The cookie transport and CSRF rules of API.md §8 (browser.h); nullptr =
  // SESSION_COOKIES=off: cookies are never set or read.
  const BrowserPolicy* browser = nullptr;

  // WEB_UI (API.md §7, §8): the account pages are served; off -> their paths are 404.
  bool web_ui = true;
  // Mail is configured (SMTP_URL, API.md §13): the pages of the mailed links are served
  // and linked (pages.h); false -> /account/forgot, /reset, /verify-email are 404 and
  // the login page has no "Forgot password?".
  bool mail_pages = false;

  // Unix second of the last IP/User-Agent drift warning: at most one a second.
  std::atomic<std::int64_t> last_drift_log{0};
  // API.md §13: the mail delivery worker; nullptr when SMTP_URL is unset (the email routes
  // answer 404).
  MailOutbox* mail = nullptr;
  // Redis Cluster only: every node the client knows (/healthz reports them); empty otherwise.
  std::function<std::vector<RedisNodeHealth>()> redis_nodes;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_SERVICES_H_
