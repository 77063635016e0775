// LoginThrottle over the real SQLite AuthStateStore, with a ManualClock.
#include "src/account/login_throttle.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "sessionkit/sqlite_store.h"
#include "testing/temp_dir.h"

namespace sessionkit::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(LoginThrottleKeysTest, IdentifierIsLowercasedAsTyped) {
  EXPECT_EQ(IdentifierKey("Alice@Example.COM"), "id:alice@example.com");
  EXPECT_EQ(IdentifierKey("bob"), "id:bob");
  EXPECT_EQ(IdentifierKey("ÄBC"), "id:\xc3\x84" "bc");  // ASCII only; other bytes as typed
  EXPECT_EQ(IpKey("203.0.113.7"), "ip:203.0.113.7");
}

TEST(LoginThrottleKeysTest, IpV6IsCountedPerSlash64) {
  // Every address of one /64 shares a key (a subscriber picks any of them at will)...
  EXPECT_EQ(IpKey("2001:db8:1:2::1"), "ip:2001:db8:1:2::/64");
  EXPECT_EQ(IpKey("2001:db8:1:2:ffff:eeee:dddd:cccc"), "ip:2001:db8:1:2::/64");
  EXPECT_EQ(IpKey("::1"), "ip:::/64");
  // ...and the next /64 has its own.
  EXPECT_EQ(IpKey("2001:db8:1:3::1"), "ip:2001:db8:1:3::/64");
  EXPECT_EQ(IpKey("::ffff:192.0.2.1"), "ip:192.0.2.1");
  EXPECT_EQ(IpKey("not-an-address"), "ip:not-an-address");
}

TEST(LoginThrottleKeysTest, LongIdentifiersAreHashed) {
  std::string at_limit(256, 'A');
  EXPECT_EQ(IdentifierKey(at_limit), "id:" + std::string(256, 'a'));
  std::string long_one(257, 'A');
  std::string key = IdentifierKey(long_one);
  EXPECT_EQ(key.size(), 4u + 64u);
  EXPECT_EQ(key.substr(0, 4), "idh:");
  EXPECT_NE(IdentifierKey(std::string(258, 'A')), key);
}

