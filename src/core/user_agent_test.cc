#include "sessionkit/user_agent.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sessionkit {
namespace {

struct UaCase {
  std::string_view user_agent;
  std::string_view browser;
  std::string_view os;
  std::string_view device_type;
};

// Real User-Agent headers as browsers, crawlers and tools send them.
constexpr UaCase kCases[] = {
    // --- Chrome ---
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36",
     "Chrome 126", "Windows", "desktop"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/125.0.0.0 Safari/537.36",
     "Chrome 125", "macOS", "desktop"},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36",
     "Chrome 124", "Linux", "desktop"},
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Mobile Safari/537.36",
     "Chrome 126", "Android", "mobile"},
    {"Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.6099.230 Safari/537.36",
     "Chrome 120", "Android", "tablet"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
     "Chrome 126", "iOS", "mobile"},
    {"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
     "Chrome 126", "iPadOS", "tablet"},
    {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36",
     "Chrome 124", "ChromeOS", "desktop"},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "HeadlessChrome/120.0.6099.224 Safari/537.36",
     "Headless Chrome 120", "Linux", "desktop"},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu "
     "Chromium/37.0.2062.94 Chrome/37.0.2062.94 Safari/537.36",
     "Chromium 37", "Linux", "desktop"},
    {"Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041; wv) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36",
     "Chrome 125", "Android", "mobile"},
    // --- Edge ---
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.56",
     "Edge 126", "Windows", "desktop"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.85",
     "Edge 125", "macOS", "desktop"},
    {"Mozilla/5.0 (Linux; Android 10; HD1913) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.6478.50 Mobile Safari/537.36 EdgA/126.0.2592.48",
     "Edge 126", "Android", "mobile"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.0 EdgiOS/126.2592.56 Mobile/15E148 Safari/605.1.15",
     "Edge 126", "iOS", "mobile"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582",
     "Edge 18", "Windows", "desktop"},
    // --- Firefox ---
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
     "Firefox 128", "Windows", "desktop"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
     "Firefox 127", "macOS", "desktop"},
    {"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
     "Firefox 126", "Linux", "desktop"},
    {"Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
     "Firefox 115", "Linux", "desktop"},
    {"Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0",
     "Firefox 128", "Android", "mobile"},
    {"Mozilla/5.0 (Android 13; Tablet; rv:127.0) Gecko/127.0 Firefox/127.0",
     "Firefox 127", "Android", "tablet"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15",
     "Firefox 127", "iOS", "mobile"},
    {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0; rv:109.0) Gecko/20100101 Firefox/115.0",
     "Firefox 115", "ChromeOS", "desktop"},
    // --- Safari ---
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15",
     "Safari 17", "macOS", "desktop"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
     "Safari 17", "iOS", "mobile"},
    {"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/16.6 Mobile/15E148 Safari/604.1",
     "Safari 16", "iPadOS", "tablet"},
    {"Mozilla/5.0 (iPod touch; CPU iPhone OS 12_5_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1",
     "Safari 12", "iOS", "mobile"},
    // An app's web view on iOS: no browser named.
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Mobile/15E148",
     "", "iOS", "mobile"},
    // --- Opera ---
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/125.0.0.0 Safari/537.36 OPR/111.0.0.0",
     "Opera 111", "Windows", "desktop"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0",
     "Opera 110", "macOS", "desktop"},
    {"Mozilla/5.0 (Linux; Android 10; VOG-L29) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Mobile Safari/537.36 OPR/82.0.4227.77690",
     "Opera 82", "Android", "mobile"},
    {"Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18", "Opera 12", "Windows",
     "desktop"},
    // --- Samsung Internet ---
    {"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
     "Samsung Internet 25", "Android", "mobile"},
    {"Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-X810) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/24.0 Chrome/117.0.0.0 Safari/537.36",
     "Samsung Internet 24", "Android", "tablet"},
    // --- others ---
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 YaBrowser/24.6.0.0 Safari/537.36",
     "Yandex Browser 24", "Windows", "desktop"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Vivaldi/6.8.3381.44",
     "Vivaldi 6", "Windows", "desktop"},
    {"Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
     "Internet Explorer 11", "Windows", "desktop"},
    {"Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)",
     "Internet Explorer 10", "Windows", "desktop"},
    {"Mozilla/5.0 (Linux; U; Android 4.0.3; en-us; GT-I9100 Build/IML74K) AppleWebKit/534.30 "
     "(KHTML, like Gecko) Version/4.0 Mobile Safari/534.30",
     "Android Browser 4", "Android", "mobile"},
    {"Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/109.0.5414.117 Mobile Safari/537.36",
     "Chrome 109", "Android", "mobile"},
    // --- crawlers ---
    {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot 2", "",
     "bot"},
    {"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/126.0.6478.126 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
     "+http://www.google.com/bot.html)",
     "Googlebot 2", "", "bot"},
    {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Bingbot 2", "",
     "bot"},
    {"DuckDuckBot-Https/1.1; (+https://duckduckgo.com/duckduckbot)", "DuckDuckBot 1", "", "bot"},
    {"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "YandexBot 3", "", "bot"},
    {"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
     "Baiduspider 2", "", "bot"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
     "Applebot 0", "", "bot"},
    {"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
     "Facebook crawler 1", "", "bot"},
    {"Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", "", "", "bot"},
    {"Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)", "", "", "bot"},
    // --- tools and libraries ---
    {"curl/8.5.0", "curl 8", "", "unknown"},
    {"curl/7.88.1", "curl 7", "", "unknown"},
    {"Wget/1.21.3", "Wget 1", "", "unknown"},
    {"python-requests/2.31.0", "python-requests 2", "", "unknown"},
    {"Python-urllib/3.11", "Python-urllib 3", "", "unknown"},
    {"Go-http-client/2.0", "Go-http-client 2", "", "unknown"},
    {"okhttp/4.12.0", "okhttp 4", "", "unknown"},
    {"PostmanRuntime/7.39.0", "Postman 7", "", "unknown"},
    {"sk-e2e/1.0", "", "", "unknown"},
};

