// Input checks shared by the AuthStateStore backends.
#include "src/core/auth_state_rules.h"

#include <gtest/gtest.h>

#include <string>

namespace sessionkit::internal {
namespace {

using namespace std::chrono_literals;

const std::string kHash(64, 'a');
const std::string kSession = "sess_" + std::string(64, '0');

TEST(AuthStateRulesTest, TokenHashIsExactly64LowercaseHex) {
  EXPECT_TRUE(IsTokenHash(kHash));
  EXPECT_TRUE(IsTokenHash("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsTokenHash(""));
  EXPECT_FALSE(IsTokenHash(std::string(63, 'a')));
  EXPECT_FALSE(IsTokenHash(std::string(65, 'a')));
  EXPECT_FALSE(IsTokenHash(std::string(64, 'A')));
  EXPECT_FALSE(IsTokenHash(std::string(63, 'a') + "g"));
  EXPECT_FALSE(IsTokenHash(std::string(63, 'a') + " "));
}

TEST(AuthStateRulesTest, IssueChecks) {
  const TimePoint now{std::chrono::seconds(1737367200)};
  RefreshRecord r{.token_hash = kHash, .session_id = kSession, .user_id = "u",
                  .issued_at = now, .expires_at = now + 1ms};
  EXPECT_TRUE(CheckIssue(r, now).ok());
  r.expires_at = now;
  EXPECT_EQ(CheckIssue(r, now).code(), Code::kInvalidArgument);
  r.expires_at = now + 1h;
  r.user_id.clear();
  EXPECT_EQ(CheckIssue(r, now).code(), Code::kInvalidArgument);
  r.user_id = "u";
  r.session_id = "sess_";
  EXPECT_EQ(CheckIssue(r, now).code(), Code::kInvalidArgument);
}

TEST(AuthStateRulesTest, RotateChecks) {
  const TimePoint now{std::chrono::seconds(1737367200)};
  const std::string other(64, 'b');
  RotateRequest r{.presented_hash = kHash, .successor_hash = other, .now = now, .grace = 0ms,
                  .successor_expires_at = now + 1ms};
  EXPECT_TRUE(CheckRotate(r).ok());
  RotateRequest same = r;
  same.successor_hash = kHash;
  EXPECT_EQ(CheckRotate(same).code(), Code::kInvalidArgument);
  RotateRequest negative = r;
  negative.grace = -1ms;
  EXPECT_EQ(CheckRotate(negative).code(), Code::kInvalidArgument);
  RotateRequest dead = r;
  dead.successor_expires_at = now;
  EXPECT_EQ(CheckRotate(dead).code(), Code::kInvalidArgument);
}

TEST(AuthStateRulesTest, FailureChecks) {
  EXPECT_TRUE(CheckFailureWindow("k", 1ms).ok());
  EXPECT_EQ(CheckFailureWindow("k", 0ms).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckFailureWindow("", 1s).code(), Code::kInvalidArgument);
  EXPECT_TRUE(CheckFailureKey(std::string(kMaxFailureKeyBytes, 'k')).ok());
  EXPECT_EQ(CheckFailureKey(std::string(kMaxFailureKeyBytes + 1, 'k')).code(), Code::kInvalidArgument);
}

TEST(AuthStateRulesTest, OutcomeNamesAreStable) {
  EXPECT_EQ(RotateOutcomeName(RotateOutcome::kRotated), "rotated");
  EXPECT_EQ(RotateOutcomeName(RotateOutcome::kGraceReplay), "grace_replay");
  EXPECT_EQ(RotateOutcomeName(RotateOutcome::kReused), "reused");
}

}  // namespace
}  // namespace sessionkit::internal
