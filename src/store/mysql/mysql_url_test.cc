#include <gtest/gtest.h>

#include "sessionkit/mysql_store.h"

namespace sessionkit {
namespace {

TEST(MysqlUrl, ParsesEveryPart) {
  Result<MysqlOptions> o = ParseMysqlUrl("mysql://app:s3cret@db.example.com:3307/users");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->user, "app");
  EXPECT_EQ(o->password, "s3cret");
  EXPECT_EQ(o->host, "db.example.com");
  EXPECT_EQ(o->port, 3307);
  EXPECT_EQ(o->database, "users");
  EXPECT_EQ(o->socket, "");
}

TEST(MysqlUrl, DefaultsAndTheMariadbScheme) {
  Result<MysqlOptions> o = ParseMysqlUrl("mariadb://localhost/sk");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->user, "root");
  EXPECT_EQ(o->password, "");
  EXPECT_EQ(o->host, "localhost");
  EXPECT_EQ(o->port, 3306);
  EXPECT_EQ(o->database, "sk");
  EXPECT_TRUE(IsMysqlUrl("MySQL://x/y"));
  EXPECT_TRUE(IsMysqlUrl("mariadb://x/y"));
  EXPECT_FALSE(IsMysqlUrl("sqlite://x.db"));
  EXPECT_FALSE(IsMysqlUrl("postgres://x/y"));
}

TEST(MysqlUrl, SocketPercentEscapesAndIpv6) {
  Result<MysqlOptions> o =
      ParseMysqlUrl("mysql://u%40corp:p%3Aw@d@/my%5Fdb?socket=/run/mysqld/mysqld.sock");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->user, "u@corp");
  EXPECT_EQ(o->password, "p:w@d");  // unescaped '@' in the password: the last '@' ends it
  EXPECT_EQ(o->database, "my_db");
  EXPECT_EQ(o->socket, "/run/mysqld/mysqld.sock");
  Result<MysqlOptions> v6 = ParseMysqlUrl("mysql://u:p@[::1]:3310/db");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 3310);
}

TEST(MysqlUrl, BadUrlsAreInvalidArgumentWithoutThePassword) {
  for (const char* url : {
           "postgres://u:hunter2pw@h/db",      // another scheme
           "mysql://u:hunter2pw@h:0/db",       // port out of range
           "mysql://u:hunter2pw@h:99999/db",   // port out of range
           "mysql://u:hunter2pw@h:33a/db",     // not a number
           "mysql://u:hunter2pw@h:/db",        // empty port
           "mysql://u:hunter2pw@h",            // no database
           "mysql://u:hunter2pw@h/",           // empty database
           "mysql://u:hunter2pw@h/a/b",        // '/' in the database
           "mysql://u:hunter2pw%zz@h/db",      // bad escape
           "mysql://u:hunter2pw@h/db?sslmode=x",  // unknown parameter
           "mysql://u:hunter2pw@h/db?socket=relative.sock",
           "mysql://u:hunter2pw@[::1/db",
       }) {
    Result<MysqlOptions> o = ParseMysqlUrl(url);
    EXPECT_EQ(o.status().code(), Code::kInvalidArgument) << url;
    EXPECT_EQ(o.status().message().find("hunter2"), std::string::npos) << o.status().ToString();
    EXPECT_NE(o.status().message().find("DATABASE_URL"), std::string::npos) << o.status().ToString();
  }
}

TEST(MysqlUrl, RedactedUrlHidesOnlyThePassword) {
  EXPECT_EQ(RedactedUrl("mysql://app:s3cret@db:3306/users"), "mysql://app:***@db:3306/users");
  EXPECT_EQ(RedactedUrl("mariadb://app:p@ss:w@db/users?socket=/s"), "mariadb://app:***@db/users?socket=/s");
  EXPECT_EQ(RedactedUrl("mysql://app@db/users"), "mysql://app@db/users");
  EXPECT_EQ(RedactedUrl("mysql://db/users?socket=/a@b"), "mysql://db/users?socket=/a@b");
  EXPECT_EQ(RedactedUrl("sqlite://sessionkit.db"), "sqlite://sessionkit.db");
  EXPECT_EQ(RedactedUrl("garbage:pw@x"), "***");
}

}  // namespace
}  // namespace sessionkit
