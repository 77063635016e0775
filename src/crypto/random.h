// Cryptographically secure random bytes from the system CSPRNG (OpenSSL RAND_bytes,
// seeded from the kernel).
//
// Used for session ids, refresh tokens and generated secrets; never for anything a
// test needs to reproduce. Errors: Unavailable if the CSPRNG cannot deliver (not
// seeded, or a failure inside OpenSSL); the output is then unspecified.
// Thread-safe.
#ifndef SESSIONKIT_CRYPTO_RANDOM_H_
#define SESSIONKIT_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

#include "sessionkit/result.h"
#include "sessionkit/status.h"

namespace sessionkit::internal {

// Fills out[0..size) with random bytes.
Status RandomBytes(void* out, std::size_t size);

// `size` random bytes.
Result<std::string> RandomBytes(std::size_t size);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_CRYPTO_RANDOM_H_
