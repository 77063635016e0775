// User-Agent reading (include/sessionkit/user_agent.h): three small rule tables, tried
// in order, the first hit wins.
//
// Order matters because User-Agents lie on purpose: every Chromium browser also says
// "Safari/", Edge and Opera and Samsung Internet also say "Chrome/", iPhones say "like
// Mac OS X", Android says "Linux", and Google's smartphone crawler says all of that
// and "Googlebot". So crawlers are checked first, then tools (which name themselves
// first), then browsers from the most specific token to the most generic, and the OS
// from the most specific platform to the most generic.
#include "sessionkit/user_agent.h"

#include <array>

namespace sessionkit {
namespace {

constexpr std::size_t kMaxVersionDigits = 5;

bool Contains(std::string_view text, std::string_view token) noexcept {
  return text.find(token) != std::string_view::npos;
}

char LowerAscii(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// `token` is lowercase.
bool ContainsIgnoringCase(std::string_view text, std::string_view token) noexcept {
  if (token.size() > text.size()) return false;
  for (std::size_t i = 0; i + token.size() <= text.size(); ++i) {
    std::size_t j = 0;
    while (j < token.size() && LowerAscii(text[i + j]) == token[j]) ++j;
    if (j == token.size()) return true;
  }
  return false;
}

// The digits right after the first `token` (leading zeros dropped so "Version/017" is
// 17, then at most kMaxVersionDigits); "" when there are none.
std::string_view MajorVersionAfter(std::string_view text, std::string_view token) noexcept {
  std::size_t at = text.find(token);
  if (at == std::string_view::npos) return {};
  std::string_view rest = text.substr(at + token.size());
  std::size_t zeros = 0;
  while (zeros < rest.size() && rest[zeros] == '0') ++zeros;
  // "0.1" is version 0: keep one zero when no other digit follows.
  if (zeros > 0 && (zeros == rest.size() || rest[zeros] < '1' || rest[zeros] > '9')) --zeros;
  rest.remove_prefix(zeros);
  std::size_t n = 0;
  while (n < rest.size() && n < kMaxVersionDigits && rest[n] >= '0' && rest[n] <= '9') ++n;
  return rest.substr(0, n);
}

// "Name Major", or "Name" without a version.
std::string NameWithVersion(std::string_view name, std::string_view version) {
  std::string out;
  out.reserve(name.size() + 1 + version.size());
  out.append(name);
  if (!version.empty()) out.append(" ").append(version);
  return out;
}

struct ProductRule {
  std::string_view token;    // where the product is named
  std::string_view name;     // what a person calls it
  std::string_view version;  // where its version follows; "" = right after `token`
};

// Crawlers that name themselves: device_type bot, no OS.
constexpr std::array kCrawlers = {
    ProductRule{"Googlebot/", "Googlebot", ""},
    ProductRule{"Google-InspectionTool/", "Google-InspectionTool", ""},
    ProductRule{"bingbot/", "Bingbot", ""},
    ProductRule{"DuckDuckBot", "DuckDuckBot", "DuckDuckBot-Https/"},
    ProductRule{"YandexBot/", "YandexBot", ""},
    ProductRule{"Baiduspider", "Baiduspider", "Baiduspider/"},
    ProductRule{"Applebot/", "Applebot", ""},
    ProductRule{"facebookexternalhit/", "Facebook crawler", ""},
    ProductRule{"Twitterbot/", "Twitterbot", ""},
    ProductRule{"Slackbot", "Slackbot", "Slackbot "},
    ProductRule{"AhrefsBot/", "AhrefsBot", ""},
    ProductRule{"GPTBot/", "GPTBot", ""},
};

// Anything else that says it is a crawler (lowercase tokens, any case in the header).
// "bot/" and "bot;" rather than "bot": an Android phone brand is called Cubot.
constexpr std::array<std::string_view, 5> kCrawlerWords = {"bot/", "bot;", "crawler", "spider",
                                                           "+http"};

// Tools and HTTP libraries: their User-Agent starts with the product.
constexpr std::array kTools = {
    ProductRule{"curl/", "curl", ""},
    ProductRule{"Wget/", "Wget", ""},
    ProductRule{"python-requests/", "python-requests", ""},
    ProductRule{"Python-urllib/", "Python-urllib", ""},
    ProductRule{"python-httpx/", "python-httpx", ""},
    ProductRule{"aiohttp/", "aiohttp", ""},
    ProductRule{"Go-http-client/", "Go-http-client", ""},
    ProductRule{"okhttp/", "okhttp", ""},
    ProductRule{"axios/", "axios", ""},
    ProductRule{"node-fetch", "node-fetch", "node-fetch/"},
    ProductRule{"PostmanRuntime/", "Postman", ""},
    ProductRule{"HTTPie/", "HTTPie", ""},
    ProductRule{"Java/", "Java", ""},
};

// Browsers, most specific first (see the banner).
constexpr std::array kBrowsers = {
    ProductRule{"Edg/", "Edge", ""},
    ProductRule{"EdgA/", "Edge", ""},
    ProductRule{"EdgiOS/", "Edge", ""},
    ProductRule{"Edge/", "Edge", ""},
    ProductRule{"OPR/", "Opera", ""},
    ProductRule{"OPiOS/", "Opera", ""},
    ProductRule{"OPT/", "Opera", ""},
    ProductRule{"Opera/", "Opera", "Version/"},
    ProductRule{"SamsungBrowser/", "Samsung Internet", ""},
    ProductRule{"YaBrowser/", "Yandex Browser", ""},
    ProductRule{"Vivaldi/", "Vivaldi", ""},
    ProductRule{"FxiOS/", "Firefox", ""},
    ProductRule{"Firefox/", "Firefox", ""},
    ProductRule{"CriOS/", "Chrome", ""},
    ProductRule{"HeadlessChrome/", "Headless Chrome", ""},
    ProductRule{"Chromium/", "Chromium", ""},
    ProductRule{"Chrome/", "Chrome", ""},
    ProductRule{"MSIE ", "Internet Explorer", ""},
    ProductRule{"Trident/", "Internet Explorer", "rv:"},
};

std::string BrowserOf(std::string_view ua, std::string_view os) {
  for (const ProductRule& rule : kBrowsers) {
    if (Contains(ua, rule.token)) {
      return NameWithVersion(rule.name,
                             MajorVersionAfter(ua, rule.version.empty() ? rule.token : rule.version));
    }
  }
  // Safari says "Version/17.5 ... Safari/605.1.15": the version is Version/'s. Android's
  // old stock browser says the same on Android.
  if (Contains(ua, "Safari/") || Contains(ua, "Version/")) {
    if (os == "Android") return NameWithVersion("Android Browser", MajorVersionAfter(ua, "Version/"));
    if (Contains(ua, "Safari/")) return NameWithVersion("Safari", MajorVersionAfter(ua, "Version/"));
  }
  return {};
}

}  // namespace

std::string_view DeviceTypeName(DeviceType type) noexcept {
  switch (type) {
    case DeviceType::kDesktop: return "desktop";
    case DeviceType::kMobile: return "mobile";
    case DeviceType::kTablet: return "tablet";
    case DeviceType::kBot: return "bot";
    case DeviceType::kUnknown: break;
  }
  return "unknown";
}

UserAgentInfo ParseUserAgent(std::string_view user_agent) {
  std::string_view ua = user_agent.substr(0, kMaxScannedUserAgentBytes);
  UserAgentInfo info;
  if (ua.empty()) return info;

  for (const ProductRule& rule : kCrawlers) {
    if (Contains(ua, rule.token)) {
      info.browser = NameWithVersion(
          rule.name, MajorVersionAfter(ua, rule.version.empty() ? rule.token : rule.version));
      info.device_type = DeviceType::kBot;
      return info;
    }
  }
  for (const ProductRule& rule : kTools) {
    if (ua.starts_with(rule.token)) {
      info.browser = NameWithVersion(
          rule.name, MajorVersionAfter(ua, rule.version.empty() ? rule.token : rule.version));
      return info;  // a tool: no OS, device unknown
    }
  }
  for (std::string_view word : kCrawlerWords) {
    if (ContainsIgnoringCase(ua, word)) {
      info.device_type = DeviceType::kBot;
      return info;
    }
  }

  // The platform, most specific first: iPads and iPhones say "like Mac OS X", Android
  // says "Linux", ChromeOS says "X11".
  if (Contains(ua, "iPad")) {
    info.os = "iPadOS";
    info.device_type = DeviceType::kTablet;
  } else if (Contains(ua, "iPhone") || Contains(ua, "iPod")) {
    info.os = "iOS";
    info.device_type = DeviceType::kMobile;
  } else if (Contains(ua, "Android")) {
    info.os = "Android";
    // Phones say "Mobile" (Chrome: "Mobile Safari/", Firefox: "; Mobile;"); tablets do not.
    info.device_type = Contains(ua, "Mobile") && !Contains(ua, "Tablet") ? DeviceType::kMobile
                                                                         : DeviceType::kTablet;
  } else if (Contains(ua, "CrOS ")) {
    info.os = "ChromeOS";
    info.device_type = DeviceType::kDesktop;
  } else if (Contains(ua, "Windows")) {
    info.os = "Windows";
    info.device_type = Contains(ua, "Windows Phone") ? DeviceType::kMobile : DeviceType::kDesktop;
  } else if (Contains(ua, "Macintosh") || Contains(ua, "Mac OS X")) {
    info.os = "macOS";
    info.device_type = DeviceType::kDesktop;
  } else if (Contains(ua, "Linux") || Contains(ua, "X11")) {
    info.os = "Linux";
    info.device_type = DeviceType::kDesktop;
  }
  info.browser = BrowserOf(ua, info.os);
  return info;
}

}  // namespace sessionkit
