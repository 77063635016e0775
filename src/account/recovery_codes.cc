#include "src/account/recovery_codes.h"

#include "src/crypto/hex.h"
#include "src/crypto/hmac.h"
#include "src/crypto/random.h"

namespace sessionkit::internal {
namespace {

constexpr std::size_t kCodeChars = 10;
constexpr std::string_view kRecoveryKeyLabel = "sessionkit recovery code v1";

}  // namespace

Result<std::vector<std::string>> GenerateRecoveryCodes() {
  std::vector<std::string> codes;
  codes.reserve(kRecoveryCodeCount);
  // Rejection sampling: bytes >= 248 (8 * 31) are drawn again, so every character is
  // equally likely.
  constexpr unsigned kAccept = 256 - 256 % kRecoveryAlphabet.size();
  while (codes.size() < kRecoveryCodeCount) {
    std::string code;
    while (code.size() < kCodeChars + 1) {
      Result<std::string> bytes = RandomBytes(32);
      if (!bytes.ok()) return bytes.status();
      for (unsigned char b : *bytes) {
        if (b >= kAccept) continue;
        if (code.size() == 5) code.push_back('-');
        code.push_back(kRecoveryAlphabet[b % kRecoveryAlphabet.size()]);
        if (code.size() == kCodeChars + 1) break;
      }
    }
    codes.push_back(std::move(code));
  }
  return codes;
}

std::optional<std::string> NormalizeRecoveryCode(std::string_view typed) {
  if (typed.size() > 64) return std::nullopt;
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (kRecoveryAlphabet.find(c) == std::string_view::npos) return std::nullopt;
    out.push_back(c);
  }
  if (out.size() != kCodeChars) return std::nullopt;
  return out;
}

std::string RecoveryCodeHash(std::string_view totp_secret, std::string_view user_id,
                             std::string_view normalized) {
  const Sha256Digest key = HmacSha256Key(totp_secret).Mac(kRecoveryKeyLabel);
  std::string message(user_id);
  message.push_back('\0');
  message.append(normalized);
  return HexLower(AsBytes(HmacSha256Key(AsBytes(key)).Mac(message)));
}

}  // namespace sessionkit::internal
