#include "server/handlers/logged_identifier.h"

#include "src/crypto/hex.h"
#include "src/crypto/sha256.h"

namespace sessionkit::server {
namespace {

constexpr std::string_view kDerivationLabel = "sessionkit log identifier v1";
constexpr std::size_t kMarkBytes = 6;  // 12 hex digits: enough to group lines

internal::HmacSha256Key DeriveKey(std::string_view jwt_secret) {
  internal::Sha256Digest k = internal::HmacSha256Key(jwt_secret).Mac(kDerivationLabel);
  return internal::HmacSha256Key(internal::AsBytes(k));
}

}  // namespace

LogIdentifierKey::LogIdentifierKey(std::string_view jwt_secret) : key_(DeriveKey(jwt_secret)) {}

std::string LogIdentifierKey::Mark(std::string_view identifier) const {
  std::string lowered(identifier);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  internal::Sha256Digest mac = key_.Mac(lowered);
  std::string out = "id#";
  internal::AppendHexLower(out, internal::AsBytes(mac).substr(0, kMarkBytes));
  return out;
}

std::string LoggedIdentifier(const LogIdentifierKey* key, std::string_view identifier) {
  return key != nullptr ? key->Mark(identifier) : std::string("id#redacted");
}

}  // namespace sessionkit::server
