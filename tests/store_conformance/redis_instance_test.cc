// The store conformance suite on the Redis store: one real redis-server for the whole
// binary (started on first use, on a free loopback port), flushed before every test.
#include <memory>

#include "tests/store_conformance/redis_harness.h"

namespace sessionkit::testing {
namespace {

StoreBackend RedisBackend() {
  return {"Redis", [] { return std::make_unique<RedisHarness>(FlushedRedis::kServer); }};
}

INSTANTIATE_TEST_SUITE_P(Redis, StoreConformanceTest, ::testing::Values(RedisBackend()),
                         BackendName<StoreHarness>);

}  // namespace
}  // namespace sessionkit::testing
