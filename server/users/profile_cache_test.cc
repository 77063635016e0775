#include "server/users/profile_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "sessionkit/sqlite_store.h"

namespace sessionkit::server {
namespace {

using namespace std::chrono_literals;

class ProfileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sk-profiles-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Result<UserStorePtr> store =
        OpenSqliteUserStore({.path = (dir_ / "db.sqlite").string(), .clock = &clock_});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  User MustCreate(const std::string& name) {
    Result<User> u = store_->Create(name, name + "@example.com", "$argon2id$secret-hash");
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : User{};
  }

  ManualClock clock_;
  std::filesystem::path dir_;
  UserStorePtr store_;
};

TEST_F(ProfileCacheTest, SecondLookupIsServedFromMemoryWithoutTheHash) {
  User alice = MustCreate("alice");
  ProfileCache cache(*store_, &clock_, 60s);
  for (int i = 0; i < 3; ++i) {
    Result<User> found = cache.Find(alice.id);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ(found->id, alice.id);
    EXPECT_EQ(found->username, "alice");
    EXPECT_EQ(found->email, "alice@example.com");
    EXPECT_EQ(found->role, "user");
    EXPECT_TRUE(found->password_hash.empty());
  }
  EXPECT_EQ(cache.misses(), 1u);
}

TEST_F(ProfileCacheTest, AnEntryLivesAtMostTheTtl) {
  User bob = MustCreate("bob");
  ProfileCache cache(*store_, &clock_, 60s);
  ASSERT_TRUE(cache.Find(bob.id).ok());
  ASSERT_TRUE(store_->Delete(bob.id).ok());  // an edit the cache is not told about

  clock_.Advance(59s);
  EXPECT_TRUE(cache.Find(bob.id).ok()) << "still within the ttl";
  clock_.Advance(1s);
  Result<User> gone = cache.Find(bob.id);
  EXPECT_TRUE(gone.status().IsNotFound()) << gone.status().ToString();
  EXPECT_EQ(cache.misses(), 2u);
}

TEST_F(ProfileCacheTest, ForgetAllMakesEveryEntryStale) {
  User vera = MustCreate("vera");
  ProfileCache cache(*store_, &clock_, 60s);
  ASSERT_FALSE(cache.Find(vera.id)->is_email_verified);
  ASSERT_TRUE(store_->SetEmailVerified(vera.id, true).ok());
  EXPECT_FALSE(cache.Find(vera.id)->is_email_verified) << "cached, not told yet";
  cache.ForgetAll();
  EXPECT_TRUE(cache.Find(vera.id)->is_email_verified);
  EXPECT_EQ(cache.misses(), 2u);
  EXPECT_TRUE(cache.Find(vera.id)->is_email_verified);
  EXPECT_EQ(cache.misses(), 2u) << "cached again";
}

TEST_F(ProfileCacheTest, AbsentUsersAreCachedAsAbsent) {
  ProfileCache cache(*store_, &clock_, 60s);
  EXPECT_TRUE(cache.Find("42").status().IsNotFound());
  EXPECT_TRUE(cache.Find("42").status().IsNotFound());
  EXPECT_EQ(cache.misses(), 1u);
}

TEST_F(ProfileCacheTest, EachThreadHasItsOwnEntries) {
  User carol = MustCreate("carol");
  ProfileCache cache(*store_, &clock_, 60s);
  ASSERT_TRUE(cache.Find(carol.id).ok());
  std::thread other([&] {
    EXPECT_TRUE(cache.Find(carol.id).ok());
    EXPECT_TRUE(cache.Find(carol.id).ok());
  });
  other.join();
  EXPECT_EQ(cache.misses(), 2u);
}

TEST_F(ProfileCacheTest, TwoCachesDoNotShareEntries) {
  User dave = MustCreate("dave");
  ProfileCache first(*store_, &clock_, 60s);
  ProfileCache second(*store_, &clock_, 60s);
  ASSERT_TRUE(first.Find(dave.id).ok());
  ASSERT_TRUE(second.Find(dave.id).ok());
  EXPECT_EQ(first.misses(), 1u);
  EXPECT_EQ(second.misses(), 1u);
}

TEST_F(ProfileCacheTest, AFullTableMakesRoom) {
  User a = MustCreate("user_a");
  User b = MustCreate("user_b");
  User c = MustCreate("user_c");
  ProfileCache cache(*store_, &clock_, 60s, 2);
  ASSERT_TRUE(cache.Find(a.id).ok());
  ASSERT_TRUE(cache.Find(b.id).ok());
  ASSERT_TRUE(cache.Find(c.id).ok());  // full, nothing expired: the table starts over
  EXPECT_EQ(cache.misses(), 3u);
  ASSERT_TRUE(cache.Find(c.id).ok());
  EXPECT_EQ(cache.misses(), 3u);
  ASSERT_TRUE(cache.Find(a.id).ok());
  EXPECT_EQ(cache.misses(), 4u);

  clock_.Advance(61s);  // both entries expired: dropped to make room, c is fetched again
  ASSERT_TRUE(cache.Find(b.id).ok());
  ASSERT_TRUE(cache.Find(c.id).ok());
  EXPECT_EQ(cache.misses(), 6u);
}

// The event-loop path: Cached never reads the database; a PendingLoad run on another
// thread leaves its answer for the thread that prepared it.
TEST_F(ProfileCacheTest, AMissLoadedOnAWorkerIsCachedForThePreparingThread) {
  User erin = MustCreate("erin");
  ProfileCache cache(*store_, &clock_, 60s);
  const User* user = nullptr;
  EXPECT_EQ(cache.Cached(erin.id, user), ProfileCache::Hit::kMiss);
  EXPECT_EQ(cache.misses(), 0u) << "Cached() never goes to the database";

  ProfileCache::PendingLoad load = cache.PrepareLoad(erin.id);
  Result<User> loaded = Status::Internal("not run");
  std::thread worker([&] { loaded = load.Run(); });
  worker.join();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->username, "erin");
  EXPECT_TRUE(loaded->password_hash.empty());
  EXPECT_EQ(cache.misses(), 1u);

