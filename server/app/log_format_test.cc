#include "server/app/log_format.h"

#include <gtest/gtest.h>

#include <string>

namespace sessionkit::server {
namespace {

std::chrono::system_clock::time_point At(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

TEST(LogFormatTest, EventIsTheLeadingWordsInSnakeCase) {
  EXPECT_EQ(LogEventName("session created: ab12 user_id=7 purpose=login"), "session_created");
  EXPECT_EQ(LogEventName("listening on 127.0.0.1:8080 (2 I/O threads)"), "listening_on");
  EXPECT_EQ(LogEventName("sessions revoked: 3 of user_id=5 reason=logout-all"), "sessions_revoked");
  EXPECT_EQ(LogEventName("stopped"), "stopped");
  EXPECT_EQ(LogEventName("logout-all done"), "logout_all_done");
  EXPECT_EQ(LogEventName("--dev: JWT_SECRET not set"), "message");
  EXPECT_EQ(LogEventName("SIGTERM: shutting down"), "message");
  EXPECT_EQ(LogEventName(""), "message");
}

TEST(LogFormatTest, StableKeysThenTheMessagesPairs) {
  std::string line;
  AppendJsonLogLine(line, At(1767323045678), "info",
                    "login failed: identifier=ab12cd ip=10.0.0.1 reason=wrong password");
  EXPECT_EQ(line,
            "{\"ts\":\"2026-01-02T03:04:05.678Z\",\"level\":\"info\",\"event\":\"login_failed\","
            "\"msg\":\"login failed: identifier=ab12cd ip=10.0.0.1 reason=wrong password\","
            "\"identifier\":\"ab12cd\",\"ip\":\"10.0.0.1\",\"reason\":\"wrong password\"}\n");
}

TEST(LogFormatTest, QuotedValuesAreUnquotedAndEverythingIsEscaped) {
  std::string line;
  AppendJsonLogLine(line, At(0), "info",
                    "user registered: user_id=3 username=\"bo\\\"b\" device=\"x y\"");
  EXPECT_NE(line.find("\"username\":\"bo\\\"b\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"device\":\"x y\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"ts\":\"1970-01-01T00:00:00.000Z\""), std::string::npos) << line;

  line.clear();
  AppendJsonLogLine(line, At(0), "warning", std::string("bad \xff byte\n and \x01 control"));
  EXPECT_NE(line.find("\xEF\xBF\xBD"), std::string::npos) << line;  // invalid UTF-8 -> U+FFFD
  EXPECT_NE(line.find("\\n"), std::string::npos) << line;
  EXPECT_NE(line.find("\\u0001"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message";
}

TEST(LogFormatTest, ReservedAndRepeatedNamesStayInMsgOnly) {
  std::string line;
  AppendJsonLogLine(line, At(0), "info", "odd: level=x msg=y a=1 a=2");
  EXPECT_EQ(line.find("\"level\":\"x\""), std::string::npos) << line;
  EXPECT_EQ(line.find("\"msg\":\"y\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"a\":\"1\""), std::string::npos) << line;
  EXPECT_EQ(line.find("\"a\":\"2\""), std::string::npos) << line;
}

}  // namespace
}  // namespace sessionkit::server
