#include "src/crypto/constant_time.h"

#include <gtest/gtest.h>

namespace sessionkit::internal {
namespace {

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret-mac", "secret-mac"));
  EXPECT_FALSE(ConstantTimeEquals("secret-mac", "secret-mad"));
  EXPECT_FALSE(ConstantTimeEquals("Secret-mac", "secret-mac"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret-mac"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_TRUE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

}  // namespace
}  // namespace sessionkit::internal
