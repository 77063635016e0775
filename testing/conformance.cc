#include "testing/conformance.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "testing/raw_sqlite.h"

namespace sessionkit::testing {

Status BreakSqliteFile(const std::string& path) {
  {
    auto raw = RawSqlite::Open(path);
    if (!raw.ok()) return raw.status();
    if (Status st = (*raw)->Exec("CREATE TABLE IF NOT EXISTS broken_by_test (x);"
                                 "INSERT INTO broken_by_test VALUES (1);"
                                 "PRAGMA wal_checkpoint(TRUNCATE);");
        !st.ok()) {
      return st;
    }
  }
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!file.seekg(0, std::ios::end)) return Status::Internal("cannot open " + path);
  const std::string garbage(static_cast<std::size_t>(file.tellg()), 'B');
  file.seekp(0);
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  if (!file.flush()) return Status::Internal("cannot overwrite " + path);
  return Status::Ok();
}

Result<RedisServer*> FlushedRedisServer() {
  Result<RedisServer*> server = RedisServer::Shared();
  if (!server.ok()) return server.status();
  auto flushed = (*server)->Command({"FLUSHALL"});
  if (!flushed.ok()) return flushed.status();
  if (!flushed->is_status("OK")) return Status::Internal("FLUSHALL: " + flushed->DebugString());
  return server;
}

RedisStoreOptions RedisTestOptions(const RedisServer& server, const Clock* clock) {
  RedisStoreOptions options;
  options.host = server.host();
  options.port = server.port();
  options.command_timeout = std::chrono::seconds(10);  // sanitizer builds are slow
  options.clock = clock;
  return options;
}

Result<FlushedRedis> FlushedRedis::Open(Kind kind) {
  FlushedRedis redis;
  if (kind == kServer) {
    Result<RedisServer*> server = FlushedRedisServer();
    if (!server.ok()) return server.status();
    redis.server_ = *server;
    return redis;
  }
  Result<RedisCluster*> cluster = RedisCluster::Shared();
  if (!cluster.ok()) return cluster.status();
  if (Status flushed = (*cluster)->FlushAll(); !flushed.ok()) return flushed;
  redis.cluster_ = *cluster;
  return redis;
}

bool FlushedRedis::OpenInto(Kind kind, FlushedRedis& out) {
  Result<FlushedRedis> redis = Open(kind);
  if (!redis.ok()) {
    ADD_FAILURE() << "redis: " << redis.status().ToString();
    return false;
  }
  out = *redis;
  return true;
}

RedisStoreOptions FlushedRedis::Options(const Clock* clock) const {
  if (server_ != nullptr) return RedisTestOptions(*server_, clock);
  RedisStoreOptions options;
  options.cluster_nodes = cluster_->Seeds();
  options.command_timeout = std::chrono::seconds(10);  // sanitizer builds are slow
  options.clock = clock;
  return options;
}

RedisStoreOptions FlushedRedis::Unreachable(const Clock* clock, int port) const {
  RedisStoreOptions options = Options(clock);
  if (server_ != nullptr) {
    options.port = port;
  } else {
    options.cluster_nodes = {"127.0.0.1:" + std::to_string(port)};
  }
  options.connect_timeout = std::chrono::milliseconds(200);
  return options;
}

Result<internal::RedisReply> FlushedRedis::Command(const std::vector<std::string>& args) const {
  return server_ != nullptr ? server_->Command(args) : cluster_->Command(args);
}

Result<int> UnusedLoopbackPort() {
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

}  // namespace sessionkit::testing