TEST(LoginThrottleKeysTest, RetryAfterRoundsUpAndIsAtLeastOne) {
  TimePoint now(seconds(1000));
  EXPECT_EQ(RetryAfterSeconds(now, seconds(60), now), 60);
  EXPECT_EQ(RetryAfterSeconds(now - milliseconds(1), seconds(60), now), 60);  // 59.999 -> 60
  EXPECT_EQ(RetryAfterSeconds(now - seconds(59), seconds(60), now), 1);
  EXPECT_EQ(RetryAfterSeconds(now - milliseconds(59'500), seconds(60), now), 1);
  EXPECT_EQ(RetryAfterSeconds(now - seconds(60), seconds(60), now), 1);   // never 0
  EXPECT_EQ(RetryAfterSeconds(now - seconds(600), seconds(60), now), 1);
}

class LoginThrottleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteAuthStateStore({.path = dir_.File("auth.db"), .clock = &clock_});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  Result<ThrottleReservation> Reserve(const LoginThrottle& t, const std::string& id,
                                      const std::string& ip) {
    std::promise<Result<ThrottleReservation>> p;
    t.ReserveAsync(id, ip, clock_.Now(),
                   [&p](Result<ThrottleReservation> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  // The Retry-After of a fresh attempt (0: granted); a granted one is taken back again.
  Result<std::int64_t> Check(const LoginThrottle& t, const std::string& id, const std::string& ip) {
    Result<ThrottleReservation> r = Reserve(t, id, ip);
    if (!r.ok()) return r.status();
    if (r->retry_after_seconds > 0) return r->retry_after_seconds;
    if (Status st = Release(t, id, ip, r->ticket); !st.ok()) return st;
    return std::int64_t{0};
  }
  // A wrong password: the reservation stays as the failure.
  Status Fail(const LoginThrottle& t, const std::string& id, const std::string& ip) {
    Result<ThrottleReservation> r = Reserve(t, id, ip);
    if (!r.ok()) return r.status();
    return r->retry_after_seconds > 0 ? Status::Internal("refused") : Status::Ok();
  }
  Status Release(const LoginThrottle& t, const std::string& id, const std::string& ip,
                 std::string ticket) {
    std::promise<Status> p;
    t.ReleaseAsync(id, ip, std::move(ticket), [&p](Status s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }
  // A right password at `ip`: the identifier reset, the IP's reservation released.
  Status Succeed(const LoginThrottle& t, const std::string& id, const std::string& ip) {
    Result<ThrottleReservation> r = Reserve(t, id, ip);
    if (!r.ok()) return r.status();
    if (r->retry_after_seconds > 0) return Status::Internal("refused");
    std::promise<Status> p;
    t.SucceededAsync(id, ip, r->ticket, [&p](Status s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }
  std::uint64_t Count(std::string_view key, seconds window) {
    return store_->PeekFailures(key, clock_.Now(), window)->count;
  }

  ManualClock clock_;
  sessionkit::testing::TempDir dir_;
  AuthStateStorePtr store_;
};

TEST_F(LoginThrottleTest, IdentifierLimitSlidesAndResets) {
  LoginThrottle t(*store_, {.window = seconds(60), .max_per_identifier = 3, .max_per_ip = 100});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(*Check(t, "id:a", "ip:1"), 0) << i;
    ASSERT_TRUE(Fail(t, "id:a", "ip:1").ok());
    clock_.Advance(seconds(10));
  }
  // Failures at t=0, 10, 20; now t=30: the oldest leaves at 60.
  EXPECT_EQ(*Check(t, "id:a", "ip:1"), 30);
  EXPECT_EQ(*Check(t, "id:a", "ip:other"), 30);   // the identifier, from any IP
  EXPECT_EQ(*Check(t, "id:b", "ip:1"), 0);        // another identifier from that IP
  clock_.Advance(seconds(29));
  EXPECT_EQ(*Check(t, "id:a", "ip:1"), 1);
  clock_.Advance(seconds(1));                     // t=60: the first failure has left
  EXPECT_EQ(*Check(t, "id:a", "ip:1"), 0);
  ASSERT_TRUE(Fail(t, "id:a", "ip:1").ok());      // back at the limit: next leaves at 70
  EXPECT_EQ(*Check(t, "id:a", "ip:1"), 10);
  clock_.Advance(seconds(10));                    // t=70: room for one again
  ASSERT_TRUE(Succeed(t, "id:a", "ip:1").ok());
  EXPECT_EQ(*Check(t, "id:a", "ip:1"), 0);
  EXPECT_EQ(Count("ip:1", seconds(60)), 2u);  // the IP keeps its failures (20, 60)
}

TEST_F(LoginThrottleTest, IpLimitCountsEveryIdentifierAndSurvivesAReset) {
  LoginThrottle t(*store_, {.window = seconds(100), .max_per_identifier = 10, .max_per_ip = 4});
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(*Check(t, "id:u" + std::to_string(i), "ip:9"), 0);
    ASSERT_TRUE(Fail(t, "id:u" + std::to_string(i), "ip:9").ok());
    clock_.Advance(seconds(1));
  }
  EXPECT_EQ(*Check(t, "id:fresh", "ip:9"), 96);
  EXPECT_EQ(*Check(t, "id:fresh", "ip:8"), 0);
  EXPECT_EQ(Succeed(t, "id:u0", "ip:9").code(), Code::kInternal);  // refused: no room
  EXPECT_EQ(Count("ip:9", seconds(100)), 4u);  // a refused attempt is not counted
  LoginThrottle wide(*store_, {.window = seconds(100), .max_per_identifier = 10, .max_per_ip = 5});
  ASSERT_TRUE(Succeed(wide, "id:u0", "ip:9").ok());  // a success resets its identifier...
  EXPECT_EQ(Count("id:u0", seconds(100)), 0u);
  EXPECT_EQ(Count("ip:9", seconds(100)), 4u);        // ...and takes back only its own IP count
  EXPECT_EQ(*Check(t, "id:u0", "ip:9"), 96);
}

TEST_F(LoginThrottleTest, TheLargerRetryAfterWins) {
  LoginThrottle t(*store_, {.window = seconds(100), .max_per_identifier = 1, .max_per_ip = 2});
  ASSERT_TRUE(Fail(t, "id:x", "ip:1").ok());  // t=0: ip 1/2, x 1/1
  clock_.Advance(seconds(20));
  ASSERT_TRUE(Fail(t, "id:y", "ip:1").ok());  // t=20: ip 2/2 (frees at 100), y 1/1 (120)
  clock_.Advance(seconds(10));
  EXPECT_EQ(*Check(t, "id:y", "ip:1"), 90);   // y frees at 120, ip at 100
  EXPECT_EQ(*Check(t, "id:x", "ip:2"), 70);   // only x (frees at 100)
  EXPECT_EQ(*Check(t, "id:z", "ip:1"), 70);   // only the IP
}

TEST_F(LoginThrottleTest, ZeroLimitsTurnThrottlingOffAndRecordNothing) {
  LoginThrottle off(*store_, {.window = seconds(60), .max_per_identifier = 0, .max_per_ip = 0});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail(off, "id:a", "ip:1").ok());
  EXPECT_EQ(*Check(off, "id:a", "ip:1"), 0);
  LoginThrottle on(*store_, {.window = seconds(60), .max_per_identifier = 1, .max_per_ip = 1});
  EXPECT_EQ(*Check(on, "id:a", "ip:1"), 0);  // nothing was recorded while off
}

TEST_F(LoginThrottleTest, StoreErrorsAreReported) {
  LoginThrottle t(*store_, {.window = seconds(60), .max_per_identifier = 1, .max_per_ip = 1});
  // An empty key is refused by the store (InvalidArgument): the throttle passes it on.
  EXPECT_EQ(Check(t, "", "ip:1").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Check(t, "id:a", "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Fail(t, "", "ip:1").code(), Code::kInvalidArgument);
  EXPECT_EQ(Fail(t, "id:a", "").code(), Code::kInvalidArgument);
}

// The race of issue 10: many attempts in flight at one identifier. Every one reserves
// before any is judged; only the limit may pass.
TEST_F(LoginThrottleTest, ConcurrentAttemptsNeverPassTheLimit) {
  LoginThrottle t(*store_, {.window = seconds(60), .max_per_identifier = 10, .max_per_ip = 0});
  constexpr int kAttempts = 64;
  std::atomic<int> granted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kAttempts; ++i) {
    threads.emplace_back([&, i] {
      Result<ThrottleReservation> r = Reserve(t, "id:victim", "ip:" + std::to_string(i));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      (r->retry_after_seconds > 0 ? refused : granted).fetch_add(1);
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(granted.load(), 10);
  EXPECT_EQ(refused.load(), kAttempts - 10);
  EXPECT_EQ(Count("id:victim", seconds(60)), 10u);
}

}  // namespace
}  // namespace sessionkit::internal
