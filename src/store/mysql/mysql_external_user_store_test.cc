// Read-only users of an existing schema shaped like the Go service's (a `users` table
// and a `user_auth` table of hashes, joined), on a real mariadbd.
#include <gtest/gtest.h>

#include <string>

#include "sessionkit/mysql_store.h"
#include "testing/conformance.h"
#include "testing/mariadb_server.h"

namespace sessionkit {
namespace {

using testing::MariadbServer;

constexpr const char* kLookup =
    "SELECT u.id, u.username, u.email, a.password_hash, u.role, u.is_premium,"
    " u.email_verified AS is_verified FROM users u JOIN user_auth a ON a.user_id = u.id"
    " WHERE ? IN (LOWER(u.username), LOWER(u.email)) ORDER BY LOWER(u.username) = ? LIMIT 1";
constexpr const char* kLookupOneParam =
    "SELECT u.id, u.username, u.email, a.password_hash, u.role, u.is_premium,"
    " u.email_verified AS is_verified FROM users u JOIN user_auth a ON a.user_id = u.id"
    " WHERE ? IN (LOWER(u.username), LOWER(u.email)) LIMIT 1";
constexpr const char* kById =
    "SELECT a.password_hash, u.email_verified AS Is_Verified, u.id, u.username, u.email,"
    " u.role, u.is_premium FROM users u JOIN user_auth a ON a.user_id = u.id WHERE u.id = ?";

class MysqlExternalUserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<MariadbServer*> server = MariadbServer::Shared();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = *server;
    Result<MysqlOptions> options = server_->CreateDatabase();
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    options_ = *options;
    const std::string db = options_.database + ".";
    for (const std::string& sql : {
             "CREATE TABLE " + db + "users (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
             " username VARCHAR(64) NOT NULL UNIQUE, email VARCHAR(255) NOT NULL UNIQUE,"
             " role VARCHAR(32) NULL, is_premium TINYINT(1) NOT NULL DEFAULT 0,"
             " email_verified TINYINT(1) NOT NULL DEFAULT 0)",
             "CREATE TABLE " + db + "user_auth (user_id BIGINT PRIMARY KEY,"
             " password_hash VARCHAR(255) NOT NULL)",
             "INSERT INTO " + db + "users VALUES (7, 'Alice', 'Alice@Example.com', 'admin', 1, 1),"
             " (8, 'bob', 'bob@example.com', NULL, 0, 0)",
             "INSERT INTO " + db + "user_auth VALUES (7, '$2y$10$abcdefghijklmnopqrstuu'),"
             " (8, '$2a$10$zyxwvutsrqponmlkjihgfe')",
         }) {
      SK_ASSERT_OK(server_->Execute(sql));
    }
  }

  MariadbServer* server_ = nullptr;
  MysqlOptions options_;
};

TEST_F(MysqlExternalUserStoreTest, ReadsUsersThroughTheQueries) {
  Result<UserStorePtr> store = OpenMysqlExternalUserStore(options_, {kLookupOneParam, kById});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<User> alice = (*store)->FindByLogin("  ALICE@example.COM ");
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_EQ(alice->id, "7");
  EXPECT_EQ(alice->username, "Alice");
  EXPECT_EQ(alice->email, "Alice@Example.com");
  EXPECT_EQ(alice->password_hash, "$2y$10$abcdefghijklmnopqrstuu");
  EXPECT_EQ(alice->role, "admin");
  EXPECT_TRUE(alice->is_premium);
  EXPECT_TRUE(alice->is_email_verified);
  EXPECT_EQ((*store)->FindByLogin("alice")->id, "7");

  Result<User> bob = (*store)->FindById("8");  // columns in another order, any case
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_EQ(bob->username, "bob");
  EXPECT_EQ(bob->role, "user") << "NULL role";
  EXPECT_FALSE(bob->is_premium);
  EXPECT_FALSE(bob->is_email_verified);
  EXPECT_TRUE((*store)->FindByLogin("carol").status().IsNotFound());
  EXPECT_TRUE((*store)->FindById("99").status().IsNotFound());
}

TEST_F(MysqlExternalUserStoreTest, WritesAreRefusedAndNothingIsCreated) {
  Result<UserStorePtr> store = OpenMysqlExternalUserStore(options_, {kLookupOneParam, kById});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  UserStore& s = **store;
  EXPECT_EQ(s.CheckAvailable("new", "new@example.com").message(), kReadOnlyUsersMessage);
  EXPECT_EQ(s.Create("new", "new@example.com", "h").status().message(), kReadOnlyUsersMessage);
  EXPECT_EQ(s.UpdatePasswordHash("7", "$argon2id$x").message(), kReadOnlyUsersMessage);
  EXPECT_EQ(s.Delete("7").message(), kReadOnlyUsersMessage);
  EXPECT_EQ(s.SetEmailVerified("7", true).message(), kReadOnlyUsersMessage);
  EXPECT_EQ(s.FindById("7")->password_hash, "$2y$10$abcdefghijklmnopqrstuu") << "never rewritten";
  Status no_migrations = server_->Execute("SELECT 1 FROM " + options_.database + ".schema_migrations");
  EXPECT_FALSE(no_migrations.ok()) << "the external mode creates no table";
}

TEST_F(MysqlExternalUserStoreTest, BadQueriesRefuseToOpenNamingTheProblem) {
  struct Case {
    ExternalUserQueries queries;
    const char* expected;
  };
  const Case cases[] = {
      {{"SELEC id FROM users WHERE id = ?", kById}, "USER_LOOKUP_SQL does not prepare"},
      {{kLookupOneParam, "SELECT id FROM no_such_table WHERE id = ?"}, "USER_BY_ID_SQL does not prepare"},
      {{kLookup, kById}, "USER_LOOKUP_SQL must have exactly one ?"},
      {{kLookupOneParam,
        "SELECT u.id, u.username, u.email, u.role, u.is_premium, u.email_verified AS is_verified"
        " FROM users u WHERE u.id = ?"},
       "USER_BY_ID_SQL returns no column 'password_hash'"},
      {{"SELECT u.id, u.username, u.email, a.password_hash, u.role, u.is_premium,"
        " u.email_verified FROM users u JOIN user_auth a ON a.user_id = u.id WHERE u.id = ?",
        kById},
       "USER_LOOKUP_SQL returns no column 'is_verified'"},
      {{"", kById}, "must be set together"},
  };
  for (const Case& c : cases) {
    Result<UserStorePtr> store = OpenMysqlExternalUserStore(options_, c.queries);
    EXPECT_EQ(store.status().code(), Code::kInvalidArgument) << c.expected;
    EXPECT_NE(store.status().message().find(c.expected), std::string::npos)
        << store.status().ToString();
  }
  Result<int> port = testing::UnusedLoopbackPort();
  ASSERT_TRUE(port.ok());
  MysqlOptions down = options_;
  down.port = *port;
  SK_EXPECT_CODE(OpenMysqlExternalUserStore(down, {kLookupOneParam, kById}).status(),
                 Code::kUnavailable);
}

}  // namespace
}  // namespace sessionkit
