#include "src/store/sqlite/connection.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "src/store/sqlite/connection_pool.h"
#include "testing/temp_dir.h"

namespace sessionkit::internal {
namespace {

using sessionkit::testing::TempDir;

std::int64_t PragmaInt(sqlite3* db, const char* pragma) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, pragma, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW) << pragma;
  const std::int64_t value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

TEST(SqliteConnectionTest, IsConfiguredForTheStore) {
  TempDir dir;
  auto connection = SqliteConnection::Open(dir.File("c.db"), std::chrono::milliseconds(1234));
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  sqlite3* db = (*connection)->db();
  EXPECT_EQ(PragmaInt(db, "PRAGMA synchronous"), 1) << "NORMAL";
  EXPECT_EQ(PragmaInt(db, "PRAGMA busy_timeout"), 1234);
  EXPECT_EQ(PragmaInt(db, "PRAGMA user_version"), kSqliteSchemaVersion);
  for (std::size_t i = 0; i < kSqlCount; ++i) {
    EXPECT_NE((*connection)->statement(static_cast<Sql>(i)), nullptr) << SqlName(static_cast<Sql>(i));
  }
}

TEST(SqliteConnectionTest, StatementRunResetsSoTheStatementCanBeReused) {
  TempDir dir;
  auto connection = SqliteConnection::Open(dir.File("c.db"), std::chrono::milliseconds(100));
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  for (int i = 0; i < 3; ++i) {
    StatementRun count(**connection, Sql::kCount);
    count.Bind(1, std::int64_t{0});
    auto row = count.Step();
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    ASSERT_TRUE(*row);
    EXPECT_EQ(count.Int(0), 0);
  }  // each run leaves the statement reset with no bindings
  EXPECT_EQ(sqlite3_stmt_busy((*connection)->statement(Sql::kCount)), 0);
}

TEST(SqliteConnectionTest, ABadBindingIsReportedByStepNotIgnored) {
  TempDir dir;
  auto connection = SqliteConnection::Open(dir.File("c.db"), std::chrono::milliseconds(100));
  ASSERT_TRUE(connection.ok());
  StatementRun count(**connection, Sql::kCount);
  count.Bind(7, std::int64_t{0});  // kCount has one parameter
  auto row = count.Step();
  ASSERT_FALSE(row.ok());
  EXPECT_EQ(row.status().code(), Code::kInternal) << row.status().ToString();
}

TEST(SqliteConnectionTest, AnUncommittedTransactionIsRolledBack) {
  TempDir dir;
  auto connection = SqliteConnection::Open(dir.File("c.db"), std::chrono::milliseconds(100));
  ASSERT_TRUE(connection.ok());
  {
    WriteTransaction transaction(**connection);
    ASSERT_TRUE(transaction.Begin().ok());
    StatementRun insert(**connection, Sql::kInsert);
    insert.Bind(1, "sess_x").Bind(2, "u").Bind(3, std::int64_t{1}).Bind(4, std::int64_t{2});
    insert.Bind(5, "{}").Bind(6, std::int64_t{0});
    ASSERT_TRUE(insert.Run().ok());
  }  // no Commit
  EXPECT_NE(sqlite3_get_autocommit((*connection)->db()), 0) << "transaction left open";
  StatementRun count(**connection, Sql::kCount);
  count.Bind(1, std::int64_t{0});
  ASSERT_TRUE(count.Step().value());
  EXPECT_EQ(count.Int(0), 0);
}

TEST(ConnectionPoolTest, ReusesReturnedConnectionsAndWaitsWhenAllAreOut) {
  TempDir dir;
  ConnectionPool pool(dir.File("p.db"), std::chrono::milliseconds(100), 2,
                      std::chrono::milliseconds(20));
  SqliteConnection* first_seen = nullptr;
  {
    auto a = pool.Acquire();
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    first_seen = &**a;
  }
  auto a = pool.Acquire();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(&**a, first_seen) << "an idle connection is reused, not reopened";
  auto b = pool.Acquire();
  ASSERT_TRUE(b.ok());
  EXPECT_NE(&**b, &**a);
  auto c = pool.Acquire();  // both out, cap 2: times out
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kUnavailable) << c.status().ToString();
}

TEST(ConnectionPoolTest, AFailedOpenFreesItsSlot) {
  TempDir dir;
  ConnectionPool pool(dir.path().string(), std::chrono::milliseconds(100), 1,
                      std::chrono::milliseconds(20));
  for (int i = 0; i < 3; ++i) {
    auto lease = pool.Acquire();
    ASSERT_FALSE(lease.ok());
    EXPECT_EQ(lease.status().code(), Code::kUnavailable) << lease.status().ToString();
    EXPECT_EQ(lease.status().message().find("busy"), std::string::npos)
        << "the slot of the failed open was not given back: " << lease.status().ToString();
  }
}

}  // namespace
}  // namespace sessionkit::internal
