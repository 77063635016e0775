// Crypto hot paths: session id generation, HMAC-SHA256 with a prepared key, JWT sign and
// verify. The HMAC benchmarks compare sessionkit's midstate copy (src/crypto/hmac.h)
// with the OpenSSL 3 alternatives a prepared key could use instead:
//   EvpMacCtxDup     an EVP_MAC HMAC context keyed once, duplicated per call (shareable);
//   EvpMacReinit     a keyed EVP_MAC context re-initialised per call (one per thread);
//   EvpMdCtxCopy     ipad/opad EVP_MD_CTX states copied per call;
//   OneShot          HMAC() re-keying on every call (no preparation at all).
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <cstdlib>
#include <string>

#include "sessionkit/clock.h"
#include "sessionkit/jwt.h"
#include "sessionkit/session.h"
#include "src/crypto/hmac.h"

namespace {

using namespace sessionkit;

const std::string kKey = "bench-secret-0123456789abcdef-0123456789";
const std::string kMessage(300, 'm');  // about a JWT's signing input

void Check(bool ok) {
  if (!ok) std::abort();
}

void BM_NewSessionId(benchmark::State& state) {
  for (auto _ : state) {
    Result<std::string> id = NewSessionId();
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_NewSessionId);

void BM_Hmac300_PreparedMidstate(benchmark::State& state) {
  const internal::HmacSha256Key key(kKey);
  for (auto _ : state) {
    internal::Sha256Digest mac = key.Mac(kMessage);
    benchmark::DoNotOptimize(mac);
  }
}
BENCHMARK(BM_Hmac300_PreparedMidstate);

EVP_MAC_CTX* NewKeyedMacCtx(EVP_MAC* mac) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  Check(EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(kKey.data()), kKey.size(),
                     params) == 1);
  return ctx;
}

void BM_Hmac300_EvpMacCtxDup(benchmark::State& state) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* keyed = NewKeyedMacCtx(mac);
  unsigned char out[32];
  for (auto _ : state) {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed);
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(kMessage.data()), kMessage.size());
    std::size_t len = 0;
    EVP_MAC_final(ctx, out, &len, sizeof(out));
    EVP_MAC_CTX_free(ctx);
    benchmark::DoNotOptimize(out);
  }
  EVP_MAC_CTX_free(keyed);
  EVP_MAC_free(mac);
}
BENCHMARK(BM_Hmac300_EvpMacCtxDup);

void BM_Hmac300_EvpMacReinit(benchmark::State& state) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = NewKeyedMacCtx(mac);
  unsigned char out[32];
  for (auto _ : state) {
    EVP_MAC_init(ctx, nullptr, 0, nullptr);  // same key, fresh state
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(kMessage.data()), kMessage.size());
    std::size_t len = 0;
    EVP_MAC_final(ctx, out, &len, sizeof(out));
    benchmark::DoNotOptimize(out);
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
}
BENCHMARK(BM_Hmac300_EvpMacReinit);

