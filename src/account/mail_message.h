// The messages sessionkit mails (API.md §13): building one RFC 5322 / MIME message with
// a plain-text and an HTML part (multipart/alternative), and the two texts it sends.
//
// BuildMailMessage writes the headers From, To (the user's name and address), Subject,
// Date (RFC 5322 form, UTC), Message-ID, MIME-Version and the two parts, CRLF line ends,
// 7bit bodies (the texts are ASCII: user names follow the registration rules, and a
// non-ASCII byte or a header-breaking CR/LF is replaced). Nothing else goes into a
// message: the link is the only secret in it. Pure functions; thread-safe.
#ifndef SESSIONKIT_SRC_ACCOUNT_MAIL_MESSAGE_H_
#define SESSIONKIT_SRC_ACCOUNT_MAIL_MESSAGE_H_

#include <string>
#include <string_view>

#include "sessionkit/clock.h"

namespace sessionkit::internal {

struct MailContent {
  std::string from;        // MAIL_FROM: "Name <addr@host>" or "addr@host"
  std::string to_address;  // the user's email
  std::string to_name;     // the user's username
  std::string subject;
  std::string text;        // plain-text body; LF or CRLF line ends
  std::string html;        // HTML body; LF or CRLF line ends
  TimePoint date{};
  std::string message_id;  // without the angle brackets: "<random>@<domain>"
};

std::string BuildMailMessage(const MailContent& content);

// The address part of a MAIL_FROM ("Name <a@b>" -> "a@b", "a@b" -> "a@b"); empty when
// there is none.
std::string MailAddressOf(std::string_view from);

// The verification and reset mails for `username` with `link` (an absolute URL).
enum class MailKind { kVerifyEmail, kResetPassword };
void FillMailText(MailKind kind, std::string_view username, std::string_view link,
                  MailContent& content);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_ACCOUNT_MAIL_MESSAGE_H_
