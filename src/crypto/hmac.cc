// HMAC-SHA256 from precomputed ipad/opad midstates.
//
// The SHA256_Init/Update/Final functions are deprecated in OpenSSL 3 in favour of EVP,
// but they are the only OpenSSL API whose state is a plain copyable struct, which is what
// makes per-call re-keying free. They remain in every OpenSSL 3.x release.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "src/crypto/hmac.h"

#include <openssl/crypto.h>

#include <cstdint>

#include "src/crypto/constant_time.h"

namespace sessionkit::internal {
namespace {

constexpr std::size_t kBlockSize = 64;

}  // namespace

HmacSha256Key::HmacSha256Key(std::string_view key) noexcept {
  unsigned char block[kBlockSize] = {};
  if (key.size() > kBlockSize) {
    const Sha256Digest hashed = Sha256(key);
    for (std::size_t i = 0; i < hashed.size(); ++i) block[i] = hashed[i];
  } else {
    for (std::size_t i = 0; i < key.size(); ++i) block[i] = static_cast<unsigned char>(key[i]);
  }

  unsigned char pad[kBlockSize];
  for (std::size_t i = 0; i < kBlockSize; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&inner_);
  SHA256_Update(&inner_, pad, kBlockSize);
  for (std::size_t i = 0; i < kBlockSize; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&outer_);
  SHA256_Update(&outer_, pad, kBlockSize);

  OPENSSL_cleanse(block, sizeof(block));
  OPENSSL_cleanse(pad, sizeof(pad));
}

HmacSha256Key::~HmacSha256Key() {
  OPENSSL_cleanse(&inner_, sizeof(inner_));
  OPENSSL_cleanse(&outer_, sizeof(outer_));
}

Sha256Digest HmacSha256Key::Mac(std::string_view message) const noexcept {
  Sha256Digest inner_hash;
  SHA256_CTX ctx = inner_;
  SHA256_Update(&ctx, message.data(), message.size());
  SHA256_Final(inner_hash.data(), &ctx);

  Sha256Digest out;
  ctx = outer_;
  SHA256_Update(&ctx, inner_hash.data(), inner_hash.size());
  SHA256_Final(out.data(), &ctx);  // leaves only the public digest in ctx
  return out;
}

bool HmacSha256Key::Verify(std::string_view message, std::string_view mac) const noexcept {
  if (mac.size() != kSha256Size) return false;
  const Sha256Digest expected = Mac(message);
  return ConstantTimeEquals(AsBytes(expected), mac);
}

}  // namespace sessionkit::internal
