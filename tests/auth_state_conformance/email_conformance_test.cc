// The email cases every AuthStateStore backend runs (auth_state_store.h, "email tokens
// and the mail queue"): tokens are single use, die at their expiry, a newer reset token
// kills the older ones; queued mail is claimed by one claimer at a time (across store
// objects), comes back when a claim runs out, and is settled only under its lease.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/auth_state_conformance/auth_state_conformance.h"

namespace sessionkit::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

std::string H(char c) { return std::string(64, c); }

EmailTokenRecord Token(char c, std::string user, EmailTokenPurpose purpose, TimePoint expires_at) {
  EmailTokenRecord r;
  r.token_hash = H(c);
  r.user_id = std::move(user);
  r.purpose = purpose;
  r.expires_at = expires_at;
  return r;
}

QueuedMail Mail(std::string id, TimePoint now, TimePoint due) {
  QueuedMail m;
  m.id = std::move(id);
  m.recipient = "someone@example.com";
  m.message = "Subject: hello\r\n\r\nbody of " + m.id + "\r\n";
  m.enqueued_at = now;
  m.due_at = due;
  return m;
}

constexpr auto kVerify = EmailTokenPurpose::kVerifyEmail;
constexpr auto kReset = EmailTokenPurpose::kResetPassword;

TEST_P(AuthStateConformanceTest, EmailTokenIsTakenOnceUntilItsExpiry) {
  const TimePoint now = harness().clock.Now();
  ASSERT_TRUE(store().PutEmailToken(Token('a', "u1", kVerify, now + seconds(60)), now).ok());
  EXPECT_EQ(store().PutEmailToken(Token('a', "u1", kVerify, now + seconds(60)), now).code(),
            Code::kConflict);
  // The other purpose does not take it (and leaves it).
  EXPECT_TRUE(store().TakeEmailToken(H('a'), kReset, now).status().IsNotFound());
  Result<EmailTokenRecord> got = store().TakeEmailToken(H('a'), kVerify, now + seconds(59));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->user_id, "u1");
  EXPECT_EQ(got->purpose, kVerify);
  EXPECT_EQ(got->expires_at, now + seconds(60));
  EXPECT_TRUE(store().TakeEmailToken(H('a'), kVerify, now).status().IsNotFound());
  // Expiry.
  ASSERT_TRUE(store().PutEmailToken(Token('b', "u1", kVerify, now + seconds(60)), now).ok());
  EXPECT_TRUE(store().TakeEmailToken(H('b'), kVerify, now + seconds(60)).status().IsNotFound());
  // A dead hash may be stored again.
  EXPECT_TRUE(store().PutEmailToken(Token('b', "u2", kVerify, now + seconds(200)),
                                    now + seconds(100)).ok());
  EXPECT_EQ(store().TakeEmailToken(H('b'), kVerify, now + seconds(100))->user_id, "u2");
  // Bad input.
  EXPECT_EQ(store().PutEmailToken(Token('c', "u1", kVerify, now), now).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store().PutEmailToken(Token('c', "", kVerify, now + seconds(1)), now).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store().TakeEmailToken("NOTHEX", kVerify, now).status().code(), Code::kInvalidArgument);
}

TEST_P(AuthStateConformanceTest, NewerResetTokenKillsTheOlderOnes) {
  const TimePoint now = harness().clock.Now();
  ASSERT_TRUE(store().PutEmailToken(Token('a', "u1", kReset, now + minutes(30)), now).ok());
  ASSERT_TRUE(store().PutEmailToken(Token('b', "u1", kReset, now + minutes(30)), now).ok());
  ASSERT_TRUE(store().PutEmailToken(Token('c', "u2", kReset, now + minutes(30)), now).ok());
  ASSERT_TRUE(store().PutEmailToken(Token('d', "u1", kVerify, now + minutes(30)), now).ok());
  EXPECT_TRUE(store().TakeEmailToken(H('a'), kReset, now).status().IsNotFound());
  EXPECT_EQ(store().TakeEmailToken(H('b'), kReset, now)->user_id, "u1");
  EXPECT_EQ(store().TakeEmailToken(H('c'), kReset, now)->user_id, "u2");  // another user's
  EXPECT_EQ(store().TakeEmailToken(H('d'), kVerify, now)->user_id, "u1");  // not a reset
}

