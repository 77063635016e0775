// The SQLite auth-state store beyond the conformance suite: its tables beside the
// sessions schema, bounded purges and trims, a lock held by another process, restarts,
// and the ExtraSql path of StatementRun it relies on.
#include "src/store/sqlite/sqlite_auth_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/sqlite_store.h"
#include "src/crypto/hex.h"
#include "src/crypto/sha256.h"
#include "src/store/sqlite/connection.h"
#include "src/store/sqlite/schema.h"
#include "testing/raw_sqlite.h"
#include "testing/session_factory.h"
#include "testing/temp_dir.h"

namespace sessionkit {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::RawSqlite;
using testing::TempDir;
using testing::TestSessionId;

std::string TokenHash(int n) {
  return internal::HexLower(internal::AsBytes(internal::Sha256("token-" + std::to_string(n))));
}

class SqliteAuthStateTest : public ::testing::Test {
 protected:
  SqliteStoreOptions Options() { return {.path = path_, .clock = &clock_}; }

  std::shared_ptr<SqliteAuthStateStore> Open(const SqliteStoreOptions& options) {
    auto store = SqliteAuthStateStore::Open(options);
    if (!store.ok()) {
      ADD_FAILURE() << store.status().ToString();
      return nullptr;
    }
    return *store;
  }

  std::int64_t Rows(const std::string& sql) {
    auto db = RawSqlite::Open(path_);
    if (!db.ok()) {
      ADD_FAILURE() << db.status().ToString();
      return -1;
    }
    auto n = (*db)->QueryInt(sql);
    if (!n.ok()) {
      ADD_FAILURE() << n.status().ToString();
      return -1;
    }
    return *n;
  }

  RefreshRecord Token(int n, int session, std::chrono::seconds ttl = 24h) {
    RefreshRecord r;
    r.token_hash = TokenHash(n);
    r.session_id = TestSessionId(session);
    r.user_id = "u";
    r.issued_at = clock_.Now();
    r.expires_at = clock_.Now() + ttl;
    return r;
  }

