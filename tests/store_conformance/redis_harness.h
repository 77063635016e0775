// The store conformance harness on Redis, for both Redis instances of the suite: one
// redis-server (redis_instance_test.cc) or a Redis Cluster (cluster_instance.cc), the
// binary's one of each, flushed before every test (testing/conformance.h, FlushedRedis).
// PutRaw writes a session as the Go session package does: the record with its TTL, and
// the index (on a cluster, each in its own slot). Test-only.
#ifndef SESSIONKIT_TESTS_STORE_CONFORMANCE_REDIS_HARNESS_H_
#define SESSIONKIT_TESTS_STORE_CONFORMANCE_REDIS_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "sessionkit/redis_store.h"
#include "src/store/redis/redis_keys.h"
#include "testing/conformance.h"
#include "tests/store_conformance/store_conformance.h"

namespace sessionkit::testing {

class RedisHarness final : public StoreHarness {
 public:
  explicit RedisHarness(FlushedRedis::Kind kind) {
    if (!FlushedRedis::OpenInto(kind, redis_)) return;
    auto store = OpenRedisStore(redis_.Options(&clock));
    if (!store.ok()) {
      ADD_FAILURE() << "OpenRedisStore on the " << redis_.name() << ": " << store.status().ToString();
      return;
    }
    store_ = *store;
  }

  SessionStorePtr store() override { return store_; }

  bool SupportsPutRaw() const override { return true; }

  Status PutRaw(const std::string& id, const std::string& user_id, const std::string& json,
                TimePoint expires_at) override {
    const std::string ttl = std::to_string(internal::TtlSeconds(expires_at, clock.Now()));
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"SET", internal::SessionKey(id), json, "EX", ttl},
          std::vector<std::string>{"SADD", internal::IndexKey(user_id), id},
          std::vector<std::string>{"EXPIRE", internal::IndexKey(user_id), ttl}}) {
      auto reply = redis_.Command(command);
      if (!reply.ok()) return reply.status();
      if (reply->is_error()) return Status::Internal(reply->str);
    }
    return Status::Ok();
  }

 private:
  FlushedRedis redis_;
  SessionStorePtr store_;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTS_STORE_CONFORMANCE_REDIS_HARNESS_H_
