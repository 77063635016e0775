// SMTP_URL (API.md §7, §13): parsing and the redacted form that may be shown.
//
// smtp://[user[:password]@]host[:port]  (port 587 by default; STARTTLS when the server
// offers it) or smtps://...  (TLS from the start; port 465 by default). The user and the
// password may be percent-encoded. The password is a secret: RedactSmtpUrl() is the only
// form of the URL that may be logged or put in an error, and no error message of
// ParseSmtpUrl contains it. Pure functions; thread-safe.
#ifndef SESSIONKIT_SERVER_MAIL_SMTP_URL_H_
#define SESSIONKIT_SERVER_MAIL_SMTP_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sessionkit/result.h"

namespace sessionkit::server {

struct SmtpUrl {
  bool tls = false;  // smtps://
  std::string host;  // a name, an IPv4 address or [v6]
  std::uint16_t port = 0;
  std::string user;      // decoded
  std::string password;  // decoded; a secret
  // The URL libcurl is given: scheme://host:port, without the credentials.
  std::string CurlUrl() const;
};

// InvalidArgument naming what is wrong (scheme, host, port), never echoing a password.
Result<SmtpUrl> ParseSmtpUrl(std::string_view text);

// The URL with its password replaced by "***" (and nothing else changed).
std::string RedactSmtpUrl(std::string_view text);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_MAIL_SMTP_URL_H_
