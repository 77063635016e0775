// sessions stats: a session seen twice is counted once, and a session that dies during
// the walk is never counted, whichever page it was on.
#include "ctl/session_stats.h"

#include <gtest/gtest.h>

#include <chrono>

namespace sessionkit::ctl {
namespace {

using std::chrono::seconds;

Session Make(std::string id, std::string user, std::string purpose, TimePoint expires) {
  Session s;
  s.id = std::move(id);
  s.user_id = std::move(user);
  s.purpose = std::move(purpose);
  s.expires_at = expires;
  return s;
}

TEST(SessionStats, DuplicatesCountOnceAndTheDeadAtTheEndNotAtAll) {
  const TimePoint start = TimePoint{} + seconds(1'000'000);
  const TimePoint end = start + seconds(30);  // the walk took 30 s
  SessionStatsCollector c;
  c.Add(Make("a", "u1", "login", end + seconds(100)));
  c.Add(Make("b", "u1", "login", end + seconds(100)));
  c.Add(Make("c", "u2", "register", end + seconds(100)));
  c.Add(Make("a", "u1", "login", end + seconds(100)));  // SCAN returned it again
  c.Add(Make("d", "u3", "login", start + seconds(10)));  // live on its page, dead at the end
  c.Add(Make("e", "u3", "login", end));                  // dies exactly at the end
  EXPECT_EQ(c.seen(), 5u);
  SessionStats stats = c.Finish(end, 10);
  EXPECT_EQ(stats.total, 3u);
  ASSERT_EQ(stats.by_purpose.size(), 2u);
  EXPECT_EQ(stats.by_purpose[0], (std::pair<std::string, std::uint64_t>{"login", 2}));
  EXPECT_EQ(stats.by_purpose[1], (std::pair<std::string, std::uint64_t>{"register", 1}));
  ASSERT_EQ(stats.top_users.size(), 2u) << "u3 has no live session";
  EXPECT_EQ(stats.top_users[0].first, "u1");
  EXPECT_EQ(stats.top_users[0].second, 2u);
  EXPECT_EQ(stats.top_users[1].first, "u2");
}

TEST(SessionStats, TopUsersAreCutAndTiesGoByName) {
  const TimePoint end = TimePoint{} + seconds(1000);
  SessionStatsCollector c;
  for (int i = 0; i < 5; ++i) c.Add(Make("z" + std::to_string(i), "zed", "login", end + seconds(1)));
  for (const char* user : {"carol", "bob", "alice"}) {
    c.Add(Make(std::string(user) + "1", user, "login", end + seconds(1)));
  }
  SessionStats stats = c.Finish(end, 2);
  EXPECT_EQ(stats.total, 8u);
  ASSERT_EQ(stats.top_users.size(), 2u);
  EXPECT_EQ(stats.top_users[0].first, "zed");
  EXPECT_EQ(stats.top_users[1].first, "alice");
}

}  // namespace
}  // namespace sessionkit::ctl
