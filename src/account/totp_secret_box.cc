#include "src/account/totp_secret_box.h"

#include <sodium.h>

#include <set>
#include <utility>

#include "src/crypto/hex.h"
#include "src/crypto/hmac.h"
#include "src/crypto/sha256.h"
#include "src/util/base64url.h"

namespace sessionkit {
namespace {

constexpr std::string_view kAdLabel = "sessionkit totp v1";
constexpr std::string_view kDerivationLabel = "sessionkit totp secret key v1";

std::string AdditionalData(std::string_view user_id, std::string_view key_id) {
  std::string ad(kAdLabel);
  ad.push_back('\0');
  ad.append(user_id);
  ad.push_back('\0');
  ad.append(key_id);
  return ad;
}

// Standard or URL-safe base64, padding optional.
Result<std::string> DecodeBase64Any(std::string_view text) {
  std::string bin(text.size(), '\0');
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    std::size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), text.data(),
                          text.size(), nullptr, &len, nullptr, variant) == 0) {
      bin.resize(len);
      return bin;
    }
  }
  sodium_memzero(bin.data(), bin.size());
  return Status::InvalidArgument("not base64");
}

}  // namespace

Result<std::vector<TotpEncryptionKey>> ParseTotpEncryptionKeys(std::string_view text) {
  std::vector<TotpEncryptionKey> keys;
  std::set<std::string> ids;
  std::size_t index = 0;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    ++index;
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    const std::string where = "TOTP_ENCRYPTION_KEYS entry " + std::to_string(index);
    const std::size_t colon = entry.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(where + ": expected id:base64key");
    }
    TotpEncryptionKey key;
    key.id = std::string(entry.substr(0, colon));
    if (!internal::IsValidTotpKeyId(key.id)) {
      return Status::InvalidArgument(where + ": the id must be 1-32 of A-Z a-z 0-9 _ . -");
    }
    if (!ids.insert(key.id).second) {
      return Status::InvalidArgument(where + ": duplicate id " + key.id);
    }
    Result<std::string> bytes = DecodeBase64Any(entry.substr(colon + 1));
    if (!bytes.ok() || bytes->size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
      return Status::InvalidArgument(where + " (" + key.id +
                                     "): the key must be 32 bytes in base64");
    }
    key.key = std::move(bytes).value();
    keys.push_back(std::move(key));
  }
  if (keys.empty()) return Status::InvalidArgument("TOTP_ENCRYPTION_KEYS: no key");
  return keys;
}

TotpEncryptionKey DeriveTotpEncryptionKey(std::string_view jwt_secret) {
  const internal::Sha256Digest key = internal::HmacSha256Key(jwt_secret).Mac(kDerivationLabel);
  TotpEncryptionKey derived;
  derived.key = std::string(internal::AsBytes(key));
  derived.id = "jwt-" + internal::HexLower(internal::AsBytes(internal::Sha256(derived.key))).substr(0, 8);
  return derived;
}

namespace internal {

bool IsValidTotpKeyId(std::string_view id) noexcept {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<TotpSecretBox> TotpSecretBox::Make(std::vector<TotpEncryptionKey> keys) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  if (keys.empty()) return Status::InvalidArgument("no TOTP encryption key");
  std::set<std::string> ids;
  for (const TotpEncryptionKey& key : keys) {
    if (!IsValidTotpKeyId(key.id)) return Status::InvalidArgument("bad TOTP key id");
    if (!ids.insert(key.id).second) {
      return Status::InvalidArgument("duplicate TOTP key id " + key.id);
    }
    if (key.key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
      return Status::InvalidArgument("TOTP key " + key.id + " is not 32 bytes");
    }
  }
  return TotpSecretBox(std::move(keys));
}

TotpSecretBox::~TotpSecretBox() {
  for (TotpEncryptionKey& key : keys_) sodium_memzero(key.key.data(), key.key.size());
}

Result<SealedSecret> TotpSecretBox::Seal(std::string_view user_id, std::string_view secret) const {
  const TotpEncryptionKey& key = keys_.front();
  const std::string ad = AdditionalData(user_id, key.id);
  std::string box(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + secret.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written,
      reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce,
      reinterpret_cast<const unsigned char*>(key.key.data()));
  box.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + written);
  return SealedSecret{key.id, Base64UrlEncode(box)};
}

Result<std::string> TotpSecretBox::Open(std::string_view user_id, std::string_view key_id,
                                        std::string_view sealed) const {
  const TotpEncryptionKey* key = nullptr;
  for (const TotpEncryptionKey& k : keys_) {
    if (k.id == key_id) key = &k;
  }
  if (key == nullptr) {
    return Status::NotFound("no configured TOTP encryption key has the id of this enrolment");
  }
  Result<std::string> box = Base64UrlDecode(sealed);
  constexpr std::size_t kOverhead =
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (!box.ok() || box->size() < kOverhead) return Status::Malformed("sealed TOTP secret");
  const std::string ad = AdditionalData(user_id, key_id);
  const auto* nonce = reinterpret_cast<const unsigned char*>(box->data());
  std::string secret(box->size() - kOverhead, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(secret.data()), &written, nullptr,
          nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          box->size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce,
          reinterpret_cast<const unsigned char*>(key->key.data())) != 0) {
    return Status::Malformed("sealed TOTP secret does not verify");
  }
  secret.resize(written);
  return secret;
}

}  // namespace internal
}  // namespace sessionkit
