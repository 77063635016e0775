#include "server/app/origin.h"

#include <cstddef>

namespace sessionkit::server {
namespace {

char Lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string OriginProblem(std::string_view origin) {
  std::string_view rest;
  if (EqualsIgnoreCase(origin.substr(0, 8), "https://")) {
    rest = origin.substr(8);
  } else if (EqualsIgnoreCase(origin.substr(0, 7), "http://")) {
    rest = origin.substr(7);
  } else {
    return "must start with http:// or https://";
  }
  if (rest.empty()) return "has no host";
  std::string_view host = rest;
  std::string_view port;
  if (rest.front() == '[') {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close < 3) return "has a malformed IPv6 host";
    // Only what an IPv6 literal is made of (an IPv4 tail included): nothing else may
    // hide between the brackets (a path, user info, a line break).
    bool has_colon = false;
    for (char c : rest.substr(1, close - 1)) {
      bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                c == ':' || c == '.';
      if (!ok) return "has a malformed IPv6 host";
      has_colon = has_colon || c == ':';
    }
    if (!has_colon) return "has a malformed IPv6 host";
    host = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "must be scheme://host[:port] with nothing after";
      port = after.substr(1);
      if (port.empty()) return "has an empty port";
    }
  } else if (std::size_t colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return "has an empty port";
  }
  if (host.empty()) return "has no host";
  if (host.front() != '[') {
    for (char c : host) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.';
      if (!ok) return "must be scheme://host[:port] with nothing after (no path, user or query)";
    }
    if (host.front() == '.' || host.back() == '.' || host.front() == '-') {
      return "has a malformed host";
    }
  }
  if (!port.empty()) {
    if (port.size() > 5) return "has a port out of range";
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return "must be scheme://host[:port] with nothing after";
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return "has a port out of range";
  }
  return {};
}

}  // namespace sessionkit::server
