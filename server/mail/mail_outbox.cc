#include "server/mail/mail_outbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "src/crypto/hex.h"
#include "src/crypto/random.h"

namespace sessionkit::server {

MailOutbox::MailOutbox(AuthStateStore& store, SmtpSender sender, Metrics* metrics,
                       MailOutboxOptions options)
    : store_(store), sender_(std::move(sender)), metrics_(metrics), options_(options) {}

MailOutbox::~MailOutbox() { Stop(); }

void MailOutbox::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void MailOutbox::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MailOutbox::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

std::chrono::milliseconds MailOutbox::BackoffFor(std::uint32_t attempts) const {
  std::chrono::milliseconds backoff = options_.first_retry;
  for (std::uint32_t i = 1; i < attempts && backoff < options_.max_retry; ++i) backoff *= 2;
  return std::min(backoff, options_.max_retry);
}

MailOutbox::Pass MailOutbox::RunOnce() {
  Result<std::string> lease_bytes = internal::RandomBytes(12);
  if (!lease_bytes.ok()) return Pass::kStoreError;
  const std::string lease = internal::HexLower(*lease_bytes);
  const TimePoint now = Now();
  Result<QueuedMail> mail = store_.ClaimMail(now, options_.lease, lease);
  if (!mail.ok()) {
    if (mail.status().IsNotFound()) return Pass::kIdle;
    spdlog::warn("mail queue: cannot claim ({})", mail.status().ToString());
    return Pass::kStoreError;
  }
  Status sent = sender_.Send(mail->recipient, mail->message);
  const TimePoint after = Now();
  if (sent.ok()) {
    Status done = store_.FinishMail(mail->id, lease);
    if (metrics_ != nullptr) metrics_->MailSent();
    spdlog::info("mail sent: id={} attempt={}", mail->id, mail->attempts);
    if (!done.ok()) {
      // Sent but still queued: its lease will run out and it would go again. Rare (the
      // store failed between two calls); logged so that a duplicate can be explained.
      spdlog::warn("mail id={} was sent but could not be removed from the queue ({})", mail->id,
                   CodeName(done.code()));
      return Pass::kLost;
    }
    return Pass::kSent;
  }
  if (after - mail->enqueued_at >= options_.give_up_after) {
    (void)store_.FinishMail(mail->id, lease);
    if (metrics_ != nullptr) metrics_->MailGivenUp();
    spdlog::error("mail given up: id={} after {} attempts: {}", mail->id, mail->attempts,
                  sent.message());
    return Pass::kGivenUp;
  }
  const std::chrono::milliseconds backoff = BackoffFor(mail->attempts);
  (void)store_.RetryMail(mail->id, lease, after + backoff);
  if (metrics_ != nullptr) metrics_->MailRetried();
  spdlog::warn("mail delivery failed: id={} attempt={} retry in {} ms: {}", mail->id,
               mail->attempts, backoff.count(), sent.message());
  return Pass::kRetried;
}

void MailOutbox::Loop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    // Drain what is due (bounded per pass so Stop is seen).
    for (int i = 0; i < 100; ++i) {
      Pass pass = RunOnce();
      if (pass == Pass::kIdle || pass == Pass::kStoreError) break;
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    if (metrics_ != nullptr) {
      Result<std::uint64_t> depth = store_.CountMail();
      if (depth.ok()) metrics_->SetMailQueueDepth(*depth);
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, options_.poll, [this] { return stopping_ || woken_; });
  }
}

}  // namespace sessionkit::server
