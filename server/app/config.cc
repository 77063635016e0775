#include "server/app/config.h"

#include "server/app/origin.h"
#include "server/mail/smtp_url.h"
#include "sessionkit/redis_store.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

#include "sessionkit/two_factor.h"

namespace sessionkit::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// Reads variables: the real environment first, then .env; empty means unset.
class Variables {
 public:
  Variables(const EnvLookup& env, std::map<std::string, std::string> dotenv)
      : env_(env), dotenv_(std::move(dotenv)) {}

  std::optional<std::string> Get(const std::string& name) const {
    std::optional<std::string> value = env_(name);
    if (!value) {
      if (auto it = dotenv_.find(name); it != dotenv_.end()) value = it->second;
    }
    if (value && value->empty()) return std::nullopt;
    return value;
  }

  void String(const std::string& name, std::string& out) const {
    if (auto v = Get(name)) out = *v;
  }

  void Int(const std::string& name, int& out) {
    auto v = Get(name);
    if (!v) return;
    std::string_view text = Trim(*v);
    int n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc::result_out_of_range) {
      errors_ += name + " is out of range, got '" + *v + "'\n";
      return;
    }
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      errors_ += name + " must be an integer, got '" + *v + "'\n";
      return;
    }
    out = n;
  }

  const std::string& errors() const { return errors_; }

 private:
  const EnvLookup& env_;
  std::map<std::string, std::string> dotenv_;
  std::string errors_;
};

// "host:port" or "[v6]:port" (port 0 = any free port).
bool ParseHostPort(std::string_view addr, std::string& host, std::uint16_t& port) {
  std::size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = addr.substr(0, colon);
  std::string_view p = addr.substr(colon + 1);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return false;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return false;  // a bare IPv6 address needs brackets
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || value > 65535) return false;
  host = std::string(h);
  port = static_cast<std::uint16_t>(value);
  return true;
}

// sqlite://relative/path.db or sqlite:///absolute/path.db
bool ParseDatabaseUrl(std::string_view url, std::string& path) {
  constexpr std::string_view kScheme = "sqlite://";
  if (!url.starts_with(kScheme)) return false;
  std::string_view rest = url.substr(kScheme.size());
  if (rest.empty() || rest == "/" || rest.find('?') != std::string_view::npos) return false;
  if (rest == ":memory:") return false;  // the stores open several connections
  path = std::string(rest);
  return true;
}

std::string GenerateSecret() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof(bytes));
  char hex[2 * sizeof(bytes) + 1];
  sodium_bin2hex(hex, sizeof(hex), bytes, sizeof(bytes));
  sodium_memzero(bytes, sizeof(bytes));
  return hex;
}

constexpr const char* kFooter = R"(
Environment (flags above override; an optional .env in the working directory fills
variables the environment does not set):
  JWT_SECRET            HS256 signing key, at least 32 bytes (required unless --dev)
  JWT_PREVIOUS_SECRETS  comma list of old keys, verification only
  REDIS_PASSWORD        AUTH password for REDIS_ADDR or REDIS_CLUSTER_NODES
  SMTP_URL              smtp[s]://[user:password@]host:port for verification and reset
                        mails (needs MAIL_FROM and PUBLIC_ORIGIN); unset: no mail
  and every variable named in the options above.
Secrets are read from the environment only, never from flags; under systemd also from
$CREDENTIALS_DIRECTORY/jwt_secret, jwt_previous_secrets, redis_password (LoadCredential=).
Exit status: 0 after a clean shutdown (SIGTERM/SIGINT) or --help; 2 for a configuration
error; 1 if the server fails at run time (port in use, database unusable).)";

}  // namespace

namespace {

bool IsBlankChar(char c) { return c == ' ' || c == '\t'; }

// The value after `KEY=`: a quoted value up to its closing quote (what follows it may
// only be a comment), else the text before the first `#` that follows a blank, trimmed
// (`A=x#1` keeps its `#`). nullopt if a quoted value is not closed or is followed by
// more than a comment.
std::optional<std::string_view> DotEnvValue(std::string_view raw) {
  std::string_view value = Trim(raw);
  if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
    std::size_t close = value.find(value.front(), 1);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = Trim(value.substr(close + 1));
    if (!rest.empty() && rest.front() != '#') return std::nullopt;
    return value.substr(1, close - 1);
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '#' && i > 0 && IsBlankChar(raw[i - 1])) return Trim(raw.substr(0, i));
  }
  return value;
}

}  // namespace

std::map<std::string, std::string> ParseDotEnv(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = Trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = Trim(line.substr(7));
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = Trim(line.substr(0, eq));
    if (key.empty()) continue;
    std::optional<std::string_view> value = DotEnvValue(line.substr(eq + 1));
    if (!value) continue;  // malformed: skipped, as a line without '='
    out[std::string(key)] = std::string(*value);
  }
  return out;
}

DotEnvFile ReadDotEnvFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    return {{}, path + ": cannot be read (" + std::strerror(errno) + ")"};
  }
  DotEnvFile file;
  struct stat st {};
  // Checked on the open file, so the file checked is the file read.
  if (::fstat(fd, &st) != 0) {
    file.error = path + ": cannot be read (" + std::strerror(errno) + ")";
  } else if (!S_ISREG(st.st_mode)) {
    file.error = path + " is not a regular file";
  } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    file.error = path + " is writable by group or others (mode " + mode +
                 "): whoever can write it sets JWT_SECRET. Refusing it; run chmod go-w " + path;
  } else {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof(buf))) > 0) file.text.append(buf, static_cast<std::size_t>(n));
    if (n < 0) file.error = path + ": cannot be read (" + std::strerror(errno) + ")";
  }
  ::close(fd);
  if (!file.error.empty()) file.text.clear();
  return file;
}

