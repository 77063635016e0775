// The `aal` field of the session record (API.md §9): written only when 2, read as 2 only
// from the number 2, kept by a sliding rewrite.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "sessionkit/session.h"

namespace sessionkit {
namespace {

const std::string kGoRecord =
    R"({"id":"sess_)" + std::string(64, 'a') +
    R"(","user_id":"u1","created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z")";

Session NewSession() {
  Session s;
  s.id = "sess_" + std::string(64, 'b');
  s.user_id = "u1";
  s.created_at = TimePoint(std::chrono::seconds(1'737'367'200));
  s.last_seen = s.created_at;
  s.expires_at = s.created_at + std::chrono::hours(48);
  return s;
}

TEST(SessionAal, WrittenOnlyWhenTwo) {
  Session s = NewSession();
  EXPECT_EQ(EncodeSession(s).find("aal"), std::string::npos);
  s.aal = 2;
  const std::string json = EncodeSession(s);
  EXPECT_NE(json.find(R"("aal":2)"), std::string::npos);
  Result<Session> back = DecodeSession(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->aal, 2);
}

TEST(SessionAal, AbsentOrAnythingButTheNumberTwoIsOne) {
  EXPECT_EQ(DecodeSession(kGoRecord + "}")->aal, 1);
  EXPECT_EQ(DecodeSession(kGoRecord + R"(,"aal":2})")->aal, 2);
  EXPECT_EQ(DecodeSession(kGoRecord + R"(,"aal":2.0})")->aal, 2);
  EXPECT_EQ(DecodeSession(kGoRecord + R"(,"aal":1})")->aal, 1);
  EXPECT_EQ(DecodeSession(kGoRecord + R"(,"aal":3})")->aal, 1);
  EXPECT_EQ(DecodeSession(kGoRecord + R"(,"aal":"2"})")->aal, 1);
  EXPECT_EQ(DecodeSession(kGoRecord + R"(,"aal":null})")->aal, 1);
  EXPECT_EQ(DecodeSession(kGoRecord + R"(,"aal":[2]})")->aal, 1);
  EXPECT_EQ(DecodeSession(kGoRecord + R"(,"aal":{"x":2}})")->aal, 1);
  EXPECT_FALSE(DecodeSession(kGoRecord + R"(,"aal":[2})").ok());  // invalid JSON stays Malformed
}

TEST(SessionAal, ASlidingRewriteKeepsIt) {
  Session s = NewSession();
  s.aal = 2;
  const std::string json = EncodeSession(s);
  Result<std::string> rewritten =
      RewriteSessionTimes(json, s.created_at + std::chrono::hours(1), s.expires_at);
  ASSERT_TRUE(rewritten.ok());
  EXPECT_EQ(DecodeSession(*rewritten)->aal, 2);
}

}  // namespace
}  // namespace sessionkit
