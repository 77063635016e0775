// The MySQL user store on a real mariadbd (testing/mariadb_server.h): what the shared
// conformance suite does not cover — reconnecting after a restart, concurrent
// migrations, secrets kept out of errors, values the columns cannot hold.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "sessionkit/mysql_store.h"
#include "src/store/mysql/mysql_connection.h"
#include "testing/conformance.h"
#include "testing/mariadb_server.h"

namespace sessionkit {
namespace {

using testing::MariadbServer;

std::string CountMigrations(const MysqlOptions& options) {
  Result<internal::MysqlConnectionPtr> connection = internal::MysqlConnection::Connect(options);
  if (!connection.ok()) return connection.status().ToString();
  Result<internal::SqlResult> rows =
      (*connection)->Run("count", "SELECT COUNT(*), MAX(version) FROM schema_migrations");
  if (!rows.ok()) return rows.status().ToString();
  return rows->rows.at(0).at(0).value_or("NULL") + "/" + rows->rows.at(0).at(1).value_or("NULL");
}

TEST(MysqlUserStore, ServersStartingAtOnceMigrateOnce) {
  Result<MariadbServer*> server = MariadbServer::Shared();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Result<MysqlOptions> options = (*server)->CreateDatabase();
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  constexpr int kServers = 6;
  std::vector<std::string> errors(kServers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&, i] {
      Result<UserStorePtr> store = OpenMysqlUserStore(*options);
      if (!store.ok()) errors[i] = store.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  // Migrations 1 (users), 2 (users.disabled, API.md §11) and 3 (two_factor, API.md §9), each recorded once.
  EXPECT_EQ(CountMigrations(*options), "3/3");
  // Opening again later finds the schema current and changes nothing.
  ASSERT_TRUE(OpenMysqlUserStore(*options).ok());
  EXPECT_EQ(CountMigrations(*options), "3/3");
}

TEST(MysqlUserStore, ANewerSchemaVersionIsLeftAlone) {
  Result<MariadbServer*> server = MariadbServer::Shared();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Result<MysqlOptions> options = (*server)->CreateDatabase();
  ASSERT_TRUE(options.ok());
  ASSERT_TRUE(OpenMysqlUserStore(*options).ok());
  SK_ASSERT_OK((*server)->Execute("INSERT INTO " + options->database +
                                  ".schema_migrations (version, name) VALUES (99, 'future')"));
  Result<UserStorePtr> store = OpenMysqlUserStore(*options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(CountMigrations(*options), "4/99");
}

TEST(MysqlUserStore, ThePasswordIsInNoError) {
  Result<MariadbServer*> server = MariadbServer::Shared();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Result<MysqlOptions> options = (*server)->CreateDatabase();
  ASSERT_TRUE(options.ok());

  MysqlOptions wrong = *options;
  wrong.password = "not-the-Password-7731";
  Result<UserStorePtr> refused = OpenMysqlUserStore(wrong);
  SK_EXPECT_CODE(refused.status(), Code::kUnavailable);
  EXPECT_EQ(refused.status().message().find("7731"), std::string::npos) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find(options->database), std::string::npos)
      << "names the database: " << refused.status().ToString();

  Result<int> port = testing::UnusedLoopbackPort();
  ASSERT_TRUE(port.ok());
  MysqlOptions nobody = *options;
  nobody.port = *port;
  Result<UserStorePtr> down = OpenMysqlUserStore(nobody);
  SK_EXPECT_CODE(down.status(), Code::kUnavailable);
  EXPECT_EQ(down.status().message().find(MariadbServer::kPassword), std::string::npos)
      << down.status().ToString();
}

TEST(MysqlUserStore, BadOptionsAreInvalidArgument) {
  MysqlOptions no_db;
  SK_EXPECT_CODE(OpenMysqlUserStore(no_db).status(), Code::kInvalidArgument);
  MysqlOptions no_pool;
  no_pool.database = "x";
  no_pool.max_connections = 0;
  SK_EXPECT_CODE(OpenMysqlUserStore(no_pool).status(), Code::kInvalidArgument);
}

TEST(MysqlUserStore, ValuesTheColumnsCannotHoldAreInvalidArgument) {
  Result<MariadbServer*> server = MariadbServer::Shared();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Result<MysqlOptions> options = (*server)->CreateDatabase();
  ASSERT_TRUE(options.ok());
  Result<UserStorePtr> store = OpenMysqlUserStore(*options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  SK_EXPECT_CODE((*store)->Create(std::string(300, 'a'), "a@example.com", "h").status(),
                 Code::kInvalidArgument);
  SK_EXPECT_CODE((*store)->Create("bad\xff", "b@example.com", "h").status(), Code::kInvalidArgument);
  // Nothing was left behind, and the pool's connection still works.
  EXPECT_TRUE((*store)->Create("a", "a@example.com", "h").ok());
}

// The database restarts under an open store: calls during the outage are Unavailable
// (within the timeouts, no hang), and the first call after the restart works (the pool
// drops its dead connections and reconnects) without reopening the store.
TEST(MysqlUserStore, ReconnectsAfterADatabaseRestart) {
  Result<std::unique_ptr<MariadbServer>> server = MariadbServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Result<MysqlOptions> options = (*server)->CreateDatabase();
  ASSERT_TRUE(options.ok());
  options->connect_timeout = std::chrono::seconds(2);
  Result<UserStorePtr> opened = OpenMysqlUserStore(*options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  UserStore& store = **opened;
  Result<User> alice = store.Create("alice", "alice@example.com", "h");
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  // Several idle connections in the pool, all of which the restart kills.
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) readers.emplace_back([&] { (void)store.FindByLogin("alice"); });
  for (std::thread& t : readers) t.join();

  SK_ASSERT_OK((*server)->Stop());
  SK_EXPECT_CODE(store.FindById(alice->id).status(), Code::kUnavailable);
  SK_EXPECT_CODE(store.Create("bob", "bob@example.com", "h").status(), Code::kUnavailable);

  SK_ASSERT_OK((*server)->Restart());
  Result<User> found = store.FindById(alice->id);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->username, "alice");
  EXPECT_TRUE(store.Create("bob", "bob@example.com", "h").ok());

  // A restart the store did not see (no call during it): still the first call works.
  SK_ASSERT_OK((*server)->Restart());
  for (int i = 0; i < 6; ++i) {
    Result<User> again = store.FindByLogin("BOB");
    ASSERT_TRUE(again.ok()) << i << ": " << again.status().ToString();
  }
}

}  // namespace
}  // namespace sessionkit
