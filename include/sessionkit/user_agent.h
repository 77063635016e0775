// ParseUserAgent: what a person recognises of a User-Agent header ("Firefox 128 on
// Windows, desktop"), for the "my devices" list (API.md §8, `client` of a session).
//
// A small table of rules, not a full UA database: the common browsers (Chrome, Edge,
// Firefox, Safari, Opera, Samsung Internet, Chromium, Vivaldi, Yandex, Internet
// Explorer and their iOS shells), operating systems (Windows, macOS, iOS, iPadOS,
// Android, Linux, ChromeOS) and crawlers (Googlebot, bingbot, ... and anything calling
// itself a bot, crawler or spider). Command-line clients and HTTP libraries (curl,
// Wget, python-requests, Go, okhttp, ...) are named as the browser with device_type
// kUnknown: they are tools, not crawlers, and not a kind of device.
//
// Results:
//   - browser: the product and its major version, "Firefox 128"; the bare product when
//     no version is found ("Safari"); "" when nothing is recognised;
//   - os: one of the names above (a static string); "" when unknown;
//   - device_type: desktop, mobile, tablet, bot or unknown (DeviceTypeName).
// iPads in desktop mode send a Mac User-Agent and are reported as macOS desktop: the
// header does not tell them apart.
//
// Any bytes are accepted (empty, huge, not UTF-8): only the first
// kMaxScannedUserAgentBytes are read, the result holds only ASCII text built from the
// rules (never bytes of the input), versions are at most 5 digits, and nothing is
// allocated but `browser`.
// Thread safety: a pure function.
#ifndef SESSIONKIT_USER_AGENT_H_
#define SESSIONKIT_USER_AGENT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sessionkit {

enum class DeviceType : std::uint8_t { kUnknown, kDesktop, kMobile, kTablet, kBot };

// "unknown", "desktop", "mobile", "tablet", "bot".
std::string_view DeviceTypeName(DeviceType type) noexcept;

struct UserAgentInfo {
  std::string browser;       // "Firefox 128", or "" when unknown
  std::string_view os;       // "Windows", ...: static storage; "" when unknown
  DeviceType device_type = DeviceType::kUnknown;
};

// Real User-Agent headers are a few hundred bytes; beyond this the header is not read.
inline constexpr std::size_t kMaxScannedUserAgentBytes = 1024;

UserAgentInfo ParseUserAgent(std::string_view user_agent);

}  // namespace sessionkit

#endif  // SESSIONKIT_USER_AGENT_H_
