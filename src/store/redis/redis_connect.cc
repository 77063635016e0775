#include "src/store/redis/redis_connect.h"

#include "src/store/redis/redis_auth_state.h"
#include "src/store/redis/redis_cluster_client.h"
#include "src/store/redis/redis_near_cache.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace sessionkit::internal {

namespace {

RedisClientOptions ClientOptionsFor(const RedisStoreOptions& options) {
  RedisClientOptions client_options;
  client_options.host = options.host;
  client_options.port = options.port;
  client_options.password = options.password;
  client_options.db = options.db;
  client_options.connections = options.connections;
  client_options.connect_timeout = options.connect_timeout;
  client_options.command_timeout = options.command_timeout;
  client_options.reconnect_backoff_min = options.reconnect_backoff_min;
  client_options.reconnect_backoff_max = options.reconnect_backoff_max;
  return client_options;
}

}  // namespace

Result<std::unique_ptr<RedisClient>> ConnectRedisForStore(const RedisStoreOptions& options) {
  Result<std::unique_ptr<RedisClient>> client = RedisClient::Create(ClientOptionsFor(options));
  if (!client.ok()) return client.status();
  (*client)->WaitForFirstAttempts(options.connect_timeout + std::chrono::milliseconds(100));
  return client;
}

Result<std::shared_ptr<RedisClient>> ConnectRedisOnLoops(const RedisStoreOptions& options,
                                                        std::vector<boost::asio::io_context*> loops) {
  if (loops.empty()) return Status::InvalidArgument("no event loop given for the redis client");
  RedisClientOptions client_options = ClientOptionsFor(options);
  client_options.loops = std::move(loops);
  Result<std::unique_ptr<RedisClient>> client = RedisClient::Create(client_options);
  if (!client.ok()) return client.status();
  (*client)->WaitForFirstAttempts(options.connect_timeout + std::chrono::milliseconds(100));
  return std::shared_ptr<RedisClient>(std::move(client).value());
}

Result<std::shared_ptr<RedisCommands>> ConnectRedisCommands(const RedisStoreOptions& options,
                                                           std::vector<boost::asio::io_context*> loops) {
  if (options.cluster_nodes.empty()) {
    if (loops.empty()) {
      Result<std::unique_ptr<RedisClient>> client = ConnectRedisForStore(options);
      if (!client.ok()) return client.status();
      return std::shared_ptr<RedisCommands>(std::move(client).value());
    }
    Result<std::shared_ptr<RedisClient>> client = ConnectRedisOnLoops(options, std::move(loops));
    if (!client.ok()) return client.status();
    return std::shared_ptr<RedisCommands>(std::move(client).value());
  }
  if (options.db != 0) return Status::InvalidArgument("redis cluster has only db 0 (REDIS_DB must be 0)");
  RedisClusterOptions cluster;
  for (const std::string& node : options.cluster_nodes) {
    RedisStoreOptions probe;
    if (Status st = ParseRedisAddress(node, probe); !st.ok()) return st;
    cluster.seeds.emplace_back(probe.host, probe.port);
  }
  cluster.password = options.password;
  cluster.connections = std::min<std::size_t>(options.connections, 16);
  cluster.loops = std::move(loops);
  cluster.connect_timeout = options.connect_timeout;
  cluster.command_timeout = options.command_timeout;
  cluster.reconnect_backoff_min = options.reconnect_backoff_min;
  cluster.reconnect_backoff_max = options.reconnect_backoff_max;
  cluster.refresh_interval = options.cluster_refresh_interval;
  Result<std::unique_ptr<RedisClusterClient>> client = RedisClusterClient::Create(cluster);
  if (!client.ok()) return client.status();
  (*client)->WaitForMap(options.connect_timeout + std::chrono::milliseconds(100));
  return std::shared_ptr<RedisCommands>(std::move(client).value());
}

}  // namespace sessionkit::internal

namespace sessionkit {

Result<RedisStores> OpenRedisStoresOnLoops(const RedisStoreOptions& options,
                                           std::span<boost::asio::io_context* const> loops) {
  if (loops.empty()) return Status::InvalidArgument("no event loop given for the redis client");
  if (options.near_cache && !options.cluster_nodes.empty()) {
    return Status::InvalidArgument("the near-cache is for one Redis only, not a Redis Cluster");
  }
  Result<std::shared_ptr<internal::RedisCommands>> client = internal::ConnectRedisCommands(
      options, std::vector<boost::asio::io_context*>(loops.begin(), loops.end()));
  if (!client.ok()) return client.status();
  Result<SessionStorePtr> sessions =
      internal::OpenRedisStoreOn(*client, options.clock, options.wait_replicas, options.wait_timeout);
  if (!sessions.ok()) return sessions.status();
  if (options.near_cache) {
    internal::NearCacheOptions cache;
    cache.max_staleness = options.near_cache_max_staleness;
    sessions = internal::OpenNearCachedSessionStore(std::move(sessions).value(), options, cache,
                                                    std::vector<boost::asio::io_context*>(loops.begin(), loops.end()));
    if (!sessions.ok()) return sessions.status();
  }
  Result<AuthStateStorePtr> auth_state = internal::OpenRedisAuthStateStoreOn(*client, options.clock);
  if (!auth_state.ok()) return auth_state.status();
  RedisStores stores{std::move(sessions).value(), std::move(auth_state).value(), {}};
  if (auto cluster = std::dynamic_pointer_cast<internal::RedisClusterClient>(*client)) {
    std::weak_ptr<internal::RedisClusterClient> weak = cluster;
    stores.node_health = [weak] {
      std::vector<RedisNodeHealth> out;
      if (auto c = weak.lock()) {
        for (const internal::ClusterNodeHealth& n : c->Health()) {
          out.push_back({n.address, n.serves_slots, n.connected, n.commands, n.failures, n.error_replies, n.moved,
                         n.asked, n.reconnects, n.map_reads});
        }
      }
      return out;
    };
  }
  return stores;
}

}  // namespace sessionkit
