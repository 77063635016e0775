#include "src/crypto/random.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sessionkit::internal {
namespace {

TEST(RandomBytesTest, ReturnsRequestedSize) {
  for (std::size_t n : {0u, 1u, 32u, 1000u}) {
    Result<std::string> r = RandomBytes(n);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->size(), n);
  }
}

TEST(RandomBytesTest, FillsCallerBufferWithDistinctValues) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    char buf[16];
    ASSERT_TRUE(RandomBytes(buf, sizeof(buf)).ok());
    seen.emplace(buf, sizeof(buf));
  }
  EXPECT_EQ(seen.size(), 100u);  // 128-bit values: a collision means a broken generator
}

TEST(RandomBytesTest, IsNotConstantOverALargeBuffer) {
  Result<std::string> r = RandomBytes(4096);
  ASSERT_TRUE(r.ok());
  std::set<char> distinct(r->begin(), r->end());
  EXPECT_GT(distinct.size(), 200u);  // 4096 uniform bytes cover nearly all 256 values
}

}  // namespace
}  // namespace sessionkit::internal
