// The mails of API.md §13 parse as MIME with both parts, carry the headers the contract
// names, and hold the token only inside the link.
#include "src/account/mail_message.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace sessionkit::internal {
namespace {

constexpr std::string_view kToken = "Q2hlY2tUaGlzVG9rZW5Jc09ubHlJblRoZUxpbmtfXzAx";

MailContent Content(MailKind kind) {
  MailContent c;
  c.from = "Example <no-reply@example.com>";
  c.to_address = "alice@example.com";
  c.to_name = "alice";
  c.date = TimePoint(std::chrono::seconds(1737367200));  // 2025-01-20T10:00:00Z, a Monday
  c.message_id = "0123456789abcdef@auth.example.com";
  FillMailText(kind, "alice",
               "https://auth.example.com/account/reset?token=" + std::string(kToken), c);
  return c;
}

std::size_t Count(const std::string& hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

TEST(MailMessage, HasTheHeadersAndBothParts) {
  const std::string m = BuildMailMessage(Content(MailKind::kResetPassword));
  const std::string head = m.substr(0, m.find("\r\n\r\n"));
  EXPECT_NE(head.find("From: Example <no-reply@example.com>\r\n"), std::string::npos);
  EXPECT_NE(head.find("To: alice <alice@example.com>\r\n"), std::string::npos);
  EXPECT_NE(head.find("Subject: Reset your password\r\n"), std::string::npos);
  EXPECT_NE(head.find("Date: Mon, 20 Jan 2025 10:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(head.find("Message-ID: <0123456789abcdef@auth.example.com>\r\n"), std::string::npos);
  EXPECT_NE(head.find("MIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
  EXPECT_EQ(Count(m, "Content-Type: text/plain"), 1u);
  EXPECT_EQ(Count(m, "Content-Type: text/html"), 1u);
  // Every line ends CRLF and stays short.
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  std::size_t start = 0;
  for (std::size_t end = m.find("\r\n"); end != std::string::npos; end = m.find("\r\n", start)) {
    EXPECT_LT(end - start, 998u);
    start = end + 2;
  }
}

TEST(MailMessage, TheTokenAppearsOnlyInsideTheLink) {
  const std::string m = BuildMailMessage(Content(MailKind::kResetPassword));
  // Once in the text part, once in the HTML href; each time right after "?token=".
  EXPECT_EQ(Count(m, kToken), 2u);
  EXPECT_EQ(Count(m, std::string("/account/reset?token=") + std::string(kToken)), 2u);
  EXPECT_NE(m.find("Hello alice,"), std::string::npos) << "the user's name";
  const std::string v = BuildMailMessage(Content(MailKind::kVerifyEmail));
  EXPECT_NE(v.find("Subject: Confirm your email address"), std::string::npos);
}

TEST(MailMessage, HeaderValuesCannotBreakTheHeader) {
  MailContent c = Content(MailKind::kVerifyEmail);
  c.to_name = "eve\r\nBcc: victim@example.com";
  const std::string m = BuildMailMessage(c);
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
}

TEST(MailMessage, HtmlPartEscapesTheName) {
  MailContent c;
  FillMailText(MailKind::kVerifyEmail, "<b>x</b>", "https://a.example/x?token=t", c);
  EXPECT_EQ(c.html.find("<b>x</b>"), std::string::npos);
  EXPECT_NE(c.html.find("&lt;b&gt;x&lt;/b&gt;"), std::string::npos);
}

TEST(MailMessage, MailAddressOf) {
  EXPECT_EQ(MailAddressOf("Example <no-reply@example.com>"), "no-reply@example.com");
  EXPECT_EQ(MailAddressOf(" a@b.example "), "a@b.example");
  EXPECT_EQ(MailAddressOf("broken <a@b"), "");
}

}  // namespace
}  // namespace sessionkit::internal
