#include "server/users/user_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

namespace sessionkit::server {
namespace {

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sk-users-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Result<std::unique_ptr<UserStore>> store =
        UserStore::Open({.path = (dir_ / "db.sqlite").string(), .clock = &clock_});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  ManualClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<UserStore> store_;
};

TEST_F(UserStoreTest, CreateAndFind) {
  Result<User> u = store_->Create("Alice", "Alice@Example.com", "$argon2id$hash");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(std::regex_match(u->id, std::regex(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(u->role, "user");
  EXPECT_FALSE(u->is_premium);
  EXPECT_EQ(u->created_at, "2025-01-20T10:00:00Z");

  Result<User> by_id = store_->FindById(u->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->username, "Alice");
  EXPECT_EQ(by_id->email, "Alice@Example.com");
  EXPECT_EQ(by_id->password_hash, "$argon2id$hash");
  EXPECT_EQ(by_id->created_at, "2025-01-20T10:00:00Z");
}

TEST_F(UserStoreTest, LoginIdentifierIsUsernameThenEmailIgnoringCase) {
  ASSERT_TRUE(store_->Create("Alice", "alice@example.com", "h").ok());
  EXPECT_EQ(store_->FindByLogin("alice")->username, "Alice");
  EXPECT_EQ(store_->FindByLogin("ALICE@EXAMPLE.COM")->username, "Alice");
  EXPECT_TRUE(store_->FindByLogin("bob").status().IsNotFound());
  EXPECT_TRUE(store_->FindById("nope").status().IsNotFound());
}

TEST_F(UserStoreTest, UniqueIgnoringCase) {
  ASSERT_TRUE(store_->Create("Alice", "alice@example.com", "h").ok());
  Result<User> same_name = store_->Create("ALICE", "other@example.com", "h");
  EXPECT_EQ(same_name.status().code(), Code::kConflict);
  EXPECT_EQ(same_name.status().message(), "username already taken");
  Result<User> same_mail = store_->Create("bob", "Alice@Example.COM", "h");
  EXPECT_EQ(same_mail.status().code(), Code::kConflict);
  EXPECT_EQ(same_mail.status().message(), "email already registered");

  EXPECT_EQ(store_->CheckAvailable("aLiCe", "new@example.com").message(), "username already taken");
  EXPECT_EQ(store_->CheckAvailable("carol", "ALICE@example.com").message(),
            "email already registered");
  EXPECT_TRUE(store_->CheckAvailable("carol", "carol@example.com").ok());
}

TEST_F(UserStoreTest, UpdatePasswordHashAndDelete) {
  Result<User> u = store_->Create("dave", "dave@example.com", "$2b$old");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(store_->UpdatePasswordHash(u->id, "$argon2id$new").ok());
  EXPECT_EQ(store_->FindById(u->id)->password_hash, "$argon2id$new");
  EXPECT_TRUE(store_->UpdatePasswordHash("missing", "x").IsNotFound());
  EXPECT_TRUE(store_->Delete(u->id).ok());
  EXPECT_TRUE(store_->FindById(u->id).status().IsNotFound());
}

TEST_F(UserStoreTest, SurvivesReopen) {
  Result<User> u = store_->Create("erin", "erin@example.com", "h");
  ASSERT_TRUE(u.ok());
  store_.reset();
  Result<std::unique_ptr<UserStore>> again = UserStore::Open({.path = (dir_ / "db.sqlite").string()});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->FindByLogin("erin")->id, u->id);
}

TEST(UserStoreOpenTest, UnopenableFileIsUnavailable) {
  Result<std::unique_ptr<UserStore>> store =
      UserStore::Open({.path = "/nonexistent-dir-for-sessionkit-test/x.db"});
  EXPECT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsUnavailable());
}

TEST(UuidTest, Version4AndDistinct) {
  std::string a = NewUuidV4(), b = NewUuidV4();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
}

}  // namespace
}  // namespace sessionkit::server
