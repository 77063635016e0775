// The SQLite user store's second-factor table on a file of today's schema: an existing
// file without it upgrades in place (the table is created on open, the users stay).
#include <gtest/gtest.h>

#include <string>

#include "sessionkit/sqlite_store.h"
#include "testing/raw_sqlite.h"
#include "testing/temp_dir.h"

namespace sessionkit {
namespace {

using testing::RawSqlite;
using testing::TempDir;

TEST(SqliteTwoFactorTest, AFileWithoutTheTableUpgradesInPlace) {
  TempDir dir;
  const std::string path = dir.File("users.db");
  std::string id;
  {
    Result<UserStorePtr> created = OpenSqliteUserStore({.path = path});
    ASSERT_TRUE(created.ok());
    Result<User> user = (*created)->Create("before", "before@example.com", "$argon2id$h");
    ASSERT_TRUE(user.ok());
    id = user->id;
  }
  {
    auto raw = RawSqlite::Open(path);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    ASSERT_TRUE((*raw)->Exec("DROP TABLE two_factor;").ok());  // as today's builds leave it
  }
  Result<UserStorePtr> store = OpenSqliteUserStore({.path = path});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->FindByLogin("before")->id, id);
  EXPECT_TRUE((*store)->GetTwoFactor(id).status().IsNotFound());
  ASSERT_TRUE((*store)->PutPendingTwoFactor(id, "k", "sealed").ok());
  ASSERT_TRUE((*store)->ConfirmTwoFactor(id, "sealed", 7, {std::string(64, 'a')}).ok());
  // And the next open keeps it.
  store->reset();
  Result<UserStorePtr> again = OpenSqliteUserStore({.path = path});
  ASSERT_TRUE(again.ok());
  Result<TwoFactorEnrolment> e = (*again)->GetTwoFactor(id);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->confirmed);
  EXPECT_EQ(e->last_step, 7);
}

}  // namespace
}  // namespace sessionkit
