// base64url without padding: a table-driven encoder and a strict decoder (see header).
#include "src/util/base64url.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

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

// For the main loop: the sextet of a byte already shifted to its place in a 4-character
// group (position 0 -> bits 18..23, ..., position 3 -> bits 0..5), or kBadBit. OR-ing the
// four lookups gives the 24 decoded bits, and kBadBit if any character was invalid.
constexpr std::uint32_t kBadBit = 1u << 24;
using ShiftedTable = std::array<std::uint32_t, 256>;
constexpr ShiftedTable MakeShiftedTable(int shift) {
  ShiftedTable table{};
  for (std::size_t c = 0; c < 256; ++c) {
    table[c] = kDecode[c] == kInvalid ? kBadBit : std::uint32_t{kDecode[c]} << shift;
  }
  return table;
}
constexpr ShiftedTable kShift18 = MakeShiftedTable(18);
constexpr ShiftedTable kShift12 = MakeShiftedTable(12);
constexpr ShiftedTable kShift6 = MakeShiftedTable(6);
constexpr ShiftedTable kShift0 = MakeShiftedTable(0);

inline std::uint32_t Lookup(const ShiftedTable& t, char c) noexcept {
  return t[static_cast<unsigned char>(c)];
}

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
  std::uint32_t bad = 0;  // checked once after the loops: no branch per group
  // 8 characters -> 6 bytes, stored as one 8-byte write. The 2 extra bytes are
  // overwritten later: n >= 12 leaves at least 9 output bytes to go.
  for (; n >= 12; n -= 8, src += 8) {
    const std::uint32_t hi = Lookup(kShift18, src[0]) | Lookup(kShift12, src[1]) |
                             Lookup(kShift6, src[2]) | Lookup(kShift0, src[3]);
    const std::uint32_t lo = Lookup(kShift18, src[4]) | Lookup(kShift12, src[5]) |
                             Lookup(kShift6, src[6]) | Lookup(kShift0, src[7]);
    bad |= hi | lo;
    const std::uint64_t bits = (std::uint64_t{hi & 0xffffff} << 40) |
                               (std::uint64_t{lo & 0xffffff} << 16);
    std::uint64_t big_endian = bits;
    if constexpr (std::endian::native == std::endian::little) {
      big_endian = __builtin_bswap64(bits);
    }
    std::memcpy(out, &big_endian, sizeof(big_endian));
    out += 6;
  }
  for (; n >= 4; n -= 4, src += 4) {
    const std::uint32_t v = Lookup(kShift18, src[0]) | Lookup(kShift12, src[1]) |
                            Lookup(kShift6, src[2]) | Lookup(kShift0, src[3]);
    bad |= v;
    out[0] = static_cast<char>(v >> 16);
    out[1] = static_cast<char>(v >> 8);
    out[2] = static_cast<char>(v);
    out += 3;
  }
  if (bad & kBadBit) return false;
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
