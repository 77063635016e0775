// WEB_UI (API.md §7): on by default, on/off from the environment or --web-ui, anything
// else refused with the variable named.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "server/app/config.h"

namespace sessionkit::server {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";

ConfigOutcome LoadWith(std::map<std::string, std::string, std::less<>> vars,
                       std::vector<std::string> flags = {}) {
  vars.emplace("JWT_SECRET", std::string(kSecret));
  flags.insert(flags.begin(), "sessionkit-server");
  return LoadConfig(
      flags,
      [&vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
      },
      {}, 4);
}

TEST(WebUiConfigTest, OnByDefault) {
  ConfigOutcome out = LoadWith({});
  ASSERT_TRUE(out.config) << out.message;
  EXPECT_TRUE(out.config->web_ui);
}

TEST(WebUiConfigTest, OffFromTheEnvironmentOrTheFlag) {
  ConfigOutcome env = LoadWith({{"WEB_UI", "off"}});
  ASSERT_TRUE(env.config) << env.message;
  EXPECT_FALSE(env.config->web_ui);
  ConfigOutcome flag = LoadWith({{"WEB_UI", "off"}}, {"--web-ui", "on"});
  ASSERT_TRUE(flag.config) << flag.message;
  EXPECT_TRUE(flag.config->web_ui);
}

TEST(WebUiConfigTest, AnythingElseIsRefused) {
  ConfigOutcome out = LoadWith({{"WEB_UI", "yes"}});
  EXPECT_FALSE(out.config);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.message.find("WEB_UI must be on or off"), std::string::npos) << out.message;
}

}  // namespace
}  // namespace sessionkit::server
