// The read cache across this process's own commits (session_read_cache.h, "own commits"):
// a write through the store drops only the rows it wrote and keeps the other entries as
// hits when the wal-index readings around it prove that its commit was the only one; a
// commit by another connection -- before our transaction, or in the window between our
// COMMIT and the "after" reading -- still empties the cache. "Another process" is a second
// SqliteStore on the file or a raw sqlite3 connection: both have their own connections and
// write through the same shared-memory wal-index as a process would.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "src/store/sqlite/session_read_cache.h"
#include "src/store/sqlite/sqlite_store.h"
#include "src/store/sqlite/sqlite_store_fixture.h"
#include "src/store/sqlite/wal_change_watch.h"
#include "testing/raw_sqlite.h"
#include "testing/session_factory.h"
#include "testing/temp_dir.h"

namespace sessionkit {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::MakeTestSession;
using testing::RawSqlite;
using testing::TempDir;
using testing::TestSessionId;

class SqliteOwnCommitTest : public testing::SqliteStoreFixture {
 protected:
  void InsertAll(SqliteStore& store, std::initializer_list<int> numbers,
                 const std::string& user = "user-a") {
    for (int n : numbers) {
      ASSERT_TRUE(store.Insert(MakeTestSession(TestSessionId(n), user, now(), hours(1))).ok());
    }
  }
  // Gets `id` and says whether the answer came from the cache.
  bool GetIsAHit(SqliteStore& store, const std::string& id) {
    const std::uint64_t hits = store.read_cache_stats().hits;
    EXPECT_TRUE(store.Get(id).ok()) << id;
    return store.read_cache_stats().hits == hits + 1;
  }
  void Warm(SqliteStore& store, const std::string& id) {
    ASSERT_TRUE(store.Get(id).ok());
    ASSERT_TRUE(GetIsAHit(store, id)) << "not cached: " << id;
  }
};

// TestSessionId(1) and TestSessionId(17) fall in the same shard, TestSessionId(2) in another.

TEST_F(SqliteOwnCommitTest, AnOwnTouchOfAnotherSessionKeepsTheEntryAHit) {
  auto store = OpenStore();
  InsertAll(*store, {1, 2, 17});
  Warm(*store, TestSessionId(1));
  auto other = store->Get(TestSessionId(2));
  ASSERT_TRUE(other.ok());
  clock_.Advance(minutes(1));
  ASSERT_TRUE(store->Touch(*other, now(), now() + hours(2)).ok());
  EXPECT_TRUE(GetIsAHit(*store, TestSessionId(1)));
  auto same_shard = store->Get(TestSessionId(17));
  ASSERT_TRUE(same_shard.ok());
  ASSERT_TRUE(store->Touch(*same_shard, now(), now() + hours(2)).ok());
  EXPECT_TRUE(GetIsAHit(*store, TestSessionId(1)));
}

TEST_F(SqliteOwnCommitTest, OwnInsertsDeletesAndPurgesOfOthersKeepTheEntryAHit) {
  auto store = OpenStore({.purge_interval = hours(24)});
  InsertAll(*store, {1, 2});
  Warm(*store, TestSessionId(1));
  InsertAll(*store, {3, 17, 33});  // a login stream
  EXPECT_TRUE(GetIsAHit(*store, TestSessionId(1)));
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(4), "user-b", now(), hours(1)),
                            /*max_per_user=*/1)
                  .ok());
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(5), "user-b", now(), hours(1)),
                            /*max_per_user=*/1)
                  .ok());  // evicts 4
  EXPECT_TRUE(GetIsAHit(*store, TestSessionId(1)));
  ASSERT_TRUE(store->Delete(TestSessionId(2)).value());
  EXPECT_TRUE(GetIsAHit(*store, TestSessionId(1)));
  ASSERT_EQ(store->DeleteAllForUser("user-b").value(), 1u);
  EXPECT_TRUE(GetIsAHit(*store, TestSessionId(1)));
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(6), "user-c", now(), minutes(1))).ok());
  clock_.Advance(minutes(2));
  ASSERT_TRUE(store->Touch(*store->Get(TestSessionId(1)), now(), now() + hours(1)).ok());
  Warm(*store, TestSessionId(1));
  ASSERT_EQ(store->PurgeExpired().value(), 1u);  // 6
  EXPECT_TRUE(GetIsAHit(*store, TestSessionId(1)));
}

