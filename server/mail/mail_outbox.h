// MailOutbox: the delivery worker of the durable mail queue (API.md §13, docs/email.md).
//
// Requests only queue mail (AuthStateStore::EnqueueMail, durable before they answer);
// this worker, on a thread of its own (never an event loop), claims due messages with a
// lease (ClaimMail: atomic, so several servers sharing the store never hold the same
// claim; a crashed claimer's lease runs out and another server retries), hands each to
// the SmtpSender, and then settles it under its lease: sent -> deleted; failed -> due
// again after an exponential backoff (first_retry, doubling, at most max_retry); failed
// and older than give_up_after -> deleted, logged and counted as given up. Decisions
// use the injected clock; the thread wakes on Wake() (a mail was just queued) or every
// `poll` of real time to look at the queue.
//
// Logs name the mail id, the attempt and the SMTP server's reason: never the message,
// its link or the SMTP password. Thread-safe: Wake() from any thread; Start/Stop from
// the owner; RunOnce() is for tests (not while the thread runs).
#ifndef SESSIONKIT_SERVER_MAIL_MAIL_OUTBOX_H_
#define SESSIONKIT_SERVER_MAIL_MAIL_OUTBOX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/mail/smtp_sender.h"
#include "server/metrics.h"
#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"

namespace sessionkit::server {

struct MailOutboxOptions {
  std::chrono::milliseconds lease{60'000};        // > the sender's timeout
  std::chrono::milliseconds first_retry{1'000};   // backoff after the first failure
  std::chrono::milliseconds max_retry{300'000};   // the backoff's ceiling
  std::chrono::milliseconds give_up_after{24LL * 3600 * 1000};  // since enqueued
  std::chrono::milliseconds poll{1'000};          // real time between idle looks
  const Clock* clock = nullptr;                   // nullptr = SystemClock()
};

class MailOutbox {
 public:
  // `store`, `metrics` (may be null) must outlive the outbox.
  MailOutbox(AuthStateStore& store, SmtpSender sender, Metrics* metrics, MailOutboxOptions options);
  ~MailOutbox();  // Stop()
  MailOutbox(const MailOutbox&) = delete;
  MailOutbox& operator=(const MailOutbox&) = delete;

  void Start();
  // Finishes the attempt in progress (bounded by the sender's timeout) and joins.
  void Stop();
  // A mail was queued: look now rather than at the next poll.
  void Wake();

  enum class Pass { kIdle, kSent, kRetried, kGivenUp, kStoreError, kLost };
  // Claims one due mail and attempts it. kIdle when nothing is due.
  Pass RunOnce();

  // The backoff after `attempts` failed attempts (1 -> first_retry).
  std::chrono::milliseconds BackoffFor(std::uint32_t attempts) const;

 private:
  void Loop();
  TimePoint Now() const { return ClockOrSystem(options_.clock).Now(); }

  AuthStateStore& store_;
  SmtpSender sender_;
  Metrics* metrics_;
  MailOutboxOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool woken_ = false;     // guarded by mu_
  std::thread thread_;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_MAIL_MAIL_OUTBOX_H_
