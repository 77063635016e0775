#include "server/users/validation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sessionkit::server {
namespace {

TEST(ValidationTest, Usernames) {
  for (std::string_view ok : {"abc", "a_b.c-d", "User123", "abcdefghijabcdefghijabcdefghij12"}) {
    EXPECT_TRUE(CheckUsername(ok).empty()) << ok;
  }
  for (std::string_view bad : {"", "ab", "abcdefghijabcdefghijabcdefghij123", "a b", "al@ce",
                               "émile", "abc\n", "a/b"}) {
    EXPECT_FALSE(CheckUsername(bad).empty()) << bad;
  }
}

TEST(ValidationTest, Emails) {
  for (std::string_view ok : {"a@b.co", "first.last+tag@sub.example.com", "X@EXAMPLE.ORG",
                              "user@a-b.example"}) {
    EXPECT_TRUE(CheckEmail(ok).empty()) << ok;
  }
  std::string long_email = std::string(245, 'a') + "@example.com";  // 257 bytes
  const std::vector<std::string_view> bad_emails = {"", "plain", "@example.com", "a@b", "a@@b.com", "a@b@c.com",
                               "a b@c.com", "a@-b.com", "a@b-.com", "a@b..com", "a@.b.com",
                               "a@b.com.", "a@b_c.com", long_email};
  for (std::string_view bad : bad_emails) {
    EXPECT_FALSE(CheckEmail(bad).empty()) << bad;
  }
  std::string max_email = std::string(242, 'a') + "@example.com";  // exactly 254
  EXPECT_TRUE(CheckEmail(max_email).empty());
}

TEST(ValidationTest, Passwords) {
  EXPECT_FALSE(CheckPassword("1234567").empty());
  EXPECT_TRUE(CheckPassword("12345678").empty());
  EXPECT_TRUE(CheckPassword(std::string(128, 'p')).empty());
  EXPECT_FALSE(CheckPassword(std::string(129, 'p')).empty());
}

TEST(ValidationTest, MessagesNeverEchoTheValue) {
  EXPECT_EQ(CheckPassword("secret").find("secret"), std::string_view::npos);
  EXPECT_EQ(CheckUsername("zz").find("zz"), std::string_view::npos);
}

}  // namespace
}  // namespace sessionkit::server
