// The SQLite store's read cache (session_read_cache.h) and the wal-index watch it relies
// on (wal_change_watch.h): answers from memory only while nothing has committed to the
// file, so a revocation here, by another store on the file (another process: its own
// connections), by a raw connection or by the sqlite3 shell is refused on the next Get.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

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
using std::chrono::seconds;
using testing::MakeTestSession;
using testing::RawSqlite;
using testing::TempDir;
using testing::TestSessionId;

class SqliteReadCacheTest : public testing::SqliteStoreFixture {
 protected:
  // Get twice: the second answer comes from the cache (size checked by the caller).
  void Warm(SqliteStore& store, const std::string& id) {
    ASSERT_TRUE(store.Get(id).ok());
    ASSERT_TRUE(store.Get(id).ok());
  }
};

TEST_F(SqliteReadCacheTest, TheWalVersionChangesOnEveryCommitAndOnlyThen) {
  auto store = OpenStore();  // creates the file in WAL mode
  auto watch = internal::WalChangeWatch::Open(path_, std::chrono::milliseconds(1000));
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  auto raw = Raw();
  const internal::WalVersion before = (*watch)->Read();
  EXPECT_TRUE(before.stable);
  EXPECT_EQ(raw->QueryInt("SELECT count(*) FROM sessions").value(), 0);
  EXPECT_TRUE(before == (*watch)->Read()) << "a read commits nothing";
  ASSERT_TRUE(raw->Exec("CREATE TABLE unrelated(x)").ok());
  const internal::WalVersion after_ddl = (*watch)->Read();
  EXPECT_FALSE(before == after_ddl);
  ASSERT_TRUE(raw->Exec("INSERT INTO unrelated VALUES(1)").ok());
  EXPECT_FALSE(after_ddl == (*watch)->Read());
  ASSERT_TRUE(raw->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  const internal::WalVersion after_checkpoint = (*watch)->Read();
  ASSERT_TRUE(raw->Exec("DELETE FROM unrelated").ok());
  EXPECT_FALSE(after_checkpoint == (*watch)->Read()) << "a commit after a WAL reset";
}

TEST_F(SqliteReadCacheTest, AReadIsKeptAndServedWhileNothingCommits) {
  auto store = OpenStore();
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), hours(1));
  ASSERT_TRUE(store->Insert(s).ok());
  EXPECT_EQ(store->read_cache_size(), 0u);
  auto first = store->Get(s.id);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(store->read_cache_size(), 1u);
  auto second = store->Get(s.id);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->raw, first->raw);
  EXPECT_EQ(second->expires_at, s.expires_at);
  EXPECT_EQ(second->user_agent, s.user_agent);
}

TEST_F(SqliteReadCacheTest, ARevocationThroughThisStoreIsSeenAtOnce) {
  auto store = OpenStore();
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now());
  ASSERT_TRUE(store->Insert(s).ok());
  Warm(*store, s.id);
  ASSERT_TRUE(store->Delete(s.id).value());
  EXPECT_EQ(store->Get(s.id).status().code(), Code::kNotFound);

  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(2), "user-b", now())).ok());
  Warm(*store, TestSessionId(2));
  ASSERT_EQ(store->DeleteAllForUser("user-b").value(), 1u);
  EXPECT_EQ(store->Get(TestSessionId(2)).status().code(), Code::kNotFound);
}

TEST_F(SqliteReadCacheTest, ARevocationByAnotherStoreOnTheFileIsRefusedOnTheNextGet) {
  auto server = OpenStore();
  auto other = OpenStore();  // like sessionkit-ctl or a second server: its own connections
  for (int i = 1; i <= 50; ++i) {
    const Session s = MakeTestSession(TestSessionId(i), "user-a", now());
    ASSERT_TRUE(other->Insert(s).ok());
    Warm(*server, s.id);
    ASSERT_TRUE(other->Delete(s.id).value());
    EXPECT_EQ(server->Get(s.id).status().code(), Code::kNotFound) << "round " << i;
  }
}

