#include "src/account/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <chrono>

namespace sessionkit::internal {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

constexpr std::uint32_t kPowersOfTen[] = {1,      10,      100,      1000,      10000,
                                          100000, 1000000, 10000000, 100000000};

// RFC 4226 §5.3: HMAC-SHA-1 of the 8-byte big-endian counter, dynamic truncation.
std::uint32_t HotpValue(std::string_view secret, std::uint64_t counter) {
  std::array<unsigned char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), message.data(),
       message.size(), mac.data(), &mac_len);
  const unsigned offset = mac[19] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  OPENSSL_cleanse(mac.data(), mac.size());
  return binary;
}

bool IsSixDigits(std::string_view code) noexcept {
  if (code.size() != static_cast<std::size_t>(kTotpDigits)) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::int64_t TotpStep(TimePoint t) noexcept {
  const std::int64_t seconds =
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
  // Floor division, so a time before the epoch is a negative step.
  std::int64_t step = seconds / kTotpPeriodSeconds;
  if (seconds % kTotpPeriodSeconds != 0 && seconds < 0) --step;
  return step;
}

std::string TotpCode(std::string_view secret, std::int64_t step, int digits) {
  if (digits < 6) digits = 6;
  if (digits > 8) digits = 8;
  const std::uint32_t value =
      HotpValue(secret, static_cast<std::uint64_t>(step)) % kPowersOfTen[digits];
  std::string code(static_cast<std::size_t>(digits), '0');
  std::uint32_t rest = value;
  for (int i = digits - 1; i >= 0; --i) {
    code[static_cast<std::size_t>(i)] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
  return code;
}

std::optional<std::int64_t> MatchTotp(std::string_view secret, std::string_view code,
                                      TimePoint now) {
  if (!IsSixDigits(code)) return std::nullopt;
  const std::int64_t current = TotpStep(now);
  std::optional<std::int64_t> matched;
  for (std::int64_t step = current - kTotpWindowSteps; step <= current + kTotpWindowSteps;
       ++step) {
    if (step < 0) continue;
    const std::string expected = TotpCode(secret, step);
    // Every candidate is computed and compared; no early exit on a match.
    const bool equal = CRYPTO_memcmp(expected.data(), code.data(), expected.size()) == 0;
    if (equal && !matched) matched = step;
  }
  return matched;
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ' || c == '=') continue;
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a';
    } else if (c >= '2' && c <= '7') {
      value = 26 + (c - '2');
    } else {
      return std::nullopt;
    }
    buffer = ((buffer << 5) | static_cast<std::uint32_t>(value)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  // A canonical text ends with fewer than 5 bits left over (its length is 0, 2, 4, 5 or
  // 7 modulo 8): a whole character more carries no byte, so other lengths are not base32.
  if (bits >= 5) return std::nullopt;
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-zero leftover bits
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

std::string OtpauthUri(std::string_view issuer, std::string_view username,
                       std::string_view base32_secret) {
  const std::string encoded_issuer = PercentEncode(issuer);
  std::string uri = "otpauth://totp/";
  uri += encoded_issuer;
  uri += ':';
  uri += PercentEncode(username);
  uri += "?secret=";
  uri += base32_secret;
  uri += "&issuer=";
  uri += encoded_issuer;
  uri += "&algorithm=SHA1&digits=6&period=30";
  return uri;
}

}  // namespace sessionkit::internal
