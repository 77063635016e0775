// The Redis backend: the session store in the Go services' key layout (API.md §2-3)
// and the auth-state store (auth_state_store.h) on a real Redis.
//
// `session:<id>` holds the JSON record with EX = remaining lifetime;
// `user_sessions:<user_id>` is a set of ids with a TTL at least its longest member's.
// Commands from concurrent callers are pipelined on a few connections. Redis down or
// slow -> Unavailable within command_timeout; the stores reconnect with backoff and
// recover without a restart. Thread-safe.
//
// Redis Cluster: set RedisStoreOptions::cluster_nodes and every factory below runs the
// same stores on a cluster (same keys; MOVED/ASK followed; a dead master's slots answer
// Unavailable until its replica takes over). docs/redis.md, "Redis Cluster", gives the
// guarantee for each kind of session.
//
// Two ways to run the client's I/O:
// - OpenRedisStore / OpenRedisAuthStateStore: each store gets its own client, which runs
//   its own I/O thread; callbacks run on that thread.
// - OpenRedisStoresOnLoops: both stores share one client whose connections live on the
//   application's Boost.Asio event loops (an HTTP server's I/O threads), so a command
//   sent from a loop's thread goes out on that loop's connection and its callback runs
//   on that same thread: no thread hop, no thread of the client's own.
//   Design choice: the loops are passed as `boost::asio::io_context*`, only
//   forward-declared here, so this header includes nothing from Boost and a program that
//   does not use this function needs no Boost at all. A std-only executor interface
//   (post a task) was rejected: the client's sockets and timers must be registered with
//   the loop's own reactor (its io_context) for their completions to run on the loop;
//   an abstract "post" offers no reactor, so the client would need one of its own, on
//   its own thread, and every reply would hop from that thread to the caller's loop.
#ifndef SESSIONKIT_REDIS_STORE_H_
#define SESSIONKIT_REDIS_STORE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/session_store.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace sessionkit {

struct RedisStoreOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;   // AUTH when non-empty (REDIS_PASSWORD); never logged
  int db = 0;             // SELECT when non-zero (REDIS_DB)
  // Pipelined connections shared by all callers; with OpenRedisStoresOnLoops, per loop.
  std::size_t connections = 2;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds reconnect_backoff_min{50};
  std::chrono::milliseconds reconnect_backoff_max{500};  // API.md: recover within 2 s
  const Clock* clock = nullptr;  // nullptr = SystemClock(); not owned

  // Redis Cluster (API.md §12): seed nodes "host:port" (REDIS_CLUSTER_NODES). When
  // non-empty, host/port are ignored and every factory below opens a cluster client:
  // the slot map is read from any seed, each master gets `connections` pipelined links
  // (per loop with OpenRedisStoresOnLoops), MOVED/ASK are followed, and a failed
  // master's slots answer Unavailable until a replica takes over. `db` must be 0.
  // docs/redis.md, "Redis Cluster", says what holds for which session.
  std::vector<std::string> cluster_nodes;
  std::chrono::milliseconds cluster_refresh_interval{1000};  // slot map re-read
  // A new session's writes are followed by WAIT wait_replicas wait_timeout on the same
  // connection (one Redis: to that server, whose replicas count; a cluster: to the
  // master of the session's slot), and the insert fails (Unavailable) unless that many
  // replicas acknowledged them, so an acknowledged session survives the loss of its
  // master. 0 (the default) = no WAIT: a session acknowledged just before its master
  // died may be lost. wait_timeout > 0 when wait_replicas > 0 (InvalidArgument);
  // docs/redis.md, "Failover and durability", states the guarantee.
  int wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{100};

  // Near-cache (SESSION_CACHE=tracking; docs/redis.md, "Near-cache"): with
  // OpenRedisStoresOnLoops on one Redis (never a cluster: InvalidArgument), each loop
  // caches the session records it read, dropped as soon as Redis reports a change
  // (CLIENT TRACKING), and none served more than near_cache_max_staleness (1..60000 ms,
  // by `clock`) after it was read. A revocation by another client is then seen by this
  // process when Redis's invalidation message arrives (about a millisecond on one
  // network), and never later than near_cache_max_staleness. Off by default.
  bool near_cache = false;
  std::chrono::milliseconds near_cache_max_staleness{2000};
};

