#include "src/account/refresh_token.h"

#include <gtest/gtest.h>

#include <set>

namespace sessionkit::internal {
namespace {

constexpr std::string_view kSecret = "refresh-test-secret-0123456789abcdef";
constexpr std::string_view kToken = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

TEST(RefreshTokensTest, GeneratedTokensAreWellFormedAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    Result<std::string> token = RefreshTokens::Generate();
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    EXPECT_EQ(token->size(), kRefreshTokenChars);
    EXPECT_TRUE(RefreshTokens::IsWellFormed(*token)) << *token;
    seen.insert(*token);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(RefreshTokensTest, ShapeCheck) {
  EXPECT_TRUE(RefreshTokens::IsWellFormed(kToken));
  EXPECT_TRUE(RefreshTokens::IsWellFormed("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234"));
  EXPECT_FALSE(RefreshTokens::IsWellFormed(""));
  EXPECT_FALSE(RefreshTokens::IsWellFormed(kToken.substr(1)));            // 42
  EXPECT_FALSE(RefreshTokens::IsWellFormed(std::string(kToken) + "A"));   // 44
  EXPECT_FALSE(RefreshTokens::IsWellFormed(std::string(kToken.substr(1)) + "="));  // padding
  EXPECT_FALSE(RefreshTokens::IsWellFormed(std::string(kToken.substr(1)) + "+"));  // base64
  EXPECT_FALSE(RefreshTokens::IsWellFormed(std::string(kToken.substr(1)) + "/"));
  EXPECT_FALSE(RefreshTokens::IsWellFormed(std::string(kToken.substr(1)) + " "));
  EXPECT_FALSE(RefreshTokens::IsWellFormed(std::string(kToken.substr(1)) + '\0'));
}

TEST(RefreshTokensTest, HashIsSha256HexOfTheText) {
  // Reference: Python hashlib.sha256(token).hexdigest().
  EXPECT_EQ(RefreshTokens::HashOf(kToken),
            "0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a");
  EXPECT_NE(RefreshTokens::HashOf(kToken), RefreshTokens::HashOf(kToken.substr(1)));
}

TEST(RefreshTokensTest, SuccessorIsTheDocumentedHmac) {
  // Reference: Python
  //   key = hmac.new(secret, b"sessionkit refresh successor v1", sha256).digest()
  //   base64.urlsafe_b64encode(hmac.new(key, token, sha256).digest()).rstrip(b"=")
  RefreshTokens tokens(kSecret);
  EXPECT_EQ(tokens.SuccessorOf(kToken), "MbW55vwb71tFcVXYKB-g5bkFRG_ENOGoEt8KFdvdJPk");
}

TEST(RefreshTokensTest, SuccessorIsDeterministicPerSecretAndWellFormed) {
  RefreshTokens a(kSecret), same(kSecret), other("another-secret-0123456789abcdef-xyz");
  std::string next = a.SuccessorOf(kToken);
  EXPECT_TRUE(RefreshTokens::IsWellFormed(next));
  EXPECT_EQ(same.SuccessorOf(kToken), next);         // two servers sharing JWT_SECRET
  EXPECT_NE(other.SuccessorOf(kToken), next);        // a different secret, a different key
  EXPECT_NE(a.SuccessorOf(next), next);              // a chain never repeats a step
  EXPECT_NE(a.SuccessorOf(std::string(kToken.substr(0, 42)) + "B"), next);
}

}  // namespace
}  // namespace sessionkit::internal