  TempDir dir_;
  const std::string path_ = dir_.File("sessionkit.db");
  ManualClock clock_;
};

TEST_F(SqliteAuthStateTest, CreatesItsTablesBesideTheSessionsSchemaWithoutChangingItsVersion) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  for (const char* name : {"sessions", "refresh_tokens", "refresh_tokens_by_session",
                           "refresh_tokens_by_expiry", "login_failures", "login_failures_by_key",
                           "login_failures_by_expiry"}) {
    EXPECT_EQ(Rows(std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") + name + "'"), 1)
        << name;
  }
  EXPECT_EQ(Rows("PRAGMA user_version"), internal::kSqliteSchemaVersion);
  // The session store opens the file afterwards as usual, and a second auth store too.
  auto sessions = OpenSqliteStore(Options());
  ASSERT_TRUE(sessions.ok()) << sessions.status().ToString();
  EXPECT_TRUE((*sessions)->Ping().ok());
  EXPECT_TRUE(Open(Options()));
}

TEST_F(SqliteAuthStateTest, OpensAFileTheSessionStoreCreatedAndKeepsItsSessions) {
  auto sessions = OpenSqliteStore(Options());
  ASSERT_TRUE(sessions.ok()) << sessions.status().ToString();
  const Session s = testing::MakeTestSession(TestSessionId(1), "u", clock_.Now());
  ASSERT_TRUE((*sessions)->Insert(s).ok());
  auto store = Open(Options());
  ASSERT_TRUE(store);
  EXPECT_TRUE((*sessions)->Get(s.id).ok());
}

TEST_F(SqliteAuthStateTest, BadOptionsAndBadFiles) {
  EXPECT_EQ(OpenSqliteAuthStateStore({.path = ""}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteAuthStateStore({.path = ":memory:"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteAuthStateStore({.path = path_, .busy_timeout = -1ms}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteAuthStateStore({.path = path_, .purge_batch = 0}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteAuthStateStore({.path = path_, .purge_interval = -1s}).status().code(),
            Code::kInvalidArgument);

  const std::string garbage = dir_.File("garbage.db");
  std::ofstream(garbage) << std::string(4096, 'x');
  auto not_db = OpenSqliteAuthStateStore({.path = garbage});
  EXPECT_EQ(not_db.status().code(), Code::kUnavailable) << not_db.status().ToString();
  auto in_missing_dir = OpenSqliteAuthStateStore({.path = dir_.File("no/such/dir.db")});
  EXPECT_EQ(in_missing_dir.status().code(), Code::kUnavailable);
}

TEST_F(SqliteAuthStateTest, TokensSurviveAReopen) {
  {
    auto store = Open(Options());
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->IssueRefresh(Token(1, 1)).ok());
  }
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const std::string presented = TokenHash(1);
  const std::string successor = TokenHash(2);
  auto rotated = store->RotateRefresh({.presented_hash = presented,
                                       .successor_hash = successor,
                                       .now = clock_.Now(),
                                       .successor_expires_at = clock_.Now() + 1h});
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->outcome, RotateOutcome::kRotated);
}

TEST_F(SqliteAuthStateTest, OnlyTheHashIsStored) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->IssueRefresh(Token(1, 1)).ok());
  EXPECT_EQ(Rows("SELECT count(*) FROM refresh_tokens WHERE token_hash = '" + TokenHash(1) + "'"), 1);
  EXPECT_EQ(Rows("SELECT count(*) FROM refresh_tokens WHERE instr(token_hash || session_id || "
                 "user_id, 'token-1') > 0"),
            0);
}

TEST_F(SqliteAuthStateTest, RecordTrimsTheKeysExpiredFailures) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->RecordFailure("id:a", clock_.Now(), 10s).ok());
  ASSERT_TRUE(store->RecordFailure("id:b", clock_.Now(), 10s).ok());
  clock_.Advance(10s);
  auto window = store->RecordFailure("id:a", clock_.Now(), 10s);
  ASSERT_TRUE(window.ok()) << window.status().ToString();
  EXPECT_EQ(window->count, 1u);
  EXPECT_EQ(Rows("SELECT count(*) FROM login_failures WHERE key = 'id:a'"), 1);
  EXPECT_EQ(Rows("SELECT count(*) FROM login_failures WHERE key = 'id:b'"), 1)
      << "other keys wait for the purge";
}

TEST_F(SqliteAuthStateTest, PurgeDeletesDeadRowsInBoundedBatches) {
  SqliteStoreOptions options = Options();
  options.purge_batch = 2;
  options.purge_interval = 24h;  // only the explicit purges below (and the first write's)
  auto store = Open(options);
  ASSERT_TRUE(store);
  for (int n = 1; n <= 5; ++n) ASSERT_TRUE(store->IssueRefresh(Token(n, n, 60s)).ok());
  ASSERT_TRUE(store->IssueRefresh(Token(9, 9, 24h)).ok());  // stays
  for (const char* key : {"id:a", "id:b", "id:c"}) ASSERT_TRUE(store->RecordFailure(key, clock_.Now(), 10s).ok());
  clock_.Advance(2min);

  std::vector<std::uint64_t> batches;
  for (int i = 0; i < 4; ++i) {
    auto purged = store->PurgeExpired();
    ASSERT_TRUE(purged.ok()) << purged.status().ToString();
    batches.push_back(*purged);
  }
  EXPECT_EQ(batches, (std::vector<std::uint64_t>{4, 3, 1, 0}));  // <= 2 per table per batch
  EXPECT_EQ(Rows("SELECT count(*) FROM refresh_tokens"), 1);
  EXPECT_EQ(Rows("SELECT count(*) FROM login_failures"), 0);
}

TEST_F(SqliteAuthStateTest, WritesPurgeOncePerInterval) {
  SqliteStoreOptions options = Options();
  options.purge_interval = 60s;
  auto store = Open(options);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->IssueRefresh(Token(1, 1, 10s)).ok());  // the first write purges (nothing)
  clock_.Advance(30s);
  ASSERT_TRUE(store->IssueRefresh(Token(2, 2)).ok());
  EXPECT_EQ(Rows("SELECT count(*) FROM refresh_tokens"), 2) << "not due yet";
  clock_.Advance(31s);
  ASSERT_TRUE(store->ResetFailures("id:x").ok());
  EXPECT_EQ(Rows("SELECT count(*) FROM refresh_tokens"), 1);
}

