// SQLite-specific behaviour of the store (the shared semantics are in
// tests/store_conformance): persistence, purge, the on-disk row, several instances on
// one file, lock waits, inline callbacks.
#include "src/store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "src/store/sqlite/schema.h"
#include "src/store/sqlite/sqlite_store_fixture.h"
#include "testing/raw_sqlite.h"
#include "testing/session_factory.h"
#include "testing/temp_dir.h"

namespace sessionkit {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::MakeTestSession;
using testing::RawSqlite;
using testing::TempDir;
using testing::TestSessionId;

class SqliteStoreTest : public testing::SqliteStoreFixture {
 protected:
  // Rows in the table, dead ones included (the store itself never shows those).
  std::int64_t RowCount() { return Raw()->QueryInt("SELECT count(*) FROM sessions").value(); }

};

TEST_F(SqliteStoreTest, RowHoldsTheEncodedRecordVerbatimAndMillisecondColumns) {
  auto store = OpenStore();
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), hours(1));
  ASSERT_TRUE(store->Insert(s).ok());

  auto db = Raw();
  const std::string where = " FROM sessions WHERE id = '" + s.id + "'";
  EXPECT_EQ(db->QueryText("SELECT record" + where).value(), EncodeSession(s));
  EXPECT_EQ(db->QueryText("SELECT user_id" + where).value(), "user-a");
  EXPECT_EQ(db->QueryInt("SELECT created_at" + where).value(), 1737367200000);
  EXPECT_EQ(db->QueryInt("SELECT expires_at" + where).value(), 1737367200000 + 3600 * 1000);
}

TEST_F(SqliteStoreTest, TouchWritesRewrittenRecordAndNewExpiry) {
  auto store = OpenStore();
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), hours(1));
  ASSERT_TRUE(store->Insert(s).ok());
  auto current = store->Get(s.id);
  ASSERT_TRUE(current.ok());
  clock_.Advance(minutes(10));
  ASSERT_TRUE(store->Touch(*current, now(), now() + hours(3)).ok());

  auto db = Raw();
  const std::string where = " FROM sessions WHERE id = '" + s.id + "'";
  auto expected = RewriteSessionTimes(current->raw, now(), now() + hours(3));
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(db->QueryText("SELECT record" + where).value(), *expected);
  EXPECT_EQ(db->QueryInt("SELECT expires_at" + where).value(),
            internal::UnixMillisFloor(now() + hours(3)));
  EXPECT_EQ(db->QueryInt("SELECT created_at" + where).value(), internal::UnixMillisFloor(s.created_at));
}

TEST_F(SqliteStoreTest, TouchToADeadlineAlreadyPassedIsInvalidArgument) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(1), "user-a", now())).ok());
  auto current = store->Get(TestSessionId(1));
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(store->Touch(*current, now(), now()).code(), Code::kInvalidArgument);
  EXPECT_TRUE(store->Get(TestSessionId(1)).ok()) << "a refused touch changes nothing";
}

TEST_F(SqliteStoreTest, InsertRejectsAMalformedIdOrEmptyUser) {
  auto store = OpenStore();
  EXPECT_EQ(store->Insert(MakeTestSession("sess_XYZ", "user-a", now())).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store->Insert(MakeTestSession(TestSessionId(1), "", now())).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(RowCount(), 0);
}

TEST_F(SqliteStoreTest, ReopenKeepsLiveSessionsAndDropsExpiredOnes) {
  const Session live = MakeTestSession(TestSessionId(1), "user-a", now(), hours(2));
  const Session dying = MakeTestSession(TestSessionId(2), "user-a", now(), minutes(5));
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Insert(live).ok());
    ASSERT_TRUE(store->Insert(dying).ok());
  }  // closed: every connection gone
  clock_.Advance(minutes(10));

  auto store = OpenStore();
  auto got = store->Get(live.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->user_agent, live.user_agent);
  EXPECT_EQ(got->expires_at, live.expires_at);
  EXPECT_EQ(store->Count().value(), 1u);
  EXPECT_THAT(store->ListForUser("user-a").value(), ::testing::SizeIs(1));
  EXPECT_EQ(RowCount(), 2) << "reads never purge";

  // The first write after opening runs a purge batch: the dead row leaves the file.
  ASSERT_TRUE(store->Delete(TestSessionId(404)).ok());
  EXPECT_EQ(RowCount(), 1);
  EXPECT_EQ(store->Get(dying.id).status().code(), Code::kNotFound);
}

