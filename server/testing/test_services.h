// Test-only: the Services of a handler test, built from a session store, an account-state
// store and a users database file, with everything else real (SessionManager, JwtCodec,
// argon2id at its minimum cost, a worker pool, the AccountService with its refresh tokens
// and login throttle).
//
// Open() returns the first failure; the fixture ASSERTs on it. Members are public so a
// test can reach any piece (the clock it passed, the manager, the users database...).
// The destructor stops the workers first, as the server does. Include from *_test.cc.
// Thread safety: as Services once opened; Open and the destructor from one thread.
#ifndef SESSIONKIT_SERVER_TESTING_TEST_SERVICES_H_
#define SESSIONKIT_SERVER_TESTING_TEST_SERVICES_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/handlers/issue_session.h"
#include "server/handlers/services.h"
#include "server/worker_pool.h"
#include "sessionkit/account_service.h"
#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/jwt.h"
#include "sessionkit/password_hasher.h"
#include "sessionkit/session_manager.h"
#include "sessionkit/sqlite_store.h"
#include "sessionkit/status.h"

namespace sessionkit::server {

struct TestServicesOptions {
  SessionStorePtr sessions;      // required
  AuthStateStorePtr auth_state;  // required
  std::string users_path;        // the users database file
  ManagerOptions manager;        // .clock is set to `clock`
  const Clock* clock = nullptr;  // for everything
  std::string jwt_secret;
  LoginLimits login_limits;
  std::chrono::seconds token_lifetime{48 * 3600};  // JWT_EXPIRED
  std::chrono::seconds refresh_grace{10};          // REFRESH_REUSE_GRACE_SECONDS
  std::size_t worker_threads = 1;
  std::size_t worker_queue = 4;
};

class TestServices {
 public:
  TestServices() = default;
  TestServices(const TestServices&) = delete;
  TestServices& operator=(const TestServices&) = delete;
  ~TestServices() {
    if (workers) workers->Stop();
  }

  Status Open(TestServicesOptions options) {
    options_ = options;
    options.manager.clock = options.clock;
    auto opened = SessionManager::Open(options.manager, std::move(options.sessions));
    if (!opened.ok()) return opened.status();
    manager = std::move(opened).value();
    auth_state = std::move(options.auth_state);
    auto codec = JwtCodec::Create({.secret = options.jwt_secret, .clock = options.clock});
    if (!codec.ok()) return codec.status();
    jwt.emplace(std::move(codec).value());
    auto opened_users = OpenSqliteUserStore({.path = options.users_path, .clock = options.clock});
    if (!opened_users.ok()) return opened_users.status();
    users = std::move(opened_users).value();
    auto created = PasswordHasher::Create(MinimumCost());
    if (!created.ok()) return created.status();
    hasher.emplace(std::move(created).value());
    workers = std::make_unique<WorkerPool>(options.worker_threads, options.worker_queue);

    services.sessions = manager.get();
    services.jwt = &*jwt;
    services.users = users.get();
    services.workers = workers.get();
    services.metrics = &metrics;
    services.clock = options.clock;
    services.auth_state = auth_state.get();
    return OpenAccounts(options.token_lifetime);
  }

  // (Re)opens the AccountService with another access-token lifetime.
  Status OpenAccounts(std::chrono::seconds token_lifetime) {
    AccountOptions options;
    options.refresh_secret = options_.jwt_secret;
    options.access_token_lifetime = token_lifetime;
    options.refresh_grace = options_.refresh_grace;
    options.login_limits = options_.login_limits;
    options.clock = options_.clock;
    WorkerPool* pool = workers.get();
    auto opened = AccountService::Open(
        options, {.sessions = manager.get(), .auth_state = auth_state.get(), .users = users.get(),
                  .jwt = &*jwt, .hasher = &*hasher,
                  .blocking = [pool](std::function<void()> job) {
                    return pool->Submit(std::move(job));
                  },
                  .notices = LogAccountNotice});
    if (!opened.ok()) return opened.status();
    accounts = std::move(opened).value();
    services.accounts = accounts.get();
    return Status::Ok();
  }

  std::unique_ptr<SessionManager> manager;
  AuthStateStorePtr auth_state;
  std::optional<JwtCodec> jwt;
  UserStorePtr users;
  std::optional<PasswordHasher> hasher;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<AccountService> accounts;
  Metrics metrics;
  Services services;

 private:
  TestServicesOptions options_;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_TESTING_TEST_SERVICES_H_