void BM_Hmac300_EvpMdCtxCopy(benchmark::State& state) {
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char ipad[64] = {}, opad[64] = {};
  for (std::size_t i = 0; i < 64; ++i) {
    const unsigned char k = i < kKey.size() ? static_cast<unsigned char>(kKey[i]) : 0;
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  }
  EVP_MD_CTX* inner = EVP_MD_CTX_new();
  EVP_MD_CTX* outer = EVP_MD_CTX_new();
  EVP_MD_CTX* work = EVP_MD_CTX_new();
  Check(EVP_DigestInit_ex(inner, sha256, nullptr) == 1 && EVP_DigestUpdate(inner, ipad, 64) == 1);
  Check(EVP_DigestInit_ex(outer, sha256, nullptr) == 1 && EVP_DigestUpdate(outer, opad, 64) == 1);
  unsigned char inner_hash[32], out[32];
  for (auto _ : state) {
    EVP_MD_CTX_copy_ex(work, inner);
    EVP_DigestUpdate(work, kMessage.data(), kMessage.size());
    EVP_DigestFinal_ex(work, inner_hash, nullptr);
    EVP_MD_CTX_copy_ex(work, outer);
    EVP_DigestUpdate(work, inner_hash, sizeof(inner_hash));
    EVP_DigestFinal_ex(work, out, nullptr);
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(work);
  EVP_MD_CTX_free(outer);
  EVP_MD_CTX_free(inner);
  EVP_MD_free(sha256);
}
BENCHMARK(BM_Hmac300_EvpMdCtxCopy);

void BM_Hmac300_OneShot(benchmark::State& state) {
  unsigned char out[EVP_MAX_MD_SIZE];
  for (auto _ : state) {
    unsigned int len = 0;
    HMAC(EVP_sha256(), kKey.data(), static_cast<int>(kKey.size()),
         reinterpret_cast<const unsigned char*>(kMessage.data()), kMessage.size(), out, &len);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Hmac300_OneShot);

AccessClaims SampleClaims(const Clock& clock) {
  AccessClaims c;
  c.user_id = "0b6f8c1e-5a0f-4a43-9d8e-2f1f1c6f9a10";
  c.session_id = "sess_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  c.device_id = "fp_45a74136d98d";
  c.last_ip = "203.0.113.7";
  c.username = "alice";
  c.email = "alice@example.com";
  c.role = "user";
  c.is_premium = true;
  c.is_verified = true;
  c.issuer = "sessionkit";
  c.issued_at = std::chrono::duration_cast<std::chrono::seconds>(
                    clock.Now().time_since_epoch()).count();
  c.expires_at = c.issued_at + 48 * 3600;
  return c;
}

JwtCodec MakeCodec(const Clock* clock, std::vector<std::string> previous = {}) {
  Result<JwtCodec> codec = JwtCodec::Create(
      JwtOptions{.secret = kKey, .previous_secrets = std::move(previous), .clock = clock});
  Check(codec.ok());
  return std::move(codec).value();
}

void BM_JwtSign(benchmark::State& state) {
  const ManualClock clock;
  const JwtCodec codec = MakeCodec(&clock);
  const AccessClaims claims = SampleClaims(clock);
  for (auto _ : state) {
    std::string token = codec.Sign(claims);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(BM_JwtSign);

void BM_JwtVerify(benchmark::State& state) {
  const ManualClock clock;
  const JwtCodec codec = MakeCodec(&clock);
  const std::string token = codec.Sign(SampleClaims(clock));
  state.counters["token_bytes"] = static_cast<double>(token.size());
  for (auto _ : state) {
    Result<AccessClaims> claims = codec.Verify(token);
    Check(claims.ok());
    benchmark::DoNotOptimize(claims);
  }
}
BENCHMARK(BM_JwtVerify);

// A token of the previous secret without kid: every key is tried (two MACs).
void BM_JwtVerify_PreviousKeyNoKid(benchmark::State& state) {
  const ManualClock clock;
  const JwtCodec old_codec = MakeCodec(&clock);
  Result<JwtCodec> rotated = JwtCodec::Create(JwtOptions{
      .secret = kKey + "-new", .previous_secrets = {kKey}, .clock = &clock});
  Check(rotated.ok());
  const std::string token = old_codec.Sign(SampleClaims(clock));
  for (auto _ : state) {
    Result<AccessClaims> claims = rotated->Verify(token);
    Check(claims.ok());
    benchmark::DoNotOptimize(claims);
  }
}
BENCHMARK(BM_JwtVerify_PreviousKeyNoKid);

void BM_JwtVerify_BadSignature(benchmark::State& state) {
  const ManualClock clock;
  const JwtCodec codec = MakeCodec(&clock);
  std::string token = codec.Sign(SampleClaims(clock));
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  for (auto _ : state) {
    Result<AccessClaims> claims = codec.Verify(token);
    Check(!claims.ok());
    benchmark::DoNotOptimize(claims);
  }
}
BENCHMARK(BM_JwtVerify_BadSignature);

}  // namespace

BENCHMARK_MAIN();
