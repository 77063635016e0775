// SqliteStoreFixture: the GoogleTest fixture of the SQLite store's tests -- a store file in
// a fresh temporary directory, a ManualClock the stores read, and a plain connection to the
// same file standing in for another process or tool (testing/raw_sqlite.h).
//
// OpenStore() opens a SqliteStore on the file with the fixture's clock (EXPECTs success;
// nullptr on failure); Raw() opens a RawSqlite on it. Test-only; one test's thread.
#ifndef SESSIONKIT_STORE_SQLITE_SQLITE_STORE_FIXTURE_H_
#define SESSIONKIT_STORE_SQLITE_SQLITE_STORE_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "sessionkit/clock.h"
#include "src/store/sqlite/sqlite_store.h"
#include "testing/raw_sqlite.h"
#include "testing/temp_dir.h"

namespace sessionkit::testing {

class SqliteStoreFixture : public ::testing::Test {
 protected:
  std::shared_ptr<SqliteStore> OpenStore(SqliteStoreOptions options = {}) {
    options.path = path_;
    options.clock = &clock_;
    auto store = SqliteStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? *store : nullptr;
  }

  std::unique_ptr<RawSqlite> Raw() {
    auto db = RawSqlite::Open(path_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  TimePoint now() const { return clock_.Now(); }

  ManualClock clock_;
  TempDir dir_;
  std::string path_ = dir_.File("sessions.db");
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_STORE_SQLITE_SQLITE_STORE_FIXTURE_H_