// Parses REDIS_CLUSTER_NODES ("host:port,host:port,..."; spaces around commas allowed)
// into options.cluster_nodes. InvalidArgument naming the bad entry.
Status ParseRedisClusterNodes(std::string_view list, RedisStoreOptions& options);

// One node as the cluster client sees it (health reports and per-node metrics). The
// counters run since the client started; the node list only grows (every node the
// client has met: seeds, masters of the slot map, redirection targets; at most 256).
struct RedisNodeHealth {
  std::string address;        // host:port
  bool serves_slots = false;  // a master in the client's slot map
  bool connected = false;     // the client has a ready connection to it
  std::uint64_t commands = 0;       // sends to it (a command, pipeline or script; each retry counts)
  std::uint64_t failures = 0;       // sends that failed there: connection lost, refused or timed out
  std::uint64_t error_replies = 0;  // sends answered with an error reply other than MOVED/ASK/NOSCRIPT
  std::uint64_t moved = 0;          // MOVED redirections it answered
  std::uint64_t asked = 0;          // ASK redirections it answered
  std::uint64_t reconnects = 0;     // reconnection attempts of the links to it
  std::uint64_t map_reads = 0;      // slot maps read from it (CLUSTER SHARDS / SLOTS)
};

// Parses "host:port" (REDIS_ADDR; "[::1]:6379" for IPv6) into options.host/port.
Status ParseRedisAddress(std::string_view address, RedisStoreOptions& options);

// Creates the store and starts connecting. Does not fail when Redis is down (calls
// return Unavailable until it is reachable); InvalidArgument for bad options.
Result<std::shared_ptr<SessionStore>> OpenRedisStore(const RedisStoreOptions& options);

// The Redis AuthStateStore, on its own pipelined client (same options and errors as
// OpenRedisStore). Keys are listed in docs/account-security-storage.md.
Result<AuthStateStorePtr> OpenRedisAuthStateStore(const RedisStoreOptions& options);

// Both Redis stores on one client shared between them.
struct RedisStores {
  SessionStorePtr sessions;
  AuthStateStorePtr auth_state;
  // Cluster only (empty on one Redis): every node the client knows, masters first.
  std::function<std::vector<RedisNodeHealth>()> node_health;
};

// Opens both stores on one client that runs options.connections pipelined connections on
// each of `loops` and starts no thread (see the top of this file). Each loop must be run
// by exactly one thread, should be running already (the first connection attempts are
// waited for, up to connect_timeout + 100 ms), and must outlive the stores and every
// handler queued on it; the pointers are not owned. A command submitted from a loop's
// thread is written on that loop's connection (batched with the others of the same turn)
// and answered on that thread; from any other thread, connections are used round robin.
// Does not fail when Redis is down. InvalidArgument for bad options or no loop.
Result<RedisStores> OpenRedisStoresOnLoops(const RedisStoreOptions& options,
                                           std::span<boost::asio::io_context* const> loops);

// How many times this process's Redis connections have tried to reconnect (a connection
// lost or refused, retried after its backoff), all clients together, since start. For
// monitoring (sessionkit_redis_reconnects_total); thread-safe.
std::uint64_t RedisReconnectAttempts() noexcept;

// The near-cache of this process (RedisStoreOptions::near_cache), all stores and loops
// together, since start: reads answered from a cache, reads that went to Redis, and
// whole-cache drops (subscriber lost, flush, a failed read). For monitoring
// (sessionkit_session_cache_*_total); all zero with the cache off. Thread-safe.
struct RedisNearCacheCounts {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t drops = 0;
};
RedisNearCacheCounts RedisNearCacheTotals() noexcept;

}  // namespace sessionkit

#endif  // SESSIONKIT_REDIS_STORE_H_
