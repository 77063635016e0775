// Session list items carry `client` (API.md §8); the session record of /api/users/me
// (the hot path) does not, so it parses nothing.
#include "server/handlers/views.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace sessionkit::server {
namespace {

Session FirefoxOnWindows() {
  Session s;
  s.id = "sess_" + std::string(64, 'a');
  s.user_id = "u1";
  s.username = "alice";
  s.purpose = "login";
  s.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
  return s;
}

std::string Written(const Session& s, SessionShape shape) {
  std::string out;
  internal::JsonWriter w(out);
  WriteSession(w, s, true, shape);
  return out;
}

TEST(WriteSessionTest, ListItemsCarryTheClientReadFromTheUserAgent) {
  std::string json = Written(FirefoxOnWindows(), SessionShape::kListItem);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  std::string_view browser, os, device_type;
  ASSERT_EQ(root.at_pointer("/client/browser").get(browser), simdjson::SUCCESS) << json;
  ASSERT_EQ(root.at_pointer("/client/os").get(os), simdjson::SUCCESS);
  ASSERT_EQ(root.at_pointer("/client/device_type").get(device_type), simdjson::SUCCESS);
  EXPECT_EQ(browser, "Firefox 128");
  EXPECT_EQ(os, "Windows");
  EXPECT_EQ(device_type, "desktop");
  bool current = false;
  ASSERT_EQ(root.at_pointer("/current").get(current), simdjson::SUCCESS);
  EXPECT_TRUE(current);
}

TEST(WriteSessionTest, UnknownAgentsAreEmptyStringsAndUnknown) {
  Session s = FirefoxOnWindows();
  s.user_agent = "";
  std::string json = Written(s, SessionShape::kListItem);
  EXPECT_NE(json.find(R"("client":{"browser":"","os":"","device_type":"unknown"})"),
            std::string::npos)
      << json;
}

TEST(WriteSessionTest, TheRecordOfMeHasNoClient) {
  std::string json = Written(FirefoxOnWindows(), SessionShape::kRecord);
  EXPECT_EQ(json.find("client"), std::string::npos) << json;
  EXPECT_TRUE(json.ends_with(R"("current":true,"aal":1})")) << json;
}

}  // namespace
}  // namespace sessionkit::server
