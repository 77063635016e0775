// The auth-state conformance harness on Redis, for both Redis instances of the suite:
// one redis-server (redis_instance_test.cc) or a Redis Cluster (cluster_instance.cc),
// the binary's one of each, flushed before every test (testing/conformance.h,
// FlushedRedis). The outage case opens a store aimed at a loopback port where nothing
// listens. Test-only.
#ifndef SESSIONKIT_TESTS_AUTH_STATE_CONFORMANCE_REDIS_HARNESS_H_
#define SESSIONKIT_TESTS_AUTH_STATE_CONFORMANCE_REDIS_HARNESS_H_

#include <memory>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/redis_store.h"
#include "testing/conformance.h"
#include "tests/auth_state_conformance/auth_state_conformance.h"

namespace sessionkit::testing {

class RedisHarness final : public AuthStateHarness {
 public:
  explicit RedisHarness(FlushedRedis::Kind kind) {
    if (!FlushedRedis::OpenInto(kind, redis_)) return;
    auto sessions = OpenRedisStore(redis_.Options(&clock));
    if (!sessions.ok()) {
      ADD_FAILURE() << "OpenRedisStore on the " << redis_.name() << ": " << sessions.status().ToString();
      return;
    }
    sessions_ = *sessions;
    auto store = OpenAnother();
    if (!store.ok()) {
      ADD_FAILURE() << "OpenRedisAuthStateStore on the " << redis_.name() << ": " << store.status().ToString();
      return;
    }
    store_ = *store;
  }

  AuthStateStorePtr store() override { return store_; }
  SessionStorePtr sessions() override { return sessions_; }
  Result<AuthStateStorePtr> OpenAnother() override { return OpenRedisAuthStateStore(redis_.Options(&clock)); }

  bool SupportsOutage() const override { return true; }
  Result<AuthStateStorePtr> OpenUnreachable() override {
    Result<int> port = UnusedLoopbackPort();
    if (!port.ok()) return port.status();
    return OpenRedisAuthStateStore(redis_.Unreachable(&clock, *port));
  }

 private:
  FlushedRedis redis_;
  SessionStorePtr sessions_;
  AuthStateStorePtr store_;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTS_AUTH_STATE_CONFORMANCE_REDIS_HARNESS_H_
