// Fuzz target: JwtCodec::Verify (include/sessionkit/jwt.h).
//
// Input: the first byte picks the mode, the rest is the material.
//   'P'  header JSON, a newline, payload JSON: the target encodes both and signs them
//        with the codec's secret, so the fuzzer reaches the header and claim checks past
//        the signature (a mutated token almost never carries a valid MAC).
//   else the rest is a token, verified as it is (base64url, segments, signature).
// The codec verifies at a fixed instant (ManualClock, 2025-01-20T10:00:00Z) with the
// key the seeds were signed with (fuzz/corpus/jwt_verify/, docs/fuzzing.md).
//
// Property beyond "no crash": a verified token's claims, signed again, verify to the
// same claims (what Verify accepts, Sign can say), unless the re-signed token is over
// the length limit (it writes every claim, absent ones included, and escapes DEL).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "sessionkit/clock.h"
#include "sessionkit/jwt.h"
#include "src/crypto/hmac.h"
#include "src/crypto/jws.h"
#include "src/util/base64url.h"

namespace {

using namespace sessionkit;

constexpr std::string_view kSecret = "fuzz-secret-0123456789abcdef0123456789";


const JwtCodec& Codec() {
  static const ManualClock* clock = new ManualClock();
  static const JwtCodec* codec = [] {
    JwtOptions options;
    options.secret = std::string(kSecret);
    options.clock = clock;
    Result<JwtCodec> c = JwtCodec::Create(std::move(options));
    FUZZ_CHECK(c.ok());
    return new JwtCodec(std::move(*c));
  }();
  return *codec;
}

bool SameClaims(const AccessClaims& a, const AccessClaims& b) {
  return a.user_id == b.user_id && a.user_id_is_number == b.user_id_is_number &&
         a.session_id == b.session_id && a.device_id == b.device_id && a.last_ip == b.last_ip &&
         a.username == b.username && a.email == b.email && a.role == b.role &&
         a.is_premium == b.is_premium && a.is_verified == b.is_verified &&
         a.issuer == b.issuer && a.issued_at == b.issued_at && a.expires_at == b.expires_at;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const JwtCodec& codec = Codec();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string token;
  if (!input.empty() && input.front() == 'P') {
    input.remove_prefix(1);
    const std::size_t newline = input.find('\n');
    if (newline == std::string_view::npos) return 0;
    static const internal::HmacSha256Key* key = new internal::HmacSha256Key(kSecret);
    token = internal::SignJws(internal::Base64UrlEncode(input.substr(0, newline)),
                              input.substr(newline + 1), *key);
  } else {
    if (!input.empty()) input.remove_prefix(1);
    token.assign(input);
  }
  Result<AccessClaims> claims = codec.Verify(token);
  if (!claims.ok()) return 0;
  // Sign writes every claim (absent ones as defaults) and escapes more than a peer may
  // (DEL as \u007f): a re-signed token over the length limit is not compared.
  const std::string resigned = codec.Sign(*claims);
  if (resigned.size() > internal::kMaxJwsBytes) return 0;
  Result<AccessClaims> again = codec.Verify(resigned);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SameClaims(*claims, *again));
  return 0;
}
