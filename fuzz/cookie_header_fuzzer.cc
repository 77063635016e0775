// Fuzz target: the Cookie header reader (CookieValue, server/handlers/browser.h), which
// finds the access and refresh cookies of every cookie-transport request.
//
// Input: a cookie name, '\n', then a Cookie header (any bytes).
//
// Properties beyond "no crash":
//   - the value found is empty or a piece of the header holding no ';';
//   - round trip: the header read as a list of pairs (split at ';', blanks trimmed,
//     name = up to the first '='; pieces with no '=' dropped) and written again as
//     "name=value; name=value" gives, for every name in it and for the name asked,
//     the same value as the original header, and that value is the first pair's
//     (its surrounding double quotes removed).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "server/handlers/browser.h"

namespace {

using sessionkit::server::CookieValue;

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view Unquoted(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

std::vector<std::pair<std::string_view, std::string_view>> Pairs(std::string_view header) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t semi = header.find(';', start);
    std::size_t end = semi == std::string_view::npos ? header.size() : semi;
    std::string_view piece = TrimBlanks(header.substr(start, end - start));
    if (std::size_t eq = piece.find('='); eq != std::string_view::npos) {
      pairs.emplace_back(piece.substr(0, eq), piece.substr(eq + 1));
    }
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  return pairs;
}

// The value of the first pair named `name`, as the reader should give it.
std::string_view Expected(const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                          std::string_view name) {
  for (const auto& [n, v] : pairs) {
    if (n == name) return Unquoted(v);
  }
  return {};
}

void CheckInside(std::string_view found, std::string_view header) {
  if (found.empty()) return;
  FUZZ_CHECK(found.data() >= header.data() &&
             found.data() + found.size() <= header.data() + header.size());
  FUZZ_CHECK(found.find(';') == std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view name = input.substr(0, newline);
  const std::string_view header =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  const auto pairs = Pairs(header);
  std::string rewritten;
  for (const auto& [n, v] : pairs) {
    if (!rewritten.empty()) rewritten.append("; ");
    rewritten.append(n).append("=").append(v);
  }

  std::string_view asked = CookieValue(header, name);
  CheckInside(asked, header);
  FUZZ_CHECK(asked == Expected(pairs, name));
  FUZZ_CHECK(CookieValue(rewritten, name) == asked);
  // Every name, up to a bound (each lookup scans the header: keeps a run linear-ish).
  std::size_t checked = 0;
  for (const auto& [n, v] : pairs) {
    if (++checked > 64) break;
    std::string_view value = CookieValue(header, n);
    CheckInside(value, header);
    FUZZ_CHECK(value == Expected(pairs, n));
    FUZZ_CHECK(CookieValue(rewritten, n) == value);
  }
  return 0;
}
