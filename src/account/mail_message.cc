#include "src/account/mail_message.h"

#include <cstdio>
#include <ctime>

namespace sessionkit::internal {
namespace {

// Printable ASCII for a header value: CR, LF and other controls and non-ASCII become '?'.
std::string HeaderSafe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  return out;
}

// A body with CRLF line ends, only ASCII (others -> '?'), no bare CR.
std::string BodySafe(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\r\n";
    } else if (c == '\r') {
      continue;
    } else {
      out.push_back((u >= 0x20 && u < 0x7f) || c == '\t' ? c : '?');
    }
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// RFC 5322 date-time in UTC: "Tue, 21 Jan 2025 10:00:00 +0000".
std::string MailDate(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace

std::string MailAddressOf(std::string_view from) {
  const std::size_t open = from.rfind('<');
  if (open != std::string_view::npos) {
    const std::size_t close = from.find('>', open);
    if (close == std::string_view::npos) return {};
    return std::string(from.substr(open + 1, close - open - 1));
  }
  std::size_t begin = from.find_first_not_of(' ');
  std::size_t end = from.find_last_not_of(' ');
  if (begin == std::string_view::npos) return {};
  return std::string(from.substr(begin, end - begin + 1));
}

std::string BuildMailMessage(const MailContent& c) {
  // The boundary cannot occur in the 7bit bodies: they hold no "=_sk_" run.
  const std::string boundary = "=_sk_" + HeaderSafe(c.message_id.substr(0, 24)) + "_alt";
  std::string m;
  m += "From: " + HeaderSafe(c.from) + "\r\n";
  m += "To: " + HeaderSafe(c.to_name) + " <" + HeaderSafe(c.to_address) + ">\r\n";
  m += "Subject: " + HeaderSafe(c.subject) + "\r\n";
  m += "Date: " + MailDate(c.date) + "\r\n";
  m += "Message-ID: <" + HeaderSafe(c.message_id) + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=us-ascii\r\n";
  m += "Content-Transfer-Encoding: 7bit\r\n\r\n";
  m += BodySafe(c.text);
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=us-ascii\r\n";
  m += "Content-Transfer-Encoding: 7bit\r\n\r\n";
  m += BodySafe(c.html);
  m += "--" + boundary + "--\r\n";
  return m;
}

void FillMailText(MailKind kind, std::string_view username, std::string_view link,
                  MailContent& content) {
  const std::string name(username);
  const std::string url(link);
  const std::string safe_name = HtmlEscape(name);
  const std::string safe_url = HtmlEscape(url);
  const char* kHtmlHead =
      "<!DOCTYPE html>\n<html><head><meta charset=\"us-ascii\"></head>"
      "<body style=\"font-family:sans-serif\">\n";
  if (kind == MailKind::kVerifyEmail) {
    content.subject = "Confirm your email address";
    content.text = "Hello " + name +
                   ",\n\nplease confirm the email address of your account by opening this "
                   "link:\n\n" + url +
                   "\n\nThe link works once and expires in 24 hours. If you did not create "
                   "an account, ignore this message.\n";
    content.html = std::string(kHtmlHead) + "<p>Hello " + safe_name +
                   ",</p>\n<p>please confirm the email address of your account:</p>\n"
                   "<p><a href=\"" + safe_url + "\">Confirm my email address</a></p>\n"
                   "<p>The link works once and expires in 24 hours. If you did not create an "
                   "account, ignore this message.</p>\n</body></html>\n";
  } else {
    content.subject = "Reset your password";
    content.text = "Hello " + name +
                   ",\n\nsomeone asked to reset the password of your account. To choose a "
                   "new password, open this link:\n\n" + url +
                   "\n\nThe link works once and expires in 30 minutes; a reset signs out "
                   "every device. If you did not ask for it, ignore this message: your "
                   "password stays as it is.\n";
    content.html = std::string(kHtmlHead) + "<p>Hello " + safe_name +
                   ",</p>\n<p>someone asked to reset the password of your account.</p>\n"
                   "<p><a href=\"" + safe_url + "\">Choose a new password</a></p>\n"
                   "<p>The link works once and expires in 30 minutes; a reset signs out "
                   "every device. If you did not ask for it, ignore this message: your "
                   "password stays as it is.</p>\n</body></html>\n";
  }
}

}  // namespace sessionkit::internal
