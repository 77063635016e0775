// The user-store conformance suite on the MySQL / MariaDB backend, against a real mariadbd
// (testing/mariadb_server.h): one server per test binary, started on first use, and a
// fresh database on it for every test. "Down" is a second server of the harness's own
// that is stopped after the store opened on it.
#include <memory>
#include <string>

#include "sessionkit/mysql_store.h"
#include "testing/conformance.h"
#include "testing/mariadb_server.h"
#include "tests/user_store_conformance/user_store_conformance.h"

namespace sessionkit::testing {
namespace {

class MariadbHarness final : public UserStoreHarness {
 public:
  MariadbHarness() {
    Result<MariadbServer*> server = MariadbServer::Shared();
    if (!server.ok()) {
      ADD_FAILURE() << "mariadbd: " << server.status().ToString();
      return;
    }
    Result<MysqlOptions> options = (*server)->CreateDatabase();
    if (!options.ok()) {
      ADD_FAILURE() << "CREATE DATABASE: " << options.status().ToString();
      return;
    }
    options_ = *options;
    options_.clock = &clock;
    Result<UserStorePtr> store = OpenMysqlUserStore(options_);
    if (!store.ok()) {
      ADD_FAILURE() << "OpenMysqlUserStore: " << store.status().ToString();
      return;
    }
    store_ = *store;
  }

  UserStorePtr store() override { return store_; }
  Result<UserStorePtr> OpenAnother() override { return OpenMysqlUserStore(options_); }

  Result<UserStorePtr> OpenUnreachable() override {
    Result<std::unique_ptr<MariadbServer>> server = MariadbServer::Start();
    if (!server.ok()) return server.status();
    down_server_ = std::move(server).value();
    Result<MysqlOptions> options = down_server_->CreateDatabase();
    if (!options.ok()) return options.status();
    options->clock = &clock;
    options->connect_timeout = std::chrono::seconds(1);
    Result<UserStorePtr> store = OpenMysqlUserStore(*options);
    if (!store.ok()) return store.status();
    if (Status stopped = down_server_->Stop(); !stopped.ok()) return stopped;
    return store;
  }

 private:
  std::unique_ptr<MariadbServer> down_server_;
  MysqlOptions options_;
  UserStorePtr store_;
};

UserStoreBackend MariadbBackend() {
  return {"Mariadb", [] { return std::make_unique<MariadbHarness>(); }};
}

INSTANTIATE_TEST_SUITE_P(Mariadb, UserStoreConformanceTest, ::testing::Values(MariadbBackend()),
                         BackendName<UserStoreHarness>);

}  // namespace
}  // namespace sessionkit::testing
