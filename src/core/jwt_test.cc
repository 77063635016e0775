#include "sessionkit/jwt.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "src/crypto/hmac.h"
#include "src/util/base64url.h"

namespace sessionkit {
namespace {

using std::chrono::seconds;

constexpr std::string_view kSecret = "current-secret-0123456789abcdef-0123";
constexpr std::string_view kPrevious = "previous-secret-0123456789abcdef-012";
constexpr std::string_view kSessionId =
    "sess_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr std::int64_t kNow = 1737367200;  // ManualClock's default start

// A token over arbitrary header/payload JSON with a correct HS256 MAC under `secret`.
std::string Mint(std::string_view header_json, std::string_view payload_json,
                 std::string_view secret) {
  std::string token = internal::Base64UrlEncode(header_json);
  token += '.';
  internal::AppendBase64Url(token, payload_json);
  const internal::Sha256Digest mac = internal::HmacSha256Key(secret).Mac(token);
  token += '.';
  internal::AppendBase64Url(token, internal::AsBytes(mac));
  return token;
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

// Payload members as raw JSON values, in order; tests replace or drop members.
class Payload {
 public:
  Payload() {
    Set("user_id", R"("u-1")");
    Set("session_id", "\"" + std::string(kSessionId) + "\"");
    Set("iat", std::to_string(kNow));
    Set("exp", std::to_string(kNow + 3600));
  }
  Payload& Set(const std::string& name, const std::string& raw) {
    for (auto& [n, v] : members_) {
      if (n == name) {
        v = raw;
        return *this;
      }
    }
    members_.emplace_back(name, raw);
    return *this;
  }
  Payload& Erase(const std::string& name) {
    std::erase_if(members_, [&](const auto& m) { return m.first == name; });
    return *this;
  }
  std::string Json() const {
    std::string out = "{";
    for (const auto& [n, v] : members_) {
      if (out.size() > 1) out += ',';
      out += "\"" + n + "\":" + v;
    }
    return out + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

AccessClaims SampleClaims() {
  AccessClaims c;
  c.user_id = "0b6f8c1e-5a0f-4a43-9d8e-2f1f1c6f9a10";
  c.session_id = std::string(kSessionId);
  c.device_id = "fp_45a74136d98d";
  c.last_ip = "203.0.113.7";
  c.username = "alice";
  c.email = "alice@example.com";
  c.role = "admin";
  c.is_premium = true;
  c.is_verified = false;
  c.issuer = "sessionkit";
  c.issued_at = kNow;
  c.expires_at = kNow + 48 * 3600;
  return c;
}

std::string DecodePart(const std::string& token, int index) {
  std::size_t begin = 0;
  for (int i = 0; i < index; ++i) begin = token.find('.', begin) + 1;
  const std::size_t end = token.find('.', begin);
  Result<std::string> r = internal::Base64UrlDecode(token.substr(begin, end - begin));
  return r.ok() ? *r : "<bad base64url>";
}

class JwtTest : public ::testing::Test {
 protected:
  JwtCodec MakeCodec(JwtOptions options) {
    options.clock = &clock_;
    Result<JwtCodec> codec = JwtCodec::Create(std::move(options));
    EXPECT_TRUE(codec.ok()) << codec.status().ToString();
    return std::move(codec).value();
  }
  JwtCodec DefaultCodec() { return MakeCodec(JwtOptions{.secret = std::string(kSecret)}); }
  JwtCodec RotatingCodec() {
    return MakeCodec(JwtOptions{.secret = std::string(kSecret),
                                .previous_secrets = {std::string(kPrevious)}});
  }

  Code VerifyCode(const JwtCodec& codec, std::string_view token) {
    Result<AccessClaims> r = codec.Verify(token);
    if (!r.ok()) {
      // Whatever the failure, the message names neither the token nor a secret.
      EXPECT_EQ(r.status().message().find(kSecret), std::string::npos);
      EXPECT_EQ(r.status().message().find(kPrevious), std::string::npos);
      if (token.size() >= 8) {
        EXPECT_EQ(r.status().message().find(token.substr(0, 8)), std::string::npos);
      }
    }
    return r.status().code();
  }
  Code VerifyPayload(const Payload& p, std::string_view header = kHeader) {
    return VerifyCode(DefaultCodec(), Mint(header, p.Json(), kSecret));
  }

  ManualClock clock_;
};

// --- options and key ids -------------------------------------------------------------

TEST_F(JwtTest, CreateRejectsBadOptions) {
  EXPECT_EQ(JwtCodec::Create(JwtOptions{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(JwtCodec::Create(JwtOptions{.secret = "s", .leeway = seconds(-1)}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(JwtCodec::Create(JwtOptions{.secret = "s", .leeway = seconds(61)}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(JwtCodec::Create(JwtOptions{.secret = "s", .previous_secrets = {"old", ""}})
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(JwtCodec::Create(JwtOptions{.secret = "s", .leeway = seconds(60)}).ok());
  EXPECT_TRUE(JwtCodec::Create(JwtOptions{.secret = "s", .leeway = seconds(0)}).ok());
}

TEST(KeyIdForTest, IsSixteenHexOfDomainSeparatedHash) {
  // sha256("sessionkit-kid:" + 32 x 'a'), first 16 hex.
  EXPECT_EQ(KeyIdFor(std::string(32, 'a')), "19098d34abb523c9");
  EXPECT_NE(KeyIdFor("secret-1"), KeyIdFor("secret-2"));
  EXPECT_EQ(KeyIdFor("x").size(), 16u);
}

// --- sign / verify round trips ---------------------------------------------------------

TEST_F(JwtTest, SignThenVerifyRoundTripsEveryClaim) {
  const JwtCodec codec = DefaultCodec();
  const AccessClaims in = SampleClaims();
  const std::string token = codec.Sign(in);
  EXPECT_EQ(DecodePart(token, 0), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(DecodePart(token, 1),
            R"({"user_id":"0b6f8c1e-5a0f-4a43-9d8e-2f1f1c6f9a10",)"
            R"("session_id":")" + std::string(kSessionId) + R"(",)"
            R"("device_id":"fp_45a74136d98d","last_ip":"203.0.113.7","username":"alice",)"
            R"("email":"alice@example.com","role":"admin","is_premium":true,)"
            R"("is_verified":false,"iss":"sessionkit",)"
            R"("sub":"0b6f8c1e-5a0f-4a43-9d8e-2f1f1c6f9a10","iat":1737367200,"exp":1737540000})");

  Result<AccessClaims> out = codec.Verify(token);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->user_id, in.user_id);
  EXPECT_FALSE(out->user_id_is_number);
  EXPECT_EQ(out->session_id, in.session_id);
  EXPECT_EQ(out->device_id, in.device_id);
  EXPECT_EQ(out->last_ip, in.last_ip);
  EXPECT_EQ(out->username, in.username);
  EXPECT_EQ(out->email, in.email);
  EXPECT_EQ(out->role, in.role);
  EXPECT_TRUE(out->is_premium);
  EXPECT_FALSE(out->is_verified);
  EXPECT_EQ(out->issuer, "sessionkit");
  EXPECT_EQ(out->subject, in.user_id);
  EXPECT_EQ(out->issued_at, in.issued_at);
  EXPECT_EQ(out->expires_at, in.expires_at);
}

TEST_F(JwtTest, EscapesStringsAndOmitsEmptyIssuer) {
  const JwtCodec codec = DefaultCodec();
  AccessClaims in = SampleClaims();
  in.username = "a\"b\\c\n\x01";
  in.issuer.clear();
  const std::string token = codec.Sign(in);
  EXPECT_EQ(DecodePart(token, 1).find("\"iss\""), std::string::npos);
  Result<AccessClaims> out = codec.Verify(token);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->username, in.username);
  EXPECT_EQ(out->issuer, "");
}

TEST_F(JwtTest, NumericUserIdIsWrittenAndReadAsANumber) {
  const JwtCodec codec = DefaultCodec();
  AccessClaims in = SampleClaims();
  in.user_id = "42";
  in.user_id_is_number = true;
  const std::string token = codec.Sign(in);
  const std::string payload = DecodePart(token, 1);
  EXPECT_NE(payload.find(R"("user_id":42,)"), std::string::npos) << payload;
  EXPECT_NE(payload.find(R"("sub":"42")"), std::string::npos) << payload;
  Result<AccessClaims> out = codec.Verify(token);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->user_id, "42");
  EXPECT_TRUE(out->user_id_is_number);
  EXPECT_EQ(out->subject, "42");
}

TEST_F(JwtTest, UserIdFlaggedNumericButNotAnIntegerIsWrittenAsString) {
  const JwtCodec codec = DefaultCodec();
  AccessClaims in = SampleClaims();
  in.user_id = "42abc";
  in.user_id_is_number = true;
  Result<AccessClaims> out = codec.Verify(codec.Sign(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->user_id, "42abc");
  EXPECT_FALSE(out->user_id_is_number);
}

TEST_F(JwtTest, UserIdTypes) {
  Result<AccessClaims> big = DefaultCodec().Verify(Mint(
      kHeader, Payload().Set("user_id", "18446744073709551615").Json(), kSecret));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->user_id, "18446744073709551615");
  EXPECT_TRUE(big->user_id_is_number);
  Result<AccessClaims> negative =
      DefaultCodec().Verify(Mint(kHeader, Payload().Set("user_id", "-7").Json(), kSecret));
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(negative->user_id, "-7");

  for (const char* bad : {"4.2", "1e3", "true", "null", R"("")", "[1]", R"({"id":1})"}) {
    EXPECT_EQ(VerifyPayload(Payload().Set("user_id", bad)), Code::kMalformed) << bad;
  }
  EXPECT_EQ(VerifyPayload(Payload().Erase("user_id")), Code::kMalformed);
}

TEST_F(JwtTest, MovedCodecKeepsWorking) {
  JwtCodec codec = DefaultCodec();
  const std::string token = codec.Sign(SampleClaims());
  JwtCodec moved = std::move(codec);
  EXPECT_TRUE(moved.Verify(token).ok());
}

TEST_F(JwtTest, VerifiesConcurrentlyFromManyThreads) {
  const JwtCodec codec = DefaultCodec();
  const std::string good = codec.Sign(SampleClaims());
  const std::string bad = good.substr(0, good.size() - 4) + "AAAA";
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (!codec.Verify(good).ok()) ++failures[t];
        if (codec.Verify(bad).ok()) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// --- RFC 7515 A.1 through the claims layer -------------------------------------------

TEST_F(JwtTest, Rfc7515AppendixA1IsExpiredAtClaimsLevel) {
  constexpr std::string_view kRfcToken =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
      ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
      ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  Result<std::string> key = internal::Base64UrlDecode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key.ok());
  const JwtCodec codec = MakeCodec(JwtOptions{.secret = *key});
  EXPECT_EQ(codec.Verify(kRfcToken).status().code(), Code::kExpired);  // exp is in 2011
  // Before its exp the signature and time checks pass, and the claims layer then finds
  // no user_id: the token is not one of ours.
  clock_.Set(TimePoint(seconds(1300819380 - 60)));
  EXPECT_EQ(codec.Verify(kRfcToken).status().code(), Code::kMalformed);
  // Under any other key it is rejected at the signature.
  EXPECT_EQ(DefaultCodec().Verify(kRfcToken).status().code(), Code::kUnauthenticated);
}

// --- algorithm and signature -----------------------------------------------------------

TEST_F(JwtTest, AlgOtherThanHs256IsRejectedEvenWithValidSignature) {
  const std::string payload = Payload().Json();
  for (const char* alg : {"none", "HS512", "RS256", "hs256", "HS384", "ES256", ""}) {
    const std::string header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})";
    EXPECT_EQ(VerifyCode(DefaultCodec(), Mint(header, payload, kSecret)),
              Code::kUnauthenticated)
        << alg;
  }
  EXPECT_EQ(VerifyCode(DefaultCodec(), internal::Base64UrlEncode(R"({"alg":"none"})") + "." +
                                           internal::Base64UrlEncode(payload) + "."),
            Code::kUnauthenticated);
}

TEST_F(JwtTest, TamperingIsRejected) {
  const JwtCodec codec = DefaultCodec();
  const std::string token = codec.Sign(SampleClaims());
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.rfind('.');
  AccessClaims other = SampleClaims();
  other.role = "superadmin";
  const std::string forged_payload = codec.Sign(other).substr(dot1, dot2 - dot1);
  EXPECT_EQ(VerifyCode(codec, token.substr(0, dot1) + forged_payload + token.substr(dot2)),
            Code::kUnauthenticated);
  const std::string header_with_kid =
      internal::Base64UrlEncode(R"({"alg":"HS256","typ":"JWT","x":"y"})");
  EXPECT_EQ(VerifyCode(codec, header_with_kid + token.substr(dot1)), Code::kUnauthenticated);
  std::string flipped = token;
  flipped[dot2 + 5] = flipped[dot2 + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyCode(codec, flipped), Code::kUnauthenticated);
  const JwtCodec other_key = MakeCodec(JwtOptions{.secret = "another-secret"});
  EXPECT_EQ(VerifyCode(other_key, token), Code::kUnauthenticated);
}

// --- kid and rotation ------------------------------------------------------------------

TEST_F(JwtTest, RotatingCodecSignsWithKidOfCurrentSecret) {
  const std::string token = RotatingCodec().Sign(SampleClaims());
  EXPECT_EQ(DecodePart(token, 0),
            R"({"alg":"HS256","typ":"JWT","kid":")" + KeyIdFor(kSecret) + R"("})");
  EXPECT_TRUE(RotatingCodec().Verify(token).ok());
}

TEST_F(JwtTest, KnownKidSelectsItsKey) {
  const std::string payload = Payload().Json();
  const std::string prev_kid = R"({"alg":"HS256","typ":"JWT","kid":")" + KeyIdFor(kPrevious) + "\"}";
  const std::string cur_kid = R"({"alg":"HS256","typ":"JWT","kid":")" + KeyIdFor(kSecret) + "\"}";
  EXPECT_EQ(VerifyCode(RotatingCodec(), Mint(prev_kid, payload, kPrevious)), Code::kOk);
  EXPECT_EQ(VerifyCode(RotatingCodec(), Mint(cur_kid, payload, kSecret)), Code::kOk);
  // The kid picks one key: a MAC by the other key does not verify.
  EXPECT_EQ(VerifyCode(RotatingCodec(), Mint(cur_kid, payload, kPrevious)),
            Code::kUnauthenticated);
  // A codec without rotation still knows its own key's kid.
  EXPECT_EQ(VerifyCode(DefaultCodec(), Mint(cur_kid, payload, kSecret)), Code::kOk);
}

TEST_F(JwtTest, UnknownKidIsRejected) {
  const std::string payload = Payload().Json();
  EXPECT_EQ(VerifyCode(RotatingCodec(), Mint(R"({"alg":"HS256","kid":"0123456789abcdef"})",
                                             payload, kSecret)),
            Code::kUnauthenticated);
  EXPECT_EQ(VerifyCode(DefaultCodec(), Mint(R"({"alg":"HS256","kid":"other"})", payload,
                                            kSecret)),
            Code::kUnauthenticated);
}

TEST_F(JwtTest, AbsentKidTriesEveryKey) {
  const std::string payload = Payload().Json();
  EXPECT_EQ(VerifyCode(RotatingCodec(), Mint(kHeader, payload, kSecret)), Code::kOk);
  EXPECT_EQ(VerifyCode(RotatingCodec(), Mint(kHeader, payload, kPrevious)), Code::kOk);
  EXPECT_EQ(VerifyCode(RotatingCodec(), Mint(kHeader, payload, "third-secret")),
            Code::kUnauthenticated);
  // Without rotation the previous secret means nothing.
  EXPECT_EQ(VerifyCode(DefaultCodec(), Mint(kHeader, payload, kPrevious)),
            Code::kUnauthenticated);
}

TEST_F(JwtTest, TokensOfTheOldSecretVerifyAfterRotation) {
  const JwtCodec old_codec = MakeCodec(JwtOptions{.secret = std::string(kPrevious)});
  const std::string token = old_codec.Sign(SampleClaims());
  EXPECT_EQ(VerifyCode(RotatingCodec(), token), Code::kOk);
  EXPECT_EQ(VerifyCode(DefaultCodec(), token), Code::kUnauthenticated);
}

// --- exp, iat, nbf ---------------------------------------------------------------------

TEST_F(JwtTest, ExpIsRequired) {
  EXPECT_EQ(VerifyPayload(Payload().Erase("exp")), Code::kMalformed);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", R"("1737370800")")), Code::kMalformed);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", "null")), Code::kMalformed);
}

TEST_F(JwtTest, ExpInThePastBeyondLeewayIsExpired) {
  // Default leeway 30 s: expired when exp <= now - 30.
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", std::to_string(kNow - 3600))), Code::kExpired);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", std::to_string(kNow - 31))), Code::kExpired);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", std::to_string(kNow - 30))), Code::kExpired);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", "0")), Code::kExpired);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", "-9223372036854775808")), Code::kExpired);
}

