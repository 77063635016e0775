// The auth-state conformance suite on a Redis Cluster (3 masters + 3 replicas): one
// cluster for the whole binary (testing/redis_cluster.h), every master flushed before
// each test. Its own binary, one CTest test (label heavy).
#include <memory>

#include "tests/auth_state_conformance/redis_harness.h"

namespace sessionkit::testing {
namespace {

AuthStateBackend RedisClusterBackend() {
  return {"RedisCluster", [] { return std::make_unique<RedisHarness>(FlushedRedis::kCluster); }};
}

INSTANTIATE_TEST_SUITE_P(RedisCluster, AuthStateConformanceTest, ::testing::Values(RedisClusterBackend()),
                         BackendName<AuthStateHarness>);

}  // namespace
}  // namespace sessionkit::testing
