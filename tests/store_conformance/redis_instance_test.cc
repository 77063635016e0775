// The store conformance suite on the Redis store: one real redis-server for the whole
// binary (started on first use, on a free loopback port), flushed before every test.
#include <memory>
#include <string>

#include "sessionkit/redis_store.h"
#include "src/store/redis/redis_keys.h"
#include "testing/redis_server.h"
#include "tests/store_conformance/store_conformance.h"

namespace sessionkit::testing {
namespace {

class RedisHarness final : public StoreHarness {
 public:
  RedisHarness() {
    Result<RedisServer*> server = RedisServer::Shared();
    if (!server.ok()) {
      ADD_FAILURE() << "redis-server: " << server.status().ToString();
      return;
    }
    server_ = *server;
    auto flushed = server_->Command({"FLUSHALL"});
    if (!flushed.ok() || !flushed->is_status("OK")) {
      ADD_FAILURE() << "FLUSHALL: " << (flushed.ok() ? flushed->DebugString() : flushed.status().ToString());
      return;
    }
    RedisStoreOptions options;
    options.host = server_->host();
    options.port = server_->port();
    options.command_timeout = std::chrono::seconds(10);  // sanitizer builds are slow
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

  // As the Go session package writes a session: the record with its TTL, and the index.
  Status PutRaw(const std::string& id, const std::string& user_id, const std::string& json,
                TimePoint expires_at) override {
    const std::string ttl = std::to_string(internal::TtlSeconds(expires_at, clock.Now()));
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"SET", internal::SessionKey(id), json, "EX", ttl},
          std::vector<std::string>{"SADD", internal::IndexKey(user_id), id},
          std::vector<std::string>{"EXPIRE", internal::IndexKey(user_id), ttl}}) {
      auto reply = server_->Command(command);
      if (!reply.ok()) return reply.status();
      if (reply->is_error()) return Status::Internal(reply->str);
    }
    return Status::Ok();
  }

 private:
  RedisServer* server_ = nullptr;
  SessionStorePtr store_;
};

StoreBackend RedisBackend() {
  return {"Redis", [] { return std::make_unique<RedisHarness>(); }};
}

INSTANTIATE_TEST_SUITE_P(Redis, StoreConformanceTest, ::testing::Values(RedisBackend()),
                         StoreBackendName);

}  // namespace
}  // namespace sessionkit::testing
