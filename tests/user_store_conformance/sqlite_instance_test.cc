// The user-store conformance suite on the embedded SQLite backend: a fresh database file
// in a fresh temporary directory for every test, opened with OpenSqliteStores (the user
// store on the database the session and auth-state stores share, as the server opens it).
#include <chrono>
#include <memory>
#include <string>

#include "sessionkit/sqlite_store.h"
#include "testing/conformance.h"
#include "tests/user_store_conformance/user_store_conformance.h"

namespace sessionkit::testing {
namespace {

class SqliteHarness final : public UserStoreHarness {
 public:
  SqliteHarness() : path_(file_.path()), down_path_(down_file_.path()) {
    auto stores = OpenSqliteStores({.path = path_, .clock = &clock});
    if (!stores.ok()) {
      ADD_FAILURE() << "OpenSqliteStores: " << stores.status().ToString();
      return;
    }
    store_ = stores->users;
  }

  UserStorePtr store() override { return store_; }
  Result<UserStorePtr> OpenAnother() override {
    return OpenSqliteUserStore({.path = path_, .clock = &clock});
  }

  // A store whose file stops being a database behind its back (BreakSqliteFile): every
  // call then fails SQLITE_NOTADB, which is Unavailable.
  Result<UserStorePtr> OpenUnreachable() override {
    Result<UserStorePtr> store = OpenSqliteUserStore(
        {.path = down_path_, .busy_timeout = std::chrono::milliseconds(200), .clock = &clock});
    if (!store.ok()) return store.status();
    if (Status broken = BreakSqliteFile(down_path_); !broken.ok()) return broken;
    return store;
  }

 private:
  SqliteTestFile file_;  // first members: removed after the stores are gone
  SqliteTestFile down_file_{"down.db"};
  std::string path_;
  std::string down_path_;
  UserStorePtr store_;
};

UserStoreBackend SqliteBackend() {
  return {"Sqlite", [] { return std::make_unique<SqliteHarness>(); }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, UserStoreConformanceTest, ::testing::Values(SqliteBackend()),
                         BackendName<UserStoreHarness>);

}  // namespace
}  // namespace sessionkit::testing