TEST_F(SqliteAuthStateTest, AWriteLockHeldElsewhereIsUnavailableWithinBusyTimeoutReadsStillWork) {
  SqliteStoreOptions options = Options();
  options.busy_timeout = 100ms;
  auto store = Open(options);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->IssueRefresh(Token(1, 1)).ok());
  ASSERT_TRUE(store->RecordFailure("id:a", clock_.Now(), 60s).ok());

  auto other = RawSqlite::Open(path_);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE((*other)->Exec("BEGIN IMMEDIATE").ok());
  const std::string presented = TokenHash(1);
  const std::string successor = TokenHash(2);
  auto rotated = store->RotateRefresh({.presented_hash = presented,
                                       .successor_hash = successor,
                                       .now = clock_.Now(),
                                       .successor_expires_at = clock_.Now() + 1h});
  EXPECT_EQ(rotated.status().code(), Code::kUnavailable) << rotated.status().ToString();
  EXPECT_EQ(store->RecordFailure("id:a", clock_.Now(), 60s).status().code(), Code::kUnavailable);
  EXPECT_EQ(store->IssueRefresh(Token(3, 1)).code(), Code::kUnavailable);
  // WAL: readers do not wait for the writer.
  auto peeked = store->PeekFailures("id:a", clock_.Now(), 60s);
  ASSERT_TRUE(peeked.ok()) << peeked.status().ToString();
  EXPECT_EQ(peeked->count, 1u);
  EXPECT_EQ(store->GetRefresh(TokenHash(1))->state, RefreshState::kActive) << "nothing half-done";

  ASSERT_TRUE((*other)->Exec("ROLLBACK").ok());
  auto later = store->RotateRefresh({.presented_hash = presented,
                                     .successor_hash = successor,
                                     .now = clock_.Now(),
                                     .successor_expires_at = clock_.Now() + 1h});
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_EQ(later->outcome, RotateOutcome::kRotated);
}

// --- the ExtraSql hook of connection.h --------------------------------------------------

TEST(ExtraSqlTest, IsPreparedOncePerConnectionAndAPrepareErrorIsReportedNotFatal) {
  TempDir dir;
  auto connection = internal::SqliteConnection::Open(dir.File("x.db"), 1000ms);
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  static constexpr internal::ExtraSql kOne = {"select one", "SELECT ?1 + 1"};
  static constexpr internal::ExtraSql kBad = {"bad statement", "SELECT a_column FROM no_such_table"};

  int rc = 0;
  sqlite3_stmt* first = (*connection)->extra_statement(kOne, rc);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ((*connection)->extra_statement(kOne, rc), first);
  for (std::int64_t v : {1, 41}) {
    internal::StatementRun run(**connection, kOne);
    run.Bind(1, v);
    auto row = run.Step();
    ASSERT_TRUE(row.ok() && *row) << row.status().ToString();
    EXPECT_EQ(run.Int(0), v + 1);
  }

  internal::StatementRun bad(**connection, kBad);
  bad.Bind(1, std::int64_t{1}).Bind(2, "text");  // ignored, no crash
  const Status st = bad.Run();
  EXPECT_EQ(st.code(), Code::kInternal);
  EXPECT_THAT(st.message(), HasSubstr("bad statement"));
  EXPECT_THAT(st.message(), HasSubstr("no_such_table"));
}

}  // namespace
}  // namespace sessionkit
