#include "server/json_body.h"

#include <gtest/gtest.h>

namespace sessionkit::server {
namespace {

TEST(JsonBodyTest, ReadsStringFields) {
  std::string a, b, c;
  Status s = ReadStringFields(R"({"a":"x","b":"é\n","z":1})", {{"a", &a}, {"b", &b}, {"c", &c}});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(a, "x");
  EXPECT_EQ(b, "é\n");
  EXPECT_EQ(c, "");
}

TEST(JsonBodyTest, NullIsAbsent) {
  std::string a = "old";
  EXPECT_TRUE(ReadStringFields(R"({"a":null})", {{"a", &a}}).ok());
  EXPECT_EQ(a, "");
}

TEST(JsonBodyTest, RejectsNonObjects) {
  std::string a;
  for (std::string_view body : {"", "[]", "\"a\"", "{", "{\"a\":}", "nul", "{}x", "1"}) {
    Status s = ReadStringFields(body, {{"a", &a}});
    EXPECT_EQ(s.code(), Code::kMalformed) << body;
  }
}

TEST(JsonBodyTest, RejectsWrongTypeNamingTheField) {
  std::string password;
  Status s = ReadStringFields(R"({"password":12345678})", {{"password", &password}});
  EXPECT_EQ(s.code(), Code::kMalformed);
  EXPECT_EQ(s.message(), "password must be a string");
  EXPECT_EQ(ReadStringFields(R"({"password":["x"]})", {{"password", &password}}).code(),
            Code::kMalformed);
}

}  // namespace
}  // namespace sessionkit::server