TEST_F(SqliteOwnCommitTest, TheWrittenSessionIsNeverServedStale) {
  auto store = OpenStore();
  InsertAll(*store, {1, 2});
  Warm(*store, TestSessionId(1));
  Warm(*store, TestSessionId(2));
  clock_.Advance(minutes(1));
  ASSERT_TRUE(store->Touch(*store->Get(TestSessionId(1)), now(), now() + hours(3)).ok());
  auto touched = store->Get(TestSessionId(1));
  ASSERT_TRUE(touched.ok());
  EXPECT_EQ(touched->expires_at, now() + hours(3));
  ASSERT_TRUE(GetIsAHit(*store, TestSessionId(1)));  // cached again, with the new expiry
  EXPECT_EQ(store->Get(TestSessionId(1))->expires_at, now() + hours(3));

  ASSERT_TRUE(store->Delete(TestSessionId(1)).value());
  EXPECT_EQ(store->Get(TestSessionId(1)).status().code(), Code::kNotFound);
  ASSERT_EQ(store->DeleteAllForUser("user-a").value(), 1u);  // 2
  EXPECT_EQ(store->Get(TestSessionId(2)).status().code(), Code::kNotFound);

  InsertAll(*store, {3}, "user-b");
  Warm(*store, TestSessionId(3));
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(4), "user-b", now(), hours(1)), 1).ok());
  EXPECT_EQ(store->Get(TestSessionId(3)).status().code(), Code::kNotFound) << "evicted by the cap";
}

TEST_F(SqliteOwnCommitTest, AForeignCommitBeforeOurWriteStillEmptiesTheCache) {
  auto server = OpenStore();
  auto other = OpenStore();  // another process
  InsertAll(*server, {1, 2});
  Warm(*server, TestSessionId(1));
  ASSERT_TRUE(other->Delete(TestSessionId(1)).value());
  clock_.Advance(minutes(1));
  ASSERT_TRUE(server->Touch(*server->Get(TestSessionId(2)), now(), now() + hours(2)).ok());
  EXPECT_EQ(server->Get(TestSessionId(1)).status().code(), Code::kNotFound);

  InsertAll(*server, {3});
  Warm(*server, TestSessionId(3));
  auto raw = Raw();
  ASSERT_TRUE(raw->Exec("DELETE FROM sessions WHERE id = '" + TestSessionId(3) + "'").ok());
  InsertAll(*server, {4});  // our own commit right after theirs
  EXPECT_EQ(server->Get(TestSessionId(3)).status().code(), Code::kNotFound);
}

TEST_F(SqliteOwnCommitTest, AForeignCommitBetweenOurCommitAndTheAfterReadingEmptiesTheCache) {
  auto server = OpenStore();
  auto other = OpenStore();
  InsertAll(*server, {1, 2, 3, 4});
  int round = 0;
  server->SetBetweenCommitAndReadingHookForTest([&] {
    if (round == 1) {
      ASSERT_TRUE(other->Delete(TestSessionId(1)).value());
    }
    if (round == 2) {
      auto raw = Raw();
      ASSERT_TRUE(raw->Exec("DELETE FROM sessions WHERE id = '" + TestSessionId(3) + "'").ok());
    }
  });
  Warm(*server, TestSessionId(1));
  round = 1;
  ASSERT_TRUE(server->Delete(TestSessionId(2)).value());
  round = 0;
  EXPECT_EQ(server->Get(TestSessionId(1)).status().code(), Code::kNotFound);

  Warm(*server, TestSessionId(3));
  round = 2;
  InsertAll(*server, {5});
  round = 0;
  EXPECT_EQ(server->Get(TestSessionId(3)).status().code(), Code::kNotFound);
}