TEST_F(JwtTest, ExpWithinLeewayIsAccepted) {
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", std::to_string(kNow - 29))), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", std::to_string(kNow))), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", std::to_string(kNow) + ".5")), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", "1e300")), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Set("exp", "18446744073709551615")), Code::kOk);
}

TEST_F(JwtTest, ExpiryFollowsTheClock) {
  const JwtCodec codec = DefaultCodec();
  AccessClaims c = SampleClaims();
  c.expires_at = kNow + 10;
  const std::string token = codec.Sign(c);
  EXPECT_EQ(VerifyCode(codec, token), Code::kOk);
  clock_.Advance(seconds(39));
  EXPECT_EQ(VerifyCode(codec, token), Code::kOk);  // 29 s past exp, inside the leeway
  clock_.Advance(seconds(1));
  EXPECT_EQ(VerifyCode(codec, token), Code::kExpired);
}

TEST_F(JwtTest, ZeroLeewayExpiresAtExp) {
  const JwtCodec codec =
      MakeCodec(JwtOptions{.secret = std::string(kSecret), .leeway = seconds(0)});
  AccessClaims c = SampleClaims();
  c.expires_at = kNow + 1;
  const std::string token = codec.Sign(c);
  clock_.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(VerifyCode(codec, token), Code::kOk);
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(VerifyCode(codec, token), Code::kExpired);
}

