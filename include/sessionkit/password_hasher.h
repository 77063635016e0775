// Password hashing: argon2id for new hashes, bcrypt accepted for imported users.
//
// New passwords are hashed with libsodium's crypto_pwhash_str (argon2id, one lane) at
// the configured cost (default OwaspMinimumCost: m = 19 MiB, t = 2, p = 1, OWASP's
// Password Storage Cheat Sheet minimum). Verification accepts argon2id hashes of any
// cost (each encodes its own m and t) and bcrypt hashes ($2a$, $2b$, $2y$: users
// imported from the Go service) through libcrypt; a bcrypt match, or an argon2id hash
// whose cost differs from the configured one (higher or lower), reports
// kMatchNeedsRehash so the caller can rehash at the configured cost after a login.
// bcrypt reads only 72 bytes; for longer passwords the Go peer's pre-hash form
// ("sha256$" + base64(SHA-256(password))) is tried as well.
//
// VerifyDummy burns the same time as checking a real argon2id hash: the caller runs it
// for unknown users so that they cannot be told apart from a wrong password by timing.
//
// Every call is CPU- and memory-heavy (tens of ms, 19 MiB at the default cost): run it
// on a blocking executor (the server's worker pool), never on an I/O thread. Thread-safe after Create. Passwords and
// hashes are never logged or put into error messages.
#ifndef SESSIONKIT_PASSWORD_HASHER_H_
#define SESSIONKIT_PASSWORD_HASHER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sessionkit/result.h"

namespace sessionkit {

enum class PasswordCheck : std::uint8_t { kMismatch, kMatch, kMatchNeedsRehash };

struct PasswordCost {
  unsigned long long opslimit;  // crypto_pwhash opslimit
  std::size_t memlimit;         // crypto_pwhash memlimit, bytes
};

// m = 19 MiB, t = 2 (the default); libsodium's OPSLIMIT/MEMLIMIT_INTERACTIVE (64 MiB,
// t = 2, the default before); and MIN (for tests only).
PasswordCost OwaspMinimumCost() noexcept;
PasswordCost InteractiveCost() noexcept;
PasswordCost MinimumCost() noexcept;

// memory_kib KiB and `iterations` passes (argon2id's m and t), as configured.
PasswordCost Argon2idCost(std::uint32_t memory_kib, std::uint32_t iterations) noexcept;

class PasswordHasher {
 public:
  // Calls sodium_init and builds the dummy hash. Internal if libsodium cannot start.
  // InvalidArgument if libsodium refuses the cost (outside its limits).
  static Result<PasswordHasher> Create(PasswordCost cost = OwaspMinimumCost());

  // "$argon2id$v=19$m=…". Internal if hashing fails (out of memory).
  Result<std::string> Hash(std::string_view password) const;

  PasswordCheck Verify(std::string_view stored_hash, std::string_view password) const;

  // Same work as Verify against an argon2id hash; the result is discarded.
  void VerifyDummy(std::string_view password) const;

 private:
  PasswordHasher(PasswordCost cost, std::string dummy) : cost_(cost), dummy_(std::move(dummy)) {}

  PasswordCheck VerifyArgon2(const std::string& stored_hash, std::string_view password) const;

  PasswordCost cost_;
  std::string dummy_;
};

}  // namespace sessionkit

#endif  // SESSIONKIT_PASSWORD_HASHER_H_
