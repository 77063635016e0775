#include "server/store_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "testing/memory_store.h"
#include "testing/session_factory.h"
#include "testing/switchable_auth_state.h"

namespace sessionkit::server {
namespace {

using sessionkit::testing::CountingStore;
using sessionkit::testing::MakeTestSession;
using sessionkit::testing::MemoryStore;
using sessionkit::testing::TestSessionId;

TEST(StoreMetricsTest, EverySessionStoreCallIsTimedAndFailuresCountedByOperation) {
  StoreMetrics metrics;
  auto counting = std::make_shared<CountingStore>(std::make_shared<MemoryStore>());
  SessionStorePtr store = InstrumentSessionStore(counting, metrics);
  const Session s = MakeTestSession(TestSessionId(1), "7", std::chrono::system_clock::now());

  ASSERT_TRUE(store->Insert(s).ok());
  Result<Session> got = store->Get(s.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->user_id, "7") << "results pass through unchanged";
  EXPECT_EQ(store->Get(TestSessionId(2)).status().code(), Code::kNotFound);
  EXPECT_EQ(metrics.CallsForTest(StoreOp::kInsert), 1u);
  EXPECT_EQ(metrics.CallsForTest(StoreOp::kGet), 2u);
  EXPECT_EQ(metrics.ErrorsForTest(StoreOp::kGet), 0u) << "NotFound is an answer, not a failure";
  EXPECT_EQ(counting->counts().get, 2u) << "every call reaches the inner store once";

  counting->set_down(true);
  EXPECT_EQ(store->Get(s.id).status().code(), Code::kUnavailable);
  EXPECT_EQ(store->Ping().code(), Code::kUnavailable);
  EXPECT_EQ(metrics.ErrorsForTest(StoreOp::kGet), 1u);
  EXPECT_EQ(metrics.ErrorsForTest(StoreOp::kPing), 1u);
  EXPECT_EQ(metrics.CallsForTest(StoreOp::kTouch), 0u);

  std::string text;
  metrics.Render(text);
  EXPECT_NE(text.find("sessionkit_store_operation_duration_seconds_count{store=\"sessions\","
                      "op=\"get\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sessionkit_store_operation_errors_total{store=\"sessions\",op=\"get\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sessionkit_store_operation_duration_seconds_bucket{store=\"sessions\","
                      "op=\"insert\",le=\"+Inf\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("op=\"touch\""), std::string::npos) << "operations never called are left out";
}

TEST(StoreMetricsTest, PurgeOfDeadSessionsIsForwarded) {
  StoreMetrics metrics;
  ManualClock clock;
  SessionStorePtr store = InstrumentSessionStore(std::make_shared<MemoryStore>(&clock), metrics);
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(1), "7", clock.Now(), std::chrono::minutes(1))).ok());
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(2), "7", clock.Now(), std::chrono::hours(1))).ok());
  clock.Advance(std::chrono::minutes(2));
  Result<PurgePage> page = store->PurgeDead("", 100);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->deleted, 1u) << "the decorator must not answer with the interface's default";
  EXPECT_EQ(page->examined, 2u);
  EXPECT_TRUE(page->next_cursor.empty());
  EXPECT_TRUE(store->Get(TestSessionId(2)).ok());
}

TEST(StoreMetricsTest, AccountStateFailuresAreCountedToo) {
  StoreMetrics metrics;
  auto switchable = std::make_shared<sessionkit::testing::SwitchableAuthState>(nullptr);
  switchable->set_down(true);
  AuthStateStorePtr store = InstrumentAuthStateStore(switchable, metrics);
  EXPECT_EQ(store->GetRefresh("hash").status().code(), Code::kUnavailable);
  EXPECT_EQ(metrics.CallsForTest(StoreOp::kGetRefresh), 1u);
  EXPECT_EQ(metrics.ErrorsForTest(StoreOp::kGetRefresh), 1u);
  std::string text;
  metrics.Render(text);
  EXPECT_NE(text.find("{store=\"account_state\",op=\"get_refresh\"} 1\n"), std::string::npos)
      << text;
}

TEST(StoreMetricsTest, CallRecordsAreReusedOnceWarm) {
  StoreMetrics metrics;
  SessionStorePtr store = InstrumentSessionStore(std::make_shared<MemoryStore>(), metrics);
  const Session s = MakeTestSession(TestSessionId(1), "7", std::chrono::system_clock::now());
  ASSERT_TRUE(store->Insert(s).ok());
  ASSERT_TRUE(store->Get(s.id).ok());  // warms this thread's free list of Get records
  const std::uint64_t warm = StoreCallRecordsAllocatedForTest();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(store->Get(s.id).ok());
  EXPECT_EQ(StoreCallRecordsAllocatedForTest(), warm)
      << "a validation's store call allocates no record once the thread is warm";
  EXPECT_EQ(metrics.CallsForTest(StoreOp::kGet), 1001u);
}

TEST(StoreMetricsTest, LatencyLandsInTheRightBucket) {
  StoreMetrics metrics;
  metrics.Record(StoreOp::kTouch, std::chrono::microseconds(40), false);   // <= 50 us
  metrics.Record(StoreOp::kTouch, std::chrono::milliseconds(3), true);     // <= 5 ms
  metrics.Record(StoreOp::kTouch, std::chrono::seconds(2), false);         // +Inf
  std::string text;
  metrics.Render(text);
  const std::string prefix =
      "sessionkit_store_operation_duration_seconds_bucket{store=\"sessions\",op=\"touch\",le=";
  EXPECT_NE(text.find(prefix + "\"5e-05\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(prefix + "\"0.0025\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(prefix + "\"0.005\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find(prefix + "\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find(prefix + "\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_EQ(metrics.ErrorsForTest(StoreOp::kTouch), 1u);
}

}  // namespace
}  // namespace sessionkit::server
