// The SQLite user store beyond the conformance suite: files it cannot open, restarts,
// files written by earlier builds, and the stores of a file on one database (one writer
// lock).
#include "src/store/sqlite/sqlite_user_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/sqlite_store.h"
#include "src/store/sqlite/database.h"
#include "src/store/sqlite/sqlite_store.h"
#include "testing/raw_sqlite.h"
#include "testing/session_factory.h"
#include "testing/temp_dir.h"

namespace sessionkit {
namespace {

using testing::RawSqlite;
using testing::TempDir;

TEST(SqliteUserStoreTest, UnopenableFileIsUnavailable) {
  Result<UserStorePtr> store =
      OpenSqliteUserStore({.path = "/nonexistent-dir-for-sessionkit-test/x.db"});
  EXPECT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsUnavailable());
}

TEST(SqliteUserStoreTest, BadOptionsAreInvalidArgument) {
  TempDir dir;
  EXPECT_EQ(OpenSqliteUserStore({.path = ""}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteUserStore({.path = ":memory:"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(OpenSqliteUserStore({.path = dir.File("u.db"),
                                 .busy_timeout = std::chrono::milliseconds(-1)})
                .status()
                .code(),
            Code::kInvalidArgument);
}

TEST(SqliteUserStoreTest, SurvivesReopen) {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.File("db.sqlite");
  std::string id;
  {
    Result<UserStorePtr> store = OpenSqliteUserStore({.path = path, .clock = &clock});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Result<User> u = (*store)->Create("erin", "erin@example.com", "h");
    ASSERT_TRUE(u.ok());
    id = u->id;
  }
  Result<UserStorePtr> again = OpenSqliteUserStore({.path = path});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->FindByLogin("erin")->id, id);
}

// A users table as the server wrote it before the store moved into the library (same
// DDL), in a file without the sessions schema: it opens, and its rows are found.
TEST(SqliteUserStoreTest, OpensAUsersTableWrittenByAnEarlierBuild) {
  TempDir dir;
  const std::string path = dir.File("users.db");
  {
    Result<UserStorePtr> created = OpenSqliteUserStore({.path = path});
    ASSERT_TRUE(created.ok());
  }
  {
    auto raw = RawSqlite::Open(path);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    ASSERT_TRUE((*raw)
                    ->Exec("DROP TABLE users; DROP TABLE sessions; PRAGMA user_version = 0;"
                           "CREATE TABLE IF NOT EXISTS users ("
                           " id TEXT PRIMARY KEY NOT NULL,"
                           " username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
                           " email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
                           " password_hash TEXT NOT NULL,"
                           " role TEXT NOT NULL DEFAULT 'user',"
                           " is_premium INTEGER NOT NULL DEFAULT 0,"
                           " is_email_verified INTEGER NOT NULL DEFAULT 0,"
                           " created_at TEXT NOT NULL);"
                           "INSERT INTO users VALUES ('6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f',"
                           " 'Old', 'old@example.com', '$2b$10$x', 'admin', 1, 1,"
                           " '2024-05-01T08:00:00Z');")
                    .ok());
  }
  Result<UserStorePtr> store = OpenSqliteUserStore({.path = path});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<User> old = (*store)->FindByLogin("OLD@example.com");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->id, "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f");
  EXPECT_EQ(old->role, "admin");
  EXPECT_TRUE(old->is_premium);
  EXPECT_TRUE(old->is_email_verified);
  EXPECT_EQ(old->created_at, "2024-05-01T08:00:00Z");
  EXPECT_EQ((*store)->CheckAvailable("old", "new@example.com").message(), "username already taken");
}

// A users table from before `disabled` (API.md §11) is upgraded in place on open: the
// column is added once (two processes opening the old file at once both succeed), old
// rows read as enabled, and the flag then works.
TEST(SqliteUserStoreTest, AFileFromBeforeDisabledIsUpgradedInPlace) {
  TempDir dir;
  const std::string path = dir.File("old.db");
  {
    auto created = OpenSqliteStores({.path = path});
    ASSERT_TRUE(created.ok());
  }
  {
    auto raw = RawSqlite::Open(path);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    ASSERT_TRUE((*raw)->Exec(
        "DROP TABLE users;"
        "CREATE TABLE users (id TEXT PRIMARY KEY NOT NULL,"
        " username TEXT NOT NULL UNIQUE COLLATE NOCASE, email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
        " password_hash TEXT NOT NULL, role TEXT NOT NULL DEFAULT 'user',"
        " is_premium INTEGER NOT NULL DEFAULT 0, is_email_verified INTEGER NOT NULL DEFAULT 0,"
        " created_at TEXT NOT NULL);"
        "INSERT INTO users VALUES ('6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f', 'Old',"
        " 'old@example.com', '$2b$10$x', 'user', 0, 0, '2024-05-01T08:00:00Z');").ok());
  }
  // Two "processes" (independent databases) open the old file at once.
  Result<UserStorePtr> first = Status::Internal("not run");
  Result<UserStorePtr> second = Status::Internal("not run");
  std::thread other([&] { second = OpenSqliteUserStore({.path = path}); });
  first = OpenSqliteUserStore({.path = path});
  other.join();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  auto raw = RawSqlite::Open(path);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ((*raw)->QueryInt("SELECT COUNT(*) FROM pragma_table_info('users')"
                             " WHERE name = 'disabled'").value(), 1);

  Result<User> old = (*first)->FindByLogin("old");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_FALSE(old->disabled);
  EXPECT_EQ(old->password_hash, "$2b$10$x");
  ASSERT_TRUE(((*first)->SetDisabled(old->id, true)).ok());
  EXPECT_TRUE((*second)->FindById(old->id)->disabled);
  // Opening the upgraded file again changes nothing.
  Result<UserStorePtr> again = OpenSqliteUserStore({.path = path});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->FindById(old->id)->disabled);
}

// OpenSqliteStores: the three stores work side by side on one database, and the file is
// the one each single factory opens (a second process with its own database sees it all).
TEST(SqliteUserStoreTest, OpenSqliteStoresGivesTheFilesThreeStores) {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.File("sessionkit.db");
  Result<SqliteStores> stores = OpenSqliteStores({.path = path, .clock = &clock});
  ASSERT_TRUE(stores.ok()) << stores.status().ToString();
  ASSERT_NE(stores->sessions, nullptr);
  ASSERT_NE(stores->auth_state, nullptr);
  ASSERT_NE(stores->users, nullptr);

  Result<User> user = stores->users->Create("kim", "kim@example.com", "h");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  const Session session = testing::MakeTestSession(testing::TestSessionId(1), user->id, clock.Now());
  ASSERT_TRUE(stores->sessions->Insert(session).ok());
  EXPECT_EQ(stores->auth_state->RecordFailure("id:kim", clock.Now(), std::chrono::minutes(1))
                ->count,
            1u);

  Result<UserStorePtr> users_alone = OpenSqliteUserStore({.path = path, .clock = &clock});
  auto sessions_alone = OpenSqliteStore({.path = path, .clock = &clock});
  ASSERT_TRUE(users_alone.ok() && sessions_alone.ok());
  EXPECT_EQ((*users_alone)->FindByLogin("KIM")->id, user->id);
  EXPECT_EQ((*sessions_alone)->Get(session.id)->user_id, user->id);

  EXPECT_EQ(OpenSqliteStores({.path = ""}).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(OpenSqliteStores({.path = dir.File("no/such/dir/x.db")}).status().IsUnavailable());
}

// Stores on one SqliteDatabase take its one writer lock: while it is held, every store's
// writes wait busy_timeout and fail Unavailable; reads go on (WAL).
TEST(SqliteUserStoreTest, StoresOnOneDatabaseShareItsWriterLock) {
  TempDir dir;
  ManualClock clock;
  auto database = internal::SqliteDatabase::Open(
      {.path = dir.File("shared.db"), .busy_timeout = std::chrono::milliseconds(100), .clock = &clock},
      internal::SqliteDatabase::kSharedConnections, "test");
  ASSERT_TRUE(database.ok()) << database.status().ToString();
  std::shared_ptr<SqliteStore> sessions = SqliteStore::OnDatabase(*database);
  auto users = SqliteUserStore::OnDatabase(*database);
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  Result<User> before = (*users)->Create("lee", "lee@example.com", "h");
  ASSERT_TRUE(before.ok());

  auto held = (*database)->LockWriter();
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE((*users)->Create("max", "max@example.com", "h").status().IsUnavailable());
  EXPECT_TRUE((*users)->UpdatePasswordHash(before->id, "h2").IsUnavailable());
  EXPECT_TRUE(sessions->Insert(testing::MakeTestSession(testing::TestSessionId(1), before->id,
                                                        clock.Now()))
                  .status()
                  .IsUnavailable());
  EXPECT_TRUE((*users)->FindByLogin("lee").ok()) << "reads do not take the writer lock";
  held->unlock();
  EXPECT_TRUE((*users)->Create("max", "max@example.com", "h").ok());
}

}  // namespace
}  // namespace sessionkit