TEST_F(SqliteStoreTest, PurgeDeletesAtMostOneBatchPerIntervalAndEventuallyAll) {
  auto store = OpenStore({.purge_batch = 3, .purge_interval = seconds(60)});
  for (int i = 1; i <= 8; ++i) {
    ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(i), "user-a", now(), minutes(1))).ok());
  }
  const Session keeper = MakeTestSession(TestSessionId(100), "user-a", now(), hours(5));
  ASSERT_TRUE(store->Insert(keeper).ok());
  clock_.Advance(minutes(2));  // 8 dead rows
  ASSERT_EQ(RowCount(), 9);

  auto write = [&] { ASSERT_TRUE(store->Delete(TestSessionId(404)).ok()); };
  write();  // the interval since the purge at the first insert has passed
  EXPECT_EQ(RowCount(), 9 - 3);
  write();  // same instant: not due again
  EXPECT_EQ(RowCount(), 6);
  clock_.Advance(seconds(59));
  write();
  EXPECT_EQ(RowCount(), 6) << "still inside the interval";
  clock_.Advance(seconds(1));
  write();
  EXPECT_EQ(RowCount(), 3);
  clock_.Advance(seconds(60));
  write();
  EXPECT_EQ(RowCount(), 1);
  clock_.Advance(seconds(60));
  write();
  EXPECT_EQ(RowCount(), 1) << "the live session is never purged";
  EXPECT_TRUE(store->Get(keeper.id).ok());
}

TEST_F(SqliteStoreTest, PurgeExpiredOnDemandIsBoundedByTheBatch) {
  auto store = OpenStore({.purge_batch = 2, .purge_interval = hours(1)});
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(i), "user-a", now(), minutes(1))).ok());
  }
  clock_.Advance(minutes(1));
  EXPECT_EQ(store->PurgeExpired().value(), 2u);
  EXPECT_EQ(store->PurgeExpired().value(), 2u);
  EXPECT_EQ(store->PurgeExpired().value(), 1u);
  EXPECT_EQ(store->PurgeExpired().value(), 0u);
  EXPECT_EQ(RowCount(), 0);
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  auto a = OpenStore();
  auto b = OpenStore();  // like a second process: its own connections
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), hours(1));
  ASSERT_TRUE(a->Insert(s).ok());

  auto from_b = b->Get(s.id);
  ASSERT_TRUE(from_b.ok()) << from_b.status().ToString();
  clock_.Advance(minutes(1));
  ASSERT_TRUE(b->Touch(*from_b, now(), now() + hours(2)).ok());
  auto from_a = a->Get(s.id);
  ASSERT_TRUE(from_a.ok());
  EXPECT_EQ(from_a->expires_at, now() + hours(2));

  EXPECT_EQ(b->Insert(s).status().code(), Code::kConflict) << "the id is taken in the file";
  ASSERT_TRUE(b->Insert(MakeTestSession(TestSessionId(2), "user-a", now())).ok());
  clock_.Advance(seconds(1));
  auto capped = a->Insert(MakeTestSession(TestSessionId(3), "user-a", now()), 2);
  ASSERT_TRUE(capped.ok()) << capped.status().ToString();
  EXPECT_THAT(*capped, ElementsAre(s.id)) << "the cap sees the other instance's sessions";

  ASSERT_TRUE(a->Delete(TestSessionId(2)).value());
  EXPECT_EQ(b->Get(TestSessionId(2)).status().code(), Code::kNotFound);
  EXPECT_EQ(b->Count().value(), 1u);
}

TEST_F(SqliteStoreTest, AWriterHeldElsewhereIsUnavailableAfterBusyTimeoutReadsStillWork) {
  auto store = OpenStore({.busy_timeout = milliseconds(50)});
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now());
  ASSERT_TRUE(store->Insert(s).ok());

  auto other = Raw();  // another process holding the write lock
  ASSERT_TRUE(other->Exec("BEGIN IMMEDIATE").ok());
  auto blocked = store->Insert(MakeTestSession(TestSessionId(2), "user-a", now()));
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), Code::kUnavailable) << blocked.status().ToString();
  EXPECT_THAT(blocked.status().message(), HasSubstr("locked"));
  EXPECT_THAT(blocked.status().message(), Not(HasSubstr("Mozilla"))) << "no record contents";
  EXPECT_EQ(store->Delete(s.id).status().code(), Code::kUnavailable);
  EXPECT_TRUE(store->Get(s.id).ok()) << "WAL: readers do not wait for the writer";
  EXPECT_TRUE(store->Ping().ok());

  ASSERT_TRUE(other->Exec("COMMIT").ok());
  EXPECT_TRUE(store->Insert(MakeTestSession(TestSessionId(2), "user-a", now())).ok())
      << "the store recovers as soon as the lock is released";
}

