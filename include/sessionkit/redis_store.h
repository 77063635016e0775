// The Redis session store: the Go services' key layout (API.md §2-3) on a real Redis.
//
// `session:<id>` holds the JSON record with EX = remaining lifetime;
// `user_sessions:<user_id>` is a set of ids with a TTL at least its longest member's.
// Commands from concurrent callers are pipelined on a few connections; callbacks run
// on the store's I/O thread(s). Redis down or slow -> Unavailable within
// command_timeout; the store reconnects with backoff and recovers without a restart.
#ifndef SESSIONKIT_REDIS_STORE_H_
#define SESSIONKIT_REDIS_STORE_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/session_store.h"

namespace sessionkit {

struct RedisStoreOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;   // AUTH when non-empty (REDIS_PASSWORD); never logged
  int db = 0;             // SELECT when non-zero (REDIS_DB)
  std::size_t connections = 2;  // pipelined connections shared by all callers
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds reconnect_backoff_min{50};
  std::chrono::milliseconds reconnect_backoff_max{500};  // API.md: recover within 2 s
  const Clock* clock = nullptr;  // nullptr = SystemClock(); not owned
};

// Parses "host:port" (REDIS_ADDR; "[::1]:6379" for IPv6) into options.host/port.
Status ParseRedisAddress(std::string_view address, RedisStoreOptions& options);

// Creates the store and starts connecting. Does not fail when Redis is down (calls
// return Unavailable until it is reachable); InvalidArgument for bad options.
Result<std::shared_ptr<SessionStore>> OpenRedisStore(const RedisStoreOptions& options);

}  // namespace sessionkit

#endif  // SESSIONKIT_REDIS_STORE_H_
