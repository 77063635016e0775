// The auth-state conformance suite on the Redis backend: one real redis-server for the
// whole binary (started on first use, on a free loopback port), flushed before every test.
#include <memory>

#include "tests/auth_state_conformance/redis_harness.h"

namespace sessionkit::testing {
namespace {

AuthStateBackend RedisBackend() {
  return {"Redis", [] { return std::make_unique<RedisHarness>(FlushedRedis::kServer); }};
}

INSTANTIATE_TEST_SUITE_P(Redis, AuthStateConformanceTest, ::testing::Values(RedisBackend()),
                         BackendName<AuthStateHarness>);

}  // namespace
}  // namespace sessionkit::testing
