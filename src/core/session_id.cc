// Session ids (API.md §1) and the device_id rule (API.md §2).
#include <array>

#include "sessionkit/session.h"
#include "src/crypto/hex.h"
#include "src/crypto/random.h"
#include "src/crypto/sha256.h"

namespace sessionkit {
namespace {

constexpr std::size_t kSessionIdRandomBytes = 32;
constexpr std::size_t kShortSessionIdChars = 12;
constexpr std::size_t kMaxDeviceIdHeader = 128;
constexpr std::size_t kFingerprintHexChars = 12;

static_assert(kSessionIdLength == kSessionIdPrefix.size() + 2 * kSessionIdRandomBytes);

bool IsUsableDeviceIdHeader(std::string_view header) noexcept {
  if (header.empty() || header.size() > kMaxDeviceIdHeader) return false;
  for (const char c : header) {
    if (c < 0x20 || c > 0x7e) return false;  // printable ASCII and space only
  }
  return true;
}

}  // namespace

Result<std::string> NewSessionId() {
  std::array<char, kSessionIdRandomBytes> bytes;
  if (Status s = internal::RandomBytes(bytes.data(), bytes.size()); !s.ok()) return s;
  std::string id;
  id.reserve(kSessionIdLength);
  id.append(kSessionIdPrefix);
  internal::AppendHexLower(id, std::string_view(bytes.data(), bytes.size()));
  return id;
}

bool IsWellFormedSessionId(std::string_view id) noexcept {
  return id.size() == kSessionIdLength && id.starts_with(kSessionIdPrefix) &&
         internal::IsLowerHex(id.substr(kSessionIdPrefix.size()));
}

std::string ShortSessionId(std::string_view id) {
  if (!IsWellFormedSessionId(id)) return "<malformed>";
  std::string out(id.substr(0, kShortSessionIdChars));
  out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS in UTF-8
  return out;
}

std::string DeriveDeviceId(std::string_view header, std::string_view user_agent) {
  if (IsUsableDeviceIdHeader(header)) return std::string(header);
  const internal::Sha256Digest digest = internal::Sha256(user_agent);
  std::string out = "fp_";
  internal::AppendHexLower(out, internal::AsBytes(digest).substr(0, kFingerprintHexChars / 2));
  return out;
}

}  // namespace sessionkit
