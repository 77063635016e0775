#include "server/config.h"

#include <CLI/CLI.hpp>
#include <sodium.h>

#include <charconv>
#include <utility>

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
  REDIS_PASSWORD        AUTH password for REDIS_ADDR
  and every variable named in the options above.
Secrets are read from the environment only, never from flags.
Exit status: 0 after a clean shutdown (SIGTERM/SIGINT) or --help; 2 for a configuration
error; 1 if the server fails at run time (port in use, database unusable).)";

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
    std::string_view value = Trim(line.substr(eq + 1));
    if (key.empty()) continue;
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (std::size_t hash = value.find(" #"); hash != std::string_view::npos) {
      value = Trim(value.substr(0, hash));  // an unquoted value may carry a trailing comment
    }
    out[std::string(key)] = std::string(value);
  }
  return out;
}

ConfigOutcome LoadConfig(const std::vector<std::string>& args, const EnvLookup& env,
                         std::string_view dotenv_text, unsigned hardware_threads) {
  ServerConfig c;
  c.io_threads = hardware_threads == 0 ? 1 : hardware_threads;
  Variables vars(env, ParseDotEnv(dotenv_text));
  vars.String("HTTP_ADDR", c.http_addr);
  vars.String("DATABASE_URL", c.database_url);
  vars.String("REDIS_ADDR", c.redis_addr);
  vars.String("REDIS_PASSWORD", c.redis_password);
  vars.Int("REDIS_DB", c.redis_db);
  vars.Int("SESSION_TTL_HOURS", c.session_ttl_hours);
  vars.Int("SESSION_MAX_LIFETIME_HOURS", c.session_max_lifetime_hours);
  vars.Int("SESSION_TOUCH_INTERVAL_SECONDS", c.session_touch_interval_seconds);
  vars.String("SESSION_BINDING", c.session_binding);
  vars.Int("SESSION_MAX_PER_USER", c.session_max_per_user);
  vars.Int("REFRESH_REUSE_GRACE_SECONDS", c.refresh_reuse_grace_seconds);
  vars.Int("LOGIN_FAILURE_WINDOW_SECONDS", c.login_failure_window_seconds);
  vars.Int("LOGIN_MAX_FAILURES_PER_IDENTIFIER", c.login_max_failures_per_identifier);
  vars.Int("LOGIN_MAX_FAILURES_PER_IP", c.login_max_failures_per_ip);
  vars.String("JWT_SECRET", c.jwt_secret);
  std::string previous, accept;
  vars.String("JWT_PREVIOUS_SECRETS", previous);
  vars.Int("JWT_EXPIRED", c.jwt_expired_hours);
  vars.String("JWT_ISSUER", c.jwt_issuer);
  vars.String("JWT_ACCEPT_ISSUERS", accept);
  vars.Int("JWT_LEEWAY_SECONDS", c.jwt_leeway_seconds);
  vars.String("TRUSTED_PROXIES", c.trusted_proxies_text);

  CLI::App app{"sessionkit-server: the login and session service of sessionkit (API.md).",
               "sessionkit-server"};
  app.footer(kFooter);
  app.get_formatter()->column_width(44);
  app.add_option("--http-addr", c.http_addr, "listen address host:port or [v6]:port (HTTP_ADDR)")
      ->capture_default_str();
  app.add_option("--database-url", c.database_url,
                 "users database, and sessions unless Redis is set: sqlite://rel.db or "
                 "sqlite:///abs.db (DATABASE_URL)")
      ->capture_default_str();
  app.add_option("--redis-addr", c.redis_addr,
                 "host:port of Redis; unset = embedded SQLite sessions (REDIS_ADDR)");
  app.add_option("--redis-db", c.redis_db, "Redis database number (REDIS_DB)")->capture_default_str();
  app.add_option("--session-ttl-hours", c.session_ttl_hours,
                 "idle timeout, slid by activity (SESSION_TTL_HOURS)")
      ->capture_default_str();
  app.add_option("--session-max-lifetime-hours", c.session_max_lifetime_hours,
                 "absolute session lifetime (SESSION_MAX_LIFETIME_HOURS)")
      ->capture_default_str();
  app.add_option("--session-touch-interval-seconds", c.session_touch_interval_seconds,
                 "sliding writes at most this often (SESSION_TOUCH_INTERVAL_SECONDS)")
      ->capture_default_str();
  app.add_option("--session-binding", c.session_binding,
                 "IP/User-Agent drift: warn or strict (SESSION_BINDING)")
      ->capture_default_str();
  app.add_option("--session-max-per-user", c.session_max_per_user,
                 "live sessions per user, 0 = unlimited (SESSION_MAX_PER_USER)")
      ->capture_default_str();
  app.add_option("--refresh-reuse-grace-seconds", c.refresh_reuse_grace_seconds,
                 "refresh token re-presentation grace (REFRESH_REUSE_GRACE_SECONDS)")
      ->capture_default_str();
  app.add_option("--login-failure-window-seconds", c.login_failure_window_seconds,
                 "sliding window of failed logins (LOGIN_FAILURE_WINDOW_SECONDS)")
      ->capture_default_str();
  app.add_option("--login-max-failures-per-identifier", c.login_max_failures_per_identifier,
                 "failed logins per identifier in the window before 429, 0 = off "
                 "(LOGIN_MAX_FAILURES_PER_IDENTIFIER)")
      ->capture_default_str();
  app.add_option("--login-max-failures-per-ip", c.login_max_failures_per_ip,
                 "failed logins per client IP in the window before 429, 0 = off "
                 "(LOGIN_MAX_FAILURES_PER_IP)")
      ->capture_default_str();
  app.add_option("--jwt-expired", c.jwt_expired_hours, "access token lifetime in hours (JWT_EXPIRED)")
      ->capture_default_str();
  app.add_option("--jwt-issuer", c.jwt_issuer, "iss of issued tokens (JWT_ISSUER)")
      ->capture_default_str();
  app.add_option("--jwt-accept-issuers", accept,
                 "comma list of accepted iss; empty = any (JWT_ACCEPT_ISSUERS)");
  app.add_option("--jwt-leeway-seconds", c.jwt_leeway_seconds,
                 "clock leeway for exp/iat, 0..60 (JWT_LEEWAY_SECONDS)")
      ->capture_default_str();
  app.add_option("--trusted-proxies", c.trusted_proxies_text,
                 "comma list of CIDRs whose X-Forwarded-For is believed; empty = none "
                 "(TRUSTED_PROXIES)");
  app.add_flag("--dev", c.dev,
               "development mode: run with a missing JWT_SECRET (a random one is generated) or "
               "a short one");
  app.add_option("--io-threads", c.io_threads, "HTTP I/O threads (default: one per core)")
      ->capture_default_str();
  app.add_option("--hash-threads", c.hash_threads, "password hashing worker threads")
      ->capture_default_str();
  app.add_option("--hash-queue", c.hash_queue,
                 "password jobs allowed to wait; more are answered 429")
      ->capture_default_str();
  app.add_option("--max-connections", c.max_connections,
                 "open client connections; more are closed at once")
      ->capture_default_str();
  app.add_option("--header-timeout-ms", c.header_timeout_ms,
                 "a request's header must arrive within this once it starts")
      ->capture_default_str();
  app.add_option("--body-timeout-ms", c.body_timeout_ms,
                 "a request's body must arrive within this after its header")
      ->capture_default_str();
  app.add_option("--idle-timeout-ms", c.idle_timeout_ms,
                 "close a keep-alive connection idle this long")
      ->capture_default_str();
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();

  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, 2, std::string("sessionkit-server: ") + e.what() +
                                 "\nRun with --help for the options."};
  }

  std::string errors = vars.errors();
  auto fail = [&errors](std::string message) { errors += message + "\n"; };
  if (!ParseHostPort(c.http_addr, c.http_host, c.http_port)) {
    fail("HTTP_ADDR must be host:port or [ipv6]:port, got '" + c.http_addr + "'");
  }
  if (!ParseDatabaseUrl(c.database_url, c.database_path)) {
    fail("DATABASE_URL must be sqlite://relative/path.db or sqlite:///absolute/path.db");
  }
  if (c.redis_db < 0) fail("REDIS_DB must be >= 0");
  if (c.session_ttl_hours <= 0) fail("SESSION_TTL_HOURS must be > 0");
  if (c.session_max_lifetime_hours <= 0) fail("SESSION_MAX_LIFETIME_HOURS must be > 0");
  if (c.session_touch_interval_seconds < 0) fail("SESSION_TOUCH_INTERVAL_SECONDS must be >= 0");
  if (c.session_binding != "warn" && c.session_binding != "strict") {
    fail("SESSION_BINDING must be warn or strict, got '" + c.session_binding + "'");
  }
  if (c.session_max_per_user < 0) fail("SESSION_MAX_PER_USER must be >= 0");
  if (c.refresh_reuse_grace_seconds < 0) fail("REFRESH_REUSE_GRACE_SECONDS must be >= 0");
  if (c.login_failure_window_seconds <= 0) fail("LOGIN_FAILURE_WINDOW_SECONDS must be > 0");
  if (c.login_max_failures_per_identifier < 0) {
    fail("LOGIN_MAX_FAILURES_PER_IDENTIFIER must be >= 0");
  }
  if (c.login_max_failures_per_ip < 0) fail("LOGIN_MAX_FAILURES_PER_IP must be >= 0");
  if (c.jwt_expired_hours <= 0) fail("JWT_EXPIRED must be > 0 (hours)");
  if (c.jwt_leeway_seconds < 0 || c.jwt_leeway_seconds > 60) {
    fail("JWT_LEEWAY_SECONDS must be between 0 and 60, got " + std::to_string(c.jwt_leeway_seconds));
  }
  if (c.jwt_issuer.empty()) fail("JWT_ISSUER must not be empty");
  c.jwt_previous_secrets = SplitList(previous);
  c.jwt_accept_issuers = SplitList(accept);
  Result<TrustedProxies> proxies = TrustedProxies::Parse(c.trusted_proxies_text);
  if (proxies.ok()) {
    c.trusted_proxies = std::move(proxies).value();
  } else {
    fail(proxies.status().message());
  }
  if (c.io_threads == 0 || c.io_threads > 256) fail("--io-threads must be 1..256");
  if (c.hash_threads == 0 || c.hash_threads > 64) fail("--hash-threads must be 1..64");
  if (c.hash_queue == 0) fail("--hash-queue must be >= 1");
  if (c.max_connections == 0) fail("--max-connections must be >= 1");
  if (c.header_timeout_ms <= 0 || c.body_timeout_ms <= 0 || c.idle_timeout_ms <= 0) {
    fail("--header-timeout-ms, --body-timeout-ms and --idle-timeout-ms must be > 0");
  }
  static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (std::string_view level : kLevels) level_ok = level_ok || c.log_level == level;
  if (!level_ok) fail("--log-level must be one of trace, debug, info, warn, error, off");

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

  if (!errors.empty()) {
    errors.pop_back();
    return {std::nullopt, 2, "sessionkit-server: configuration error:\n" + errors};
  }
  return {std::move(c), 0, {}};
}

}  // namespace sessionkit::server