namespace {

// ---- The settings table --------------------------------------------------------------
//
// One row per setting: its environment variable, its flag, the help text, the field it
// fills, whether --help shows the default, and how it is checked. Defaults are the
// field initializers of ServerConfig. Reading order: default, .env, environment, flag.
// A secret row has no flag (flags show up in `ps`); a knob row has no variable.

struct ListOf {  // a comma list, read as text and split (items trimmed, empty ones dropped)
  std::vector<std::string> ServerConfig::*field;
};
using Field = std::variant<std::string ServerConfig::*, int ServerConfig::*,
                           unsigned ServerConfig::*, std::size_t ServerConfig::*,
                           bool ServerConfig::*, ListOf>;

// Parses and checks a text setting after every source was read; returns the error, or ""
// (and may fill derived fields: http_host/http_port, database_path, binding, ...).
using TextCheck = std::string (*)(ServerConfig& c);

struct Setting {
  std::string_view env;   // "" = flag only
  std::string_view flag;  // "" = environment only
  std::string_view help;
  Field field;
  bool secret = false;        // never a flag, never echoed
  bool show_default = true;   // --help prints the default
  // Numbers: the accepted range, and the error when outside it ("{}" = the value).
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::string_view range_error;
  TextCheck check = nullptr;
};

std::string CheckHttpAddr(ServerConfig& c) {
  if (ParseHostPort(c.http_addr, c.http_host, c.http_port)) return {};
  return "HTTP_ADDR must be host:port or [ipv6]:port, got '" + c.http_addr + "'";
}

std::string CheckExternalUsers(ServerConfig& c) {
  if (c.user_lookup_sql.empty() && c.user_by_id_sql.empty()) return {};
  if (c.user_lookup_sql.empty() || c.user_by_id_sql.empty()) {
    return "USER_LOOKUP_SQL and USER_BY_ID_SQL go together: set both or neither";
  }
  if (!c.mysql_users) {
    return "USER_LOOKUP_SQL and USER_BY_ID_SQL read an existing MySQL/MariaDB schema: "
           "DATABASE_URL must then be mysql:// or mariadb://";
  }
  return {};
}

std::string CheckDatabaseUrl(ServerConfig& c) {
  if (IsMysqlUrl(c.database_url)) {
    Result<MysqlOptions> mysql = ParseMysqlUrl(c.database_url);  // no password in errors
    if (!mysql.ok()) return std::string(mysql.status().message());
    c.mysql_users = std::move(mysql).value();
    if (c.redis_addr.empty() && c.redis_cluster_nodes.empty()) {
      return "DATABASE_URL is MySQL/MariaDB: sessions and account state must then be shared "
             "in Redis too; set REDIS_ADDR (or REDIS_CLUSTER_NODES)";
    }
    return {};
  }
  if (ParseDatabaseUrl(c.database_url, c.database_path)) return {};
  return "DATABASE_URL must be sqlite://relative/path.db, sqlite:///absolute/path.db or "
         "mysql://user:password@host:port/db (mariadb:// too)";
}

std::string CheckBinding(ServerConfig& c) {
  if (c.session_binding == "warn") {
    c.binding = BindingPolicy::kWarn;
  } else if (c.session_binding == "strict") {
    c.binding = BindingPolicy::kStrict;
  } else {
    return "SESSION_BINDING must be warn or strict, got '" + c.session_binding + "'";
  }
  return {};
}

std::string CheckIssuer(ServerConfig& c) {
  return c.jwt_issuer.empty() ? "JWT_ISSUER must not be empty" : "";
}

// The keys are parsed again by the Application; here only the refusal (named by entry
// and id, never by value).
std::string CheckTotpEncryptionKeys(ServerConfig& c) {
  if (c.totp_encryption_keys.empty()) return {};
  Result<std::vector<TotpEncryptionKey>> keys = ParseTotpEncryptionKeys(c.totp_encryption_keys);
  return keys.ok() ? std::string() : std::string(keys.status().message());
}

std::string CheckLogFormat(ServerConfig& c) {
  if (c.log_format == "text" || c.log_format == "json") return {};
  return "LOG_FORMAT must be text or json, got '" + c.log_format + "'";
}

std::string CheckTrustedProxies(ServerConfig& c) {
  Result<TrustedProxies> proxies = TrustedProxies::Parse(c.trusted_proxies_text);
  if (!proxies.ok()) return std::string(proxies.status().message());
  c.trusted_proxies = std::move(proxies).value();
  return {};
}

std::string CheckWebUi(ServerConfig& c) {
  if (c.web_ui_text == "on" || c.web_ui_text == "off") {
    c.web_ui = c.web_ui_text == "on";
    return {};
  }
  return "WEB_UI must be on or off, got '" + c.web_ui_text + "'";
}

std::string CheckLogLevel(ServerConfig& c) {
  static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  for (std::string_view level : kLevels) {
    if (c.log_level == level) return {};
  }
  return "--log-level must be one of trace, debug, info, warn, error, off";
}

std::string CheckSessionCookies(ServerConfig& c) {
  if (c.session_cookies != "on" && c.session_cookies != "off") {
    return "SESSION_COOKIES must be on or off, got '" + c.session_cookies + "'";
  }
  c.cookies_enabled = c.session_cookies == "on";
  return {};
}

std::string CheckCookieSecure(ServerConfig& c) {
  if (c.cookie_secure_text != "true" && c.cookie_secure_text != "false") {
    return "COOKIE_SECURE must be true or false, got '" + c.cookie_secure_text + "'";
  }
  c.cookie_secure = c.cookie_secure_text == "true";
  return {};
}

std::string CheckPublicOrigin(ServerConfig& c) {
  if (c.public_origin.empty()) return {};
  std::string problem = OriginProblem(c.public_origin);
  if (problem.empty()) return {};
  return "PUBLIC_ORIGIN '" + c.public_origin + "' is not an origin: it " + problem;
}

std::string CheckTrustedOrigins(ServerConfig& c) {
  std::string errors;
  for (const std::string& origin : c.trusted_origins) {
    std::string problem = OriginProblem(origin);
    if (problem.empty()) continue;
    if (!errors.empty()) errors += "\n";
    errors += "TRUSTED_ORIGINS entry '" + origin + "' is not an origin: it " + problem;
  }
  return errors;
}

// Lifetimes are bounded well inside the clock's range (nanosecond ticks overflow
// int64 after ~292 years), so no deadline computed from them can wrap.
constexpr std::int64_t kMaxLifetimeHours = 10 * 365 * 24;
constexpr std::int64_t kMaxSeconds = kMaxLifetimeHours * 3600;
// argon2id cost: OWASP's lowest row (7 MiB) up to 1 GiB per hash, at most 16 passes.
constexpr std::int64_t kMinHashMemoryKib = 7 * 1024;
constexpr std::int64_t kMaxHashMemoryKib = 1024 * 1024;
constexpr std::int64_t kMaxHashIterations = 16;

constexpr std::string_view kTimeoutsError =
    "--header-timeout-ms, --body-timeout-ms and --idle-timeout-ms must be > 0";

std::string CheckRedisClusterNodes(ServerConfig& c) {
  if (c.redis_cluster_nodes.empty()) return {};
  if (!c.redis_addr.empty()) {
    return "REDIS_CLUSTER_NODES and REDIS_ADDR exclude each other: set REDIS_ADDR for one Redis, "
           "REDIS_CLUSTER_NODES for a Redis Cluster";
  }
  RedisStoreOptions probe;
  if (Status st = ParseRedisClusterNodes(c.redis_cluster_nodes, probe); !st.ok()) return st.message();
  if (c.redis_db != 0) return "REDIS_DB must be 0 with REDIS_CLUSTER_NODES (a cluster has only db 0)";
  return {};
}

std::string CheckRedisWait(ServerConfig& c) {
  if (c.redis_wait_replicas > 0 && c.redis_addr.empty() && c.redis_cluster_nodes.empty()) {
    return "REDIS_WAIT_REPLICAS needs Redis: set REDIS_ADDR or REDIS_CLUSTER_NODES (the embedded "
           "store has no replicas)";
  }
  return {};
}

std::string CheckSmtpUrl(ServerConfig& c) {
  if (c.smtp_url.empty()) return {};
  Result<SmtpUrl> url = ParseSmtpUrl(c.smtp_url);
  if (!url.ok()) return std::string(url.status().message()) + " (got " + RedactSmtpUrl(c.smtp_url) + ")";
  return {};
}

// MAIL_FROM's row comes after SMTP_URL's and PUBLIC_ORIGIN's: both are read by then.
std::string CheckMailFrom(ServerConfig& c) {
  if (c.mail_from.find_first_of("\r\n") != std::string::npos) {
    return "MAIL_FROM must be one line, e.g. Example <no-reply@example.com>";
  }
  if (c.smtp_url.empty()) return {};
  if (c.mail_from.empty()) {
    return "SMTP_URL is set but MAIL_FROM is not: set MAIL_FROM, e.g. "
           "'Example <no-reply@example.com>'";
  }
  std::string address = c.mail_from;
  if (std::size_t open = address.rfind('<'); open != std::string::npos) {
    const std::size_t close = address.find('>', open);
    address = close == std::string::npos ? std::string() : address.substr(open + 1, close - open - 1);
  }
  if (address.find('@') == std::string::npos || address.find(' ') != std::string::npos) {
    return "MAIL_FROM must be an address or Name <address>, got '" + c.mail_from + "'";
  }
  if (c.public_origin.empty()) {
    return "SMTP_URL is set but PUBLIC_ORIGIN is not: the links in mails need it, e.g. "
           "PUBLIC_ORIGIN=https://auth.example.com";
  }
  return {};
}

std::string CheckSessionCache(ServerConfig& c) {
  if (c.session_cache == "off") {
    c.session_cache_tracking = false;
    return {};
  }
  if (c.session_cache != "tracking") {
    return "SESSION_CACHE must be off or tracking, got '" + c.session_cache + "'";
  }
  if (!c.redis_cluster_nodes.empty()) {
    return "SESSION_CACHE=tracking works on one Redis (REDIS_ADDR) only, not with "
           "REDIS_CLUSTER_NODES: set SESSION_CACHE=off for a Redis Cluster";
  }
  if (c.redis_addr.empty()) {
    return "SESSION_CACHE=tracking needs REDIS_ADDR (the near-cache caches Redis; the embedded "
           "store has no use for it)";
  }
  c.session_cache_tracking = true;
  return {};
}

// In --help order; the checks run in this order too (JWT_SECRET's, which depends on
// --dev, runs last).
constexpr Setting kSettings[] = {
    {.env = "HTTP_ADDR", .flag = "--http-addr",
     .help = "listen address host:port or [v6]:port (HTTP_ADDR)",
     .field = &ServerConfig::http_addr, .check = CheckHttpAddr},
    {.env = "DATABASE_URL", .flag = "--database-url",
     .help = "users database, and sessions unless Redis is set: sqlite://rel.db, "
             "sqlite:///abs.db, or mysql://user@host:port/db with REDIS_ADDR (DATABASE_URL; "
             "a password only in the environment)",
     .field = &ServerConfig::database_url, .check = CheckDatabaseUrl},
    {.env = "USER_LOOKUP_SQL", .flag = "--user-lookup-sql",
     .help = "read-only users of an existing MySQL schema: SELECT ... WHERE ... = ? returning "
             "id, username, email, password_hash, role, is_premium, is_verified "
             "(USER_LOOKUP_SQL; with USER_BY_ID_SQL)",
     .field = &ServerConfig::user_lookup_sql, .show_default = false},
    {.env = "USER_BY_ID_SQL", .flag = "--user-by-id-sql",
     .help = "the same columns for one `?` = id (USER_BY_ID_SQL; with USER_LOOKUP_SQL)",
     .field = &ServerConfig::user_by_id_sql, .show_default = false,
     .check = CheckExternalUsers},
    {.env = "REDIS_ADDR", .flag = "--redis-addr",
     .help = "host:port of Redis; unset = embedded SQLite sessions (REDIS_ADDR)",
     .field = &ServerConfig::redis_addr, .show_default = false},
    {.env = "REDIS_PASSWORD", .field = &ServerConfig::redis_password, .secret = true},
    {.env = "REDIS_DB", .flag = "--redis-db", .help = "Redis database number (REDIS_DB)",
     .field = &ServerConfig::redis_db, .min = 0, .range_error = "REDIS_DB must be >= 0"},
    {.env = "SESSION_TTL_HOURS", .flag = "--session-ttl-hours",
     .help = "idle timeout, slid by activity (SESSION_TTL_HOURS)",
     .field = &ServerConfig::session_ttl_hours, .min = 1, .max = kMaxLifetimeHours,
     .range_error = "SESSION_TTL_HOURS must be between 1 and 87600 (10 years), got {}"},
    {.env = "SESSION_MAX_LIFETIME_HOURS", .flag = "--session-max-lifetime-hours",
     .help = "absolute session lifetime (SESSION_MAX_LIFETIME_HOURS)",
     .field = &ServerConfig::session_max_lifetime_hours, .min = 1, .max = kMaxLifetimeHours,
     .range_error = "SESSION_MAX_LIFETIME_HOURS must be between 1 and 87600 (10 years), got {}"},
    {.env = "SESSION_TOUCH_INTERVAL_SECONDS", .flag = "--session-touch-interval-seconds",
     .help = "sliding writes at most this often (SESSION_TOUCH_INTERVAL_SECONDS)",
     .field = &ServerConfig::session_touch_interval_seconds, .min = 0, .max = kMaxSeconds,
     .range_error = "SESSION_TOUCH_INTERVAL_SECONDS must be between 0 and 315360000 (10 years), "
                    "got {}"},
    {.env = "SESSION_BINDING", .flag = "--session-binding",
     .help = "IP/User-Agent drift: warn or strict (SESSION_BINDING)",
     .field = &ServerConfig::session_binding, .check = CheckBinding},
    {.env = "SESSION_MAX_PER_USER", .flag = "--session-max-per-user",
     .help = "live sessions per user, 0 = unlimited (SESSION_MAX_PER_USER)",
     .field = &ServerConfig::session_max_per_user, .min = 0,
     .range_error = "SESSION_MAX_PER_USER must be >= 0"},
    {.env = "REFRESH_REUSE_GRACE_SECONDS", .flag = "--refresh-reuse-grace-seconds",
     .help = "refresh token re-presentation grace (REFRESH_REUSE_GRACE_SECONDS)",
     .field = &ServerConfig::refresh_reuse_grace_seconds, .min = 0, .max = kMaxSeconds,
     .range_error = "REFRESH_REUSE_GRACE_SECONDS must be between 0 and 315360000 (10 years), "
                    "got {}"},
    {.env = "LOGIN_FAILURE_WINDOW_SECONDS", .flag = "--login-failure-window-seconds",
     .help = "sliding window of failed logins (LOGIN_FAILURE_WINDOW_SECONDS)",
     .field = &ServerConfig::login_failure_window_seconds, .min = 1, .max = kMaxSeconds,
     .range_error = "LOGIN_FAILURE_WINDOW_SECONDS must be between 1 and 315360000 (10 years), "
                    "got {}"},
    {.env = "LOGIN_MAX_FAILURES_PER_IDENTIFIER", .flag = "--login-max-failures-per-identifier",
     .help = "failed logins per identifier in the window before 429, 0 = off "
             "(LOGIN_MAX_FAILURES_PER_IDENTIFIER)",
     .field = &ServerConfig::login_max_failures_per_identifier, .min = 0,
     .range_error = "LOGIN_MAX_FAILURES_PER_IDENTIFIER must be >= 0"},
    {.env = "LOGIN_MAX_FAILURES_PER_IP", .flag = "--login-max-failures-per-ip",
     .help = "failed logins per client IP in the window before 429, 0 = off "
             "(LOGIN_MAX_FAILURES_PER_IP)",
     .field = &ServerConfig::login_max_failures_per_ip, .min = 0,
     .range_error = "LOGIN_MAX_FAILURES_PER_IP must be >= 0"},
    {.env = "JWT_SECRET", .field = &ServerConfig::jwt_secret, .secret = true},
    {.env = "JWT_PREVIOUS_SECRETS", .field = ListOf{&ServerConfig::jwt_previous_secrets},
     .secret = true},
    {.env = "JWT_EXPIRED", .flag = "--jwt-expired",
     .help = "access token lifetime in hours (JWT_EXPIRED)",
     .field = &ServerConfig::jwt_expired_hours, .min = 1, .max = kMaxLifetimeHours,
     .range_error = "JWT_EXPIRED must be between 1 and 87600 hours (10 years), got {}"},
    {.env = "JWT_ISSUER", .flag = "--jwt-issuer", .help = "iss of issued tokens (JWT_ISSUER)",
     .field = &ServerConfig::jwt_issuer, .check = CheckIssuer},
    {.env = "JWT_ACCEPT_ISSUERS", .flag = "--jwt-accept-issuers",
     .help = "comma list of accepted iss; empty = any (JWT_ACCEPT_ISSUERS)",
     .field = ListOf{&ServerConfig::jwt_accept_issuers}, .show_default = false},
    {.env = "JWT_LEEWAY_SECONDS", .flag = "--jwt-leeway-seconds",
     .help = "clock leeway for exp/iat, 0..60 (JWT_LEEWAY_SECONDS)",
     .field = &ServerConfig::jwt_leeway_seconds, .min = 0, .max = 60,
     .range_error = "JWT_LEEWAY_SECONDS must be between 0 and 60, got {}"},
    {.env = "PASSWORD_HASH_MEMORY_KIB", .flag = "--password-hash-memory-kib",
     .help = "argon2id memory per password hash, KiB (PASSWORD_HASH_MEMORY_KIB)",
     .field = &ServerConfig::password_hash_memory_kib, .min = kMinHashMemoryKib,
     .max = kMaxHashMemoryKib,
     .range_error = "PASSWORD_HASH_MEMORY_KIB must be between 7168 (7 MiB) and 1048576 (1 GiB), "
                    "got {}"},
    {.env = "PASSWORD_HASH_ITERATIONS", .flag = "--password-hash-iterations",
     .help = "argon2id passes over that memory (PASSWORD_HASH_ITERATIONS)",
     .field = &ServerConfig::password_hash_iterations, .min = 1, .max = kMaxHashIterations,
     .range_error = "PASSWORD_HASH_ITERATIONS must be between 1 and 16, got {}"},
    {.env = "TRUSTED_PROXIES", .flag = "--trusted-proxies",
     .help = "comma list of CIDRs whose X-Forwarded-For is believed; empty = none "
             "(TRUSTED_PROXIES)",
     .field = &ServerConfig::trusted_proxies_text, .show_default = false,
     .check = CheckTrustedProxies},
    {.flag = "--dev",
     .help = "development mode: run with a missing JWT_SECRET (a random one is generated) or "
             "a short one",
     .field = &ServerConfig::dev},
    {.flag = "--io-threads", .help = "HTTP I/O threads (default: one per core but one, at least 1)",
     .field = &ServerConfig::io_threads, .min = 1, .max = 256,
     .range_error = "--io-threads must be 1..256"},
    {.flag = "--hash-threads", .help = "password hashing worker threads (default: half the cores, at least 1)",
     .field = &ServerConfig::hash_threads, .min = 1, .max = 64,
     .range_error = "--hash-threads must be 1..64"},
    {.flag = "--hash-queue", .help = "password jobs allowed to wait; more are answered 429",
     .field = &ServerConfig::hash_queue, .min = 1, .range_error = "--hash-queue must be >= 1"},
    {.flag = "--max-connections", .help = "open client connections; more are closed at once",
     .field = &ServerConfig::max_connections, .min = 1,
     .range_error = "--max-connections must be >= 1"},
    {.flag = "--header-timeout-ms",
     .help = "a request's header must arrive within this once it starts",
     .field = &ServerConfig::header_timeout_ms, .min = 1, .range_error = kTimeoutsError},
    {.flag = "--body-timeout-ms",
     .help = "a request's body must arrive within this after its header",
     .field = &ServerConfig::body_timeout_ms, .min = 1, .range_error = kTimeoutsError},
    {.flag = "--idle-timeout-ms", .help = "close a keep-alive connection idle this long",
     .field = &ServerConfig::idle_timeout_ms, .min = 1, .range_error = kTimeoutsError},
    {.flag = "--log-level", .help = "trace, debug, info, warn, error or off",
     .field = &ServerConfig::log_level, .check = CheckLogLevel},
    {.env = "TOTP_ENCRYPTION_KEYS", .field = &ServerConfig::totp_encryption_keys, .secret = true,
     .check = CheckTotpEncryptionKeys},
    {.env = "LOG_FORMAT", .flag = "--log-format",
     .help = "log lines: text, or json (one object per line) (LOG_FORMAT)",
     .field = &ServerConfig::log_format, .check = CheckLogFormat},
    {.env = "LIVE_SESSIONS_SAMPLE_SECONDS", .flag = "--live-sessions-sample-seconds",
     .help = "count live sessions for /metrics this often, 0 = never "
             "(LIVE_SESSIONS_SAMPLE_SECONDS)",
     .field = &ServerConfig::live_sessions_sample_seconds, .min = 0, .max = kMaxSeconds,
     .range_error = "LIVE_SESSIONS_SAMPLE_SECONDS must be between 0 and 315360000, got {}"},
    {.env = "SESSION_COOKIES", .flag = "--session-cookies",
     .help = "browser cookie transport of API.md §8: on or off (SESSION_COOKIES)",
     .field = &ServerConfig::session_cookies, .check = CheckSessionCookies},
    {.env = "COOKIE_SECURE", .flag = "--cookie-secure",
     .help = "Secure cookies with __Host-/__Secure- names; false only for plain-HTTP "
             "development (COOKIE_SECURE)",
     .field = &ServerConfig::cookie_secure_text, .check = CheckCookieSecure},
    {.env = "PUBLIC_ORIGIN", .flag = "--public-origin",
     .help = "this server's origin for the CSRF check, e.g. https://auth.example.com; "
             "empty = scheme and Host of the request (PUBLIC_ORIGIN)",
     .field = &ServerConfig::public_origin, .show_default = false, .check = CheckPublicOrigin},
    {.env = "TRUSTED_ORIGINS", .flag = "--trusted-origins",
     .help = "comma list of origins allowed credentialed cross-origin calls (TRUSTED_ORIGINS)",
     .field = ListOf{&ServerConfig::trusted_origins}, .show_default = false,
     .check = CheckTrustedOrigins},
    {.env = "WEB_UI", .flag = "--web-ui",
     .help = "serve the account pages /account/... (API.md §8): on or off (WEB_UI)",
     .field = &ServerConfig::web_ui_text, .check = CheckWebUi},
    {.env = "REDIS_CLUSTER_NODES", .flag = "--redis-cluster-nodes",
     .help = "comma list of host:port seed nodes of a Redis Cluster; excludes REDIS_ADDR "
             "(REDIS_CLUSTER_NODES)",
     .field = &ServerConfig::redis_cluster_nodes, .show_default = false,
     .check = CheckRedisClusterNodes},
    // WAIT blocks the pipelined link it runs on, so its timeout stays well inside the
    // 1 s command deadline (a 500 ms WAIT never fails the commands queued behind it).
    {.env = "REDIS_WAIT_TIMEOUT_MS", .flag = "--redis-wait-timeout-ms",
     .help = "how long a login waits for REDIS_WAIT_REPLICAS (REDIS_WAIT_TIMEOUT_MS)",
     .field = &ServerConfig::redis_wait_timeout_ms, .min = 1, .max = 500,
     .range_error = "REDIS_WAIT_TIMEOUT_MS must be between 1 and 500, got {}"},
    {.env = "REDIS_WAIT_REPLICAS", .flag = "--redis-wait-replicas",
     .help = "replicas that must acknowledge a new session before login answers (WAIT); "
             "0 = off (REDIS_WAIT_REPLICAS)",
     .field = &ServerConfig::redis_wait_replicas, .min = 0, .max = 16,
     .range_error = "REDIS_WAIT_REPLICAS must be between 0 and 16, got {}",
     .check = CheckRedisWait},
    // API.md §13. SMTP_URL may carry a password: environment or .env only.
    {.env = "SMTP_URL", .field = &ServerConfig::smtp_url, .check = CheckSmtpUrl},
    {.env = "MAIL_FROM", .flag = "--mail-from",
     .help = "sender of verification and reset mails, e.g. 'Example <no-reply@example.com>'; "
             "required with SMTP_URL (MAIL_FROM)",
     .field = &ServerConfig::mail_from, .show_default = false, .check = CheckMailFrom},
    {.env = "SESSION_CACHE", .flag = "--session-cache",
     .help = "near-cache of session records on one Redis: off or tracking (SESSION_CACHE)",
     .field = &ServerConfig::session_cache, .check = CheckSessionCache},
    {.env = "SESSION_CACHE_MAX_STALENESS_MS", .flag = "--session-cache-max-staleness-ms",
     .help = "a cached session is served at most this long after it was read from Redis "
             "(SESSION_CACHE_MAX_STALENESS_MS)",
     .field = &ServerConfig::session_cache_max_staleness_ms, .min = 1, .max = 60000,
     .range_error = "SESSION_CACHE_MAX_STALENESS_MS must be between 1 and 60000, got {}"},
    {.env = "SQLITE_READ_CACHE_ENTRIES", .flag = "--sqlite-read-cache-entries",
     .help = "session records the embedded store keeps in memory between reads, each served "
             "only while nothing has committed to the file since; 0 = off "
             "(SQLITE_READ_CACHE_ENTRIES)",
     .field = &ServerConfig::sqlite_read_cache_entries, .min = 0, .max = 10000000,
     .range_error = "SQLITE_READ_CACHE_ENTRIES must be between 0 and 10000000, got {}"},
};

// The number in a numeric field, for the range check.
std::optional<std::int64_t> NumberIn(const ServerConfig& c, const Field& field) {
  if (auto* f = std::get_if<int ServerConfig::*>(&field)) return c.**f;
  if (auto* f = std::get_if<unsigned ServerConfig::*>(&field)) return c.**f;
  if (auto* f = std::get_if<std::size_t ServerConfig::*>(&field)) {
    return static_cast<std::int64_t>(std::min<std::size_t>(
        c.**f, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
  }
  return std::nullopt;
}

// A systemd credential (CREDENTIALS_DIRECTORY/<name>): the file's text without one
// trailing newline, nullopt if there is no such file; `error` is set (naming the file)
// when it exists but cannot be read.
std::optional<std::string> ReadCredential(const std::string& dir, std::string_view name,
                                          std::string& error) {
  const std::string path = dir + "/" + std::string(name);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) {
      error = "credential " + path + " cannot be read (" + std::strerror(errno) + ")";
    }
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) text.append(buf, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  const int read_errno = errno;
  ::close(fd);
  if (failed) {
    sodium_memzero(text.data(), text.size());
    error = "credential " + path + " cannot be read (" + std::strerror(read_errno) + ")";
    return std::nullopt;
  }
  if (text.ends_with('\n')) text.pop_back();
  if (text.ends_with('\r')) text.pop_back();
  return text;
}

std::string RangeError(std::string_view text, std::int64_t value) {
  std::string out(text);
  if (std::size_t at = out.find("{}"); at != std::string::npos) {
    out.replace(at, 2, std::to_string(value));
  }
  return out;
}

// What the command-line flags did: set fields of the config (and list texts, by row of
// kSettings) over the environment and .env; `stop` is set when the program should not
// start (--help: exit 0 with the help text; a bad flag: exit 2 with the message).
struct FlagsOutcome {
  std::optional<ConfigOutcome> stop;
  bool database_url_given = false;  // --database-url was on the command line
};

// Applies the flags in `args` (args[0] is the program name). CLI11's option table (one
// option per setting, ~60) is built only when there is a flag to parse: building it is
// nearly all of LoadConfig's cost (docs/fuzzing.md), and with no flag parsing it changes
// nothing. Everything after the parse (the checks, list splitting) is LoadConfig's, on
// both paths.
FlagsOutcome ApplyFlags(const std::vector<std::string>& args, ServerConfig& c,
                        std::vector<std::string>& list_text) {
  if (args.size() <= 1) return {};
  CLI::App app{"sessionkit-server: the login and session service of sessionkit (API.md).",
               "sessionkit-server"};
  app.footer(kFooter);
  app.get_formatter()->column_width(44);
  for (std::size_t i = 0; i < std::size(kSettings); ++i) {
    const Setting& s = kSettings[i];
    if (s.flag.empty() || s.secret) continue;
    const std::string flag(s.flag), help(s.help);
    if (auto* f = std::get_if<bool ServerConfig::*>(&s.field)) {
      app.add_flag(flag, c.**f, help);
      continue;
    }
    CLI::Option* option = std::visit(
        [&](auto member) -> CLI::Option* {
          if constexpr (std::is_same_v<decltype(member), ListOf>) {
            return app.add_option(flag, list_text[i], help);
          } else if constexpr (std::is_same_v<decltype(member), bool ServerConfig::*>) {
            return nullptr;
          } else {
            return app.add_option(flag, c.*member, help);
          }
        },
        s.field);
    if (s.show_default) option->capture_default_str();
  }

  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    return {ConfigOutcome{std::nullopt, 0, app.help()}};
  } catch (const CLI::ParseError& e) {
    return {ConfigOutcome{std::nullopt, 2,
                          std::string("sessionkit-server: ") + e.what() +
                              "\nRun with --help for the options."}};
  }
  return {std::nullopt, app.count("--database-url") > 0};
}

}  // namespace

