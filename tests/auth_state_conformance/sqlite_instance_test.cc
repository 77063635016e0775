// The auth-state conformance suite on the embedded SQLite backend: a fresh database file
// in a fresh temporary directory for every test, shared with a session store.
#include <chrono>
#include <memory>
#include <string>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/sqlite_store.h"
#include "testing/conformance.h"
#include "tests/auth_state_conformance/auth_state_conformance.h"

namespace sessionkit::testing {
namespace {

class SqliteHarness final : public AuthStateHarness {
 public:
  SqliteHarness() : path_(file_.path()) {
    auto sessions = OpenSqliteStore(Options());
    if (!sessions.ok()) {
      ADD_FAILURE() << "OpenSqliteStore: " << sessions.status().ToString();
      return;
    }
    sessions_ = *sessions;
    auto store = OpenAnother();
    if (!store.ok()) {
      ADD_FAILURE() << "OpenSqliteAuthStateStore: " << store.status().ToString();
      return;
    }
    store_ = *store;
  }

  AuthStateStorePtr store() override { return store_; }
  SessionStorePtr sessions() override { return sessions_; }
  Result<AuthStateStorePtr> OpenAnother() override { return OpenSqliteAuthStateStore(Options()); }

  // A store whose file stops being a database behind its back (BreakSqliteFile): every
  // call then fails SQLITE_NOTADB, which is Unavailable.
  bool SupportsOutage() const override { return true; }
  Result<AuthStateStorePtr> OpenUnreachable() override {
    Result<AuthStateStorePtr> store = OpenSqliteAuthStateStore(
        {.path = down_file_.path(), .busy_timeout = std::chrono::milliseconds(200), .clock = &clock});
    if (!store.ok()) return store.status();
    if (Status broken = BreakSqliteFile(down_file_.path()); !broken.ok()) return broken;
    return store;
  }

 private:
  SqliteStoreOptions Options() { return {.path = path_, .clock = &clock}; }

  SqliteTestFile file_;  // first members: removed after the stores are gone
  SqliteTestFile down_file_{"down.db"};
  std::string path_;
  SessionStorePtr sessions_;
  AuthStateStorePtr store_;
};

AuthStateBackend SqliteBackend() {
  return {"Sqlite", [] { return std::make_unique<SqliteHarness>(); }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AuthStateConformanceTest, ::testing::Values(SqliteBackend()),
                         BackendName<AuthStateHarness>);

}  // namespace
}  // namespace sessionkit::testing
