#include "server/http/client_ip.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sessionkit::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool PrefixMatches(const IpAddress& a, const IpAddress& b, int bits) {
  int full = bits / 8;
  if (std::memcmp(a.bytes.data(), b.bytes.data(), static_cast<std::size_t>(full)) != 0) {
    return false;
  }
  int rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == (b.bytes[full] & mask);
}

}  // namespace

std::optional<IpAddress> ParseIp(std::string_view text) noexcept {
  text = Trim(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';

  IpAddress ip;
  unsigned char v4[4];
  if (inet_pton(AF_INET, buf, v4) == 1) {
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, v4, 4);
    ip.v4 = true;
    return ip;
  }
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) {
    static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    ip.v4 = std::memcmp(ip.bytes.data(), kMappedPrefix, 12) == 0;
    return ip;
  }
  return std::nullopt;
}

std::string FormatIp(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN];
  const char* out = ip.v4 ? inet_ntop(AF_INET, ip.bytes.data() + 12, buf, sizeof(buf))
                          : inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof(buf));
  return out != nullptr ? std::string(out) : std::string();
}

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies proxies;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view entry = Trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;

    std::string_view address = entry;
    std::optional<int> prefix;
    if (std::size_t slash = entry.find('/'); slash != std::string_view::npos) {
      address = entry.substr(0, slash);
      std::string_view bits = entry.substr(slash + 1);
      int n = -1;
      auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
      if (ec != std::errc() || end != bits.data() + bits.size() || bits.empty()) {
        return Status::InvalidArgument("TRUSTED_PROXIES: bad prefix length in '" +
                                       std::string(entry) + "'");
      }
      prefix = n;
    }
    std::optional<IpAddress> ip = ParseIp(address);
    if (!ip) {
      return Status::InvalidArgument("TRUSTED_PROXIES: not an IP address or CIDR: '" +
                                     std::string(entry) + "'");
    }
    int max_bits = ip->v4 ? 32 : 128;
    int bits = prefix.value_or(max_bits);
    if (bits < 0 || bits > max_bits) {
      return Status::InvalidArgument("TRUSTED_PROXIES: prefix length out of range in '" +
                                     std::string(entry) + "'");
    }
    proxies.networks_.push_back({*ip, ip->v4 ? 96 + bits : bits});
  }
  return proxies;
}

bool TrustedProxies::Contains(const IpAddress& ip) const noexcept {
  for (const Network& n : networks_) {
    if (PrefixMatches(ip, n.base, n.prefix_bits)) return true;
  }
  return false;
}

std::string TrustedProxies::ClientIp(const IpAddress& peer, std::string_view forwarded_for) const {
  if (networks_.empty() || forwarded_for.empty() || !Contains(peer)) return FormatIp(peer);
  std::optional<IpAddress> leftmost_trusted;
  std::string_view rest = forwarded_for;
  while (true) {
    std::size_t comma = rest.rfind(',');
    std::string_view hop =
        comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    std::optional<IpAddress> ip = ParseIp(hop);
    if (!ip) return FormatIp(peer);
    if (!Contains(*ip)) return FormatIp(*ip);
    leftmost_trusted = ip;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(0, comma);
  }
  return FormatIp(*leftmost_trusted);
}

}  // namespace sessionkit::server
