#include "src/store/sqlite/sqlite_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

namespace sessionkit::internal {
namespace {

using ::testing::HasSubstr;

TEST(SqliteErrorTest, EnvironmentFailuresAreUnavailable) {
  for (int rc : {SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC,
                 SQLITE_CANTOPEN, SQLITE_NOTADB, SQLITE_CORRUPT, SQLITE_READONLY, SQLITE_FULL,
                 SQLITE_PERM, SQLITE_BUSY_SNAPSHOT, SQLITE_NOMEM}) {
    EXPECT_EQ(CodeName(SqliteCode(rc)), "unavailable") << "rc " << rc;
  }
}

TEST(SqliteErrorTest, MisuseAndSqlErrorsAreInternal) {
  for (int rc : {SQLITE_ERROR, SQLITE_MISUSE, SQLITE_RANGE, SQLITE_MISMATCH, SQLITE_CONSTRAINT,
                 SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_TOOBIG, SQLITE_INTERNAL}) {
    EXPECT_EQ(CodeName(SqliteCode(rc)), "internal") << "rc " << rc;
  }
}

TEST(SqliteErrorTest, SuccessCodesAreOk) {
  for (int rc : {SQLITE_OK, SQLITE_ROW, SQLITE_DONE}) EXPECT_EQ(SqliteCode(rc), Code::kOk);
}

TEST(SqliteErrorTest, MessageNamesTheOperationAndSqlitesReason) {
  const Status s = SqliteError(SQLITE_BUSY, nullptr, "insert");
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("sqlite: insert: "));
  EXPECT_THAT(s.message(), HasSubstr(sqlite3_errstr(SQLITE_BUSY)));
  EXPECT_THAT(s.message(), HasSubstr("sqlite code 5"));
}

TEST(SqliteErrorTest, ASuccessCodePassedByMistakeIsStillAnError) {
  EXPECT_EQ(SqliteError(SQLITE_OK, nullptr, "x").code(), Code::kInternal);
}

}  // namespace
}  // namespace sessionkit::internal
