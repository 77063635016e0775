// The store conformance suite on a Redis Cluster (3 masters + 3 replicas): one cluster
// for the whole binary (testing/redis_cluster.h), every master flushed before each test.
// Built as its own binary, run as one CTest test (label heavy): starting a cluster takes
// seconds, so the tests share one process.
#include <memory>
#include <string>

#include "sessionkit/redis_store.h"
#include "src/store/redis/redis_keys.h"
#include "testing/conformance.h"
#include "testing/redis_cluster.h"
#include "tests/store_conformance/store_conformance.h"

namespace sessionkit::testing {
namespace {

class RedisClusterHarness final : public StoreHarness {
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
    RedisStoreOptions options;
    options.cluster_nodes = cluster_->Seeds();
    options.command_timeout = std::chrono::seconds(10);
    options.clock = &clock;
    auto store = OpenRedisStore(options);
    if (!store.ok()) {
      ADD_FAILURE() << "OpenRedisStore: " << store.status().ToString();
      return;
    }
    store_ = *store;
  }

  SessionStorePtr store() override { return store_; }

  bool SupportsPutRaw() const override { return true; }

  // As the Go session package writes a session: the record with its TTL, and the index,
  // each in its own slot.
  Status PutRaw(const std::string& id, const std::string& user_id, const std::string& json,
                TimePoint expires_at) override {
    const std::string ttl = std::to_string(internal::TtlSeconds(expires_at, clock.Now()));
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"SET", internal::SessionKey(id), json, "EX", ttl},
          std::vector<std::string>{"SADD", internal::IndexKey(user_id), id},
          std::vector<std::string>{"EXPIRE", internal::IndexKey(user_id), ttl}}) {
      auto reply = cluster_->Command(command);
      if (!reply.ok()) return reply.status();
      if (reply->is_error()) return Status::Internal(reply->str);
    }
    return Status::Ok();
  }

 private:
  RedisCluster* cluster_ = nullptr;
  SessionStorePtr store_;
};

StoreBackend RedisClusterBackend() {
  return {"RedisCluster", [] { return std::make_unique<RedisClusterHarness>(); }};
}

INSTANTIATE_TEST_SUITE_P(RedisCluster, StoreConformanceTest, ::testing::Values(RedisClusterBackend()),
                         BackendName<StoreHarness>);

}  // namespace
}  // namespace sessionkit::testing