unsigned DefaultIoThreads(unsigned hardware_threads) {
  return hardware_threads <= 2 ? 1 : hardware_threads - 1;
}

unsigned DefaultHashThreads(unsigned hardware_threads) {
  return hardware_threads <= 3 ? 1 : hardware_threads / 2;
}

ConfigOutcome LoadConfig(const std::vector<std::string>& args, const EnvLookup& env,
                         std::string_view dotenv_text, unsigned hardware_threads) {
  ServerConfig c;
  c.io_threads = DefaultIoThreads(hardware_threads);
  c.hash_threads = DefaultHashThreads(hardware_threads);
  // List settings are read as text first; index = row.
  std::vector<std::string> list_text(std::size(kSettings));

  Variables vars(env, ParseDotEnv(dotenv_text));
  for (std::size_t i = 0; i < std::size(kSettings); ++i) {
    const Setting& s = kSettings[i];
    if (s.env.empty()) continue;
    const std::string name(s.env);
    if (auto* f = std::get_if<std::string ServerConfig::*>(&s.field)) vars.String(name, c.**f);
    if (auto* f = std::get_if<int ServerConfig::*>(&s.field)) vars.Int(name, c.**f);
    if (std::holds_alternative<ListOf>(s.field)) vars.String(name, list_text[i]);
  }
  // systemd credentials override the environment for the secrets (config.h).
  std::string credential_errors;
  if (std::optional<std::string> dir = env("CREDENTIALS_DIRECTORY"); dir && !dir->empty()) {
    for (std::size_t i = 0; i < std::size(kSettings); ++i) {
      const Setting& s = kSettings[i];
      if (!s.secret || s.env.empty()) continue;
      std::string file(s.env);
      std::transform(file.begin(), file.end(), file.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      std::string error;
      std::optional<std::string> value = ReadCredential(*dir, file, error);
      if (!error.empty()) credential_errors += error + "\n";
      if (!value) continue;
      if (auto* f = std::get_if<std::string ServerConfig::*>(&s.field)) c.**f = std::move(*value);
      if (std::holds_alternative<ListOf>(s.field)) list_text[i] = std::move(*value);
    }
  }

  FlagsOutcome flags = ApplyFlags(args, c, list_text);
  if (flags.stop) return std::move(*flags.stop);

  std::string errors = vars.errors() + credential_errors;
  auto fail = [&errors](std::string_view message) {
    std::string line = std::string(message) + "\n";
    if (errors.find(line) == std::string::npos) errors += line;  // shared texts once
  };
  // A MySQL URL may carry a password, a secret: environment or .env only.
  if (flags.database_url_given && IsMysqlUrl(c.database_url)) {
    Result<MysqlOptions> mysql = ParseMysqlUrl(c.database_url);
    if (mysql.ok() && !mysql->password.empty()) {
      fail("--database-url must not carry a password (flags show up in ps): set DATABASE_URL "
           "in the environment or .env");
    }
  }
  for (std::size_t i = 0; i < std::size(kSettings); ++i) {
    const Setting& s = kSettings[i];
    if (const ListOf* list = std::get_if<ListOf>(&s.field)) {
      c.*(list->field) = SplitList(list_text[i]);
    }
    if (std::optional<std::int64_t> n = NumberIn(c, s.field); n && (*n < s.min || *n > s.max)) {
      fail(RangeError(s.range_error, *n));
    }
    if (s.check != nullptr) {
      if (std::string error = s.check(c); !error.empty()) fail(error);
    }
  }

  if (c.jwt_secret.size() < kMinJwtSecretBytes) {
    if (!c.dev) {
      fail(c.jwt_secret.empty()
               ? "JWT_SECRET is not set: set it to at least 32 bytes (or run with --dev)"
               : "JWT_SECRET is shorter than 32 bytes: use a longer secret (or run with --dev)");
    } else if (c.jwt_secret.empty()) {
      if (sodium_init() < 0) {
        fail("--dev: cannot generate a JWT secret (CSPRNG unavailable)");
      } else {
        c.jwt_secret = GenerateSecret();
        c.jwt_secret_generated = true;
      }
    }
  }

  // Old keys still verify tokens, so a short one is as weak as a short JWT_SECRET.
  // Entries are named by position, never by value.
  if (!c.dev) {
    for (std::size_t i = 0; i < c.jwt_previous_secrets.size(); ++i) {
      if (c.jwt_previous_secrets[i].size() < kMinJwtSecretBytes) {
        fail("JWT_PREVIOUS_SECRETS entry " + std::to_string(i + 1) +
             " is shorter than 32 bytes: use longer secrets (or run with --dev)");
      }
    }
  }

  if (!errors.empty()) {
    errors.pop_back();
    return {std::nullopt, 2, "sessionkit-server: configuration error:\n" + errors};
  }
  return {std::move(c), 0, {}};
}

ConfigOutcome LoadConfigFromProcess(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  DotEnvFile dotenv = ReadDotEnvFile(".env");
  if (!dotenv.error.empty()) {
    return {std::nullopt, 2, "sessionkit-server: configuration error:\n" + dotenv.error};
  }
  unsigned cores = std::thread::hardware_concurrency();
  return LoadConfig(args, env, dotenv.text, cores == 0 ? 1 : cores);
}

ConfigOutcome LoadConfigFromEnvironment(std::string_view program, const std::string& dotenv_path) {
  const std::string prefix = std::string(program) + ": configuration error:\n";
  EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  DotEnvFile dotenv = ReadDotEnvFile(dotenv_path);
  if (dotenv.error.empty() && dotenv.text.empty() && dotenv_path != ".env" &&
      ::access(dotenv_path.c_str(), F_OK) != 0) {
    dotenv.error = dotenv_path + ": no such file";
  }
  if (!dotenv.error.empty()) return {std::nullopt, 2, prefix + dotenv.error};
  ConfigOutcome outcome = LoadConfig({std::string(program)}, env, dotenv.text, 1);
  constexpr std::string_view kServerPrefix = "sessionkit-server: configuration error:\n";
  if (!outcome.config && outcome.message.starts_with(kServerPrefix)) {
    outcome.message = prefix + outcome.message.substr(kServerPrefix.size());
  }
  return outcome;
}

std::vector<std::pair<std::string, std::string>> DescribeConfig(const ServerConfig& c) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Setting& s : kSettings) {
    if (s.env.empty()) continue;
    std::string text;
    if (auto* f = std::get_if<std::string ServerConfig::*>(&s.field)) text = c.**f;
    if (auto* f = std::get_if<int ServerConfig::*>(&s.field)) text = std::to_string(c.**f);
    if (const ListOf* list = std::get_if<ListOf>(&s.field)) {
      for (const std::string& item : c.*(list->field)) text += (text.empty() ? "" : ",") + item;
    }
    if (s.secret) {
      text = text.empty() ? "(unset)" : "(set, redacted)";
    } else if (s.env == "DATABASE_URL") {
      text = IsMysqlUrl(text) ? RedactedUrl(text) : text;
    } else if (s.env == "SMTP_URL" && !text.empty()) {
      text = RedactSmtpUrl(text);
    }
    out.emplace_back(std::string(s.env), std::move(text));
  }
  return out;
}

}  // namespace sessionkit::server