TEST_P(AuthStateConformanceTest, EmailTokenRacingTakesFromTwoStoresGetItOnce) {
  Result<AuthStateStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  const TimePoint now = harness().clock.Now();
  ASSERT_TRUE(store().PutEmailToken(Token('a', "u1", kReset, now + minutes(30)), now).ok());
  constexpr int kThreads = 8;
  std::atomic<int> taken{0};
  std::atomic<int> start{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    AuthStateStore& target = t % 2 == 0 ? store() : **other;
    threads.emplace_back([&] {
      start.fetch_add(1);
      while (start.load() < kThreads) std::this_thread::yield();
      if (target.TakeEmailToken(H('a'), kReset, now).ok()) taken.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 1);
}

TEST_P(AuthStateConformanceTest, MailIsClaimedInDueOrderAndSettledUnderItsLease) {
  const TimePoint now = harness().clock.Now();
  EXPECT_EQ(store().CountMail().value(), 0u);
  ASSERT_TRUE(store().EnqueueMail(Mail("m2", now, now + seconds(2))).ok());
  ASSERT_TRUE(store().EnqueueMail(Mail("m1", now, now + seconds(1))).ok());
  EXPECT_EQ(store().EnqueueMail(Mail("m1", now, now)).code(), Code::kConflict);
  EXPECT_EQ(store().CountMail().value(), 2u);
  EXPECT_TRUE(store().ClaimMail(now, seconds(60), "l0").status().IsNotFound());  // none due

  Result<QueuedMail> first = store().ClaimMail(now + seconds(5), seconds(60), "l1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->id, "m1");
  EXPECT_EQ(first->recipient, "someone@example.com");
  EXPECT_EQ(first->message, "Subject: hello\r\n\r\nbody of m1\r\n");
  EXPECT_EQ(first->enqueued_at, now);
  EXPECT_EQ(first->due_at, now + seconds(65));
  EXPECT_EQ(first->attempts, 1u);
  EXPECT_EQ(first->lease, "l1");

  Result<QueuedMail> second = store().ClaimMail(now + seconds(5), seconds(60), "l2");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, "m2");
  EXPECT_TRUE(store().ClaimMail(now + seconds(5), seconds(60), "l3").status().IsNotFound());

  // Settled only under the current lease.
  EXPECT_TRUE(store().FinishMail("m1", "l2").IsNotFound());
  EXPECT_TRUE(store().FinishMail("m1", "l1").ok());
  EXPECT_TRUE(store().FinishMail("m1", "l1").IsNotFound());
  EXPECT_EQ(store().CountMail().value(), 1u);

  // A retry moves the due time; the next claim counts a second attempt.
  EXPECT_TRUE(store().RetryMail("m2", "zz", now + seconds(10)).IsNotFound());
  ASSERT_TRUE(store().RetryMail("m2", "l2", now + seconds(10)).ok());
  EXPECT_TRUE(store().ClaimMail(now + seconds(9), seconds(60), "l4").status().IsNotFound());
  Result<QueuedMail> again = store().ClaimMail(now + seconds(10), seconds(60), "l5");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, "m2");
  EXPECT_EQ(again->attempts, 2u);
  // The old lease is dead now.
  EXPECT_TRUE(store().FinishMail("m2", "l2").IsNotFound());
  EXPECT_TRUE(store().FinishMail("m2", "l5").ok());
  EXPECT_EQ(store().CountMail().value(), 0u);

  // Bad input.
  EXPECT_EQ(store().EnqueueMail(Mail("Bad Id", now, now)).code(), Code::kInvalidArgument);
  QueuedMail no_rcpt = Mail("m9", now, now);
  no_rcpt.recipient = "a@b\r\nRCPT TO:<x@y>";
  EXPECT_EQ(store().EnqueueMail(no_rcpt).code(), Code::kInvalidArgument);
  EXPECT_EQ(store().ClaimMail(now, seconds(1), "").status().code(), Code::kInvalidArgument);
}

TEST_P(AuthStateConformanceTest, AClaimThatRunsOutIsTakenOverAndTheOldLeaseIsDead) {
  const TimePoint now = harness().clock.Now();
  ASSERT_TRUE(store().EnqueueMail(Mail("m1", now, now)).ok());
  ASSERT_TRUE(store().ClaimMail(now, seconds(30), "crashed").ok());
  EXPECT_TRUE(store().ClaimMail(now + seconds(29), seconds(30), "l2").status().IsNotFound());
  Result<QueuedMail> taken_over = store().ClaimMail(now + seconds(30), seconds(30), "l2");
  ASSERT_TRUE(taken_over.ok());
  EXPECT_EQ(taken_over->attempts, 2u);
  EXPECT_TRUE(store().FinishMail("m1", "crashed").IsNotFound());
  EXPECT_TRUE(store().RetryMail("m1", "crashed", now).IsNotFound());
  EXPECT_TRUE(store().FinishMail("m1", "l2").ok());
}

TEST_P(AuthStateConformanceTest, RacingClaimersFromTwoStoresGetEachMailOnce) {
  Result<AuthStateStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  const TimePoint now = harness().clock.Now();
  constexpr int kMails = 20;
  for (int i = 0; i < kMails; ++i) {
    ASSERT_TRUE(store().EnqueueMail(Mail("m" + std::to_string(i), now, now)).ok());
  }
  constexpr int kThreads = 6;
  std::mutex mu;
  std::multiset<std::string> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    AuthStateStore& target = t % 2 == 0 ? store() : **other;
    threads.emplace_back([&, t] {
      for (int n = 0;; ++n) {
        Result<QueuedMail> m =
            target.ClaimMail(now, minutes(5), "t" + std::to_string(t) + "n" + std::to_string(n));
        if (!m.ok()) break;
        std::lock_guard<std::mutex> lock(mu);
        claimed.insert(m->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kMails));
  for (const std::string& id : claimed) EXPECT_EQ(claimed.count(id), 1u) << id;
}

}  // namespace
}  // namespace sessionkit::testing
