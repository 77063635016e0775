#include "src/store/redis/redis_connect.h"

#include "src/store/redis/redis_auth_state.h"

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

}  // namespace sessionkit::internal

namespace sessionkit {

Result<RedisStores> OpenRedisStoresOnLoops(const RedisStoreOptions& options,
                                           std::span<boost::asio::io_context* const> loops) {
  Result<std::shared_ptr<internal::RedisClient>> client = internal::ConnectRedisOnLoops(
      options, std::vector<boost::asio::io_context*>(loops.begin(), loops.end()));
  if (!client.ok()) return client.status();
  Result<SessionStorePtr> sessions = internal::OpenRedisStoreOn(*client, options.clock);
  if (!sessions.ok()) return sessions.status();
  Result<AuthStateStorePtr> auth_state = internal::OpenRedisAuthStateStoreOn(*client, options.clock);
  if (!auth_state.ok()) return auth_state.status();
  return RedisStores{std::move(sessions).value(), std::move(auth_state).value()};
}

}  // namespace sessionkit
