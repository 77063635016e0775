// HS256 JWS: split, strict decode, header checks, MAC check against the key table.
#include "src/crypto/jws.h"

#include <simdjson.h>

#include "src/util/base64url.h"
#include "src/util/json_writer.h"

namespace sessionkit::internal {
namespace {

static_assert(kJwsPartPadding >= simdjson::SIMDJSON_PADDING);

constexpr std::size_t kEncodedMacSize = Base64UrlEncodedLength(kSha256Size);

// What VerifyJws needs from the protected header.
struct HeaderParams {
  bool alg_is_hs256 = false;
  bool has_crit = false;
  std::optional<std::string_view> kid;  // views into the parser; use before the next parse
  std::optional<std::string> typ;
};

Status ParseHeader(const char* json, std::size_t size, HeaderParams& out) {
  // One parser per thread: it keeps its buffers, so steady-state parsing allocates nothing.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object header;
  if (parser.parse(json, size, /*realloc_if_needed=*/false).get_object().get(header)) {
    return Status::Malformed("JWS header is not a JSON object");
  }
  bool seen_alg = false, seen_kid = false, seen_typ = false;
  for (const simdjson::dom::key_value_pair member : header) {
    const std::string_view name = member.key;
    if (name == "alg") {
      if (seen_alg) return Status::Malformed("JWS header repeats alg");
      seen_alg = true;
      std::string_view alg;
      out.alg_is_hs256 = !member.value.get_string().get(alg) && alg == "HS256";
    } else if (name == "kid") {
      if (seen_kid) return Status::Malformed("JWS header repeats kid");
      seen_kid = true;
      std::string_view kid;
      if (member.value.get_string().get(kid)) return Status::Malformed("JWS kid is not a string");
      out.kid = kid;
    } else if (name == "typ") {
      if (seen_typ) return Status::Malformed("JWS header repeats typ");
      seen_typ = true;
      std::string_view typ;
      if (member.value.get_string().get(typ)) return Status::Malformed("JWS typ is not a string");
      out.typ.emplace(typ);
    } else if (name == "crit") {
      out.has_crit = true;
    }
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeHs256Header(std::string_view kid) {
  std::string json;
  JsonWriter w(json);
  w.BeginObject().Key("alg").String("HS256").Key("typ").String("JWT");
  if (!kid.empty()) w.Key("kid").String(kid);
  w.EndObject();
  return Base64UrlEncode(json);
}

std::string SignJws(std::string_view encoded_header, std::string_view payload_json,
                    const HmacSha256Key& key) {
  std::string token;
  token.reserve(encoded_header.size() + 1 + Base64UrlEncodedLength(payload_json.size()) + 1 +
                kEncodedMacSize);
  token.append(encoded_header);
  token += '.';
  AppendBase64Url(token, payload_json);
  const Sha256Digest mac = key.Mac(token);
  token += '.';
  AppendBase64Url(token, AsBytes(mac));
  return token;
}

Status VerifyJws(std::string_view token, std::span<const JwsKey> keys, std::string& scratch,
                 VerifiedJws& out) {
  if (token.size() > kMaxJwsBytes) return Status::Malformed("token too long");
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Status::Malformed("token is not a JWS");
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Status::Malformed("token is not a JWS");
  }
  const std::string_view signing_input = token.substr(0, dot2);
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view mac_b64 = token.substr(dot2 + 1);

  // Decode header and payload side by side into the scratch buffer, each padded.
  const std::optional<std::size_t> header_size = Base64UrlDecodedLength(header_b64.size());
  const std::optional<std::size_t> payload_size = Base64UrlDecodedLength(payload_b64.size());
  if (!header_size || !payload_size) return Status::Malformed("bad base64url in token");
  const std::size_t payload_at = *header_size + kJwsPartPadding;
  scratch.resize(payload_at + *payload_size + kJwsPartPadding);
  char* const base = scratch.data();
  if (!Base64UrlDecodeInto(header_b64, base) ||
      !Base64UrlDecodeInto(payload_b64, base + payload_at)) {
    return Status::Malformed("bad base64url in token");
  }
  // All syntax (Malformed) before any judgement (Unauthenticated).
  char mac[kSha256Size];
  const bool mac_size_ok = mac_b64.size() == kEncodedMacSize;
  if (mac_size_ok ? !Base64UrlDecodeInto(mac_b64, mac) : !Base64UrlDecode(mac_b64).ok()) {
    return Status::Malformed("bad base64url in token");
  }
  HeaderParams header;
  if (Status s = ParseHeader(base, *header_size, header); !s.ok()) return s;

  if (!header.alg_is_hs256) return Status::Unauthenticated("token alg is not HS256");
  if (header.has_crit) return Status::Unauthenticated("token has unsupported crit header");
  if (!mac_size_ok) return Status::Unauthenticated("bad token signature");
  const std::string_view presented_mac(mac, kSha256Size);

  bool verified = false;
  std::size_t key_index = 0;
  if (header.kid) {
    for (; key_index < keys.size(); ++key_index) {
      if (!keys[key_index].kid.empty() && keys[key_index].kid == *header.kid) break;
    }
    if (key_index == keys.size()) return Status::Unauthenticated("token kid is unknown");
    verified = keys[key_index].key.Verify(signing_input, presented_mac);
  } else {
    for (; key_index < keys.size(); ++key_index) {
      if (keys[key_index].key.Verify(signing_input, presented_mac)) {
        verified = true;
        break;
      }
    }
  }
  if (!verified) return Status::Unauthenticated("bad token signature");

  out.header_json = std::string_view(base, *header_size);
  out.payload_json = std::string_view(base + payload_at, *payload_size);
  out.typ = std::move(header.typ);
  out.key_index = key_index;
  return Status::Ok();
}

}  // namespace sessionkit::internal
