// ConnectRedisForStore: the RedisClient behind a public Redis-backed store.
//
// Maps RedisStoreOptions onto the internal client options, starts the client and gives
// its first connections their chance (up to connect_timeout + 100 ms) so that the first
// call usually succeeds. An unreachable Redis is not an error here: calls on the client
// answer Unavailable until it is up. InvalidArgument for bad options.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_CONNECT_H_
#define SESSIONKIT_STORE_REDIS_REDIS_CONNECT_H_

#include <memory>

#include "sessionkit/redis_store.h"
#include "sessionkit/result.h"
#include "src/store/redis/redis_client.h"

namespace sessionkit::internal {

Result<std::unique_ptr<RedisClient>> ConnectRedisForStore(const RedisStoreOptions& options);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_CONNECT_H_
