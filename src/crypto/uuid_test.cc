#include "src/crypto/uuid.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace sessionkit::internal {
namespace {

TEST(UuidTest, Version4AndDistinct) {
  Result<std::string> a = NewUuidV4(), b = NewUuidV4();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->size(), 36u);
  EXPECT_EQ((*a)[14], '4');
  EXPECT_TRUE(std::regex_match(*a, std::regex(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
}

}  // namespace
}  // namespace sessionkit::internal
