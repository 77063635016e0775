// DATABASE_URL for MySQL / MariaDB: parsing into MysqlOptions and redaction (see
// include/sessionkit/mysql_store.h). No message built here quotes the password.
#include <cctype>
#include <charconv>
#include <string>
#include <string_view>

#include "sessionkit/mysql_store.h"

namespace sessionkit {
namespace {

constexpr std::string_view kSchemes[] = {"mysql://", "mariadb://"};

std::size_t SchemeLength(std::string_view url) {
  for (std::string_view scheme : kSchemes) {
    if (url.size() >= scheme.size()) {
      bool same = true;
      for (std::size_t i = 0; i < scheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) same = false;
      }
      if (same) return scheme.size();
    }
  }
  return 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; InvalidArgument naming `what` (never the text) on a bad escape.
Result<std::string> PercentDecode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const bool complete = i + 2 < text.size();
    const int hi = complete ? HexValue(text[i + 1]) : -1;
    const int lo = complete ? HexValue(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("DATABASE_URL: bad percent-escape in the " + std::string(what));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Status ParseHostPort(std::string_view text, MysqlOptions& options) {
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {  // [IPv6]:port
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("DATABASE_URL: unterminated '[' in the host");
    }
    host = text.substr(1, close - 1);
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Status::InvalidArgument("DATABASE_URL: junk after ']'");
      port = after.substr(1);
      if (port.empty()) return Status::InvalidArgument("DATABASE_URL: empty port");
    }
  } else if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return Status::InvalidArgument("DATABASE_URL: empty port");
  }
  if (!host.empty()) options.host = std::string(host);
  if (!port.empty()) {
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      return Status::InvalidArgument("DATABASE_URL: the port must be a number in 1..65535, got '" +
                                     std::string(port) + "'");
    }
    options.port = value;
  }
  return Status::Ok();
}

Status ParseQuery(std::string_view query, MysqlOptions& options) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (name != "socket") {
      return Status::InvalidArgument("DATABASE_URL: unknown parameter '" + std::string(name) +
                                     "' (supported: socket)");
    }
    Result<std::string> socket = PercentDecode(value, "socket path");
    if (!socket.ok()) return socket.status();
    if (socket->empty() || socket->front() != '/') {
      return Status::InvalidArgument("DATABASE_URL: socket= needs an absolute path");
    }
    options.socket = std::move(socket).value();
  }
  return Status::Ok();
}

}  // namespace

bool IsMysqlUrl(std::string_view url) { return SchemeLength(url) != 0; }

Result<MysqlOptions> ParseMysqlUrl(std::string_view url) {
  const std::size_t scheme = SchemeLength(url);
  if (scheme == 0) {
    return Status::InvalidArgument("DATABASE_URL: expected mysql://user:password@host:port/db "
                                   "or mariadb://...");
  }
  MysqlOptions options;
  std::string_view rest = url.substr(scheme);
  std::string_view query;
  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  // The user info ends at the last '@' (a password may hold '@' or '/' unescaped).
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    Result<std::string> user = PercentDecode(userinfo.substr(0, colon), "user name");
    if (!user.ok()) return user.status();
    if (!user->empty()) options.user = std::move(user).value();
    if (colon != std::string_view::npos) {
      Result<std::string> password = PercentDecode(userinfo.substr(colon + 1), "password");
      if (!password.ok()) return password.status();
      options.password = std::move(password).value();
    }
  }
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) {
    return Status::InvalidArgument("DATABASE_URL: no database name (mysql://user:password@host:port/db)");
  }
  if (Status st = ParseHostPort(rest.substr(0, slash), options); !st.ok()) return st;
  std::string_view db = rest.substr(slash + 1);
  if (db.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("DATABASE_URL: the database name may not contain '/'");
  }
  Result<std::string> database = PercentDecode(db, "database name");
  if (!database.ok()) return database.status();
  if (database->size() > 64) {
    return Status::InvalidArgument("DATABASE_URL: the database name is longer than 64 characters");
  }
  options.database = std::move(database).value();
  if (Status st = ParseQuery(query, options); !st.ok()) return st;
  return options;
}

std::string RedactedUrl(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return url.find('@') == std::string_view::npos ? std::string(url) : "***";
  }
  const std::size_t start = scheme_end + 3;
  std::size_t end = url.find('?', start);
  if (end == std::string_view::npos) end = url.size();
  const std::size_t at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  const std::size_t colon = url.substr(0, at).find(':', start);
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace sessionkit
