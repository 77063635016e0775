#include "server/http/client_ip.h"

#include <gtest/gtest.h>

namespace sessionkit::server {
namespace {

IpAddress Ip(std::string_view text) {
  std::optional<IpAddress> ip = ParseIp(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

TrustedProxies Proxies(std::string_view list) {
  Result<TrustedProxies> p = TrustedProxies::Parse(list);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : TrustedProxies{};
}

TEST(ParseIpTest, FormsAndCanonicalText) {
  EXPECT_EQ(FormatIp(Ip("203.0.113.7")), "203.0.113.7");
  EXPECT_EQ(FormatIp(Ip(" 10.0.0.1 ")), "10.0.0.1");
  EXPECT_EQ(FormatIp(Ip("::1")), "::1");
  EXPECT_EQ(FormatIp(Ip("[2001:DB8::1]")), "2001:db8::1");
  EXPECT_EQ(FormatIp(Ip("::ffff:192.0.2.1")), "192.0.2.1");  // mapped -> IPv4
  EXPECT_FALSE(ParseIp("").has_value());
  EXPECT_FALSE(ParseIp("1.2.3").has_value());
  EXPECT_FALSE(ParseIp("256.1.1.1").has_value());
  EXPECT_FALSE(ParseIp("fe80::1%eth0").has_value());
  EXPECT_FALSE(ParseIp("example.com").has_value());
  EXPECT_FALSE(ParseIp("1.2.3.4:80").has_value());
}

TEST(TrustedProxiesTest, ParsesCidrsAndBareAddresses) {
  TrustedProxies p = Proxies("10.0.0.0/8, 127.0.0.1 ,::1/128,2001:db8::/32");
  EXPECT_TRUE(p.Contains(Ip("10.200.3.4")));
  EXPECT_FALSE(p.Contains(Ip("11.0.0.1")));
  EXPECT_TRUE(p.Contains(Ip("127.0.0.1")));
  EXPECT_FALSE(p.Contains(Ip("127.0.0.2")));
  EXPECT_TRUE(p.Contains(Ip("::1")));
  EXPECT_TRUE(p.Contains(Ip("2001:db8:ffff::9")));
  EXPECT_FALSE(p.Contains(Ip("2001:db9::1")));
}

TEST(TrustedProxiesTest, OddPrefixLengths) {
  TrustedProxies p = Proxies("192.168.1.128/25,0.0.0.0/0");
  EXPECT_TRUE(p.Contains(Ip("8.8.8.8")));  // /0 trusts every IPv4
  EXPECT_FALSE(p.Contains(Ip("::2")));     // ...but no IPv6
  TrustedProxies q = Proxies("192.168.1.128/25");
  EXPECT_TRUE(q.Contains(Ip("192.168.1.200")));
  EXPECT_FALSE(q.Contains(Ip("192.168.1.127")));
}

TEST(TrustedProxiesTest, RejectsBadEntries) {
  for (std::string_view bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "nonsense",
                               "10.0.0.0/8,bad", "10.0.0.0/-1"}) {
    Result<TrustedProxies> p = TrustedProxies::Parse(bad);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
    }
  }
  EXPECT_TRUE(TrustedProxies::Parse("").ok());
  EXPECT_TRUE(TrustedProxies::Parse(" , ").ok());
}

TEST(ClientIpTest, ForwardedForIgnoredByDefault) {
  TrustedProxies none;
  EXPECT_EQ(none.ClientIp(Ip("127.0.0.1"), "203.0.113.9"), "127.0.0.1");
}

TEST(ClientIpTest, ForwardedForIgnoredFromUntrustedPeer) {
  TrustedProxies p = Proxies("10.0.0.0/8");
  EXPECT_EQ(p.ClientIp(Ip("198.51.100.1"), "203.0.113.9"), "198.51.100.1");
}

TEST(ClientIpTest, TrustedPeerRightmostUntrustedHopWins) {
  TrustedProxies p = Proxies("10.0.0.0/8");
  EXPECT_EQ(p.ClientIp(Ip("10.0.0.2"), "203.0.113.9"), "203.0.113.9");
  // A client forging a leftmost hop does not win: the rightmost untrusted one does.
  EXPECT_EQ(p.ClientIp(Ip("10.0.0.2"), "1.1.1.1, 203.0.113.9, 10.0.0.7"), "203.0.113.9");
  EXPECT_EQ(p.ClientIp(Ip("10.0.0.2"), "2001:db8::5"), "2001:db8::5");
}

TEST(ClientIpTest, JoinedForwardedForLinesProxyHopReadFirst) {
  // A client sends "X-Forwarded-For: 1.1.1.1"; the trusted proxy appends its own line
  // "X-Forwarded-For: 203.0.113.9" (the address it saw). The parser joins the lines in
  // order (request_parser.h), so the right-to-left walk finds the proxy's hop.
  TrustedProxies p = Proxies("10.0.0.0/8");
  EXPECT_EQ(p.ClientIp(Ip("10.0.0.2"), "1.1.1.1, 203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(p.ClientIp(Ip("10.0.0.2"), "1.1.1.1, 203.0.113.9, 10.9.9.9"), "203.0.113.9");
}

TEST(ClientIpTest, AllHopsTrustedGivesLeftmost) {
  TrustedProxies p = Proxies("10.0.0.0/8");
  EXPECT_EQ(p.ClientIp(Ip("10.0.0.2"), "10.1.1.1, 10.2.2.2"), "10.1.1.1");
}

TEST(ClientIpTest, MalformedHopFallsBackToPeer) {
  TrustedProxies p = Proxies("10.0.0.0/8");
  EXPECT_EQ(p.ClientIp(Ip("10.0.0.2"), "garbage"), "10.0.0.2");
  EXPECT_EQ(p.ClientIp(Ip("10.0.0.2"), "203.0.113.9, "), "10.0.0.2");
  EXPECT_EQ(p.ClientIp(Ip("10.0.0.2"), ""), "10.0.0.2");
}

}  // namespace
}  // namespace sessionkit::server
