// Constant-time comparison of secrets (MACs, token hashes), via OpenSSL CRYPTO_memcmp.
//
// The time taken depends only on the lengths, never on where the contents differ, so
// a caller comparing a presented MAC with the expected one leaks nothing about the
// expected bytes. Lengths are treated as public: inputs of different sizes compare
// unequal at once. Pure and thread-safe.
#ifndef SESSIONKIT_CRYPTO_CONSTANT_TIME_H_
#define SESSIONKIT_CRYPTO_CONSTANT_TIME_H_

#include <string_view>

namespace sessionkit::internal {

bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept;

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_CRYPTO_CONSTANT_TIME_H_
