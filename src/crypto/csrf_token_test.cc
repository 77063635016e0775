#include "src/crypto/csrf_token.h"

#include <gtest/gtest.h>

#include <string>

#include "src/crypto/hmac.h"
#include "src/util/base64url.h"

namespace sessionkit::internal {
namespace {

constexpr std::string_view kSecret = "csrf-test-secret-0123456789abcdef0123";
constexpr std::string_view kSession =
    "sess_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

TEST(CsrfTokens, IsTheDocumentedDerivation) {
  Sha256Digest key = HmacSha256Key(kSecret).Mac("sessionkit csrf token v1");
  std::string expected = Base64UrlEncode(AsBytes(HmacSha256Key(AsBytes(key)).Mac(kSession)));
  EXPECT_EQ(CsrfTokens(kSecret).TokenFor(kSession), expected);
  EXPECT_EQ(expected.size(), 43u);
}

TEST(CsrfTokens, EveryServerWithTheSecretAgrees) {
  EXPECT_EQ(CsrfTokens(kSecret).TokenFor(kSession), CsrfTokens(kSecret).TokenFor(kSession));
}

TEST(CsrfTokens, DependsOnSessionAndSecretAndNeverEqualsTheId) {
  CsrfTokens tokens(kSecret);
  std::string token = tokens.TokenFor(kSession);
  EXPECT_NE(token, kSession);
  EXPECT_NE(token, tokens.TokenFor(std::string(kSession).replace(5, 1, "1")));
  EXPECT_NE(token, CsrfTokens("another-secret-0123456789abcdef0123456").TokenFor(kSession));
  // Not the JWT key's MAC of the id, nor the refresh-successor key's.
  EXPECT_NE(token, Base64UrlEncode(AsBytes(HmacSha256Key(kSecret).Mac(kSession))));
}

TEST(CsrfTokens, MatchesOnlyTheSessionsToken) {
  CsrfTokens tokens(kSecret);
  std::string token = tokens.TokenFor(kSession);
  EXPECT_TRUE(tokens.Matches(kSession, token));
  EXPECT_FALSE(tokens.Matches(kSession, ""));
  EXPECT_FALSE(tokens.Matches(kSession, kSession));
  EXPECT_FALSE(tokens.Matches(kSession, token.substr(1)));
  EXPECT_FALSE(tokens.Matches(kSession, token + "A"));
  std::string flipped = token;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokens.Matches(kSession, flipped));
  EXPECT_FALSE(tokens.Matches(kSession, std::string(43, '!')));
  EXPECT_FALSE(tokens.Matches(std::string(kSession).replace(5, 1, "1"), token));
}

}  // namespace
}  // namespace sessionkit::internal