  ASSERT_EQ(cache.Cached(erin.id, user), ProfileCache::Hit::kFound);
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->id, erin.id);
  EXPECT_EQ(user->email, "erin@example.com");
  EXPECT_TRUE(user->password_hash.empty());
  EXPECT_EQ(cache.misses(), 1u);

  std::thread other([&] {  // the worker's own entries were not filled
    const User* seen = nullptr;
    EXPECT_EQ(cache.Cached(erin.id, seen), ProfileCache::Hit::kMiss);
  });
  other.join();

  clock_.Advance(60s);
  EXPECT_EQ(cache.Cached(erin.id, user), ProfileCache::Hit::kMiss) << "the ttl still holds";
}

TEST_F(ProfileCacheTest, AnAbsentUserLoadedOnAWorkerIsCachedAsAbsent) {
  ProfileCache cache(*store_, &clock_, 60s);
  ProfileCache::PendingLoad load = cache.PrepareLoad("42");
  std::thread worker([&] { EXPECT_TRUE(load.Run().status().IsNotFound()); });
  worker.join();
  const User* user = nullptr;
  EXPECT_EQ(cache.Cached("42", user), ProfileCache::Hit::kAbsent);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST_F(ProfileCacheTest, ADatabaseErrorIsNotCached) {
  // A store that is always down: the error comes back and nothing is remembered.
  struct DownStore final : UserStore {
    Result<User> FindById(std::string_view) override { return Status::Unavailable("down"); }
    Result<User> FindByLogin(std::string_view) override { return Status::Unavailable("down"); }
    Status CheckAvailable(std::string_view, std::string_view) override {
      return Status::Unavailable("down");
    }
    Result<User> Create(std::string_view, std::string_view, std::string_view) override {
      return Status::Unavailable("down");
    }
    Status UpdatePasswordHash(std::string_view, std::string_view) override {
      return Status::Unavailable("down");
    }
    Status Delete(std::string_view) override { return Status::Unavailable("down"); }
  } down;
  ProfileCache cache(down, &clock_, 60s);
  EXPECT_TRUE(cache.PrepareLoad("7").Run().status().IsUnavailable());
  const User* user = nullptr;
  EXPECT_EQ(cache.Cached("7", user), ProfileCache::Hit::kMiss);
  EXPECT_TRUE(cache.Find("7").status().IsUnavailable());
  EXPECT_EQ(cache.misses(), 2u);
}

}  // namespace
}  // namespace sessionkit::server
