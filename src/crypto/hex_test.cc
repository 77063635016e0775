#include "src/crypto/hex.h"

#include <gtest/gtest.h>

namespace sessionkit::internal {
namespace {

TEST(HexTest, EncodesLowercaseTwoDigitsPerByte) {
  EXPECT_EQ(HexLower(""), "");
  EXPECT_EQ(HexLower(std::string_view("\x00\x01\x0f\x10\xab\xff", 6)), "00010f10abff");
  std::string out = "x:";
  AppendHexLower(out, "\xde\xad");
  EXPECT_EQ(out, "x:dead");
}

TEST(HexTest, IsLowerHexAcceptsOnlyLowercaseDigits) {
  EXPECT_TRUE(IsLowerHex(""));
  EXPECT_TRUE(IsLowerHex("0123456789abcdef"));
  EXPECT_FALSE(IsLowerHex("ABCDEF"));
  EXPECT_FALSE(IsLowerHex("abcg"));
  EXPECT_FALSE(IsLowerHex("ab cd"));
  EXPECT_FALSE(IsLowerHex(std::string_view("ab\0", 3)));
}

}  // namespace
}  // namespace sessionkit::internal
