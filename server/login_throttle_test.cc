// The throttle's HTTP answer. The throttling policy is tested in src/account.
#include "server/login_throttle.h"

#include <gtest/gtest.h>

namespace sessionkit::server {
namespace {

TEST(ThrottledResponseTest, Is429WithRetryAfter) {
  Response r = ThrottledResponse(17);
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("\"rate_limited\""), std::string::npos);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(r.headers[0].second, "17");
}

}  // namespace
}  // namespace sessionkit::server
