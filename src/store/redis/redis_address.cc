// ParseRedisAddress: REDIS_ADDR ("host:port", "[v6]:port") into RedisStoreOptions.
#include <algorithm>
#include <charconv>

#include "sessionkit/redis_store.h"

namespace sessionkit {

Status ParseRedisAddress(std::string_view address, RedisStoreOptions& options) {
  auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument("redis address \"" + std::string(address) + "\": " + std::string(why));
  };
  if (address.empty()) return invalid("empty; expected host:port");
  if (std::any_of(address.begin(), address.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    return invalid("contains whitespace or control characters");
  }
  std::string_view host;
  std::string_view port;
  if (address.front() == '[') {
    const std::size_t close = address.find(']');
    if (close == std::string_view::npos) return invalid("missing ']' after an IPv6 address");
    host = address.substr(1, close - 1);
    const std::string_view rest = address.substr(close + 1);
    if (rest.size() < 2 || rest.front() != ':') return invalid("expected [address]:port");
    port = rest.substr(1);
  } else {
    const std::size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return invalid("missing port; expected host:port");
    if (address.find(':') != colon) return invalid("an IPv6 address goes in brackets: [::1]:6379");
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (host.empty()) return invalid("empty host");
  int number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
    return invalid("port must be a number in 1..65535");
  }
  options.host = std::string(host);
  options.port = number;
  return Status::Ok();
}

}  // namespace sessionkit

namespace sessionkit {

Status ParseRedisClusterNodes(std::string_view list, RedisStoreOptions& options) {
  std::vector<std::string> nodes;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view entry = list.substr(start, comma - start);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
    RedisStoreOptions probe;
    if (Status st = ParseRedisAddress(entry, probe); !st.ok()) {
      return Status::InvalidArgument("REDIS_CLUSTER_NODES entry " + std::to_string(nodes.size() + 1) + ": " +
                                     st.message());
    }
    const bool v6 = probe.host.find(':') != std::string::npos;
    nodes.push_back((v6 ? "[" + probe.host + "]" : probe.host) + ":" + std::to_string(probe.port));
    start = comma + 1;
  }
  options.cluster_nodes = std::move(nodes);
  return Status::Ok();
}

}  // namespace sessionkit