TEST_F(SqliteReadCacheTest, ADeleteByARawConnectionIsRefusedOnTheNextGet) {
  auto store = OpenStore();
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now());
  ASSERT_TRUE(store->Insert(s).ok());
  Warm(*store, s.id);
  auto raw = Raw();
  ASSERT_TRUE(raw->Exec("DELETE FROM sessions WHERE id = '" + s.id + "'").ok());
  EXPECT_EQ(store->Get(s.id).status().code(), Code::kNotFound);
}

TEST_F(SqliteReadCacheTest, ADeleteByTheSqlite3ShellIsRefusedOnTheNextGet) {
  if (std::system("command -v sqlite3 >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "the sqlite3 shell is not installed (Debian package sqlite3)";
  }
  auto store = OpenStore();
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now());
  ASSERT_TRUE(store->Insert(s).ok());
  Warm(*store, s.id);
  const std::string command =
      "sqlite3 '" + path_ + "' \"DELETE FROM sessions WHERE id = '" + s.id + "'\"";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  EXPECT_EQ(store->Get(s.id).status().code(), Code::kNotFound);
}

TEST_F(SqliteReadCacheTest, ASlideByAnotherStoreIsReadAgain) {
  auto server = OpenStore();
  auto other = OpenStore();
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), hours(1));
  ASSERT_TRUE(server->Insert(s).ok());
  Warm(*server, s.id);
  clock_.Advance(minutes(1));
  auto current = other->Get(s.id);
  ASSERT_TRUE(current.ok());
  ASSERT_TRUE(other->Touch(*current, now(), now() + hours(2)).ok());
  auto seen = server->Get(s.id);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->expires_at, now() + hours(2));
}

TEST_F(SqliteReadCacheTest, ExpiryIsCheckedOnEveryHit) {
  auto store = OpenStore();
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), minutes(10));
  ASSERT_TRUE(store->Insert(s).ok());
  Warm(*store, s.id);
  clock_.Advance(minutes(10));
  EXPECT_EQ(store->Get(s.id).status().code(), Code::kExpired);
  EXPECT_EQ(store->Get(s.id).status().code(), Code::kNotFound);
}

TEST_F(SqliteReadCacheTest, TheCacheIsBoundedAndCanBeTurnedOff) {
  auto bounded = OpenStore({.read_cache_entries = 32});
  for (int i = 1; i <= 200; ++i) {
    ASSERT_TRUE(bounded->Insert(MakeTestSession(TestSessionId(i), "user-a", now())).ok());
  }
  for (int i = 1; i <= 200; ++i) ASSERT_TRUE(bounded->Get(TestSessionId(i)).ok());
  EXPECT_LE(bounded->read_cache_size(), 32u);
  EXPECT_GT(bounded->read_cache_size(), 0u);
  for (int i = 1; i <= 200; ++i) ASSERT_TRUE(bounded->Get(TestSessionId(i)).ok()) << i;

  auto off = OpenStore({.read_cache_entries = 0});
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(off->Get(TestSessionId(i)).ok());
  EXPECT_EQ(off->read_cache_size(), 0u);
}

TEST_F(SqliteReadCacheTest, AnUnstableVersionIsNeverServedNorStored) {
  internal::SessionReadCache cache(8);
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now());
  internal::WalVersion unstable;  // what Read() gives during a commit
  cache.Store(s, internal::UnixMillisCeil(s.expires_at), unstable);
  EXPECT_EQ(cache.size(), 0u);
  internal::WalVersion stable;
  stable.stable = true;
  cache.Store(s, internal::UnixMillisCeil(s.expires_at), stable);
  Session out;
  const std::int64_t now_ms = internal::UnixMillisFloor(now());
  EXPECT_TRUE(cache.Find(s.id, stable, now_ms, out));
  EXPECT_FALSE(cache.Find(s.id, unstable, now_ms, out));
  internal::WalVersion later = stable;
  later.header[1] += 1;  // one commit later
  EXPECT_FALSE(cache.Find(s.id, later, now_ms, out));
}

}  // namespace
}  // namespace sessionkit
