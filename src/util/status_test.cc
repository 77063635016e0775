#include "sessionkit/result.h"
#include "sessionkit/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace sessionkit {
namespace {

TEST(StatusTest, DefaultIsOkAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, FactoriesCarryDistinctCodes) {
  EXPECT_EQ(Status::NotFound().code(), Code::kNotFound);
  EXPECT_EQ(Status::Expired().code(), Code::kExpired);
  EXPECT_EQ(Status::Malformed("x").code(), Code::kMalformed);
  EXPECT_EQ(Status::WrongUser().code(), Code::kWrongUser);
  EXPECT_EQ(Status::BindingMismatch("x").code(), Code::kBindingMismatch);
  EXPECT_EQ(Status::Unavailable("x").code(), Code::kUnavailable);
  EXPECT_EQ(Status::Conflict("x").code(), Code::kConflict);
  EXPECT_EQ(Status::InvalidArgument("x").code(), Code::kInvalidArgument);
  EXPECT_EQ(Status::Internal("x").code(), Code::kInternal);
  EXPECT_EQ(Status::Unavailable("redis down").ToString(), "unavailable: redis down");
}

TEST(StatusTest, EveryCodeHasAName) {
  for (int c = 0; c <= static_cast<int>(Code::kInternal); ++c) {
    EXPECT_NE(CodeName(static_cast<Code>(c)), "unknown") << c;
  }
  EXPECT_EQ(CodeName(Code::kBindingMismatch), "binding_mismatch");
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<std::string> good(std::string("v"));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, "v");
  EXPECT_TRUE(good.status().ok());

  Result<std::string> bad(Status::NotFound("gone"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
}

TEST(ResultTest, OkStatusBecomesInternal) {
  Result<int> r(Status::Ok());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

TEST(ResultTest, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ResultDeathTest, ReadingAFailedResultAborts) {
  Result<int> bad(Status::Unavailable("down"));
  EXPECT_DEATH({ (void)bad.value(); }, "");
}

}  // namespace
}  // namespace sessionkit
