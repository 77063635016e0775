#include "server/redis_node_metrics.h"

#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <string_view>

namespace sessionkit::server {
namespace {

// A label value in the text format: backslash, double quote and newline escaped.
std::string LabelValue(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void AppendRedisNodeMetrics(std::string& out, const std::vector<RedisNodeHealth>& nodes) {
  if (nodes.empty()) return;
  std::vector<std::string> labels;
  labels.reserve(nodes.size());
  for (const RedisNodeHealth& n : nodes) labels.push_back(LabelValue(n.address));
  auto it = std::back_inserter(out);
  auto family = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    fmt::format_to(it, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      fmt::format_to(it, "{}{{node=\"{}\"}} {}\n", name, labels[i], value(nodes[i]));
    }
  };
  family("sessionkit_redis_node_up", "gauge", "1 when the Redis Cluster node has a ready connection.",
         [](const RedisNodeHealth& n) { return n.connected ? 1 : 0; });
  family("sessionkit_redis_node_serves_slots", "gauge", "1 when the node is a master of the client's slot map.",
         [](const RedisNodeHealth& n) { return n.serves_slots ? 1 : 0; });
  family("sessionkit_redis_node_commands_total", "counter",
         "Commands, pipelines and scripts sent to the node (retries included).",
         [](const RedisNodeHealth& n) { return n.commands; });
  family("sessionkit_redis_node_failures_total", "counter",
         "Sends to the node that failed: connection lost, refused or timed out.",
         [](const RedisNodeHealth& n) { return n.failures; });
  family("sessionkit_redis_node_error_replies_total", "counter",
         "Sends the node answered with an error reply other than MOVED, ASK or NOSCRIPT.",
         [](const RedisNodeHealth& n) { return n.error_replies; });
  constexpr std::string_view kRedirections = "sessionkit_redis_node_redirections_total";
  fmt::format_to(it, "# HELP {} MOVED and ASK redirections the node answered.\n# TYPE {} counter\n", kRedirections,
                 kRedirections);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    fmt::format_to(it, "{}{{node=\"{}\",kind=\"moved\"}} {}\n", kRedirections, labels[i], nodes[i].moved);
    fmt::format_to(it, "{}{{node=\"{}\",kind=\"ask\"}} {}\n", kRedirections, labels[i], nodes[i].asked);
  }
  family("sessionkit_redis_node_reconnects_total", "counter", "Reconnection attempts of the links to the node.",
         [](const RedisNodeHealth& n) { return n.reconnects; });
  family("sessionkit_redis_node_slot_map_reads_total", "counter",
         "Slot maps read from the node (CLUSTER SHARDS or CLUSTER SLOTS).",
         [](const RedisNodeHealth& n) { return n.map_reads; });
}

}  // namespace sessionkit::server
