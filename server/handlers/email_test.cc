// The email routes (API.md §13) without sockets: 404 without SMTP_URL, 403 read_only_users
// with external users, forgot answering alike for known and unknown addresses (one mail
// queued, for the known one), and a bad token 400 invalid_token.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "server/handlers/handlers.h"
#include "server/mail/mail_outbox.h"
#include "server/testing/api_call.h"
#include "server/testing/test_services.h"
#include "sessionkit/sqlite_store.h"
#include "testing/memory_store.h"
#include "testing/temp_dir.h"

namespace sessionkit::server {
namespace {

using ::sessionkit::testing::MemoryStore;
using ::sessionkit::testing::TempDir;

constexpr std::string_view kSecret = "email-test-secret-0123456789abcdef0123";

class EmailRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    auto auth_state = OpenSqliteAuthStateStore({.path = dir_.File("auth.db"), .clock = &clock_});
    ASSERT_TRUE(auth_state.ok()) << auth_state.status().ToString();
    Status opened = wiring_.Open({.sessions = std::make_shared<MemoryStore>(&clock_),
                                  .auth_state = std::move(auth_state).value(),
                                  .users_path = dir_.File("users.db"),
                                  .clock = &clock_,
                                  .jwt_secret = std::string(kSecret)});
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    // An outbox that is never started: the tests look at the queue itself.
    SmtpUrl url;
    url.host = "127.0.0.1";
    url.port = 9;
    outbox_ = std::make_unique<MailOutbox>(*wiring_.auth_state, SmtpSender(url, "a@example.com"),
                                           nullptr, MailOutboxOptions{.clock = &clock_});
  }

  void TearDown() override { wiring_.workers->Stop(); }

  // The AccountService again, with email on.
  void EnableEmail() {
    AccountOptions options;
    options.refresh_secret = std::string(kSecret);
    options.clock = &clock_;
    options.email.enabled = true;
    options.email.public_origin = "https://auth.example.test";
    options.email.mail_from = "Example <no-reply@example.test>";
    WorkerPool* pool = wiring_.workers.get();
    auto opened = AccountService::Open(
        options, {.sessions = wiring_.manager.get(), .auth_state = wiring_.auth_state.get(),
                  .users = wiring_.users.get(), .jwt = &*wiring_.jwt, .hasher = &*wiring_.hasher,
                  .blocking = [pool](std::function<void()> job) { return pool->Submit(std::move(job)); }});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    accounts_ = std::move(opened).value();
    wiring_.services.accounts = accounts_.get();
    wiring_.services.mail = outbox_.get();
  }

  Response Post(std::string_view path, std::string_view body) {
    Request req;
    req.method = Method::kPost;
    req.path = path;
    req.user_agent = "unit-test/1";
    req.body = body;
    req.client_ip = "192.0.2.10";
    return CallApi(wiring_.services, req);
  }

  ManualClock clock_;
  TempDir dir_;
  TestServices wiring_;
  std::unique_ptr<MailOutbox> outbox_;
  std::unique_ptr<AccountService> accounts_;
};

constexpr const char* kRoutes[] = {"/api/auth/email/verify/request", "/api/auth/email/verify",
                                   "/api/auth/password/forgot", "/api/auth/password/reset"};

TEST_F(EmailRoutesTest, WithoutSmtpEveryRouteIs404) {
  for (const char* path : kRoutes) {
    EXPECT_EQ(Post(path, R"({"email":"a@example.com","token":"x"})").status, 404) << path;
  }
}

TEST_F(EmailRoutesTest, ReadOnlyUsersAre403) {
  EnableEmail();
  wiring_.services.users_read_only = true;
  for (const char* path : kRoutes) {
    Response r = Post(path, R"({"email":"a@example.com","token":"x"})");
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_NE(r.body.find("read_only_users"), std::string::npos) << r.body;
  }
}

TEST_F(EmailRoutesTest, ForgotAnswersAlikeAndQueuesOnlyForAKnownAddress) {
  EnableEmail();
  ASSERT_TRUE(wiring_.users->Create("kim", "kim@example.com", "$argon2id$x").ok());
  Response known = Post("/api/auth/password/forgot", R"({"email":"KIM@example.com"})");
  Response unknown = Post("/api/auth/password/forgot", R"({"email":"nobody@example.com"})");
  EXPECT_EQ(known.status, 200) << known.body;
  EXPECT_EQ(unknown.status, known.status);
  EXPECT_EQ(unknown.body, known.body);
  EXPECT_EQ(wiring_.auth_state->CountMail().value(), 1u);
  Result<QueuedMail> mail = wiring_.auth_state->ClaimMail(clock_.Now(), std::chrono::seconds(60), "t");
  ASSERT_TRUE(mail.ok());
  EXPECT_EQ(mail->recipient, "kim@example.com");
  EXPECT_NE(mail->message.find("https://auth.example.test/account/reset?token="), std::string::npos);
}

TEST_F(EmailRoutesTest, BadTokensAre400InvalidToken) {
  EnableEmail();
  for (const char* token : {"short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    Response verify = Post("/api/auth/email/verify", std::string(R"({"token":")") + token + "\"}");
    EXPECT_EQ(verify.status, 400);
    EXPECT_NE(verify.body.find("invalid_token"), std::string::npos) << verify.body;
    Response reset = Post("/api/auth/password/reset", std::string(R"({"token":")") + token +
                                                          R"(","new_password":"long enough 1"})");
    EXPECT_EQ(reset.status, 400);
    EXPECT_NE(reset.body.find("invalid_token"), std::string::npos) << reset.body;
  }
}

}  // namespace
}  // namespace sessionkit::server