TEST_F(SqliteOwnCommitTest, AWalRestartBetweenTheReadingsIsNotAProof) {
  auto store = OpenStore();
  InsertAll(*store, {1, 2});
  Warm(*store, TestSessionId(1));
  store->SetBetweenCommitAndReadingHookForTest([&] {
    auto raw = Raw();
    ASSERT_TRUE(raw->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  });
  ASSERT_TRUE(store->Delete(TestSessionId(2)).value());
  store->SetBetweenCommitAndReadingHookForTest(nullptr);
  EXPECT_FALSE(GetIsAHit(*store, TestSessionId(1)));
  EXPECT_TRUE(GetIsAHit(*store, TestSessionId(1)));
}

// The proof itself, on real header readings around transactions of a raw connection.
TEST_F(SqliteOwnCommitTest, OnlyOurCommitBetweenHoldsForExactlyOneCommitAndNothingElse) {
  auto store = OpenStore();  // creates the schema
  auto watch = internal::WalChangeWatch::Open(path_, std::chrono::milliseconds(1000));
  ASSERT_TRUE(watch.ok());
  auto ours = Raw();
  auto theirs = Raw();
  ASSERT_TRUE(ours->Exec("CREATE TABLE t(x)").ok());

  ASSERT_TRUE(ours->Exec("BEGIN IMMEDIATE").ok());
  const internal::WalVersion before = (*watch)->Read();
  ASSERT_TRUE(ours->Exec("INSERT INTO t VALUES(1); COMMIT").ok());
  const internal::WalVersion after = (*watch)->Read();
  EXPECT_TRUE(internal::OnlyOurCommitBetween(before, after));
  EXPECT_FALSE(internal::OnlyOurCommitBetween(after, after)) << "no commit is not one";

  ASSERT_TRUE(ours->Exec("BEGIN IMMEDIATE").ok());
  const internal::WalVersion before2 = (*watch)->Read();
  ASSERT_TRUE(ours->Exec("INSERT INTO t VALUES(2); COMMIT").ok());
  ASSERT_TRUE(theirs->Exec("INSERT INTO t VALUES(3)").ok());
  EXPECT_FALSE(internal::OnlyOurCommitBetween(before2, (*watch)->Read())) << "two commits";

  ASSERT_TRUE(ours->Exec("BEGIN IMMEDIATE").ok());
  const internal::WalVersion before3 = (*watch)->Read();
  ASSERT_TRUE(ours->Exec("INSERT INTO t VALUES(4); COMMIT").ok());
  ASSERT_TRUE(theirs->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  EXPECT_FALSE(internal::OnlyOurCommitBetween(before3, (*watch)->Read())) << "a WAL restart";

  internal::WalVersion unstable = after;
  unstable.stable = false;
  EXPECT_FALSE(internal::OnlyOurCommitBetween(before, unstable));
  EXPECT_FALSE(internal::OnlyOurCommitBetween(unstable, after));
}

TEST_F(SqliteOwnCommitTest, ACounterJumpOrWrapIsNotAProof) {
  internal::WalVersion before;
  before.stable = true;
  auto set_word = [](internal::WalVersion& v, std::size_t offset, std::uint32_t value) {
    std::memcpy(reinterpret_cast<unsigned char*>(v.header.data()) + offset, &value, 4);
  };
  set_word(before, 8, 41);   // change counter
  set_word(before, 16, 10);  // frames
  internal::WalVersion after = before;
  set_word(after, 8, 42);
  set_word(after, 16, 12);
  EXPECT_TRUE(internal::OnlyOurCommitBetween(before, after));
  internal::WalVersion jump = after;
  set_word(jump, 8, 43);
  EXPECT_FALSE(internal::OnlyOurCommitBetween(before, jump));
  internal::WalVersion same_frames = after;
  set_word(same_frames, 16, 10);
  EXPECT_FALSE(internal::OnlyOurCommitBetween(before, same_frames));
  internal::WalVersion new_salts = after;
  new_salts.header[4] ^= 1;
  EXPECT_FALSE(internal::OnlyOurCommitBetween(before, new_salts));
  internal::WalVersion at_max = before;
  set_word(at_max, 8, UINT32_MAX);
  internal::WalVersion wrapped = after;
  set_word(wrapped, 8, 0);
  EXPECT_FALSE(internal::OnlyOurCommitBetween(at_max, wrapped));
}

// Threads of this process writing at once: the writer lock orders the commits; every
// thread reads back exactly what it last wrote, and an entry nobody writes stays a hit.
TEST_F(SqliteOwnCommitTest, ConcurrentOwnWritersNeverSeeTheirSessionStale) {
  auto store = OpenStore();
  constexpr int kThreads = 4;
  constexpr int kRounds = 20;  // well under wal_autocheckpoint's 1000 pages: no WAL restart
  InsertAll(*store, {15});  // its shard is none of the writers' (1..4)
  for (int t = 1; t <= kThreads; ++t) InsertAll(*store, {t});
  Warm(*store, TestSessionId(15));
  const TimePoint start = now();  // the clock stays put: no thread advances it
  std::atomic<int> stale{0};
  std::vector<std::thread> threads;
  for (int t = 1; t <= kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 1; r <= kRounds; ++r) {
        auto current = store->Get(TestSessionId(t));
        if (!current.ok()) { ++stale; return; }
        const TimePoint expires = start + hours(2) + std::chrono::seconds(r);
        if (!store->Touch(*current, start, expires).ok()) { ++stale; return; }
        auto seen = store->Get(TestSessionId(t));
        if (!seen.ok() || seen->expires_at != expires) ++stale;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(stale.load(), 0);
  EXPECT_TRUE(GetIsAHit(*store, TestSessionId(15)));
}

}  // namespace
}  // namespace sessionkit