TEST_F(SqliteStoreTest, AStoredRecordThatDoesNotParseIsMalformedOnGetAndSkippedByListAndScan) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(1), "user-a", now())).ok());
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(3), "user-a", now())).ok());
  const std::int64_t ms = internal::UnixMillisFloor(now());
  ASSERT_TRUE(Raw()->InsertSessionRow(TestSessionId(2), "user-a", ms, ms + 3600000,
                                      "{\"secret-ish\": not json").ok());

  auto got = store->Get(TestSessionId(2));
  EXPECT_EQ(got.status().code(), Code::kMalformed) << got.status().ToString();
  EXPECT_THAT(got.status().message(), Not(HasSubstr("secret-ish")));
  EXPECT_THAT(store->ListForUser("user-a").value(), ::testing::SizeIs(2));
  EXPECT_EQ(store->Count().value(), 3u);
  std::vector<std::string> scanned;
  std::string cursor;
  do {
    auto page = store->Scan(cursor, 1);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const Session& s : page->sessions) scanned.push_back(s.id);
    cursor = page->next_cursor;
  } while (!cursor.empty());
  EXPECT_THAT(scanned, ElementsAre(TestSessionId(1), TestSessionId(3)));
  EXPECT_TRUE(store->Delete(TestSessionId(2)).value()) << "a bad row can still be deleted";
}

TEST_F(SqliteStoreTest, ScanReturnsFullPagesInIdOrder) {
  auto store = OpenStore();
  for (int i = 5; i >= 1; --i) {
    ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(i), "u" + std::to_string(i), now())).ok());
  }
  auto first = store->Scan("", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_THAT(first->sessions, ::testing::SizeIs(2));
  EXPECT_EQ(first->sessions[0].id, TestSessionId(1));
  EXPECT_EQ(first->sessions[1].id, TestSessionId(2));
  EXPECT_EQ(first->next_cursor, TestSessionId(2));
  auto last = store->Scan(TestSessionId(4), 2);
  ASSERT_TRUE(last.ok());
  ASSERT_THAT(last->sessions, ::testing::SizeIs(1));
  EXPECT_EQ(last->next_cursor, "") << "a short page ends the iteration";
  auto zero = store->Scan("", 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_THAT(zero->sessions, ::testing::SizeIs(1)) << "limit 0 is treated as 1";
}

TEST_F(SqliteStoreTest, CallbacksRunInlineWithTheConnectionAlreadyReturned) {
  auto store = OpenStore({.busy_timeout = milliseconds(100)});
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(1), "user-a", now())).ok());

  // Nest deeper than the pool has connections: each callback starts the next operation.
  // If a callback ran while its operation still held a connection, the nesting would
  // run out of connections and fail Unavailable.
  constexpr int kDepth = static_cast<int>(SqliteStore::kMaxConnections) * 2;
  int reached = 0;
  std::vector<Status> failures;
  std::function<void(int)> nest = [&](int depth) {
    store->GetAsync(TestSessionId(1), [&, depth](Result<Session> r) {
      if (!r.ok()) failures.push_back(r.status());
      reached = depth;
      if (depth < kDepth) nest(depth + 1);
    });
  };
  nest(1);
  EXPECT_EQ(reached, kDepth) << "callbacks run before the *Async call returns";
  for (const Status& s : failures) ADD_FAILURE() << s.ToString();
}

TEST_F(SqliteStoreTest, MoreThreadsThanConnectionsShareThePool) {
  auto store = OpenStore();
  constexpr int kThreads = static_cast<int>(SqliteStore::kMaxConnections) * 2;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const Session s = MakeTestSession(TestSessionId(t * 100 + i), "u" + std::to_string(t), now());
        if (!store->Insert(s).ok()) ++failures[t];
        if (!store->Get(s.id).ok()) ++failures[t];
        if (!store->ListForUser(s.user_id).ok()) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
  EXPECT_EQ(store->Count().value(), static_cast<std::uint64_t>(kThreads * 25));
}

}  // namespace
}  // namespace sessionkit
