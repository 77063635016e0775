// base64url without padding: a table-driven encoder and a strict decoder (see header).
#include "src/util/base64url.h"

#include <array>
#include <cstdint>

namespace sessionkit::internal {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t kInvalid = 0xff;

// Maps each byte to its 6-bit value, or kInvalid for bytes outside the alphabet.
constexpr std::array<std::uint8_t, 256> MakeDecodeTable() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr std::array<std::uint8_t, 256> kDecode = MakeDecodeTable();

inline std::uint8_t Sextet(char c) noexcept { return kDecode[static_cast<unsigned char>(c)]; }

}  // namespace

void AppendBase64Url(std::string& out, std::string_view bytes) {
  const std::size_t start = out.size();
  out.resize(start + Base64UrlEncodedLength(bytes.size()));
  char* dst = out.data() + start;
  const auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  for (; n >= 3; n -= 3, src += 3) {
    const std::uint32_t v = (std::uint32_t{src[0]} << 16) | (std::uint32_t{src[1]} << 8) | src[2];
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = kAlphabet[v & 63];
  }
  if (n == 1) {
    const std::uint32_t v = std::uint32_t{src[0]} << 16;
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
  } else if (n == 2) {
    const std::uint32_t v = (std::uint32_t{src[0]} << 16) | (std::uint32_t{src[1]} << 8);
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
  }
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  AppendBase64Url(out, bytes);
  return out;
}

bool Base64UrlDecodeInto(std::string_view in, char* out) noexcept {
  if (in.size() % 4 == 1) return false;
  const char* src = in.data();
  std::size_t n = in.size();
  for (; n >= 4; n -= 4, src += 4) {
    const std::uint8_t a = Sextet(src[0]), b = Sextet(src[1]), c = Sextet(src[2]),
                       d = Sextet(src[3]);
    if ((a | b | c | d) & 0xc0) return false;  // kInvalid has the top bits set
    const std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                            (std::uint32_t{c} << 6) | d;
    *out++ = static_cast<char>(v >> 16);
    *out++ = static_cast<char>(v >> 8);
    *out++ = static_cast<char>(v);
  }
  if (n == 2) {
    const std::uint8_t a = Sextet(src[0]), b = Sextet(src[1]);
    if ((a | b) & 0xc0) return false;
    if (b & 0x0f) return false;  // the 4 unused bits must be zero
    *out++ = static_cast<char>((a << 2) | (b >> 4));
  } else if (n == 3) {
    const std::uint8_t a = Sextet(src[0]), b = Sextet(src[1]), c = Sextet(src[2]);
    if ((a | b | c) & 0xc0) return false;
    if (c & 0x03) return false;  // the 2 unused bits must be zero
    const std::uint32_t v = (std::uint32_t{a} << 10) | (std::uint32_t{b} << 4) | (c >> 2);
    *out++ = static_cast<char>(v >> 8);
    *out++ = static_cast<char>(v);
  }
  return true;
}

Result<std::string> Base64UrlDecode(std::string_view in) {
  const std::optional<std::size_t> len = Base64UrlDecodedLength(in.size());
  if (!len) return Status::Malformed("invalid base64url length");
  std::string out(*len, '\0');
  if (!Base64UrlDecodeInto(in, out.data())) return Status::Malformed("invalid base64url");
  return out;
}

}  // namespace sessionkit::internal
