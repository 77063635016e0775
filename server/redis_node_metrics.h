// Per-node series of a Redis Cluster for /metrics (API.md §12, issue 15), rendered from
// the cluster client's node list (RedisNodeHealth, sessionkit/redis_store.h).
//
// Series (one per node the client knows, label node="host:port"; the client knows at
// most 256 nodes and its list only grows, so the label set stays bounded):
//   sessionkit_redis_node_up                      gauge: 1 with a ready connection
//   sessionkit_redis_node_serves_slots            gauge: 1 for a master of the slot map
//   sessionkit_redis_node_commands_total          counter: sends (retries included)
//   sessionkit_redis_node_failures_total          counter: sends lost, refused or timed out
//   sessionkit_redis_node_error_replies_total     counter: error replies (not redirections)
//   sessionkit_redis_node_redirections_total{kind="moved"|"ask"}  counter
//   sessionkit_redis_node_reconnects_total        counter: reconnection attempts
//   sessionkit_redis_node_slot_map_reads_total    counter: slot maps read from the node
// Nothing is rendered for an empty list (one Redis, SQLite). Label values are escaped
// as the text format requires. Pure function; thread-safe.
#ifndef SESSIONKIT_SERVER_REDIS_NODE_METRICS_H_
#define SESSIONKIT_SERVER_REDIS_NODE_METRICS_H_

#include <string>
#include <vector>

#include "sessionkit/redis_store.h"

namespace sessionkit::server {

void AppendRedisNodeMetrics(std::string& out, const std::vector<RedisNodeHealth>& nodes);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_REDIS_NODE_METRICS_H_
