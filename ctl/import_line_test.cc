// users import lines: the Go service's export shapes, and every refusal names its field
// without echoing the hash.
#include "ctl/import_line.h"

#include <gtest/gtest.h>

namespace sessionkit::ctl {
namespace {

constexpr const char* kBcrypt = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";

TEST(ImportLine, AGoServiceUserWithEveryField) {
  Result<User> u = ParseImportLine(
      std::string(R"({"id": 42, "username": "alice", "email": "alice@example.com", "password_hash": ")") +
      kBcrypt + R"(", "role": "admin", "is_premium": true, "is_verified": 1, "extra": [1]})");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->id, "42");
  EXPECT_EQ(u->username, "alice");
  EXPECT_EQ(u->email, "alice@example.com");
  EXPECT_EQ(u->password_hash, kBcrypt);
  EXPECT_EQ(u->role, "admin");
  EXPECT_TRUE(u->is_premium);
  EXPECT_TRUE(u->is_email_verified);
  EXPECT_FALSE(u->disabled);
}

TEST(ImportLine, DefaultsAndStringIdsAndArgon2id) {
  Result<User> u = ParseImportLine(
      R"({"id":"u-7","username":"bob","email":"bob@example.com","password_hash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"})");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->id, "u-7");
  EXPECT_EQ(u->role, "user");
  EXPECT_FALSE(u->is_premium);
  Result<User> no_id = ParseImportLine(std::string(R"({"username":"carl","email":"c@example.com","password_hash":")") + kBcrypt + "\"}");
  ASSERT_TRUE(no_id.ok());
  EXPECT_EQ(no_id->id, "");
}

TEST(ImportLine, EveryBcryptPrefixIsAccepted) {
  for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
    std::string hash = std::string(prefix) + std::string(kBcrypt).substr(4);
    EXPECT_TRUE(IsImportableHash(hash)) << prefix;
  }
  EXPECT_FALSE(IsImportableHash("$2x$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"));
  EXPECT_FALSE(IsImportableHash("$2a$03$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"));
  EXPECT_FALSE(IsImportableHash("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhW"));
  EXPECT_FALSE(IsImportableHash("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lh y"));
  EXPECT_FALSE(IsImportableHash("plaintext-password"));
  EXPECT_FALSE(IsImportableHash("$argon2i$v=19$m=4096,t=3,p=1$abc$def"));
}

TEST(ImportLine, RefusalsNameTheFieldAndNeverTheHash) {
  struct Case {
    std::string line;
    std::string message_part;
  };
  const std::string hash = kBcrypt;
  const Case cases[] = {
      {"", "not JSON"},
      {"{not json", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"email":"a@example.com","password_hash":")" + hash + "\"}", "username is missing"},
      {R"({"username":"a","email":"a@example.com","password_hash":")" + hash + "\"}", "username"},
      {R"({"username":"alice","email":"nope","password_hash":")" + hash + "\"}", "email"},
      {R"({"username":"alice","email":"a@example.com"})", "password_hash is missing"},
      {R"({"username":"alice","email":"a@example.com","password_hash":"hunter2hunter2"})",
       "neither bcrypt"},
      {R"({"username":"alice","email":"a@example.com","password_hash":")" + hash +
           R"(","role":"a b"})", "role"},
      {R"({"username":"alice","email":"a@example.com","password_hash":")" + hash +
           R"(","is_premium":"yes"})", "is_premium"},
      {R"({"username":"alice","email":"a@example.com","password_hash":")" + hash +
           R"(","id":-1})", "id"},
      {R"({"username":"alice","email":"a@example.com","password_hash":")" + hash +
           R"(","id":""})", "id"},
  };
  for (const Case& c : cases) {
    Result<User> u = ParseImportLine(c.line);
    ASSERT_FALSE(u.ok()) << c.line;
    EXPECT_EQ(u.status().code(), Code::kInvalidArgument);
    EXPECT_NE(u.status().message().find(c.message_part), std::string::npos)
        << c.line << " -> " << u.status().message();
    EXPECT_EQ(u.status().message().find("hunter2"), std::string::npos);
    EXPECT_EQ(u.status().message().find(hash), std::string::npos);
  }
}

}  // namespace
}  // namespace sessionkit::ctl
