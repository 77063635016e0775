// Fuzz target: the User-Agent reader (ParseUserAgent, include/sessionkit/user_agent.h),
// which runs on the header of every login and refresh.
//
// Input: a User-Agent header (any bytes).
//
// Properties beyond "no crash" (the header's promises):
//   - `browser` is empty or printable ASCII: a product name from the rules, optionally a
//     space and a version of 1 to 5 digits, and that version is a digit run of the
//     scanned part of the input;
//   - `os` is one of the documented names (or empty), device_type one of the five kinds;
//   - only the first kMaxScannedUserAgentBytes are read: anything appended after them
//     changes nothing;
//   - deterministic: a second reading gives the same result.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "sessionkit/user_agent.h"

namespace {

using sessionkit::DeviceType;
using sessionkit::kMaxScannedUserAgentBytes;
using sessionkit::ParseUserAgent;
using sessionkit::UserAgentInfo;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool Same(const UserAgentInfo& a, const UserAgentInfo& b) {
  return a.browser == b.browser && a.os == b.os && a.device_type == b.device_type;
}

void CheckBrowser(std::string_view browser, std::string_view scanned) {
  FUZZ_CHECK(browser.size() <= 64);
  for (char c : browser) FUZZ_CHECK(c >= ' ' && c <= '~');
  if (browser.empty()) return;
  FUZZ_CHECK(browser.front() != ' ' && browser.back() != ' ');
  // The version, if any, is the digits after the last space.
  const std::size_t space = browser.rfind(' ');
  if (space == std::string_view::npos) return;
  const std::string_view last = browser.substr(space + 1);
  bool all_digits = !last.empty();
  for (char c : last) all_digits = all_digits && IsDigit(c);
  if (!all_digits) return;  // a name with a space in it ("Samsung Internet")
  FUZZ_CHECK(last.size() <= 5);
  FUZZ_CHECK(scanned.find(last) != std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const UserAgentInfo info = ParseUserAgent(input);
  const std::string_view scanned = input.substr(0, kMaxScannedUserAgentBytes);

  CheckBrowser(info.browser, scanned);
  static constexpr std::string_view kSystems[] = {"",      "Windows", "macOS", "iOS",
                                                  "iPadOS", "Android", "Linux", "ChromeOS"};
  bool known_os = false;
  for (std::string_view os : kSystems) known_os = known_os || info.os == os;
  FUZZ_CHECK(known_os);
  FUZZ_CHECK(info.device_type == DeviceType::kUnknown || info.device_type == DeviceType::kDesktop ||
             info.device_type == DeviceType::kMobile || info.device_type == DeviceType::kTablet ||
             info.device_type == DeviceType::kBot);
  if (input.empty()) FUZZ_CHECK(info.browser.empty() && info.os.empty());

  // Bytes past the scanned prefix are never read: a long input cut there reads the same,
  // and so does a short input filled up to the limit and followed by tokens that would
  // otherwise change the answer. (Reading 1 KiB is the expensive part of a run: the
  // filled form is tried for one short input in eight, chosen by its length.)
  if (input.size() > kMaxScannedUserAgentBytes) {
    FUZZ_CHECK(Same(info, ParseUserAgent(scanned)));
  } else if (input.size() % 8 == 0) {
    FUZZ_CHECK(Same(info, ParseUserAgent(input)));
    std::string filled(input);
    filled.resize(kMaxScannedUserAgentBytes, '\x01');
    const UserAgentInfo at_limit = ParseUserAgent(filled);
    filled.append(" Googlebot/2.1 (iPad; CPU OS 17_0) Firefox/125.0 Windows NT 10.0");
    FUZZ_CHECK(Same(at_limit, ParseUserAgent(filled)));
  }
  return 0;
}
