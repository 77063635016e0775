#include "src/util/json_writer.h"

namespace sessionkit::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len;
  std::uint32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) { len = 2; min = 0x80; }
  else if (b0 >= 0xE0 && b0 <= 0xEF) { len = 3; min = 0x800; }
  else if (b0 >= 0xF0 && b0 <= 0xF4) { len = 4; min = 0x10000; }
  else return 0;
  if (i + len > s.size()) return 0;
  std::uint32_t cp = b0 & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The next unit of `s` at `i` as the writer keeps it: one byte below 0x80, a valid UTF-8
// sequence, or U+FFFD for one invalid byte. Advances `i`.
std::string_view NextRepairedUnit(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return s.substr(i++, 1);
  const std::size_t len = Utf8SequenceLength(s, i);
  if (len == 0) {
    ++i;
    return kReplacement;
  }
  std::string_view unit = s.substr(i, len);
  i += len;
  return unit;
}

}  // namespace

bool SameTextAfterUtf8Repair(std::string_view a, std::string_view b) noexcept {
  if (a == b) return true;  // the usual case: one memcmp
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j] && static_cast<unsigned char>(a[i]) < 0x80) {  // the common case
      ++i;
      ++j;
      continue;
    }
    if (NextRepairedUnit(a, i) != NextRepairedUnit(b, j)) return false;
  }
  return i == a.size() && j == b.size();
}

// Bytes that can be copied as they are: printable ASCII other than '"' and '\\'.
constexpr bool IsPlain(unsigned char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

void AppendJsonString(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run of plain bytes in one append (the common case: all of it).
    std::size_t run = i;
    while (run < s.size() && IsPlain(static_cast<unsigned char>(s[run]))) ++run;
    if (run > i) {
      out.append(s.data() + i, run - i);
      i = run;
      if (i == s.size()) break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD for one invalid byte
        ++i;
      } else {
        out.append(s.data() + i, len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:  // other controls and DEL
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    ++i;
  }
  out += '"';
}

bool IsJsonInteger(std::string_view s) noexcept {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i == s.size()) return false;
  if (s[i] == '0') return i + 1 == s.size();
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

void WriteUserId(JsonWriter& w, std::string_view user_id, bool is_number) {
  if (is_number && IsJsonInteger(user_id)) {
    w.Raw(user_id);
  } else {
    w.String(user_id);
  }
}

}  // namespace sessionkit::internal
