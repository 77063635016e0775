// JwtCodec: the claims layer of HS256 access tokens (API.md §4, include/sessionkit/jwt.h)
// over the signature layer in src/crypto/jws.h.
//
// Why this file is in core and not in crypto: the claims are session claims. A token's
// session_id must pass IsWellFormedSessionId, which is core's (src/core/session_id.cc),
// and core depends on crypto, not the other way round. Keeping the JWS layer in crypto
// (bytes, base64url, alg, MAC) and the claims here keeps one definition of the id format
// and no dependency cycle.
//
// Verify order: JWS (Malformed / Unauthenticated) -> typ -> claim types (Malformed) ->
// exp present (Malformed) -> exp (Expired) -> iat, nbf (Unauthenticated) -> iss ->
// user_id, session_id present (Malformed) -> sub (Unauthenticated) -> session_id format
// (Malformed). The time checks come before the presence of application claims so that
// an expired foreign token (RFC 7515 A.1) reads as Expired.
#include "sessionkit/jwt.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "sessionkit/session.h"
#include "src/crypto/hex.h"
#include "src/crypto/hmac.h"
#include "src/crypto/jws.h"
#include "src/crypto/sha256.h"
#include "src/util/json_writer.h"

namespace sessionkit {
namespace {

using internal::JwsKey;

constexpr std::chrono::seconds kMaxLeeway{60};
constexpr std::string_view kKidDomain = "sessionkit-kid:";
constexpr std::size_t kKidHexChars = 16;

// Per-thread parser and decode buffer: after warm-up a Verify allocates only the
// strings of the returned claims.
struct ThreadState {
  simdjson::dom::parser parser;
  std::string scratch;
};

ThreadState& LocalState() {
  thread_local ThreadState state;
  return state;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// What Verify reads from the payload, before the semantic checks.
struct ParsedClaims {
  AccessClaims claims;
  bool has_user_id = false;
  bool has_session_id = false;
  bool has_sub = false;
  bool has_iss = false;
  bool has_exp = false;
  std::optional<std::int64_t> iat;
  std::optional<std::int64_t> nbf;
};

// A NumericDate (RFC 7519 §2): integer or fractional seconds, floored, saturated to int64.
Status ReadNumericDate(simdjson::dom::element v, std::string_view name, std::int64_t& out) {
  std::int64_t i;
  std::uint64_t u;
  double d;
  if (!v.get_int64().get(i)) {
    out = i;
  } else if (!v.get_uint64().get(u)) {
    out = std::numeric_limits<std::int64_t>::max();
  } else if (!v.get_double().get(d)) {
    d = std::floor(d);
    if (d >= 9.2e18) {
      out = std::numeric_limits<std::int64_t>::max();
    } else if (d <= -9.2e18) {
      out = std::numeric_limits<std::int64_t>::min();
    } else {
      out = static_cast<std::int64_t>(d);
    }
  } else {
    return Status::Malformed(std::string("token claim ") + std::string(name) +
                             " is not a number");
  }
  return Status::Ok();
}

Status ReadString(simdjson::dom::element v, std::string_view name, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s)) {
    return Status::Malformed(std::string("token claim ") + std::string(name) +
                             " is not a string");
  }
  out.assign(s);
  return Status::Ok();
}

// Optional profile claims also accept null (= absent), as Go's *string fields write.
Status ReadOptionalString(simdjson::dom::element v, std::string_view name, std::string& out) {
  if (v.is_null()) return Status::Ok();
  return ReadString(v, name, out);
}

Status ReadOptionalBool(simdjson::dom::element v, std::string_view name, bool& out) {
  if (v.is_null()) return Status::Ok();
  if (v.get_bool().get(out)) {
    return Status::Malformed(std::string("token claim ") + std::string(name) +
                             " is not a boolean");
  }
  return Status::Ok();
}

// user_id: a non-empty string, or an integer kept as its decimal digits.
Status ReadUserId(simdjson::dom::element v, AccessClaims& c) {
  std::int64_t i;
  std::uint64_t u;
  if (v.is_string()) {
    if (Status s = ReadString(v, "user_id", c.user_id); !s.ok()) return s;
    if (c.user_id.empty()) return Status::Malformed("token claim user_id is empty");
    c.user_id_is_number = false;
  } else if (!v.get_int64().get(i)) {
    c.user_id = std::to_string(i);
    c.user_id_is_number = true;
  } else if (!v.get_uint64().get(u)) {
    c.user_id = std::to_string(u);
    c.user_id_is_number = true;
  } else {
    return Status::Malformed("token claim user_id is not a string or an integer");
  }
  return Status::Ok();
}

enum ClaimBit : std::uint32_t {
  kUserId = 1u << 0, kSessionId = 1u << 1, kDeviceId = 1u << 2, kLastIp = 1u << 3,
  kUsername = 1u << 4, kEmail = 1u << 5, kRole = 1u << 6, kIsPremium = 1u << 7,
  kIsVerified = 1u << 8, kIss = 1u << 9, kSub = 1u << 10, kIat = 1u << 11, kExp = 1u << 12,
  kNbf = 1u << 13,
};

// Reads one known claim; unknown names are ignored.
Status ReadClaim(std::string_view name, simdjson::dom::element v, std::uint32_t& seen,
                 ParsedClaims& p) {
  AccessClaims& c = p.claims;
  auto mark = [&seen](std::uint32_t bit) {
    const bool repeated = (seen & bit) != 0;
    seen |= bit;
    return repeated;
  };
  auto repeated = [&name] {
    return Status::Malformed("token repeats claim " + std::string(name));
  };
  std::int64_t t = 0;
  if (name == "user_id") {
    if (mark(kUserId)) return repeated();
    p.has_user_id = true;
    return ReadUserId(v, c);
  }
  if (name == "session_id") {
    if (mark(kSessionId)) return repeated();
    p.has_session_id = true;
    return ReadString(v, name, c.session_id);
  }
  if (name == "device_id") return mark(kDeviceId) ? repeated() : ReadOptionalString(v, name, c.device_id);
  if (name == "last_ip") return mark(kLastIp) ? repeated() : ReadOptionalString(v, name, c.last_ip);
  if (name == "username") return mark(kUsername) ? repeated() : ReadOptionalString(v, name, c.username);
  if (name == "email") return mark(kEmail) ? repeated() : ReadOptionalString(v, name, c.email);
  if (name == "role") return mark(kRole) ? repeated() : ReadOptionalString(v, name, c.role);
  if (name == "is_premium") return mark(kIsPremium) ? repeated() : ReadOptionalBool(v, name, c.is_premium);
  if (name == "is_verified") return mark(kIsVerified) ? repeated() : ReadOptionalBool(v, name, c.is_verified);
  if (name == "iss") {
    if (mark(kIss)) return repeated();
    p.has_iss = true;
    return ReadString(v, name, c.issuer);
  }
  if (name == "sub") {
    if (mark(kSub)) return repeated();
    p.has_sub = true;
    return ReadString(v, name, c.subject);
  }
  if (name == "exp") {
    if (mark(kExp)) return repeated();
    p.has_exp = true;
    return ReadNumericDate(v, name, c.expires_at);
  }
  if (name == "iat") {
    if (mark(kIat)) return repeated();
    if (Status s = ReadNumericDate(v, name, t); !s.ok()) return s;
    p.iat = t;
    c.issued_at = t;
    return Status::Ok();
  }
  if (name == "nbf") {
    if (mark(kNbf)) return repeated();
    if (Status s = ReadNumericDate(v, name, t); !s.ok()) return s;
    p.nbf = t;
    return Status::Ok();
  }
  return Status::Ok();
}

// `json` must be followed by internal::kJwsPartPadding readable bytes.
Status ParseClaims(simdjson::dom::parser& parser, std::string_view json, ParsedClaims& out) {
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size(), /*realloc_if_needed=*/false)
          .get_object()
          .get(object)) {
    return Status::Malformed("token payload is not a JSON object");
  }
  std::uint32_t seen = 0;
  for (const simdjson::dom::key_value_pair member : object) {
    if (Status s = ReadClaim(member.key, member.value, seen, out); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

std::string KeyIdFor(std::string_view secret) {
  std::string input;
  input.reserve(kKidDomain.size() + secret.size());
  input.append(kKidDomain).append(secret);
  const internal::Sha256Digest digest = internal::Sha256(input);
  return internal::HexLower(internal::AsBytes(digest).substr(0, kKidHexChars / 2));
}

struct JwtCodec::Impl {
  std::vector<JwsKey> keys;    // keys[0] signs; all verify
  std::string encoded_header;  // base64url of the signing header, computed once
  std::chrono::seconds leeway{0};
  std::vector<std::string> accepted_issuers;
  const Clock* clock = nullptr;
};

JwtCodec::JwtCodec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JwtCodec::JwtCodec(JwtCodec&&) noexcept = default;
JwtCodec& JwtCodec::operator=(JwtCodec&&) noexcept = default;
JwtCodec::~JwtCodec() = default;

Result<JwtCodec> JwtCodec::Create(JwtOptions options) {
  if (options.secret.empty()) return Status::InvalidArgument("JWT secret must not be empty");
  for (const std::string& previous : options.previous_secrets) {
    if (previous.empty()) return Status::InvalidArgument("JWT previous secret must not be empty");
  }
  if (options.leeway < std::chrono::seconds(0) || options.leeway > kMaxLeeway) {
    return Status::InvalidArgument("JWT leeway must be within 0..60 seconds");
  }
  auto impl = std::make_unique<Impl>();
  // Every key has a kid, so a token carrying the kid of a key we hold verifies even when
  // this codec signs without one; signed headers carry a kid only when rotating.
  impl->keys.reserve(1 + options.previous_secrets.size());
  impl->keys.push_back(JwsKey{KeyIdFor(options.secret), internal::HmacSha256Key(options.secret)});
  for (const std::string& previous : options.previous_secrets) {
    impl->keys.push_back(JwsKey{KeyIdFor(previous), internal::HmacSha256Key(previous)});
  }
  impl->encoded_header = internal::EncodeHs256Header(
      options.previous_secrets.empty() ? std::string_view() : impl->keys[0].kid);
  impl->leeway = options.leeway;
  impl->accepted_issuers = std::move(options.accepted_issuers);
  impl->clock = options.clock;
  return JwtCodec(std::move(impl));
}

std::string JwtCodec::Sign(const AccessClaims& c) const {
  std::string payload;
  payload.reserve(256 + c.user_id.size() + c.username.size() + c.email.size());
  internal::JsonWriter w(payload);
  w.BeginObject();
  // A user_id flagged as a number is written as one only if it is a valid JSON integer;
  // anything else is written as a string rather than producing invalid JSON.
  w.Key("user_id");
  internal::WriteUserId(w, c.user_id, c.user_id_is_number);
  w.Key("session_id").String(c.session_id);
  w.Key("device_id").String(c.device_id);
  w.Key("last_ip").String(c.last_ip);
  w.Key("username").String(c.username);
  w.Key("email").String(c.email);
  w.Key("role").String(c.role);
  w.Key("is_premium").Bool(c.is_premium);
  w.Key("is_verified").Bool(c.is_verified);
  if (!c.issuer.empty()) w.Key("iss").String(c.issuer);
  w.Key("sub").String(c.subject.empty() ? c.user_id : c.subject);
  w.Key("iat").Int(c.issued_at);
  w.Key("exp").Int(c.expires_at);
  if (!c.amr.empty()) {
    w.Key("amr").BeginArray();
    for (const std::string& method : c.amr) w.String(method);
    w.EndArray();
  }
  w.EndObject();
  return internal::SignJws(impl_->encoded_header, payload, impl_->keys[0].key);
}

Result<AccessClaims> JwtCodec::Verify(std::string_view token) const {
  ThreadState& state = LocalState();
  internal::VerifiedJws jws;
  if (Status s = internal::VerifyJws(token, impl_->keys, state.scratch, jws); !s.ok()) return s;
  if (jws.typ && !EqualsIgnoreAsciiCase(*jws.typ, "JWT")) {
    return Status::Unauthenticated("token typ is not JWT");
  }

  ParsedClaims p;
  if (Status s = ParseClaims(state.parser, jws.payload_json, p); !s.ok()) return s;
  AccessClaims& c = p.claims;

  const std::int64_t now = std::chrono::floor<std::chrono::seconds>(
                               ClockOrSystem(impl_->clock).Now().time_since_epoch())
                               .count();
  const std::int64_t leeway = impl_->leeway.count();
  // Same inequalities as PyJWT and golang-jwt: expired when exp <= now - leeway,
  // premature when iat/nbf > now + leeway (exact for integer claims and a floored now).
  if (!p.has_exp) return Status::Malformed("token has no exp claim");
  if (c.expires_at <= now - leeway) return Status::Expired("token expired");
  if (p.iat && *p.iat > now + leeway) return Status::Unauthenticated("token iat is in the future");
  if (p.nbf && *p.nbf > now + leeway) return Status::Unauthenticated("token is not valid yet");

  if (!impl_->accepted_issuers.empty()) {
    const bool accepted = p.has_iss && std::find(impl_->accepted_issuers.begin(),
                                                 impl_->accepted_issuers.end(),
                                                 c.issuer) != impl_->accepted_issuers.end();
    if (!accepted) return Status::Unauthenticated("token issuer is not accepted");
  }
  if (!p.has_user_id) return Status::Malformed("token has no user_id claim");
  if (!p.has_session_id) return Status::Malformed("token has no session_id claim");
  if (p.has_sub && c.subject != c.user_id) {
    return Status::Unauthenticated("token sub does not match user_id");
  }
  if (!IsWellFormedSessionId(c.session_id)) {
    return Status::Malformed("token session_id is malformed");
  }
  return std::move(c);
}

}  // namespace sessionkit
