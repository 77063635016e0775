// RedisCluster: a throwaway real Redis Cluster for tests: N masters + N * R replicas.
//
// Start() runs one redis-server per node (testing/redis_server.h: free loopback port,
// own temp directory, killed with the test process) with `--cluster-enabled yes`,
// `--appendonly yes`, `--cluster-require-full-coverage no` (a failed master stops only its
// own slots) and a short `--cluster-node-timeout`, joins them with
// `redis-cli --cluster create ... --cluster-replicas R --cluster-yes` (the password, if
// any, goes through REDISCLI_AUTH, never the command line) and waits until every node
// reports cluster_state:ok. A missing binary or a cluster that does not form is an
// Unavailable error with the reason, never a skip. The destructor stops every node.
//
// Command() sends one command to the node owning its key (args[1]), following MOVED and
// ASK, for setting up and inspecting data beside the code under test. FlushAll() empties
// every master. Node(i) gives a node's RedisServer to kill or restart it; Masters() and
// MasterOfSlot() read the live topology from CLUSTER SLOTS.
//
// Not thread-safe: drive one instance from one thread (Command() may be called from
// several threads at once).
#ifndef SESSIONKIT_TESTING_REDIS_CLUSTER_H_
#define SESSIONKIT_TESTING_REDIS_CLUSTER_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "sessionkit/result.h"
#include "src/store/redis/redis_reply.h"
#include "testing/redis_server.h"

namespace sessionkit::testing {

class RedisCluster {
 public:
  struct Options {
    int masters = 3;
    int replicas_per_master = 1;
    std::string password;  // requirepass + masterauth on every node when non-empty
    std::chrono::milliseconds node_timeout{1000};  // cluster-node-timeout (failover speed)
  };

  static Result<std::unique_ptr<RedisCluster>> Start(Options options);
  static Result<std::unique_ptr<RedisCluster>> Start() { return Start(Options{}); }

  // One cluster for the whole test process, started on first use and never destroyed
  // (its nodes die with the process). Tests that share it call FlushAll() first.
  static Result<RedisCluster*> Shared();

  ~RedisCluster();
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  std::size_t size() const { return nodes_.size(); }
  RedisServer& Node(std::size_t i) { return *nodes_[i]; }
  // "127.0.0.1:port" of every node, for REDIS_CLUSTER_NODES.
  std::vector<std::string> Seeds() const;
  const std::string& password() const { return options_.password; }

  // The command on the node owning args[1] (any node for a keyless command).
  Result<internal::RedisReply> Command(const std::vector<std::string>& args) const;
  // The same command on node i, no redirection.
  Result<internal::RedisReply> CommandOn(std::size_t i, const std::vector<std::string>& args) const;

  // FLUSHALL on every master.
  Status FlushAll() const;
  // Index of the node currently serving `slot` as master, or Unavailable.
  Result<std::size_t> MasterOfSlot(int slot) const;
  // Indexes of the current masters.
  Result<std::vector<std::size_t>> Masters() const;
  // CLUSTER KEYSLOT on a running node.
  Result<int> KeySlot(const std::string& key) const;
  // Waits until every running node reports cluster_state:ok and agrees on the slots.
  Status WaitUntilOk(std::chrono::milliseconds limit) const;

 private:
  explicit RedisCluster(Options options) : options_(std::move(options)) {}
  Result<std::size_t> NodeByPort(int port) const;
  std::size_t AnyRunning() const;

  Options options_;
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTING_REDIS_CLUSTER_H_
