// Client IP: the socket peer, or what X-Forwarded-For says when the peer is trusted.
//
// TRUSTED_PROXIES is a comma list of CIDRs or bare addresses (IPv4 and IPv6;
// "10.0.0.0/8, 127.0.0.1, ::1/128"). Empty (the default) means X-Forwarded-For is never
// believed. When the peer is trusted, X-Forwarded-For is read right to left and the
// first address that is not itself a trusted proxy is the client (a client cannot
// forge the hops added by our own proxies). A request with several X-Forwarded-For
// lines is read as their in-order join (the parser does it, request_parser.h), so a
// proxy that appends its own line instead of extending the client's is read first.
// If every hop is trusted, the leftmost one
// is used; a malformed hop stops the walk and the peer address is used.
//
// Addresses are returned in canonical text form (inet_ntop); an IPv4-mapped IPv6 peer
// (::ffff:1.2.3.4) is reported as IPv4.
// Thread safety: TrustedProxies is immutable after Parse; ClientIp is reentrant.
#ifndef SESSIONKIT_SERVER_CLIENT_IP_H_
#define SESSIONKIT_SERVER_CLIENT_IP_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/result.h"

namespace sessionkit::server {

// An IPv4 or IPv6 address as 16 bytes (IPv4 stored mapped: ::ffff:a.b.c.d).
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
};

// Parses a textual IPv4/IPv6 address (surrounding spaces trimmed, IPv6 may be
// bracketed, an IPv6 zone is rejected). nullopt if it is not an address.
std::optional<IpAddress> ParseIp(std::string_view text) noexcept;

// Canonical text (IPv4 dotted, IPv6 per RFC 5952 via inet_ntop).
std::string FormatIp(const IpAddress& ip);

class TrustedProxies {
 public:
  TrustedProxies() = default;

  // Parses a comma list. InvalidArgument naming the bad entry (not a secret).
  static Result<TrustedProxies> Parse(std::string_view list);

  bool empty() const noexcept { return networks_.empty(); }
  bool Contains(const IpAddress& ip) const noexcept;

  // The client IP for a request from `peer` (canonical text) with the given
  // X-Forwarded-For value: every line of it, joined with commas ("" if absent).
  std::string ClientIp(const IpAddress& peer, std::string_view forwarded_for) const;

 private:
  struct Network {
    IpAddress base;
    int prefix_bits;  // over the 128-bit form (IPv4 /n is stored as /(96+n))
  };
  std::vector<Network> networks_;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_CLIENT_IP_H_
