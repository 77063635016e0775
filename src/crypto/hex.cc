#include "src/crypto/hex.h"

namespace sessionkit::internal {

void AppendHexLower(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::size_t start = out.size();
  out.resize(start + 2 * bytes.size());
  char* dst = out.data() + start;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    *dst++ = kDigits[b >> 4];
    *dst++ = kDigits[b & 0x0f];
  }
}

std::string HexLower(std::string_view bytes) {
  std::string out;
  AppendHexLower(out, bytes);
  return out;
}

bool IsLowerHex(std::string_view s) noexcept {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace sessionkit::internal
