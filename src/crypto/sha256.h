// SHA-256 (FIPS 180-4) of a byte string, via OpenSSL.
//
// Used for device fingerprints, key ids and refresh-token hashes. Never fails; pure and
// thread-safe.
#ifndef SESSIONKIT_CRYPTO_SHA256_H_
#define SESSIONKIT_CRYPTO_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sessionkit::internal {

inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Size>;

Sha256Digest Sha256(std::string_view data) noexcept;

// The digest's bytes as a string_view (no copy; valid while `d` lives).
inline std::string_view AsBytes(const Sha256Digest& d) noexcept {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_CRYPTO_SHA256_H_
