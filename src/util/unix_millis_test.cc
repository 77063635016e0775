// Unix milliseconds: floor and ceil on both sides of 1970, and back.
#include "src/util/unix_millis.h"

#include <gtest/gtest.h>

namespace sessionkit::internal {
namespace {

using namespace std::chrono_literals;

TEST(UnixMillisTest, MillisecondsRoundDownOrUpAlsoBefore1970) {
  const TimePoint t = TimePoint(1'500'000ns);
  EXPECT_EQ(UnixMillisFloor(t), 1);
  EXPECT_EQ(UnixMillisCeil(t), 2);
  EXPECT_EQ(UnixMillisFloor(TimePoint(-1'500'000ns)), -2);
  EXPECT_EQ(UnixMillisCeil(TimePoint(-1'500'000ns)), -1);
  EXPECT_EQ(UnixMillisCeil(TimePoint(2ms)), 2);
  EXPECT_EQ(FromUnixMillis(1737367200123), TimePoint(1737367200123ms));
}

}  // namespace
}  // namespace sessionkit::internal
