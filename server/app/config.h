// Server configuration (API.md §7): defaults, then `.env`, then the environment, then
// command-line flags (CLI11), each overriding the one before.
//
// `.env` (KEY=VALUE lines; blank lines and `#` comments skipped; an optional `export `
// prefix; values may be wrapped in single or double quotes, which keep a `#` and may be
// followed by a comment; in an unquoted value a `#` after a blank starts a comment, any
// other `#` is part of the value: `A=x#1 # note` is "x#1") only fills variables that
// are not set in the real environment. A `.env` that group or others may write is
// refused (exit 2): whoever writes it chooses JWT_SECRET. A variable set to the empty string means "use
// the default". Secrets (JWT_SECRET, JWT_PREVIOUS_SECRETS, REDIS_PASSWORD) are read
// from the environment / .env only, never from flags (flags show up in `ps`).
//
// LoadConfig never exits the process and never prints: it returns the config, or an
// exit code (0 for --help, 2 for a configuration error) with the text to print.
// Refusals: JWT_SECRET or a JWT_PREVIOUS_SECRETS entry shorter than 32 bytes (unless
// --dev, which generates a random JWT_SECRET when none is set), JWT_LEEWAY_SECONDS
// outside 0..60, lifetimes over 10 years (hours or seconds), non-numbers,
// out-of-range values (LOGIN_FAILURE_WINDOW_SECONDS must be > 0, the LOGIN_MAX_FAILURES_*
// limits >= 0), a bad SESSION_BINDING, HTTP_ADDR, DATABASE_URL or
// TRUSTED_PROXIES; SESSION_COOKIES other than on/off, COOKIE_SECURE other than
// true/false, a PUBLIC_ORIGIN or TRUSTED_ORIGINS entry that is not an origin (named); a MySQL DATABASE_URL without REDIS_ADDR (sessions must be shared
// then), or one with a password given as --database-url (flags show up in `ps`). Error
// texts name the variable, never a secret's value (a MySQL URL's password is one).
//
// systemd credentials: when CREDENTIALS_DIRECTORY is set (LoadCredential= in the unit,
// packaging/sessionkit.service), each secret is also looked for as a file there, named
// after its variable in lower case (jwt_secret, jwt_previous_secrets, redis_password);
// a file that exists wins over the environment and .env, with one trailing newline
// dropped. A credential file that exists but cannot be read is an error (exit 2) naming
// the file, never its content.
//
// Every setting is one row of the settings table in config.cc (variable, flag, help,
// field, range, check, secret); reading, --help and the checks are derived from it.
// Defaults are the field initializers below.
//
// Thread safety: pure functions (the environment is read through EnvLookup).
#ifndef SESSIONKIT_SERVER_APP_CONFIG_H_
#define SESSIONKIT_SERVER_APP_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http/client_ip.h"
#include "sessionkit/mysql_store.h"
#include "sessionkit/session_manager.h"

namespace sessionkit::server {

inline constexpr std::size_t kMinJwtSecretBytes = 32;
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;  // API.md §6: larger -> 413

struct ServerConfig {
  // --- API.md §7 ---
  std::string http_addr = "127.0.0.1:8080";
  std::string http_host = "127.0.0.1";  // parsed from http_addr
  std::uint16_t http_port = 8080;
  std::string database_url = "sqlite://sessionkit.db";
  std::string database_path = "sessionkit.db";  // parsed from a sqlite:// database_url
  // Parsed from a mysql:// / mariadb:// database_url (API.md §10): users in MySQL, and
  // then REDIS_ADDR is required. database_url holds a password then: log RedactedUrl().
  std::optional<MysqlOptions> mysql_users;
  // Users of an existing schema, read-only (API.md §10): both set, with a MySQL
  // database_url, or both empty.
  std::string user_lookup_sql;  // USER_LOOKUP_SQL: one `?` for the identifier
  std::string user_by_id_sql;   // USER_BY_ID_SQL: one `?` for the id
  std::string redis_addr;  // empty: embedded store
  std::string redis_password;
  int redis_db = 0;
  int session_ttl_hours = 48;
  int session_max_lifetime_hours = 720;
  int session_touch_interval_seconds = 60;
  std::string session_binding = "warn";  // or "strict"
  BindingPolicy binding = BindingPolicy::kWarn;  // parsed from session_binding
  int session_max_per_user = 100;  // API.md §3: 0 = unlimited
  int refresh_reuse_grace_seconds = 10;
  int login_failure_window_seconds = 900;
  int login_max_failures_per_identifier = 10;  // 0 = not throttled
  int login_max_failures_per_ip = 100;         // 0 = not throttled
  std::string jwt_secret;
  bool jwt_secret_generated = false;  // --dev made one up
  std::vector<std::string> jwt_previous_secrets;
  int jwt_expired_hours = 48;
  std::string jwt_issuer = "sessionkit";
  std::vector<std::string> jwt_accept_issuers;
  int jwt_leeway_seconds = 30;
  // argon2id cost of new password hashes (OWASP's minimum: 19 MiB, 2 passes, 1 lane).
  int password_hash_memory_kib = 19 * 1024;
  int password_hash_iterations = 2;
  std::string trusted_proxies_text;
  TrustedProxies trusted_proxies;
  // TOTP_ENCRYPTION_KEYS (API.md §9, docs/two-factor.md): "id:base64key,..." sealing TOTP
  // secrets, the first one sealing; empty = a key derived from JWT_SECRET.
  std::string totp_encryption_keys;
  // API.md §8: the browser transport.
  std::string session_cookies = "on";  // SESSION_COOKIES: on or off
  bool cookies_enabled = true;         // parsed from session_cookies
  std::string cookie_secure_text = "true";  // COOKIE_SECURE: true or false
  bool cookie_secure = true;                // parsed from cookie_secure_text
  std::string public_origin;                // PUBLIC_ORIGIN; empty: from Host
  std::vector<std::string> trusted_origins;  // TRUSTED_ORIGINS, each a well-formed origin
  std::string web_ui_text = "on";  // WEB_UI: on / off
  bool web_ui = true;              // parsed from web_ui_text

