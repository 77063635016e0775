#include "sessionkit/password_hasher.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <memory>

namespace sessionkit {
namespace {

bool IsBcrypt(std::string_view hash) {
  return hash.size() == 60 &&
         (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// crypt_rn with a per-thread work area (struct crypt_data is ~32 KiB).
bool BcryptMatches(const std::string& hash, const std::string& phrase) {
  thread_local std::unique_ptr<crypt_data> data = std::make_unique<crypt_data>();
  *data = crypt_data{};
  const char* out = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  bool match = out != nullptr && out[0] != '*' && ConstantTimeEquals(out, hash);
  sodium_memzero(data.get(), sizeof(crypt_data));
  return match;
}

// The Go peer's form for passwords over bcrypt's 72-byte limit.
std::string GoPeerPrehash(std::string_view password) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
  unsigned char b64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  std::string out = "sha256$";
  out.append(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();  // Go's RawStdEncoding
  return out;
}

}  // namespace

PasswordCost OwaspMinimumCost() noexcept { return Argon2idCost(19 * 1024, 2); }

PasswordCost Argon2idCost(std::uint32_t memory_kib, std::uint32_t iterations) noexcept {
  return {iterations, static_cast<std::size_t>(memory_kib) * 1024};
}

PasswordCost InteractiveCost() noexcept {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordCost MinimumCost() noexcept {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

Result<PasswordHasher> PasswordHasher::Create(PasswordCost cost) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  if (cost.opslimit < crypto_pwhash_OPSLIMIT_MIN || cost.opslimit > crypto_pwhash_OPSLIMIT_MAX ||
      cost.memlimit < crypto_pwhash_MEMLIMIT_MIN || cost.memlimit > crypto_pwhash_MEMLIMIT_MAX) {
    return Status::InvalidArgument("argon2id cost outside libsodium's limits");
  }
  char dummy[crypto_pwhash_STRBYTES];
  // A hash of random bytes: nobody knows a password that matches it.
  unsigned char secret[32];
  randombytes_buf(secret, sizeof(secret));
  if (crypto_pwhash_str_alg(dummy, reinterpret_cast<const char*>(secret), sizeof(secret),
                            cost.opslimit, cost.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Internal("password hashing failed (out of memory?)");
  }
  return PasswordHasher(cost, std::string(dummy));
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.opslimit,
                            cost_.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Internal("password hashing failed (out of memory?)");
  }
  return std::string(out);
}

PasswordCheck PasswordHasher::VerifyArgon2(const std::string& stored_hash,
                                           std::string_view password) const {
  if (crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) != 0) {
    return PasswordCheck::kMismatch;
  }
  int rehash = crypto_pwhash_str_needs_rehash(stored_hash.c_str(), cost_.opslimit, cost_.memlimit);
  return rehash == 0 ? PasswordCheck::kMatch : PasswordCheck::kMatchNeedsRehash;
}

PasswordCheck PasswordHasher::Verify(std::string_view stored_hash,
                                     std::string_view password) const {
  std::string hash(stored_hash);
  if (hash.starts_with("$argon2")) return VerifyArgon2(hash, password);
  if (!IsBcrypt(hash)) return PasswordCheck::kMismatch;
  // crypt() takes a C string: a password with a NUL byte cannot match a bcrypt hash.
  if (password.find('\0') != std::string_view::npos) return PasswordCheck::kMismatch;
  std::string phrase(password);
  bool match = BcryptMatches(hash, phrase);
  if (!match && password.size() > 72) match = BcryptMatches(hash, GoPeerPrehash(password));
  sodium_memzero(phrase.data(), phrase.size());
  return match ? PasswordCheck::kMatchNeedsRehash : PasswordCheck::kMismatch;
}

void PasswordHasher::VerifyDummy(std::string_view password) const {
  (void)VerifyArgon2(dummy_, password);
}

}  // namespace sessionkit
