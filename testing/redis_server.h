// RedisServer: a throwaway real `redis-server` for tests and benchmarks.
//
// Start() runs redis-server (from $SESSIONKIT_REDIS_SERVER, else PATH) bound to
// 127.0.0.1 on a free port (found by binding port 0; retried if another process takes
// it first) in a fresh temporary directory, with persistence off
// (`--save "" --appendonly no`) and an optional requirepass, and waits until it
// answers PING. A missing redis-server is an error with a clear message, never a skip:
// callers ASSERT on it. Stop() (SIGTERM), Kill() (SIGKILL) and Restart() (same port,
// empty dataset) let tests take Redis away and bring it back. The destructor stops the
// server and removes the directory. The child gets SIGKILL if the thread that
// started it dies, so a crashed test leaves no server behind.
//
// Command() sends one command on a fresh blocking connection (AUTH and SELECT first):
// for setting up and inspecting data beside the code under test.
//
// Not thread-safe: drive one instance from one thread (Command() may be called from
// several threads at once).
#ifndef SESSIONKIT_TESTING_REDIS_SERVER_H_
#define SESSIONKIT_TESTING_REDIS_SERVER_H_

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sessionkit/result.h"
#include "src/store/redis/redis_reply.h"

namespace sessionkit::testing {

class RedisServer {
 public:
  struct Options {
    std::string password;                // requirepass when non-empty
    std::vector<std::string> extra_args; // more redis-server flags ("--maxmemory", "1mb")
  };

  // Unavailable with the reason (redis-server missing, failed to start: log excerpt).
  static Result<std::unique_ptr<RedisServer>> Start(Options options);
  static Result<std::unique_ptr<RedisServer>> Start() { return Start(Options{}); }

  // One server for the whole test process, started on first use and never destroyed
  // (it dies with the process); a start failure is returned to every caller. Tests
  // that share it FLUSHALL first. Call it from one thread at a time (the first call
  // starts the server).
  static Result<RedisServer*> Shared();

  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  const std::string& password() const { return options_.password; }
  bool running() const { return pid_ > 0; }

  Status Stop();     // SIGTERM and wait (SIGKILL after 10 s)
  Status Kill();     // SIGKILL and wait
  Status Restart();  // Stop if running, start again on the same port, wait for PING

  // One command on a fresh connection to `db`. Unavailable if the server is down.
  Result<internal::RedisReply> Command(const std::vector<std::string>& args, int db = 0) const;

  // The path of redis-server that Start() would run, or an Unavailable status.
  static Result<std::string> FindBinary(const char* name = "redis-server");

 private:
  RedisServer(Options options, std::string binary, std::filesystem::path dir);
  Status Launch();       // fork/exec on port_, wait for PING
  Status WaitUntilUp();
  std::string LogTail() const;

  Options options_;
  std::string binary_;
  std::filesystem::path dir_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTING_REDIS_SERVER_H_
