// The conformance cases every UserStore backend runs (see user_store_conformance.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/user_store_conformance/user_store_conformance.h"

namespace sessionkit::testing {
namespace {

using std::chrono::seconds;

const std::regex kUuidV4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

// --- create and find ---------------------------------------------------------------

TEST_P(UserStoreConformanceTest, CreateAndFind) {
  Result<User> u = store().Create("Alice", "Alice@Example.com", "$argon2id$hash");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(std::regex_match(u->id, kUuidV4)) << u->id;
  EXPECT_EQ(u->username, "Alice");
  EXPECT_EQ(u->email, "Alice@Example.com");
  EXPECT_EQ(u->password_hash, "$argon2id$hash");
  EXPECT_EQ(u->role, "user");
  EXPECT_FALSE(u->is_premium);
  EXPECT_FALSE(u->is_email_verified);
  EXPECT_EQ(u->created_at, "2025-01-20T10:00:00Z");

  Result<User> by_id = store().FindById(u->id);
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(by_id->id, u->id);
  EXPECT_EQ(by_id->username, "Alice");
  EXPECT_EQ(by_id->email, "Alice@Example.com");
  EXPECT_EQ(by_id->password_hash, "$argon2id$hash");
  EXPECT_EQ(by_id->role, "user");
  EXPECT_FALSE(by_id->is_premium);
  EXPECT_FALSE(by_id->is_email_verified);
  EXPECT_EQ(by_id->created_at, "2025-01-20T10:00:00Z");
}

TEST_P(UserStoreConformanceTest, EachUserGetsItsOwnIdAndTheCreationTime) {
  Result<User> first = store().Create("ann", "ann@example.com", "h");
  clock().Advance(seconds(90));
  Result<User> second = store().Create("ben", "ben@example.com", "h");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->id, second->id);
  EXPECT_TRUE(std::regex_match(second->id, kUuidV4)) << second->id;
  EXPECT_EQ(second->created_at, "2025-01-20T10:01:30Z");
  EXPECT_EQ(store().FindById(second->id)->created_at, "2025-01-20T10:01:30Z");
}

TEST_P(UserStoreConformanceTest, LoginIdentifierIsUsernameThenEmailIgnoringCase) {
  ASSERT_TRUE(store().Create("Alice", "alice@example.com", "h").ok());
  EXPECT_EQ(store().FindByLogin("alice")->username, "Alice");
  EXPECT_EQ(store().FindByLogin("ALICE")->username, "Alice");
  EXPECT_EQ(store().FindByLogin("alice@example.com")->username, "Alice");
  EXPECT_EQ(store().FindByLogin("ALICE@EXAMPLE.COM")->username, "Alice");
  EXPECT_TRUE(store().FindByLogin("bob").status().IsNotFound());
  EXPECT_TRUE(store().FindById("nope").status().IsNotFound());
}

TEST_P(UserStoreConformanceTest, AUsernameMatchWinsOverAnEmailMatch) {
  // One user's email is another's username: the identifier is a username first.
  Result<User> by_mail = store().Create("erin", "Shared@example.com", "h1");
  Result<User> by_name = store().Create("shared@EXAMPLE.com", "other@example.com", "h2");
  ASSERT_TRUE(by_mail.ok() && by_name.ok());
  EXPECT_EQ(store().FindByLogin("shared@example.com")->id, by_name->id);
  EXPECT_EQ(store().FindByLogin("erin")->id, by_mail->id);
}

// --- uniqueness --------------------------------------------------------------------

TEST_P(UserStoreConformanceTest, UniqueIgnoringCase) {
  ASSERT_TRUE(store().Create("Alice", "alice@example.com", "h").ok());
  Result<User> same_name = store().Create("ALICE", "other@example.com", "h");
  SK_EXPECT_CODE(same_name.status(), Code::kConflict);
  EXPECT_EQ(same_name.status().message(), "username already taken");
  Result<User> same_mail = store().Create("bob", "Alice@Example.COM", "h");
  SK_EXPECT_CODE(same_mail.status(), Code::kConflict);
  EXPECT_EQ(same_mail.status().message(), "email already registered");

  EXPECT_EQ(store().CheckAvailable("aLiCe", "new@example.com").message(), "username already taken");
  SK_EXPECT_CODE(store().CheckAvailable("aLiCe", "new@example.com"), Code::kConflict);
  EXPECT_EQ(store().CheckAvailable("carol", "ALICE@example.com").message(),
            "email already registered");
  SK_EXPECT_CODE(store().CheckAvailable("carol", "ALICE@example.com"), Code::kConflict);
  EXPECT_TRUE(store().CheckAvailable("carol", "carol@example.com").ok());
}

TEST_P(UserStoreConformanceTest, WhenBothAreTakenTheUsernameIsNamed) {
  ASSERT_TRUE(store().Create("gus", "gus@example.com", "h").ok());
  EXPECT_EQ(store().CheckAvailable("GUS", "GUS@example.com").message(), "username already taken");
  Result<User> again = store().Create("Gus", "Gus@Example.com", "h");
  SK_EXPECT_CODE(again.status(), Code::kConflict);
  EXPECT_EQ(again.status().message(), "username already taken");
}

TEST_P(UserStoreConformanceTest, AFailedCreateLeavesNothingBehind) {
  ASSERT_TRUE(store().Create("hal", "hal@example.com", "h").ok());
  ASSERT_FALSE(store().Create("HAL", "new@example.com", "h").ok());
  EXPECT_TRUE(store().FindByLogin("new@example.com").status().IsNotFound());
  EXPECT_TRUE(store().CheckAvailable("ivy", "new@example.com").ok());
}

// Many threads (over two store objects, as two servers) register one name, each with its
// own email, and then one email, each with its own name: exactly one of each wins, and
// every other answer is the Conflict naming the taken field.
TEST_P(UserStoreConformanceTest, ConcurrentRegistrationsOfOneNameHaveExactlyOneWinner) {
  Result<UserStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  constexpr int kThreads = 16;
  for (const bool same_name : {true, false}) {
    std::atomic<int> winners{0};
    std::atomic<int> start{0};
    std::vector<std::string> failures(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      UserStore& target = t % 2 == 0 ? store() : **other;
      threads.emplace_back([&, t, same_name] {
        const std::string n = std::to_string(t);
        // Case varies by thread: uniqueness ignores it.
        const std::string name = same_name ? (t % 3 == 0 ? "ZED" : "zed") : "name" + n;
        const std::string email =
            same_name ? "zed" + n + "@example.com" : (t % 3 == 0 ? "Z@X.COM" : "z@x.com");
        start.fetch_add(1);
        while (start.load() < kThreads) std::this_thread::yield();
        Result<User> created = target.Create(name, email, "$argon2id$h" + n);
        if (created.ok()) {
          winners.fetch_add(1);
        } else if (created.status().code() != Code::kConflict ||
                   created.status().message() !=
                       (same_name ? "username already taken" : "email already registered")) {
          failures[t] = created.status().ToString();
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(winners.load(), 1) << (same_name ? "one name" : "one email");
    for (const std::string& failure : failures) EXPECT_EQ(failure, "");
  }
  EXPECT_TRUE(store().FindByLogin("zed").ok());
  EXPECT_TRUE(store().FindByLogin("z@x.com").ok());
}

// --- password hash, delete -----------------------------------------------------------

TEST_P(UserStoreConformanceTest, UpdatePasswordHashAndDelete) {
  Result<User> u = store().Create("dave", "dave@example.com", "$2b$old");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(store().UpdatePasswordHash(u->id, "$argon2id$new").ok());
  EXPECT_EQ(store().FindById(u->id)->password_hash, "$argon2id$new");
  EXPECT_TRUE(store().UpdatePasswordHash("missing", "x").IsNotFound());
  EXPECT_TRUE(store().Delete(u->id).ok());
  EXPECT_TRUE(store().FindById(u->id).status().IsNotFound());
}

TEST_P(UserStoreConformanceTest, AHashUpgradeIsSeenEverywhereAndChangesNothingElse) {
  Result<User> u = store().Create("Eve", "eve@example.com", "$2b$10$bcrypt");
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(store().UpdatePasswordHash(u->id, "$argon2id$v=19$upgraded").ok());
  Result<User> by_login = store().FindByLogin("EVE");
  ASSERT_TRUE(by_login.ok());
  EXPECT_EQ(by_login->password_hash, "$argon2id$v=19$upgraded");
  EXPECT_EQ(by_login->username, "Eve");
  EXPECT_EQ(by_login->email, "eve@example.com");
  EXPECT_EQ(by_login->created_at, u->created_at);

  Result<UserStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ((*other)->FindById(u->id)->password_hash, "$argon2id$v=19$upgraded");
}

TEST_P(UserStoreConformanceTest, DeleteFreesTheNameAndEmailAndIsIdempotent) {
  Result<User> u = store().Create("Finn", "finn@example.com", "h");
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(store().Delete(u->id).ok());
  EXPECT_TRUE(store().FindByLogin("finn").status().IsNotFound());
  EXPECT_TRUE(store().FindByLogin("finn@example.com").status().IsNotFound());
  EXPECT_TRUE(store().CheckAvailable("FINN", "FINN@example.com").ok());
  EXPECT_TRUE(store().Delete(u->id).ok()) << "deleting a missing user is not an error";
  EXPECT_TRUE(store().UpdatePasswordHash(u->id, "x").IsNotFound());
  Result<User> again = store().Create("finn", "finn@example.com", "h");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_NE(again->id, u->id);
}

TEST_P(UserStoreConformanceTest, ASecondStoreObjectSeesTheSameUsers) {
  Result<User> u = store().Create("erin", "erin@example.com", "h");
  ASSERT_TRUE(u.ok());
  Result<UserStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ((*other)->FindByLogin("erin")->id, u->id);
  Result<User> taken = (*other)->Create("ERIN", "e2@example.com", "h");
  EXPECT_EQ(taken.status().message(), "username already taken");
}

// --- administration (API.md §11) ---------------------------------------------------------

TEST_P(UserStoreConformanceTest, DisableAndEnableAreSeenEverywhere) {
  Result<User> u = store().Create("alice", "alice@example.com", "h");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_FALSE(u->disabled);
  SK_ASSERT_OK(store().SetDisabled(u->id, true));
  Result<UserStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  Result<User> seen = (*other)->FindByLogin("ALICE");
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_TRUE(seen->disabled);
  EXPECT_EQ(seen->password_hash, "h") << "disabling changes nothing else";
  SK_ASSERT_OK((*other)->SetDisabled(u->id, false));
  EXPECT_FALSE(store().FindById(u->id)->disabled);
  SK_EXPECT_CODE(store().SetDisabled("0b9d8c4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", true),
                 Code::kNotFound);
}

TEST_P(UserStoreConformanceTest, SetRole) {
  Result<User> u = store().Create("alice", "alice@example.com", "h");
  ASSERT_TRUE(u.ok());
  SK_ASSERT_OK(store().SetRole(u->id, "admin"));
  EXPECT_EQ(store().FindById(u->id)->role, "admin");
  SK_EXPECT_CODE(store().SetRole("0b9d8c4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "admin"),
                 Code::kNotFound);
}

TEST_P(UserStoreConformanceTest, SetEmailVerifiedIsSeenEverywhere) {
  Result<User> u = store().Create("alice", "alice@example.com", "h");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->is_email_verified);
  SK_ASSERT_OK(store().SetEmailVerified(u->id, true));
  SK_ASSERT_OK(store().SetEmailVerified(u->id, true));  // setting it twice is fine
  Result<UserStorePtr> other = harness().OpenAnother();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  Result<User> seen = (*other)->FindByLogin("alice@example.com");
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->is_email_verified);
  EXPECT_EQ(seen->password_hash, "h");
  SK_EXPECT_CODE(store().SetEmailVerified("0b9d8c4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", true),
                 Code::kNotFound);
}

TEST_P(UserStoreConformanceTest, InsertKeepsEveryFieldAndRefusesWhatIsTaken) {
  User imported;
  imported.id = "42";
  imported.username = "Bob";
  imported.email = "bob@example.com";
  imported.password_hash = "$2a$10$abcdefghijklmnopqrstuu5x3u1zQf0a7Bq1Vj3eYpZ0q9b0R8l2.";
  imported.role = "admin";
  imported.is_premium = true;
  imported.is_email_verified = true;
  imported.created_at = "2020-05-01T08:30:00Z";
  Result<User> inserted = store().Insert(imported);
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  Result<User> found = store().FindByLogin("bob");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id, "42");
  EXPECT_EQ(found->email, "bob@example.com");
  EXPECT_EQ(found->password_hash, imported.password_hash);
  EXPECT_EQ(found->role, "admin");
  EXPECT_TRUE(found->is_premium);
  EXPECT_TRUE(found->is_email_verified);
  EXPECT_FALSE(found->disabled);
  EXPECT_EQ(found->created_at, "2020-05-01T08:30:00Z");

  User same_name = imported;
  same_name.id = "";
  same_name.username = "BOB";
  same_name.email = "other@example.com";
  EXPECT_EQ(store().Insert(same_name).status().message(), "username already taken");
  User same_id = imported;
  same_id.username = "carol";
  same_id.email = "carol@example.com";
  EXPECT_EQ(store().Insert(same_id).status().message(), "id already taken");

  User fresh;
  fresh.username = "dave";
  fresh.email = "dave@example.com";
  fresh.password_hash = "h";
  Result<User> made = store().Insert(fresh);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_TRUE(std::regex_match(made->id, kUuidV4)) << made->id;
  EXPECT_EQ(made->created_at, "2025-01-20T10:00:00Z");
  EXPECT_EQ(store().FindById(made->id)->username, "dave");
}

TEST_P(UserStoreConformanceTest, ListPagesByUsernameIgnoringCase) {
  for (const char* name : {"carol", "Alice", "bob", "Dave"}) {
    ASSERT_TRUE(store().Create(name, std::string(name) + "@example.com", "h").ok());
  }
  Result<std::vector<User>> first = store().List("", 3);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].username, "Alice");
  EXPECT_EQ((*first)[1].username, "bob");
  EXPECT_EQ((*first)[2].username, "carol");
  Result<std::vector<User>> rest = store().List((*first)[2].username, 3);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].username, "Dave");
}

