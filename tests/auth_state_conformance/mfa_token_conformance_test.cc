// The pending-second-factor cases every AuthStateStore backend runs (auth_state_store.h,
// "pending second factor"): a token lives until its expiry, dies at the failure that
// reaches the limit (counted atomically, across store objects), and is taken once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/auth_state_conformance/auth_state_conformance.h"

namespace sessionkit::testing {
namespace {

using std::chrono::seconds;

std::string H(char c) { return std::string(64, c); }

MfaTokenRecord Token(char c, TimePoint expires_at) {
  MfaTokenRecord r;
  r.token_hash = H(c);
  r.user_id = "user-" + std::string(1, c);
  r.expires_at = expires_at;
  return r;
}

TEST_P(AuthStateConformanceTest, MfaTokenLivesUntilItsExpiry) {
  const TimePoint now = harness().clock.Now();
  ASSERT_TRUE(store().PutMfaToken(Token('a', now + seconds(300)), now).ok());
  Result<MfaTokenRecord> got = store().GetMfaToken(H('a'), now);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->user_id, "user-a");
  EXPECT_EQ(got->failures, 0u);
  EXPECT_EQ(got->expires_at, now + seconds(300));
  // A live hash is not overwritten.
  EXPECT_EQ(store().PutMfaToken(Token('a', now + seconds(300)), now).code(), Code::kConflict);
  EXPECT_TRUE(store().GetMfaToken(H('a'), now + seconds(299)).ok());
  EXPECT_TRUE(store().GetMfaToken(H('a'), now + seconds(300)).status().IsNotFound());
  EXPECT_TRUE(store().TakeMfaToken(H('a'), now + seconds(300)).status().IsNotFound());
  EXPECT_TRUE(store().GetMfaToken(H('b'), now).status().IsNotFound());
  // Bad input.
  EXPECT_EQ(store().PutMfaToken(Token('c', now), now).code(), Code::kInvalidArgument);
  MfaTokenRecord bad = Token('c', now + seconds(1));
  bad.token_hash = "short";
  EXPECT_EQ(store().PutMfaToken(bad, now).code(), Code::kInvalidArgument);
  EXPECT_EQ(store().GetMfaToken("NOTHEX", now).status().code(), Code::kInvalidArgument);
}

TEST_P(AuthStateConformanceTest, MfaTokenDiesAtTheFailureThatReachesTheLimit) {
  const TimePoint now = harness().clock.Now();
  ASSERT_TRUE(store().PutMfaToken(Token('a', now + seconds(300)), now).ok());
  for (std::uint32_t i = 1; i < 5; ++i) {
    Result<std::uint32_t> failures = store().CountMfaFailure(H('a'), now, 5);
    ASSERT_TRUE(failures.ok()) << failures.status().ToString();
    EXPECT_EQ(*failures, i);
  }
  EXPECT_EQ(store().GetMfaToken(H('a'), now)->failures, 4u);
  EXPECT_EQ(store().CountMfaFailure(H('a'), now, 5).value(), 5u);
  EXPECT_TRUE(store().GetMfaToken(H('a'), now).status().IsNotFound());
  EXPECT_TRUE(store().CountMfaFailure(H('a'), now, 5).status().IsNotFound());
}

TEST_P(AuthStateConformanceTest, MfaFailuresRacingFromTwoStoresKillTheTokenOnce) {
  Result<AuthStateStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  const TimePoint now = harness().clock.Now();
  ASSERT_TRUE(store().PutMfaToken(Token('a', now + seconds(300)), now).ok());
  constexpr int kThreads = 12;
  std::atomic<int> counted{0};
  std::atomic<int> gone{0};
  std::atomic<int> start{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    AuthStateStore& target = t % 2 == 0 ? store() : **other;
    threads.emplace_back([&] {
      start.fetch_add(1);
      while (start.load() < kThreads) std::this_thread::yield();
      Result<std::uint32_t> r = target.CountMfaFailure(H('a'), now, 5);
      if (r.ok()) {
        counted.fetch_add(1);
      } else if (r.status().IsNotFound()) {
        gone.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counted.load(), 5);
  EXPECT_EQ(gone.load(), kThreads - 5);
}

TEST_P(AuthStateConformanceTest, MfaTokenIsTakenExactlyOnce) {
  Result<AuthStateStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok());
  const TimePoint now = harness().clock.Now();
  ASSERT_TRUE(store().PutMfaToken(Token('a', now + seconds(300)), now).ok());
  ASSERT_TRUE(store().CountMfaFailure(H('a'), now, 5).ok());
  constexpr int kThreads = 8;
  std::atomic<int> taken{0};
  std::atomic<int> start{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    AuthStateStore& target = t % 2 == 0 ? store() : **other;
    threads.emplace_back([&] {
      start.fetch_add(1);
      while (start.load() < kThreads) std::this_thread::yield();
      Result<MfaTokenRecord> r = target.TakeMfaToken(H('a'), now);
      if (r.ok()) {
        EXPECT_EQ(r->user_id, "user-a");
        EXPECT_EQ(r->failures, 1u);
        taken.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(taken.load(), 1);
  EXPECT_TRUE(store().GetMfaToken(H('a'), now).status().IsNotFound());
  // After it is taken the hash is free again (a new login could not collide anyway).
  EXPECT_TRUE(store().PutMfaToken(Token('a', now + seconds(300)), now).ok());
}

}  // namespace
}  // namespace sessionkit::testing
