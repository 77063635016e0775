// The second-factor cases every UserStore backend that keeps enrolments runs
// (user_store.h, "second factor"): pending -> confirmed, the last accepted step as a
// compare-and-set with exactly one winner across two store objects, single-use recovery
// codes, and removal with the user.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/user_store_conformance/user_store_conformance.h"

namespace sessionkit::testing {
namespace {

std::string Hash(char c) { return std::string(64, c); }


TEST_P(UserStoreConformanceTest, TwoFactorPendingThenConfirmed) {
  ASSERT_TRUE(store().SupportsTwoFactor());
  Result<User> user = store().Create("tfa", "tfa@example.com", "$argon2id$h");
  ASSERT_TRUE(user.ok());
  EXPECT_TRUE(store().GetTwoFactor(user->id).status().IsNotFound());

  ASSERT_TRUE(store().PutPendingTwoFactor(user->id, "k1", "sealed-one").ok());
  // A second setup replaces the pending one.
  ASSERT_TRUE(store().PutPendingTwoFactor(user->id, "k2", "sealed-two").ok());
  Result<TwoFactorEnrolment> pending = store().GetTwoFactor(user->id);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  EXPECT_FALSE(pending->confirmed);
  EXPECT_EQ(pending->key_id, "k2");
  EXPECT_EQ(pending->sealed_secret, "sealed-two");
  EXPECT_EQ(pending->last_step, -1);
  EXPECT_TRUE(pending->recovery_code_hashes.empty());
  // A pending enrolment accepts no code step.
  EXPECT_FALSE(store().AdvanceTwoFactorStep(user->id, 100).value());

  // Confirming the replaced secret changes nothing.
  EXPECT_EQ(store().ConfirmTwoFactor(user->id, "sealed-one", 100, {Hash('a')}).code(),
            Code::kConflict);
  ASSERT_TRUE(store().ConfirmTwoFactor(user->id, "sealed-two", 100, {Hash('a'), Hash('b')}).ok());
  EXPECT_EQ(store().ConfirmTwoFactor(user->id, "sealed-two", 101, {}).code(), Code::kConflict);
  Result<TwoFactorEnrolment> on = store().GetTwoFactor(user->id);
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(on->confirmed);
  EXPECT_EQ(on->last_step, 100);
  EXPECT_EQ(on->recovery_code_hashes, (std::vector<std::string>{Hash('a'), Hash('b')}));
  // Setup while 2FA is on: Conflict, nothing replaced.
  EXPECT_EQ(store().PutPendingTwoFactor(user->id, "k3", "sealed-three").code(), Code::kConflict);
  EXPECT_EQ(store().GetTwoFactor(user->id)->sealed_secret, "sealed-two");
}

TEST_P(UserStoreConformanceTest, TwoFactorStepAdvancesOnlyForward) {
  Result<User> user = store().Create("steps", "steps@example.com", "$argon2id$h");
  ASSERT_TRUE(user.ok());
  ASSERT_TRUE(store().PutPendingTwoFactor(user->id, "k", "s").ok());
  ASSERT_TRUE(store().ConfirmTwoFactor(user->id, "s", 1000, {}).ok());
  EXPECT_FALSE(store().AdvanceTwoFactorStep(user->id, 1000).value());  // the same step: replay
  EXPECT_FALSE(store().AdvanceTwoFactorStep(user->id, 999).value());   // an earlier one
  EXPECT_TRUE(store().AdvanceTwoFactorStep(user->id, 1001).value());
  EXPECT_FALSE(store().AdvanceTwoFactorStep(user->id, 1001).value());
  EXPECT_EQ(store().GetTwoFactor(user->id)->last_step, 1001);
  EXPECT_FALSE(store().AdvanceTwoFactorStep("no-such-user", 5000).value());
}

TEST_P(UserStoreConformanceTest, TwoFactorStepHasExactlyOneWinnerAcrossStores) {
  Result<UserStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  Result<User> user = store().Create("race", "race@example.com", "$argon2id$h");
  ASSERT_TRUE(user.ok());
  ASSERT_TRUE(store().PutPendingTwoFactor(user->id, "k", "s").ok());
  ASSERT_TRUE(store().ConfirmTwoFactor(user->id, "s", 10, {}).ok());
  constexpr int kThreads = 8;
  for (std::int64_t step = 11; step < 14; ++step) {
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::atomic<int> start{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      UserStore& target = t % 2 == 0 ? store() : **other;
      threads.emplace_back([&, step] {
        start.fetch_add(1);
        while (start.load() < kThreads) std::this_thread::yield();
        Result<bool> advanced = target.AdvanceTwoFactorStep(user->id, step);
        if (!advanced.ok()) {
          errors.fetch_add(1);
        } else if (*advanced) {
          winners.fetch_add(1);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(winners.load(), 1) << "step " << step;
    EXPECT_EQ(errors.load(), 0);
  }
}

TEST_P(UserStoreConformanceTest, RecoveryCodesAreSingleUseAndReplaceable) {
  Result<UserStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok());
  Result<User> user = store().Create("codes", "codes@example.com", "$argon2id$h");
  ASSERT_TRUE(user.ok());
  ASSERT_TRUE(store().PutPendingTwoFactor(user->id, "k", "s").ok());
  // Not confirmed: no code spends, none can be replaced.
  EXPECT_FALSE(store().UseRecoveryCode(user->id, Hash('a'))->used);
  EXPECT_TRUE(store().ReplaceRecoveryCodes(user->id, {Hash('a')}).IsNotFound());
  ASSERT_TRUE(store().ConfirmTwoFactor(user->id, "s", 1, {Hash('a'), Hash('b'), Hash('c')}).ok());

  Result<UserStore::RecoveryCodeUse> used = store().UseRecoveryCode(user->id, Hash('b'));
  ASSERT_TRUE(used.ok());
  EXPECT_TRUE(used->used);
  EXPECT_EQ(used->left, 2u);
  EXPECT_FALSE((*other)->UseRecoveryCode(user->id, Hash('b'))->used);  // once, everywhere
  EXPECT_FALSE(store().UseRecoveryCode(user->id, Hash('z'))->used);

  // Two store objects racing on one code: one wins.
  std::atomic<int> winners{0};
  std::thread a([&] { if (store().UseRecoveryCode(user->id, Hash('a'))->used) winners++; });
  std::thread b([&] { if ((*other)->UseRecoveryCode(user->id, Hash('a'))->used) winners++; });
  a.join();
  b.join();
  EXPECT_EQ(winners.load(), 1);

  ASSERT_TRUE(store().ReplaceRecoveryCodes(user->id, {Hash('d'), Hash('e')}).ok());
  EXPECT_FALSE(store().UseRecoveryCode(user->id, Hash('c'))->used);  // the old ones are dead
  EXPECT_EQ(store().UseRecoveryCode(user->id, Hash('e'))->left, 1u);
}

TEST_P(UserStoreConformanceTest, TwoFactorGoesWithDisableAndWithTheUser) {
  Result<User> user = store().Create("gone", "gone@example.com", "$argon2id$h");
  ASSERT_TRUE(user.ok());
  ASSERT_TRUE(store().PutPendingTwoFactor(user->id, "k", "s").ok());
  ASSERT_TRUE(store().ConfirmTwoFactor(user->id, "s", 1, {Hash('a')}).ok());
  ASSERT_TRUE(store().DeleteTwoFactor(user->id).ok());
  EXPECT_TRUE(store().GetTwoFactor(user->id).status().IsNotFound());
  EXPECT_TRUE(store().DeleteTwoFactor(user->id).ok());
  // A new setup after disabling starts afresh.
  ASSERT_TRUE(store().PutPendingTwoFactor(user->id, "k", "s2").ok());
  ASSERT_TRUE(store().Delete(user->id).ok());
  EXPECT_TRUE(store().GetTwoFactor(user->id).status().IsNotFound());
}

}  // namespace
}  // namespace sessionkit::testing
