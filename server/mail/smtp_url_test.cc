#include "server/mail/smtp_url.h"

#include <gtest/gtest.h>

namespace sessionkit::server {
namespace {

TEST(SmtpUrl, ParsesSchemeHostPortAndCredentials) {
  Result<SmtpUrl> u = ParseSmtpUrl("smtp://mailer:p%40ss%3Aword@mail.example.com:2525");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "mail.example.com");
  EXPECT_EQ(u->port, 2525);
  EXPECT_EQ(u->user, "mailer");
  EXPECT_EQ(u->password, "p@ss:word");
  EXPECT_EQ(u->CurlUrl(), "smtp://mail.example.com:2525");
  Result<SmtpUrl> tls = ParseSmtpUrl("smtps://[::1]");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->host, "[::1]");
  EXPECT_EQ(tls->port, 465);
  EXPECT_EQ(ParseSmtpUrl("smtp://127.0.0.1")->port, 587);
}

TEST(SmtpUrl, RefusesWhatIsNotOneAndNeverEchoesThePassword) {
  for (const char* bad : {"http://x:1", "smtp://", "smtp://user:s3cret@:25", "smtp://h:0",
                          "smtp://h:70000", "smtp://h:2x", "smtp://u:s3cret@h:25/path",
                          "smtp://u:%zz@h:25", ":s3cret@h"}) {
    Result<SmtpUrl> u = ParseSmtpUrl(bad);
    EXPECT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().message().find("s3cret"), std::string::npos) << bad;
  }
}

TEST(SmtpUrl, RedactionHidesOnlyThePassword) {
  EXPECT_EQ(RedactSmtpUrl("smtp://mailer:s3cret@mail.example.com:25"),
            "smtp://mailer:***@mail.example.com:25");
  EXPECT_EQ(RedactSmtpUrl("smtps://mail.example.com:465"), "smtps://mail.example.com:465");
  EXPECT_EQ(RedactSmtpUrl("ftp://u:s3cret@h"), "(not an smtp:// URL)");
}

}  // namespace
}  // namespace sessionkit::server
