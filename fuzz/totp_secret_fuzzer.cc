// Fuzz target: the text forms of a TOTP secret (src/account/totp.h): base32 decode and
// encode, and the percent-encoding of the otpauth:// URI.
//
// Input: any bytes, read both as base32 text and as a raw secret.
//
// Properties beyond "no crash":
//   - a text Base32Decode accepts is canonical: its bytes encode back to the text itself
//     (upper-cased, spaces and '=' dropped), and decode again to the same bytes;
//   - any bytes encode to ceil(8n/5) characters of A-Z2-7 that decode back to them
//     (and so do their lower-case form and the form with spaces and padding);
//   - PercentEncode leaves only unreserved characters and %XX, and decodes back; the
//     otpauth URI of any issuer / username holds no byte outside printable ASCII.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "src/account/totp.h"

namespace {

using namespace sessionkit::internal;

bool IsBase32Char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      const char c = text[i];
      FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~');
      out.push_back(c);
      continue;
    }
    FUZZ_CHECK(i + 2 < text.size());
    const int high = HexValue(text[i + 1]), low = HexValue(text[i + 2]);
    FUZZ_CHECK(high >= 0 && low >= 0);
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // As base32 text.
  if (std::optional<std::string> bytes = Base32Decode(input)) {
    std::string canonical;
    for (char c : input) {
      if (c == ' ' || c == '=') continue;
      canonical.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
    FUZZ_CHECK(Base32Encode(*bytes) == canonical);
    FUZZ_CHECK(Base32Decode(canonical) == bytes);
  }

  // As a raw secret.
  const std::string encoded = Base32Encode(input);
  FUZZ_CHECK(encoded.size() == (input.size() * 8 + 4) / 5);
  for (char c : encoded) FUZZ_CHECK(IsBase32Char(c));
  FUZZ_CHECK(Base32Decode(encoded) == std::string(input));
  std::string loose;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    loose.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    if (i % 4 == 3) loose.push_back(' ');
  }
  loose.append("===");
  FUZZ_CHECK(Base32Decode(loose) == std::string(input));

  // Percent-encoding and the URI, with the input as issuer and as username.
  FUZZ_CHECK(PercentDecode(PercentEncode(input)) == input);
  const std::string half(input.substr(0, input.size() / 2));
  const std::string uri = OtpauthUri(half, input.substr(half.size()), encoded);
  FUZZ_CHECK(uri.starts_with("otpauth://totp/"));
  for (char c : uri) FUZZ_CHECK(c > ' ' && c <= '~');
  return 0;
}