TEST_F(JwtTest, IatInTheFutureBeyondLeewayIsRejected) {
  EXPECT_EQ(VerifyPayload(Payload().Set("iat", std::to_string(kNow + 31))),
            Code::kUnauthenticated);
  EXPECT_EQ(VerifyPayload(Payload().Set("iat", std::to_string(kNow + 86400))),
            Code::kUnauthenticated);
  EXPECT_EQ(VerifyPayload(Payload().Set("iat", std::to_string(kNow + 30))), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Erase("iat")), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Set("iat", R"("now")")), Code::kMalformed);
}

TEST_F(JwtTest, NbfInTheFutureBeyondLeewayIsRejected) {
  EXPECT_EQ(VerifyPayload(Payload().Set("nbf", std::to_string(kNow + 31))),
            Code::kUnauthenticated);
  EXPECT_EQ(VerifyPayload(Payload().Set("nbf", std::to_string(kNow + 30))), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Set("nbf", std::to_string(kNow - 100))), Code::kOk);
}

// --- typ, sub, iss -----------------------------------------------------------------------

TEST_F(JwtTest, TypIsJwtInAnyCase) {
  const Payload p;
  EXPECT_EQ(VerifyPayload(p, R"({"alg":"HS256","typ":"JWT"})"), Code::kOk);
  EXPECT_EQ(VerifyPayload(p, R"({"alg":"HS256","typ":"jwt"})"), Code::kOk);
  EXPECT_EQ(VerifyPayload(p, R"({"alg":"HS256","typ":"Jwt"})"), Code::kOk);
  EXPECT_EQ(VerifyPayload(p, R"({"alg":"HS256"})"), Code::kOk);
  EXPECT_EQ(VerifyPayload(p, R"({"alg":"HS256","typ":"JWS"})"), Code::kUnauthenticated);
  EXPECT_EQ(VerifyPayload(p, R"({"alg":"HS256","typ":"at+jwt"})"), Code::kUnauthenticated);
  EXPECT_EQ(VerifyPayload(p, R"({"alg":"HS256","typ":""})"), Code::kUnauthenticated);
}