// --- outage ----------------------------------------------------------------------------

TEST_P(UserStoreConformanceTest, EveryCallOnADownDatabaseIsUnavailable) {
  Result<UserStorePtr> down = harness().OpenUnreachable();
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  UserStore& s = **down;
  SK_EXPECT_CODE(s.FindById("0b9d8c4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e").status(), Code::kUnavailable);
  SK_EXPECT_CODE(s.FindByLogin("alice").status(), Code::kUnavailable);
  SK_EXPECT_CODE(s.CheckAvailable("alice", "alice@example.com"), Code::kUnavailable);
  SK_EXPECT_CODE(s.Create("alice", "alice@example.com", "$argon2id$secret").status(),
                 Code::kUnavailable);
  SK_EXPECT_CODE(s.UpdatePasswordHash("0b9d8c4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "$argon2id$secret"),
                 Code::kUnavailable);
  SK_EXPECT_CODE(s.Delete("0b9d8c4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"), Code::kUnavailable);
  Status failed = s.Create("alice", "alice@example.com", "$argon2id$secret").status();
  EXPECT_EQ(failed.message().find("secret"), std::string::npos)
      << "a hash never appears in a message: " << failed.ToString();
  // The store under test is unaffected.
  EXPECT_TRUE(store().Create("alice", "alice@example.com", "h").ok());
}

}  // namespace
}  // namespace sessionkit::testing
