// The auth-state conformance suite on the Redis backend: one real redis-server for the
// whole binary (started on first use, on a free loopback port), flushed before every test.
#include <chrono>
#include <memory>
#include <string>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/redis_store.h"
#include "testing/conformance.h"
#include "testing/redis_server.h"
#include "tests/auth_state_conformance/auth_state_conformance.h"

namespace sessionkit::testing {
namespace {

class RedisHarness final : public AuthStateHarness {
 public:
  RedisHarness() {
    Result<RedisServer*> server = FlushedRedisServer();
    if (!server.ok()) {
      ADD_FAILURE() << "redis-server: " << server.status().ToString();
      return;
    }
    server_ = *server;
    auto sessions = OpenRedisStore(Options());
    if (!sessions.ok()) {
      ADD_FAILURE() << "OpenRedisStore: " << sessions.status().ToString();
      return;
    }
    sessions_ = *sessions;
    auto store = OpenAnother();
    if (!store.ok()) {
      ADD_FAILURE() << "OpenRedisAuthStateStore: " << store.status().ToString();
      return;
    }
    store_ = *store;
  }

  AuthStateStorePtr store() override { return store_; }
  SessionStorePtr sessions() override { return sessions_; }
  Result<AuthStateStorePtr> OpenAnother() override { return OpenRedisAuthStateStore(Options()); }

  bool SupportsOutage() const override { return true; }
  Result<AuthStateStorePtr> OpenUnreachable() override {
    Result<int> port = UnusedLoopbackPort();
    if (!port.ok()) return port.status();
    RedisStoreOptions options = Options();
    options.port = *port;
    options.connect_timeout = std::chrono::milliseconds(200);
    return OpenRedisAuthStateStore(options);
  }

 private:
  RedisStoreOptions Options() { return RedisTestOptions(*server_, &clock); }

  RedisServer* server_ = nullptr;
  SessionStorePtr sessions_;
  AuthStateStorePtr store_;
};

AuthStateBackend RedisBackend() {
  return {"Redis", [] { return std::make_unique<RedisHarness>(); }};
}

INSTANTIATE_TEST_SUITE_P(Redis, AuthStateConformanceTest, ::testing::Values(RedisBackend()),
                         BackendName<AuthStateHarness>);

}  // namespace
}  // namespace sessionkit::testing