TEST(ParseUserAgentTest, RealUserAgents) {
  static_assert(std::size(kCases) >= 40);
  for (const UaCase& c : kCases) {
    UserAgentInfo info = ParseUserAgent(c.user_agent);
    EXPECT_EQ(info.browser, c.browser) << c.user_agent;
    EXPECT_EQ(info.os, c.os) << c.user_agent;
    EXPECT_EQ(DeviceTypeName(info.device_type), c.device_type) << c.user_agent;
  }
}

TEST(ParseUserAgentTest, EmptyIsUnknown) {
  UserAgentInfo info = ParseUserAgent("");
  EXPECT_EQ(info.browser, "");
  EXPECT_EQ(info.os, "");
  EXPECT_EQ(info.device_type, DeviceType::kUnknown);
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

TEST(ParseUserAgentTest, NonUtf8BytesNeverReachTheResult) {
  const std::string ua = std::string("Mozilla/5.0 (Windows NT 10.0) Firefox/\xff\xfe\x80") +
                         std::string("\0\xc3", 2) + " Chrome/\xe2\x82";
  UserAgentInfo info = ParseUserAgent(ua);
  EXPECT_EQ(info.browser, "Firefox");  // no digits after the token: the bare name
  EXPECT_EQ(info.os, "Windows");
  EXPECT_TRUE(IsPrintableAscii(info.browser));
  UserAgentInfo garbage = ParseUserAgent(std::string_view("\xff\xff\xff\x00\x01\x02", 6));
  EXPECT_EQ(garbage.browser, "");
  EXPECT_EQ(garbage.device_type, DeviceType::kUnknown);
}

TEST(ParseUserAgentTest, VersionsAreCappedAtFiveDigits) {
  UserAgentInfo info = ParseUserAgent("Mozilla/5.0 (X11; Linux x86_64) Firefox/" +
                                   std::string(10000, '9'));
  EXPECT_EQ(info.browser, "Firefox 99999");
  EXPECT_EQ(ParseUserAgent("Mozilla/5.0 (X11; Linux x86_64) Firefox/000128.0").browser,
            "Firefox 128");
}

TEST(ParseUserAgentTest, OnlyTheHeadOfAHugeHeaderIsRead) {
  const std::string firefox =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
  std::string huge = firefox + std::string(1 << 20, 'A');
  UserAgentInfo info = ParseUserAgent(huge);
  EXPECT_EQ(info.browser, "Firefox 128");
  EXPECT_EQ(info.os, "Windows");
  // A product named past the scanned head is not seen.
  std::string late = std::string(kMaxScannedUserAgentBytes, ' ') + firefox;
  EXPECT_EQ(ParseUserAgent(late).browser, "");
  EXPECT_EQ(ParseUserAgent(late).device_type, DeviceType::kUnknown);
}

TEST(ParseUserAgentTest, DeviceTypeNames) {
  EXPECT_EQ(DeviceTypeName(DeviceType::kDesktop), "desktop");
  EXPECT_EQ(DeviceTypeName(DeviceType::kMobile), "mobile");
  EXPECT_EQ(DeviceTypeName(DeviceType::kTablet), "tablet");
  EXPECT_EQ(DeviceTypeName(DeviceType::kBot), "bot");
  EXPECT_EQ(DeviceTypeName(DeviceType::kUnknown), "unknown");
}

}  // namespace
}  // namespace sessionkit