TEST_F(JwtTest, SubMustEqualUserId) {
  EXPECT_EQ(VerifyPayload(Payload().Set("sub", R"("u-1")")), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Set("sub", R"("u-2")")), Code::kUnauthenticated);
  EXPECT_EQ(VerifyPayload(Payload().Set("sub", R"("U-1")")), Code::kUnauthenticated);
  EXPECT_EQ(VerifyPayload(Payload().Set("sub", R"("")")), Code::kUnauthenticated);
  EXPECT_EQ(VerifyPayload(Payload().Set("sub", "1")), Code::kMalformed);
  // Numeric user_id compares as its digits.
  EXPECT_EQ(VerifyPayload(Payload().Set("user_id", "42").Set("sub", R"("42")")), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Set("user_id", "42").Set("sub", R"("042")")),
            Code::kUnauthenticated);
}

TEST_F(JwtTest, IssuerIsCheckedOnlyWhenConfigured) {
  const JwtCodec any = DefaultCodec();
  EXPECT_EQ(VerifyCode(any, Mint(kHeader, Payload().Set("iss", R"("whoever")").Json(), kSecret)),
            Code::kOk);
  EXPECT_EQ(VerifyCode(any, Mint(kHeader, Payload().Json(), kSecret)), Code::kOk);

  const JwtCodec strict = MakeCodec(JwtOptions{.secret = std::string(kSecret),
                                               .accepted_issuers = {"sessionkit", "legacy-go"}});
  auto code = [&](const Payload& p) { return VerifyCode(strict, Mint(kHeader, p.Json(), kSecret)); };
  EXPECT_EQ(code(Payload().Set("iss", R"("sessionkit")")), Code::kOk);
  EXPECT_EQ(code(Payload().Set("iss", R"("legacy-go")")), Code::kOk);
  EXPECT_EQ(code(Payload().Set("iss", R"("other")")), Code::kUnauthenticated);
  EXPECT_EQ(code(Payload().Set("iss", R"("SessionKit")")), Code::kUnauthenticated);
  EXPECT_EQ(code(Payload()), Code::kUnauthenticated);  // missing
  EXPECT_EQ(code(Payload().Set("iss", "7")), Code::kMalformed);
}