  // --- server knobs (flags only) ---
  bool dev = false;
  unsigned io_threads = 0;    // 0 before LoadConfig; then >= 1 (DefaultIoThreads)
  unsigned hash_threads = 0;  // password hashing workers; 0 before LoadConfig (DefaultHashThreads)
  std::size_t hash_queue = 256;
  std::size_t max_connections = 10000;
  int header_timeout_ms = 10000;  // whole header must arrive within this
  int body_timeout_ms = 30000;    // body must arrive within this after the header
  int idle_timeout_ms = 60000;    // keep-alive connection with no request
  std::string log_level = "info";
  std::string log_format = "text";  // LOG_FORMAT: text or json (server/app/log_format.h)
  // LIVE_SESSIONS_SAMPLE_SECONDS: how often the store counts live sessions for /metrics
  // (server/live_sessions_sampler.h); 0 = never.
  int live_sessions_sample_seconds = 60;
  // REDIS_CLUSTER_NODES: seed nodes of a Redis Cluster (API.md §12); excludes REDIS_ADDR.
  std::string redis_cluster_nodes;
  // REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS: WAIT after a new session's writes
  // (RedisStoreOptions::wait_replicas; docs/redis.md, "Failover and durability"). 0 = off.
  int redis_wait_replicas = 0;
  int redis_wait_timeout_ms = 100;
  // API.md §13: SMTP_URL (a secret inside: show RedactSmtpUrl() of it) and MAIL_FROM; both
  // empty = no mail, the email routes answer 404.
  std::string smtp_url;
  std::string mail_from;
  // SESSION_CACHE: off, or tracking (the Redis near-cache, docs/redis.md "Near-cache";
  // one Redis only). SESSION_CACHE_MAX_STALENESS_MS: the longest a cached record is served
  // after it was read from Redis.
  std::string session_cache = "off";
  bool session_cache_tracking = false;  // parsed from session_cache
  int session_cache_max_staleness_ms = 2000;
  // SQLITE_READ_CACHE_ENTRIES: live session records the embedded store keeps between
  // reads (SqliteStoreOptions::read_cache_entries); 0 = off.
  int sqlite_read_cache_entries = 8192;
};

struct ConfigOutcome {
  std::optional<ServerConfig> config;  // set when the server should start
  int exit_code = 0;                   // otherwise: 0 (--help) or 2 (error)
  std::string message;                 // help text or error, for the caller to print
};

// Returns the value of an environment variable, nullopt if it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Parses .env text into KEY -> VALUE (later lines win). Malformed lines are skipped.
std::map<std::string, std::string> ParseDotEnv(std::string_view text);

// A .env file's text, or why it is refused ("" text and error if there is none).
struct DotEnvFile {
  std::string text;
  std::string error;  // names the file and the problem (never its content)
};

// Reads `path`: missing is fine (empty); unreadable, not a regular file, or writable by
// group or others is an error.
DotEnvFile ReadDotEnvFile(const std::string& path);

// The default number of I/O threads on a machine with `hardware_threads` cores: all
// but one (at least one), because the server rarely has its machine alone -- the proxy
// that calls it, often Redis, and its own password workers want a core, and an event
// loop that shares a core with them waits behind them (on 2 cores, one loop gives the
// same rate as two at a lower CPU cost and p99; docs/performance.md).
unsigned DefaultIoThreads(unsigned hardware_threads);
// The default number of password-hashing workers: half the cores, at least one. Each
// hash in flight holds PASSWORD_HASH_MEMORY_KIB and a core; on a small machine a second
// worker buys logins at the cost of validations (on 2 cores with 8 clients logging in,
// verify kept 68-70 % of its solo rate with two workers, 75-78 % with one, and the peak
// RSS fell from 57 to 37 MiB; docs/performance.md).
unsigned DefaultHashThreads(unsigned hardware_threads);

// args[0] is the program name. `hardware_threads` sets the default io_threads.
ConfigOutcome LoadConfig(const std::vector<std::string>& args, const EnvLookup& env,
                         std::string_view dotenv_text, unsigned hardware_threads);

// LoadConfig over this process: argv, the real environment, ./.env if there is one, and
// the machine's core count.
ConfigOutcome LoadConfigFromProcess(int argc, char** argv);

// The effective value of every environment setting of the table, in its order, as
// (variable, text): secrets as "(set, redacted)" or "(unset)", DATABASE_URL with its
// password redacted, lists comma-joined. Safe to print.
std::vector<std::pair<std::string, std::string>> DescribeConfig(const ServerConfig& config);

// The same configuration without flags, for a tool working on a server's stores
// (sessionkit-ctl, API.md §11): the real environment, then `dotenv_path` (".env": a
// missing file is fine; any other path, from --env-file, must exist). Errors (exit 2)
// start with "`program`: configuration error:".
ConfigOutcome LoadConfigFromEnvironment(std::string_view program, const std::string& dotenv_path);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_APP_CONFIG_H_
