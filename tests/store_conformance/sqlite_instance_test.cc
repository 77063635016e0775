// The store conformance suite on the embedded SQLite store: a fresh database file in a
// fresh temporary directory for every test.
#include <memory>
#include <string>

#include "sessionkit/sqlite_store.h"
#include "src/store/sqlite/schema.h"
#include "testing/raw_sqlite.h"
#include "tests/store_conformance/store_conformance.h"

namespace sessionkit::testing {
namespace {

class SqliteHarness final : public StoreHarness {
 public:
  SqliteHarness() : file_("sessions.db"), path_(file_.path()) {
    auto store = OpenSqliteStore({.path = path_, .clock = &clock});
    if (store.ok()) {
      store_ = *store;
    } else {
      ADD_FAILURE() << "OpenSqliteStore: " << store.status().ToString();
    }
  }

  SessionStorePtr store() override { return store_; }

  bool SupportsPutRaw() const override { return true; }

  // Writes the row directly with a connection of its own, like another process would.
  Status PutRaw(const std::string& id, const std::string& user_id, const std::string& json,
                TimePoint expires_at) override {
    auto decoded = DecodeSession(json);
    if (!decoded.ok()) return decoded.status();
    auto db = RawSqlite::Open(path_);
    if (!db.ok()) return db.status();
    return (*db)->InsertSessionRow(id, user_id, internal::UnixMillisFloor(decoded->created_at),
                                   internal::UnixMillisCeil(expires_at), json);
  }

 private:
  SqliteTestFile file_;  // first member: removed after the store is gone
  std::string path_;
  SessionStorePtr store_;
};

StoreBackend SqliteBackend() {
  return {"Sqlite", [] { return std::make_unique<SqliteHarness>(); }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest, ::testing::Values(SqliteBackend()),
                         BackendName<StoreHarness>);

}  // namespace
}  // namespace sessionkit::testing
