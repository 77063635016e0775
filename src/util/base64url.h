// base64url (RFC 4648 §5) without padding, as used by JWS/JWT and refresh tokens.
//
// Encoding never writes '='. Decoding is strict, so that one byte string has exactly
// one accepted encoding: it rejects '=', '+', '/', whitespace and any other byte outside
// [A-Za-z0-9_-], lengths with len % 4 == 1 (no byte string encodes to them), and
// non-zero unused bits in the last character (e.g. "QR" for "A" whose canonical form is
// "QQ"). Errors come back as Malformed, with a message that never contains the input.
//
// All functions are pure and thread-safe.
#ifndef SESSIONKIT_UTIL_BASE64URL_H_
#define SESSIONKIT_UTIL_BASE64URL_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sessionkit/result.h"

namespace sessionkit::internal {

// Length of the unpadded encoding of `n` bytes.
constexpr std::size_t Base64UrlEncodedLength(std::size_t n) noexcept {
  return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

// Length of the bytes an unpadded encoding of `encoded_len` characters decodes to;
// nullopt when no encoding has that length (encoded_len % 4 == 1).
constexpr std::optional<std::size_t> Base64UrlDecodedLength(std::size_t encoded_len) noexcept {
  if (encoded_len % 4 == 1) return std::nullopt;
  return encoded_len / 4 * 3 + (encoded_len % 4 == 0 ? 0 : encoded_len % 4 - 1);
}

// Appends the encoding of `bytes` to `out`.
void AppendBase64Url(std::string& out, std::string_view bytes);

// The encoding of `bytes`.
std::string Base64UrlEncode(std::string_view bytes);

// Decodes `in` into `out`, which must have room for *Base64UrlDecodedLength(in.size())
// bytes. Returns false (with `out` partly written) if `in` is not a strict encoding.
[[nodiscard]] bool Base64UrlDecodeInto(std::string_view in, char* out) noexcept;

// Decodes `in`. Malformed if it is not a strict encoding.
Result<std::string> Base64UrlDecode(std::string_view in);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_UTIL_BASE64URL_H_
