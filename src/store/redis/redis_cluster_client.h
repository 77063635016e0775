// RedisClusterClient: the stores' commands on a Redis Cluster. Internal.
//
// Keeps a slot map (16,384 slots -> master), read with CLUSTER SHARDS (CLUSTER SLOTS on
// servers without it) from any node it knows, and one RedisClient (redis_client.h:
// pipelined links with reconnection, AUTH, deadlines) per master, on the same event
// loops. A command goes to the master of its key's slot (args[1]; a script's first key;
// a pipeline's first keyed command) with no lock on the way: the map is an array of
// atomics and the node table only grows.
//
// Redirections and faults, per command:
// - MOVED <slot> <addr>: the slot is pointed at <addr> at once, a full map refresh is
//   started, and the same bytes are resent there (at most kMaxRedirects times).
// - ASK <slot> <addr>: resent once to <addr> behind ASKING, on the same connection.
// - TRYAGAIN, CLUSTERDOWN: resent after a doubling backoff (5 ms .. 160 ms) while the
//   command's deadline (command_timeout from its submission) allows; then the error
//   reply is delivered (the stores map it to Unavailable). CLUSTERDOWN and every
//   transport failure (a master down) also start a refresh.
// - NOSCRIPT on EVALSHA: resent once as EVAL.
// The map is also refreshed every refresh_interval, so a replica promoted after its
// master died is found without an error to provoke it. Refreshes are rate limited to
// one per 100 ms.
//
// EvalAndWait sends WAIT right behind the script on the same connection, to the script's
// master, and resends both on MOVED/ASK/NOSCRIPT (durable inserts,
// RedisStoreOptions::wait_replicas).
//
// Cost: a command allocates one record (what a retry needs); a one-command send queues
// that record itself as the link's reply handler (RedisReplyHandler), so the hot path
// (a session GET) allocates nothing else. Per node the client counts sends, failures,
// error replies, MOVED, ASK and slot-map reads (Health(), for /metrics).
//
// Callbacks run on the loop that owns the answering connection (as for RedisClient).
// Thread-safe. Destruction: as RedisClient (pending callbacks get Unavailable).
#ifndef SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_CLIENT_H_
#define SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sessionkit/result.h"
#include "src/store/redis/redis_client.h"

namespace sessionkit::internal {

struct RedisClusterOptions {
  std::vector<std::pair<std::string, int>> seeds;  // host, port
  std::string password;                            // AUTH on every connection
  std::size_t connections = 1;                     // per master (per loop with `loops`)
  std::vector<boost::asio::io_context*> loops;     // empty: one I/O thread of its own
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds reconnect_backoff_min{50};
  std::chrono::milliseconds reconnect_backoff_max{500};
  std::chrono::milliseconds refresh_interval{1000};
};

// One node as the client sees it, for health reports and metrics. The counters run
// since the client started (see RedisNodeHealth in sessionkit/redis_store.h).
struct ClusterNodeHealth {
  std::string address;  // host:port
  bool serves_slots = false;  // a master in the current map
  bool connected = false;     // at least one ready connection
  std::uint64_t commands = 0, failures = 0, error_replies = 0, moved = 0, asked = 0, reconnects = 0,
                map_reads = 0;
};

class RedisClusterClient final : public RedisCommands {
 public:
  static constexpr int kMaxRedirects = 5;
  static constexpr std::size_t kMaxNodes = 256;

  // InvalidArgument for no seed or bad options. Never fails for unreachable nodes.
  static Result<std::unique_ptr<RedisClusterClient>> Create(const RedisClusterOptions& options);
  ~RedisClusterClient() override;

  // Waits until a slot map has been read (or `limit`); true if it has.
  bool WaitForMap(std::chrono::milliseconds limit);

  void Command(const std::vector<std::string_view>& args, ReplyCallback done) override;
  void Command(std::initializer_list<std::string_view> args, ReplyCallback done) override;
  void Pipeline(const std::vector<std::vector<std::string_view>>& commands, RepliesCallback done) override;
  void Eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
            ReplyCallback done) override;

  bool IsCluster() const override { return true; }
  std::size_t ScanNodes() const override;
  void CommandOnNode(std::size_t node, const std::vector<std::string_view>& args, ReplyCallback done) override;
  void After(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void EvalAndWait(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                   int replicas, std::chrono::milliseconds timeout, ReplyCallback done) override;

  // Every node known (masters of the map first, by their lowest slot).
  std::vector<ClusterNodeHealth> Health() const;
  // Starts a map refresh now (tests).
  void RefreshNow();

  struct Core;

 private:
  explicit RedisClusterClient(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  std::shared_ptr<Core> core_;
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_CLIENT_H_
