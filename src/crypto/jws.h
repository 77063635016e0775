// JWS compact serialization (RFC 7515 §3.1, §7.1) restricted to HS256: the signature
// layer under the JWT codec (src/core/jwt.cc checks the claims).
//
// VerifyJws accepts exactly `b64url(header) "." b64url(payload) "." b64url(mac)` with
// strict base64url (no padding), at most kMaxJwsBytes in all, a header that is a JSON
// object whose `alg` is exactly "HS256", no `crit` (no extension is understood), and a
// MAC that matches one local key in constant time. A header `kid` selects the key with
// that id and an unknown kid is rejected; without kid every key is tried. `jku`, `x5u`
// and other parameters are ignored: keys only ever come from the local table.
//
// Errors (messages never contain the token or a key):
//   Malformed        not three segments, too long, bad base64url, header not a JSON
//                    object, a duplicated or ill-typed (`kid`, `typ`) header parameter;
//   Unauthenticated  alg other than HS256, `crit` present, unknown kid, bad signature.
//
// Thread-safe: keys are immutable; the caller supplies the scratch buffer.
#ifndef SESSIONKIT_CRYPTO_JWS_H_
#define SESSIONKIT_CRYPTO_JWS_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sessionkit/status.h"
#include "src/crypto/hmac.h"

namespace sessionkit::internal {

// Longest token VerifyJws looks at; longer ones are Malformed before any decoding.
inline constexpr std::size_t kMaxJwsBytes = 8192;

// Each decoded part in the scratch buffer is followed by this many readable bytes, so
// a JSON parser that needs padding (simdjson: 64) can read it in place.
inline constexpr std::size_t kJwsPartPadding = 64;

struct JwsKey {
  std::string kid;  // empty: the key is only tried for tokens without kid
  HmacSha256Key key;
};

struct VerifiedJws {
  std::string_view header_json;   // decoded protected header (into the scratch buffer)
  std::string_view payload_json;  // decoded payload (into the scratch buffer)
  std::optional<std::string> typ; // the header's `typ`, when present
  std::size_t key_index = 0;      // index in `keys` of the key that verified the MAC
};

// The encoded protected header {"alg":"HS256","typ":"JWT"}, plus "kid" when non-empty.
std::string EncodeHs256Header(std::string_view kid);

// `encoded_header` "." b64url(payload_json) "." b64url(HMAC-SHA256 of the first two).
std::string SignJws(std::string_view encoded_header, std::string_view payload_json,
                    const HmacSha256Key& key);

// Verifies `token` against `keys` (see the header comment). On success fills `out`,
// whose views point into `scratch` and stay valid until `scratch` is next modified.
Status VerifyJws(std::string_view token, std::span<const JwsKey> keys, std::string& scratch,
                 VerifiedJws& out);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_CRYPTO_JWS_H_
