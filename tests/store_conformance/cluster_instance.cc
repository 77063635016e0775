// The store conformance suite on a Redis Cluster (3 masters + 3 replicas): one cluster
// for the whole binary (testing/redis_cluster.h), every master flushed before each test.
// Built as its own binary, run as one CTest test (label heavy): starting a cluster takes
// seconds, so the tests share one process.
#include <memory>

#include "tests/store_conformance/redis_harness.h"

namespace sessionkit::testing {
namespace {

StoreBackend RedisClusterBackend() {
  return {"RedisCluster", [] { return std::make_unique<RedisHarness>(FlushedRedis::kCluster); }};
}

INSTANTIATE_TEST_SUITE_P(RedisCluster, StoreConformanceTest, ::testing::Values(RedisClusterBackend()),
                         BackendName<StoreHarness>);

}  // namespace
}  // namespace sessionkit::testing