// --- session_id and other claims ---------------------------------------------------------

TEST_F(JwtTest, SessionIdMustBeWellFormed) {
  const std::string upper =
      "\"sess_0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\"";
  EXPECT_EQ(VerifyPayload(Payload().Set("session_id", upper)), Code::kMalformed);
  EXPECT_EQ(VerifyPayload(Payload().Set("session_id", R"("sess_123")")), Code::kMalformed);
  EXPECT_EQ(VerifyPayload(Payload().Set("session_id", R"("")")), Code::kMalformed);
  EXPECT_EQ(VerifyPayload(Payload().Set("session_id", "12")), Code::kMalformed);
  EXPECT_EQ(VerifyPayload(Payload().Erase("session_id")), Code::kMalformed);
}

TEST_F(JwtTest, OptionalClaimsAreTypedButMayBeNullOrAbsent) {
  EXPECT_EQ(VerifyPayload(Payload().Set("email", "null").Set("is_premium", "null")), Code::kOk);
  EXPECT_EQ(VerifyPayload(Payload().Set("is_premium", R"("yes")")), Code::kMalformed);
  EXPECT_EQ(VerifyPayload(Payload().Set("is_verified", "1")), Code::kMalformed);
  EXPECT_EQ(VerifyPayload(Payload().Set("role", "3")), Code::kMalformed);
  EXPECT_EQ(VerifyPayload(Payload().Set("username", "[]")), Code::kMalformed);
}

