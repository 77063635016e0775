// Test-only: the Services of a handler test, built from a session store, an account-state
// store and a users database file, with everything else real (SessionManager, JwtCodec,
// argon2id at its minimum cost, a worker pool, refresh tokens, the login throttle).
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

#include "server/handlers/services.h"
#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/jwt.h"
#include "sessionkit/session_manager.h"
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
    options.manager.clock = options.clock;
    auto opened = SessionManager::Open(options.manager, std::move(options.sessions));
    if (!opened.ok()) return opened.status();
    manager = std::move(opened).value();
    auth_state = std::move(options.auth_state);
    auto codec = JwtCodec::Create({.secret = options.jwt_secret, .clock = options.clock});
    if (!codec.ok()) return codec.status();
    jwt.emplace(std::move(codec).value());
    auto opened_users = UserStore::Open({.path = options.users_path, .clock = options.clock});
    if (!opened_users.ok()) return opened_users.status();
    users = std::move(opened_users).value();
    auto created = PasswordHasher::Create(MinimumCost());
    if (!created.ok()) return created.status();
    hasher.emplace(std::move(created).value());
    workers = std::make_unique<WorkerPool>(options.worker_threads, options.worker_queue);
    refresh_tokens.emplace(options.jwt_secret);
    throttle.emplace(*auth_state, options.login_limits);

    services.sessions = manager.get();
    services.jwt = &*jwt;
    services.users = users.get();
    services.hasher = &*hasher;
    services.workers = workers.get();
    services.metrics = &metrics;
    services.clock = options.clock;
    services.auth_state = auth_state.get();
    services.refresh_tokens = &*refresh_tokens;
    services.login_throttle = &*throttle;
    return Status::Ok();
  }

  std::unique_ptr<SessionManager> manager;
  AuthStateStorePtr auth_state;
  std::optional<JwtCodec> jwt;
  std::unique_ptr<UserStore> users;
  std::optional<PasswordHasher> hasher;
  std::unique_ptr<WorkerPool> workers;
  std::optional<RefreshTokens> refresh_tokens;
  std::optional<LoginThrottle> throttle;
  Metrics metrics;
  Services services;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_TESTING_TEST_SERVICES_H_
