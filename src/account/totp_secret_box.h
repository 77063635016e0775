// Sealing TOTP secrets at rest (see sessionkit/two_factor.h for the format and the keys).
//
//   sealed = base64url(nonce[24] || XChaCha20-Poly1305-IETF(secret, ad))
//   ad     = "sessionkit totp v1" || 0 || user_id || 0 || key_id
//
// A random 192-bit nonce per seal (XChaCha's nonce is large enough to draw at random).
// Errors: Seal -> Unavailable if the CSPRNG fails; Open -> NotFound when no configured key
// has the id (a key was removed too early: the log should say which id), Malformed when
// the text is not base64url or the tag does not verify (tampered, moved to another user,
// wrong key). Messages never contain a secret or a key.
// Thread safety: immutable after construction; the key bytes are wiped on destruction.
#ifndef SESSIONKIT_SRC_ACCOUNT_TOTP_SECRET_BOX_H_
#define SESSIONKIT_SRC_ACCOUNT_TOTP_SECRET_BOX_H_

#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/result.h"
#include "sessionkit/two_factor.h"

namespace sessionkit::internal {

struct SealedSecret {
  std::string key_id;
  std::string sealed;
};

class TotpSecretBox {
 public:
  // `keys` non-empty, ids valid and distinct, keys 32 bytes (else InvalidArgument).
  static Result<TotpSecretBox> Make(std::vector<TotpEncryptionKey> keys);

  TotpSecretBox(TotpSecretBox&&) = default;
  TotpSecretBox& operator=(TotpSecretBox&&) = default;
  ~TotpSecretBox();

  // Sealed under the first key.
  Result<SealedSecret> Seal(std::string_view user_id, std::string_view secret) const;
  Result<std::string> Open(std::string_view user_id, std::string_view key_id,
                           std::string_view sealed) const;

  const std::string& sealing_key_id() const noexcept { return keys_.front().id; }

 private:
  explicit TotpSecretBox(std::vector<TotpEncryptionKey> keys) : keys_(std::move(keys)) {}
  std::vector<TotpEncryptionKey> keys_;
};

// True iff `id` is 1..32 of [A-Za-z0-9_.-].
bool IsValidTotpKeyId(std::string_view id) noexcept;

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_ACCOUNT_TOTP_SECRET_BOX_H_
