// ConnectRedisForStore: the RedisClient behind a public Redis-backed store; and the
// variants for an application that runs the client on its own event loops.
//
// Maps RedisStoreOptions onto the internal client options, starts the client and gives
// its first connections their chance (up to connect_timeout + 100 ms) so that the first
// call usually succeeds. An unreachable Redis is not an error here: calls on the client
// answer Unavailable until it is up. InvalidArgument for bad options.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_CONNECT_H_
#define SESSIONKIT_STORE_REDIS_REDIS_CONNECT_H_

#include <memory>
#include <vector>

#include "sessionkit/redis_store.h"
#include "sessionkit/result.h"
#include "src/store/redis/redis_client.h"

namespace sessionkit::internal {

Result<std::unique_ptr<RedisClient>> ConnectRedisForStore(const RedisStoreOptions& options);

// The same on the application's event loops (redis_client.h): options.connections links
// on each loop, no thread of the client's own. The loops should be running already, for
// the first attempts to be waited for. Shared: one client may serve the session store
// (OpenRedisStoreOn) and the auth-state store (OpenRedisAuthStateStoreOn) together, as
// the public OpenRedisStoresOnLoops (sessionkit/redis_store.h, defined in
// redis_connect.cc) does.
Result<std::shared_ptr<RedisClient>> ConnectRedisOnLoops(const RedisStoreOptions& options,
                                                        std::vector<boost::asio::io_context*> loops);

// The client the options ask for: one Redis (RedisClient) or, with cluster_nodes, a
// RedisClusterClient (given its first chance to read the slot map). On `loops` when not
// empty, else on a thread of its own. InvalidArgument for bad options.
Result<std::shared_ptr<RedisCommands>> ConnectRedisCommands(const RedisStoreOptions& options,
                                                           std::vector<boost::asio::io_context*> loops);

// The Redis session store of redis_store.h on a client the caller provides (defined in
// redis_store.cc). `clock` nullptr = SystemClock(); not owned. InvalidArgument for a null
// client.
// `wait_replicas` > 0: see RedisStoreOptions::wait_replicas (WAIT after an insert).
Result<std::shared_ptr<SessionStore>> OpenRedisStoreOn(std::shared_ptr<RedisCommands> client,
                                                      const Clock* clock, int wait_replicas = 0,
                                                      std::chrono::milliseconds wait_timeout = {});

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_CONNECT_H_
