// RedisClient: a small pool of pipelined Redis connections driven by Boost.Asio. Internal.
//
// The client owns an io_context run by `io_threads` threads and `connections` links
// (RedisLink). Callers on any thread submit commands; a submission goes to a ready
// connection (round robin) and costs one short mutex section: no lock is held for a
// round trip. Concurrent submissions on one connection share a write (auto-pipelining);
// replies are matched in FIFO order and callbacks run on an I/O thread.
//
// Event loops: by default the client runs its own io_context on `io_threads` threads.
// Given `loops` (the application's Asio event loops, each run by exactly one thread),
// it runs `connections` links on each loop instead and starts no thread: a command
// submitted from a loop's thread goes out on that loop's link (together with the other
// commands queued there in the same turn of the loop) and its callback runs on that same
// thread, so a caller on the loop never waits for another thread. Submissions from
// other threads go round robin. The loops must be running for connections to come up
// (WaitForFirstAttempts only times out otherwise), and must outlive the client and
// every handler queued on them; a client destroyed while they run has its links closed
// there, and callbacks still pending get Unavailable.
//
// Failure model: when no connection is ready the callback gets Unavailable at once,
// inline (no unbounded queue). A command unanswered after command_timeout fails with
// Unavailable, and its connection is closed (failing everything queued on it). Closed
// connections reconnect in the background with exponential backoff
// (reconnect_backoff_min..max), sending AUTH and SELECT first. Messages never contain
// the password. Destruction fails pending callbacks with Unavailable and joins the
// threads (when the last reference is dropped on an I/O thread, that thread finishes
// on its own). As with any object, no call may still be running in it when it is
// destroyed (from a callback or elsewhere).
//
// Thread-safe.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_CLIENT_H_
#define SESSIONKIT_STORE_REDIS_REDIS_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/result.h"
#include "src/store/redis/redis_reply.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace sessionkit::internal {

struct RedisClientOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int db = 0;
  std::size_t connections = 2;  // per loop when `loops` is given
  std::size_t io_threads = 1;   // ignored when `loops` is given
  std::vector<boost::asio::io_context*> loops;  // not owned; see the header comment
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds reconnect_backoff_min{50};
  std::chrono::milliseconds reconnect_backoff_max{2000};
};

using ReplyCallback = std::function<void(Result<RedisReply>)>;
using RepliesCallback = std::function<void(Result<std::vector<RedisReply>>)>;

// A Lua script run with EVALSHA, falling back to EVAL on NOSCRIPT (a restarted or
// flushed Redis has lost its script cache). Keep instances alive while in use.
struct RedisScript {
  explicit RedisScript(std::string source);
  std::string source;
  std::string sha1;  // lowercase hex
};

// What the stores need from a client: commands, pipelines and scripts, plus the few
// cluster facts a store must know (redis_cluster_client.h). RedisClient is one server;
// RedisClusterClient routes each command to the master of its key's slot.
class RedisCommands {
 public:
  virtual ~RedisCommands() = default;
  virtual void Command(const std::vector<std::string_view>& args, ReplyCallback done) = 0;
  virtual void Command(std::initializer_list<std::string_view> args, ReplyCallback done) = 0;
  // All commands go to one server: on a cluster, the master of the first key named.
  virtual void Pipeline(const std::vector<std::vector<std::string_view>>& commands, RepliesCallback done) = 0;
  virtual void Eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                    ReplyCallback done) = 0;

  // Cluster only (a single server answers false, 1, and runs Command / `fn` at once).
  virtual bool IsCluster() const { return false; }
  // Masters to visit for a keyspace SCAN, and a keyless command on the i-th of them.
  virtual std::size_t ScanNodes() const { return 1; }
  virtual void CommandOnNode(std::size_t /*node*/, const std::vector<std::string_view>& args, ReplyCallback done) {
    Command(args, std::move(done));
  }
  // Runs `fn` after `delay` on the caller's event loop (lock retries).
  virtual void After(std::chrono::milliseconds /*delay*/, std::function<void()> fn) { fn(); }
  // Eval, then WAIT `replicas` `timeout` on the same connection: the script's reply once
  // at least `replicas` replicas acknowledged it, else Unavailable (the write happened
  // but is not known to be replicated). An error reply of the script is delivered as it
  // is. RedisClient sends WAIT to its one server (its replicas count), the cluster client
  // to the master of the script's slot.
  virtual void EvalAndWait(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                           int replicas, std::chrono::milliseconds timeout, ReplyCallback done) = 0;
};

// The WAIT of EvalAndWait, encoded ("WAIT <replicas> <timeout ms>").
std::string EncodeWait(int replicas, std::chrono::milliseconds timeout);
// Turns the two replies of "script, WAIT" into EvalAndWait's answer (see above).
RepliesCallback ScriptThenWaitReplies(int replicas, ReplyCallback done);

class RedisClient final : public RedisCommands {
 public:
  // Starts the I/O threads and the first connection attempts; never fails for an
  // unreachable server. InvalidArgument for bad options, Internal if a thread or
  // socket cannot be created.
  static Result<std::unique_ptr<RedisClient>> Create(const RedisClientOptions& options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Waits until every connection has finished its first attempt (ready or failed),
  // at most `limit`. For Open, so that the first call after it usually succeeds.
  void WaitForFirstAttempts(std::chrono::milliseconds limit);

  // One command; the callback gets its reply (an error reply is a reply, not a
  // failed Result) or Unavailable.
  void Command(const std::vector<std::string_view>& args, ReplyCallback done) override;
  void Command(std::initializer_list<std::string_view> args, ReplyCallback done) override;

  // Several commands sent back to back on one connection (e.g. MULTI ... EXEC); the
  // callback gets all their replies in order, or Unavailable.
  void Pipeline(const std::vector<std::vector<std::string_view>>& commands, RepliesCallback done) override;

  // EVALSHA script.sha1 with `keys` and `args`, EVAL on NOSCRIPT.
  void Eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
            ReplyCallback done) override;

  // Eval followed by WAIT on the same connection (NOSCRIPT: EVAL + WAIT once more).
  void EvalAndWait(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                   int replicas, std::chrono::milliseconds timeout, ReplyCallback done) override;

  // `count` commands already encoded as RESP, sent back to back on one connection (the
  // cluster client's retries resend the same bytes); the callback as for Pipeline.
  void SubmitEncoded(std::string_view commands, std::size_t count, RepliesCallback done);
  // One command already encoded, its reply (or Unavailable, possibly inline) to `done`:
  // nothing is allocated around the handler (the cluster client's hot path).
  void SubmitEncodedOne(std::string_view command, HandlerCallback done);

  // Number of connections ready now (tests, health).
  std::size_t ReadyConnections() const;

  // Reconnection attempts of this client's connections since it started (metrics).
  std::uint64_t ReconnectAttempts() const;

  // Socket writes made so far, all connections together (pipelining tests).
  std::uint64_t WritesForTest() const;

 private:
  struct Core;
  explicit RedisClient(std::shared_ptr<Core> core);
  void Submit(std::string commands, std::size_t count, RepliesCallback done);

  std::shared_ptr<Core> core_;
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_CLIENT_H_
