#include "src/crypto/jws.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/util/base64url.h"

namespace sessionkit::internal {
namespace {

// RFC 7515 appendix A.1: the HMAC key (JWK "k") and the example token.
constexpr std::string_view kRfcKeyB64 =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr std::string_view kRfcToken =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

constexpr std::string_view kPayload = R"({"sub":"42","exp":2000000000})";

// A token over arbitrary header/payload bytes with a correct HS256 MAC under `secret`.
std::string Mint(std::string_view header_json, std::string_view payload_json,
                 std::string_view secret) {
  std::string token = Base64UrlEncode(header_json);
  token += '.';
  AppendBase64Url(token, payload_json);
  const Sha256Digest mac = HmacSha256Key(secret).Mac(token);
  token += '.';
  AppendBase64Url(token, AsBytes(mac));
  return token;
}

class JwsTest : public ::testing::Test {
 protected:
  JwsTest() {
    keys_.push_back(JwsKey{"kid-current", HmacSha256Key("current-secret")});
    keys_.push_back(JwsKey{"kid-previous", HmacSha256Key("previous-secret")});
  }

  Status Verify(std::string_view token) { return VerifyJws(token, keys_, scratch_, out_); }
  Code VerifyCode(std::string_view token) { return Verify(token).code(); }

  std::vector<JwsKey> keys_;
  std::string scratch_;
  VerifiedJws out_;
};

TEST(JwsRfcTest, Rfc7515AppendixA1Verifies) {
  Result<std::string> key = Base64UrlDecode(kRfcKeyB64);
  ASSERT_TRUE(key.ok());
  const std::vector<JwsKey> keys = {JwsKey{"", HmacSha256Key(*key)}};
  std::string scratch;
  VerifiedJws out;
  ASSERT_TRUE(VerifyJws(kRfcToken, keys, scratch, out).ok());
  EXPECT_EQ(out.header_json, "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
  EXPECT_EQ(out.payload_json,
            "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
  ASSERT_TRUE(out.typ.has_value());
  EXPECT_EQ(*out.typ, "JWT");
  EXPECT_EQ(out.key_index, 0u);

  // Any other key fails.
  const std::vector<JwsKey> wrong = {JwsKey{"", HmacSha256Key(*key + "x")}};
  EXPECT_EQ(VerifyJws(kRfcToken, wrong, scratch, out).code(), Code::kUnauthenticated);
}

TEST_F(JwsTest, SignedTokensVerifyAndExposeHeaderAndPayload) {
  const std::string header = EncodeHs256Header("");
  EXPECT_EQ(*Base64UrlDecode(header), R"({"alg":"HS256","typ":"JWT"})");
  const std::string token = SignJws(header, kPayload, keys_[0].key);
  ASSERT_TRUE(Verify(token).ok());
  EXPECT_EQ(out_.payload_json, kPayload);
  EXPECT_EQ(out_.header_json, R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(out_.key_index, 0u);
}

TEST_F(JwsTest, HeaderCarriesKidWhenGiven) {
  EXPECT_EQ(*Base64UrlDecode(EncodeHs256Header("abc")),
            R"({"alg":"HS256","typ":"JWT","kid":"abc"})");
}

TEST_F(JwsTest, TamperedPartsAreRejected) {
  const std::string token = SignJws(EncodeHs256Header(""), kPayload, keys_[0].key);
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.rfind('.');
  // Payload with another subject, header with an extra member, MAC with a flipped bit.
  const std::string other_payload = Base64UrlEncode(R"({"sub":"43","exp":2000000000})");
  const std::string other_header = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT","x":1})");
  std::string mac = *Base64UrlDecode(token.substr(dot2 + 1));
  mac[0] ^= 0x01;
  EXPECT_EQ(VerifyCode(token.substr(0, dot1 + 1) + other_payload + token.substr(dot2)),
            Code::kUnauthenticated);
  EXPECT_EQ(VerifyCode(other_header + token.substr(dot1)), Code::kUnauthenticated);
  EXPECT_EQ(VerifyCode(token.substr(0, dot2 + 1) + Base64UrlEncode(mac)), Code::kUnauthenticated);
  // Truncated or extended MAC: valid base64url of the wrong length.
  const std::string good_mac = *Base64UrlDecode(token.substr(dot2 + 1));
  const std::string signing_input = token.substr(0, dot2 + 1);
  EXPECT_EQ(VerifyCode(signing_input + Base64UrlEncode(good_mac.substr(0, 31))),
            Code::kUnauthenticated);
  EXPECT_EQ(VerifyCode(signing_input + Base64UrlEncode(good_mac + '\0')), Code::kUnauthenticated);
  EXPECT_EQ(VerifyCode(token.substr(0, dot2 + 1)), Code::kUnauthenticated);  // empty MAC
}

TEST_F(JwsTest, NonCanonicalMacEncodingIsRejected) {
  const std::string token = SignJws(EncodeHs256Header(""), kPayload, keys_[0].key);
  // The last of 43 characters carries 2 unused bits; setting one keeps the MAC bytes
  // but makes the encoding non-canonical, which a strict decoder refuses.
  std::string altered = token;
  char& last = altered.back();
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  last = alphabet[alphabet.find(last) | 1];
  ASSERT_NE(altered, token);
  EXPECT_EQ(VerifyCode(altered), Code::kMalformed);
}

TEST_F(JwsTest, AlgOtherThanHs256IsRejectedEvenWithValidMac) {
  for (const char* header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
                             R"({"alg":"RS256","typ":"JWT"})", R"({"alg":"hs256","typ":"JWT"})",
                             R"({"alg":"HS256 ","typ":"JWT"})", R"({"alg":["HS256"]})",
                             R"({"alg":null})", R"({"typ":"JWT"})", R"({})"}) {
    EXPECT_EQ(VerifyCode(Mint(header, kPayload, "current-secret")), Code::kUnauthenticated)
        << header;
  }
  // The classic alg=none token with an empty signature.
  const std::string none = Base64UrlEncode(R"({"alg":"none"})") + "." +
                           Base64UrlEncode(kPayload) + ".";
  EXPECT_EQ(VerifyCode(none), Code::kUnauthenticated);
}

TEST_F(JwsTest, CritHeaderIsRejected) {
  EXPECT_EQ(VerifyCode(Mint(R"({"alg":"HS256","crit":["exp"],"exp":1})", kPayload,
                            "current-secret")),
            Code::kUnauthenticated);
}

TEST_F(JwsTest, JkuAndX5uAreIgnored) {
  ASSERT_TRUE(Verify(Mint(R"({"alg":"HS256","jku":"https://attacker.example/k","x5u":"u"})",
                          kPayload, "current-secret"))
                  .ok());
  EXPECT_FALSE(out_.typ.has_value());
}

TEST_F(JwsTest, KnownKidSelectsItsKeyOnly) {
  ASSERT_TRUE(Verify(Mint(R"({"alg":"HS256","kid":"kid-previous"})", kPayload,
                          "previous-secret")).ok());
  EXPECT_EQ(out_.key_index, 1u);
  // The kid names the current key but the MAC is the previous key's: no fallback.
  EXPECT_EQ(VerifyCode(Mint(R"({"alg":"HS256","kid":"kid-current"})", kPayload,
                            "previous-secret")),
            Code::kUnauthenticated);
}

TEST_F(JwsTest, UnknownKidIsRejectedEvenWithAValidMac) {
  EXPECT_EQ(VerifyCode(Mint(R"({"alg":"HS256","kid":"other"})", kPayload, "current-secret")),
            Code::kUnauthenticated);
  EXPECT_EQ(VerifyCode(Mint(R"({"alg":"HS256","kid":""})", kPayload, "current-secret")),
            Code::kUnauthenticated);
}

TEST_F(JwsTest, AbsentKidTriesEveryKey) {
  ASSERT_TRUE(Verify(Mint(R"({"alg":"HS256"})", kPayload, "current-secret")).ok());
  EXPECT_EQ(out_.key_index, 0u);
  ASSERT_TRUE(Verify(Mint(R"({"alg":"HS256"})", kPayload, "previous-secret")).ok());
  EXPECT_EQ(out_.key_index, 1u);
  EXPECT_EQ(VerifyCode(Mint(R"({"alg":"HS256"})", kPayload, "unknown-secret")),
            Code::kUnauthenticated);
}

TEST_F(JwsTest, IllTypedOrRepeatedHeaderParametersAreMalformed) {
  for (const char* header : {R"({"alg":"HS256","kid":7})", R"({"alg":"HS256","typ":1})",
                             R"({"alg":"HS256","alg":"HS256"})",
                             R"({"alg":"none","alg":"HS256"})",
                             R"({"alg":"HS256","kid":"kid-current","kid":"x"})",
                             R"({"alg":"HS256","typ":"JWT","typ":"JWT"})"}) {
    EXPECT_EQ(VerifyCode(Mint(header, kPayload, "current-secret")), Code::kMalformed) << header;
  }
}

TEST_F(JwsTest, GarbageIsMalformed) {
  const std::string good = SignJws(EncodeHs256Header(""), kPayload, keys_[0].key);
  const std::string header = good.substr(0, good.find('.'));
  std::vector<std::string> garbage = {
      "",
      ".",
      "..",
      "...",
      "abc",
      "abc.def",
      good + ".x",
      good + "." + good,
      "!!!." + good.substr(good.find('.') + 1),                        // header not base64url
      header + ".a+b/." + good.substr(good.rfind('.') + 1),           // payload not base64url
      good.substr(0, good.rfind('.') + 1) + "not base64!",            // MAC not base64url
      header + "=" + good.substr(good.find('.')),                     // padding
      " " + good,
      good + "\n",
      Mint("not json", kPayload, "current-secret"),
      Mint(R"(["alg","HS256"])", kPayload, "current-secret"),
      Mint(R"({"alg":"HS256")", kPayload, "current-secret"),
      Mint(R"({"alg":"HS256"} {})", kPayload, "current-secret"),
      Mint("", kPayload, "current-secret"),
      std::string(kMaxJwsBytes + 1, 'a'),
      std::string(1 << 20, 'A') + "." + std::string(1 << 20, 'A') + ".AAAA",
  };
  for (const std::string& token : garbage) {
    EXPECT_EQ(VerifyCode(token), Code::kMalformed) << token.substr(0, 80);
  }
}

TEST_F(JwsTest, ErrorsNeverEchoTheToken) {
  const std::string token = Mint(R"({"alg":"HS512"})", R"({"secret":"s3cr3t-value"})",
                                 "current-secret");
  const Status s = Verify(token);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().find(token.substr(0, 10)), std::string::npos);
  EXPECT_EQ(s.message().find("current-secret"), std::string::npos);
}

}  // namespace
}  // namespace sessionkit::internal
