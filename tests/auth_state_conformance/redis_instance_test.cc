// The auth-state conformance suite on the Redis backend: one real redis-server for the
// whole binary (started on first use, on a free loopback port), flushed before every test.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/redis_store.h"
#include "testing/redis_server.h"
#include "tests/auth_state_conformance/auth_state_conformance.h"

namespace sessionkit::testing {
namespace {

// A loopback port nobody listens on: bound to port 0 to learn a free one, then released.
Result<int> UnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::Internal("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) return Status::Internal("bind/getsockname failed");
  return static_cast<int>(ntohs(addr.sin_port));
}

class RedisHarness final : public AuthStateHarness {
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
    Result<int> port = UnusedPort();
    if (!port.ok()) return port.status();
    RedisStoreOptions options = Options();
    options.port = *port;
    options.connect_timeout = std::chrono::milliseconds(200);
    return OpenRedisAuthStateStore(options);
  }

 private:
  RedisStoreOptions Options() {
    RedisStoreOptions options;
    options.host = server_->host();
    options.port = server_->port();
    options.command_timeout = std::chrono::seconds(10);  // sanitizer builds are slow
    options.clock = &clock;
    return options;
  }

  RedisServer* server_ = nullptr;
  SessionStorePtr sessions_;
  AuthStateStorePtr store_;
};

AuthStateBackend RedisBackend() {
  return {"Redis", [] { return std::make_unique<RedisHarness>(); }};
}

INSTANTIATE_TEST_SUITE_P(Redis, AuthStateConformanceTest, ::testing::Values(RedisBackend()),
                         AuthStateBackendName);

}  // namespace
}  // namespace sessionkit::testing
