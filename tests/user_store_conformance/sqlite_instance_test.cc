// The user-store conformance suite on the embedded SQLite backend: a fresh database file
// in a fresh temporary directory for every test, opened with OpenSqliteStores (the user
// store on the database the session and auth-state stores share, as the server opens it).
#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "sessionkit/sqlite_store.h"
#include "testing/conformance.h"
#include "testing/raw_sqlite.h"
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

  // A store whose file stops being a database behind its back (as a failed disk or an
  // operator's mistake would leave it): another connection writes (so the store's
  // connection must re-read the file on its next call), checkpoints the WAL into the
  // file, and then the file's bytes are overwritten. Every call then fails
  // SQLITE_NOTADB, which is Unavailable.
  Result<UserStorePtr> OpenUnreachable() override {
    Result<UserStorePtr> store = OpenSqliteUserStore(
        {.path = down_path_, .busy_timeout = std::chrono::milliseconds(200), .clock = &clock});
    if (!store.ok()) return store.status();
    {
      auto raw = RawSqlite::Open(down_path_);
      if (!raw.ok()) return raw.status();
      if (Status st = (*raw)->Exec("INSERT INTO users (id, username, email, password_hash,"
                                   " created_at) VALUES ('x', 'x', 'x', 'x', 'x');"
                                   "PRAGMA wal_checkpoint(TRUNCATE);");
          !st.ok()) {
        return st;
      }
    }
    std::fstream file(down_path_, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(0, std::ios::end);
    const std::string garbage(static_cast<std::size_t>(file.tellg()), 'B');
    file.seekp(0);
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    if (!file.flush()) return Status::Internal("could not overwrite " + down_path_);
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