TEST_F(JwtTest, UnknownClaimsAreIgnored) {
  EXPECT_EQ(VerifyPayload(Payload()
                              .Set("aud", R"(["a","b"])")
                              .Set("jti", R"("x")")
                              .Set("nested", R"({"a":[1,2,{"b":null}]})")),
            Code::kOk);
}

TEST_F(JwtTest, RepeatedClaimsAreMalformed) {
  const std::string base = Payload().Json();
  const std::string open = base.substr(0, base.size() - 1);
  for (const std::string extra : {R"(,"user_id":"u-2")", R"(,"exp":99999999999)",
                                  R"(,"sub":"u-1","sub":"u-1")", R"(,"iss":"a","iss":"a")"}) {
    EXPECT_EQ(VerifyCode(DefaultCodec(), Mint(kHeader, open + extra + "}", kSecret)),
              Code::kMalformed)
        << extra;
  }
}

// --- garbage ------------------------------------------------------------------------------

TEST_F(JwtTest, GarbageIsMalformed) {
  const JwtCodec codec = DefaultCodec();
  const std::string good = codec.Sign(SampleClaims());
  const std::string parts[] = {
      "",
      "abc",
      "abc.def",                                       // 2 parts
      good.substr(0, good.rfind('.')),                 // 2 parts of a real token
      good + ".abc",                                   // 4 parts
      "a.b.c.d",
      "%%%.%%%.%%%",                                   // not base64url
      good.substr(0, good.find('.')) + ".*." + good.substr(good.rfind('.') + 1),
      "Bearer " + good,
      Mint(kHeader, "not json", kSecret),              // payload not JSON
      Mint(kHeader, "[1,2]", kSecret),                 // payload not an object
      Mint(kHeader, Payload().Json() + "x", kSecret),  // trailing bytes
      Mint(kHeader, "", kSecret),
      Mint("{", Payload().Json(), kSecret),            // header not JSON
      std::string(1 << 20, 'x'),                        // huge
      std::string(100000, 'a') + "." + std::string(100000, 'a') + "." + std::string(43, 'a'),
  };
  for (const std::string& token : parts) {
    EXPECT_EQ(VerifyCode(codec, token), Code::kMalformed) << token.substr(0, 60);
  }
}

}  // namespace
}  // namespace sessionkit
