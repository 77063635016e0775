// Lowercase hexadecimal encoding of bytes ("0a1b..."), as used in session ids, key ids
// and device fingerprints. Pure and thread-safe; never fails.
#ifndef SESSIONKIT_CRYPTO_HEX_H_
#define SESSIONKIT_CRYPTO_HEX_H_

#include <string>
#include <string_view>

namespace sessionkit::internal {

// Appends two lowercase hex digits per byte of `bytes` to `out`.
void AppendHexLower(std::string& out, std::string_view bytes);

// Two lowercase hex digits per byte of `bytes`.
std::string HexLower(std::string_view bytes);

// True iff every character of `s` is in [0-9a-f] (true for an empty string).
bool IsLowerHex(std::string_view s) noexcept;

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_CRYPTO_HEX_H_
