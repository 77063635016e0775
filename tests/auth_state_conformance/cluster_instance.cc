// The auth-state conformance suite on a Redis Cluster (3 masters + 3 replicas): one
// cluster for the whole binary (testing/redis_cluster.h), every master flushed before
// each test. Its own binary, one CTest test (label heavy).
#include <chrono>
#include <memory>
#include <string>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/redis_store.h"
#include "testing/conformance.h"
#include "testing/redis_cluster.h"
#include "tests/auth_state_conformance/auth_state_conformance.h"

namespace sessionkit::testing {
namespace {

class RedisClusterHarness final : public AuthStateHarness {
 public:
  RedisClusterHarness() {
    Result<RedisCluster*> cluster = RedisCluster::Shared();
    if (!cluster.ok()) {
      ADD_FAILURE() << "redis cluster: " << cluster.status().ToString();
      return;
    }
    cluster_ = *cluster;
    if (Status flushed = cluster_->FlushAll(); !flushed.ok()) {
      ADD_FAILURE() << "FLUSHALL: " << flushed.ToString();
      return;
    }
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
    options.cluster_nodes = {"127.0.0.1:" + std::to_string(*port)};
    options.connect_timeout = std::chrono::milliseconds(200);
    return OpenRedisAuthStateStore(options);
  }

 private:
  RedisStoreOptions Options() {
    RedisStoreOptions options;
    options.cluster_nodes = cluster_->Seeds();
    options.command_timeout = std::chrono::seconds(10);
    options.clock = &clock;
    return options;
  }

  RedisCluster* cluster_ = nullptr;
  SessionStorePtr sessions_;
  AuthStateStorePtr store_;
};

AuthStateBackend RedisClusterBackend() {
  return {"RedisCluster", [] { return std::make_unique<RedisClusterHarness>(); }};
}

INSTANTIATE_TEST_SUITE_P(RedisCluster, AuthStateConformanceTest, ::testing::Values(RedisClusterBackend()),
                         BackendName<AuthStateHarness>);

}  // namespace
}  // namespace sessionkit::testing
