// The delivery worker's decisions on a real SQLite queue and a real (refused) SMTP
// connection: a failed attempt is rescheduled with exponential backoff by the injected
// clock, a mail older than give_up_after is deleted and counted, nothing is due early.
#include "server/mail/mail_outbox.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "sessionkit/sqlite_store.h"
#include "testing/temp_dir.h"

namespace sessionkit::server {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A loopback port nobody listens on (bound, then closed).
std::uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class MailOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<AuthStateStorePtr> store =
        OpenSqliteAuthStateStore({.path = dir_.File("state.db"), .clock = &clock_});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = *store;
    SmtpUrl url;
    url.host = "127.0.0.1";
    url.port = ClosedPort();
    url.user = "mailer";
    url.password = "smtp-secret";
    MailOutboxOptions options;
    options.clock = &clock_;
    options.first_retry = seconds(1);
    options.max_retry = seconds(4);
    options.give_up_after = hours(24);
    outbox_ = std::make_unique<MailOutbox>(*store_, SmtpSender(url, "no-reply@example.com"),
                                           &metrics_, options);
  }

  void Enqueue(std::string id) {
    QueuedMail mail;
    mail.id = std::move(id);
    mail.recipient = "alice@example.com";
    mail.message = "Subject: x\r\n\r\nbody\r\n";
    mail.enqueued_at = clock_.Now();
    mail.due_at = clock_.Now();
    ASSERT_TRUE(store_->EnqueueMail(mail).ok());
  }

  testing::TempDir dir_;
  ManualClock clock_;
  Metrics metrics_;
  AuthStateStorePtr store_;
  std::unique_ptr<MailOutbox> outbox_;
};

TEST_F(MailOutboxTest, BackoffDoublesUpToItsCeiling) {
  EXPECT_EQ(outbox_->BackoffFor(1), seconds(1));
  EXPECT_EQ(outbox_->BackoffFor(2), seconds(2));
  EXPECT_EQ(outbox_->BackoffFor(3), seconds(4));
  EXPECT_EQ(outbox_->BackoffFor(30), seconds(4));
}

TEST_F(MailOutboxTest, FailedAttemptsAreRetriedByTheClockThenGivenUp) {
  EXPECT_EQ(outbox_->RunOnce(), MailOutbox::Pass::kIdle);
  Enqueue("m1");
  EXPECT_EQ(outbox_->RunOnce(), MailOutbox::Pass::kRetried);
  EXPECT_EQ(outbox_->RunOnce(), MailOutbox::Pass::kIdle) << "not due before its backoff";
  clock_.Advance(seconds(1));
  EXPECT_EQ(outbox_->RunOnce(), MailOutbox::Pass::kRetried);
  clock_.Advance(seconds(1));
  EXPECT_EQ(outbox_->RunOnce(), MailOutbox::Pass::kIdle) << "the second backoff is 2 s";
  clock_.Advance(seconds(1));
  EXPECT_EQ(outbox_->RunOnce(), MailOutbox::Pass::kRetried);
  EXPECT_EQ(store_->CountMail().value(), 1u);
  clock_.Advance(hours(25));
  EXPECT_EQ(outbox_->RunOnce(), MailOutbox::Pass::kGivenUp);
  EXPECT_EQ(store_->CountMail().value(), 0u);
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find("sessionkit_mail_total{outcome=\"retried\"} 3"), std::string::npos);
  EXPECT_NE(text.find("sessionkit_mail_total{outcome=\"given_up\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace sessionkit::server
