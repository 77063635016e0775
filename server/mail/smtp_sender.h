// SmtpSender: hands one ready message to an SMTP server with libcurl (API.md §13).
//
// smtp:// uses STARTTLS when the server offers it (CURLUSESSL_TRY), smtps:// TLS from
// the start; certificates are verified. Credentials go to libcurl as options, never in a
// URL, a log line or an error: errors name the server (host:port) and libcurl's
// reason only. Blocking, with connect and total timeouts: call it from the delivery
// worker's thread, never an event loop. Thread-safe (each call has its own handle).
#ifndef SESSIONKIT_SERVER_MAIL_SMTP_SENDER_H_
#define SESSIONKIT_SERVER_MAIL_SMTP_SENDER_H_

#include <chrono>
#include <string>
#include <string_view>

#include "server/mail/smtp_url.h"
#include "sessionkit/status.h"

namespace sessionkit::server {

class SmtpSender {
 public:
  // Initialises libcurl once per process (curl_global_init) on first construction.
  SmtpSender(SmtpUrl url, std::string envelope_from,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Sends `message` (CRLF line ends, headers included) to `recipient`. Unavailable with
  // the reason when the server cannot be reached or refuses.
  Status Send(std::string_view recipient, std::string_view message) const;

  // "host:port" (what logs may name).
  std::string ServerName() const;

 private:
  SmtpUrl url_;
  std::string envelope_from_;
  std::chrono::milliseconds timeout_;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_MAIL_SMTP_SENDER_H_
