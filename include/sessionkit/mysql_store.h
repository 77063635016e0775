// The MySQL / MariaDB user store (API.md §10): users in a shared database, so several
// sessionkit servers see one set of accounts. Sessions and account state do not live
// here (a server with MySQL users keeps them in Redis).
//
// URL: DATABASE_URL = mysql://user:password@host:port/db (or mariadb://...), every part
// but the database optional (user "root", no password, host 127.0.0.1, port 3306);
// percent-escapes are decoded in the user, password and database; ?socket=/path connects
// over a Unix socket instead of TCP (host and port are then ignored). Unknown query
// parameters, a bad port, a missing database or another scheme are InvalidArgument,
// with a message that never contains the password. RedactedUrl() is the only form of a
// URL that may be logged or put in an error.
//
// Schema: the store owns its tables and migrates them at open (versioned, recorded in
// `schema_migrations`, serialized between servers by a GET_LOCK named after the
// database, so several servers starting at once are safe). Usernames and emails are
// unique ignoring ASCII case, exactly as the SQLite store (docs/mysql.md).
//
// Blocking: every call runs on the caller's thread on a connection of a bounded pool
// (Connector/C's blocking API), waiting at most connect_timeout for a connection and
// read/write_timeout for an answer. The server calls the UserStore only from its worker
// pool, never from an event loop, so a blocking driver costs no connection-serving
// thread; a pool of max_connections bounds what one server asks of the database.
// After a database restart the next call reconnects; a call during the outage is
// Unavailable. Thread-safe; nothing throws.
#ifndef SESSIONKIT_MYSQL_STORE_H_
#define SESSIONKIT_MYSQL_STORE_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/user_store.h"

namespace sessionkit {

struct MysqlOptions {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string socket;  // non-empty: connect over this Unix socket, not TCP
  std::string user = "root";
  std::string password;  // a secret: never logged
  std::string database;  // required
  // Bounds of one connection attempt and of one read / write on the wire (whole seconds:
  // what Connector/C supports). Must be > 0.
  std::chrono::seconds connect_timeout{3};
  std::chrono::seconds read_timeout{5};
  std::chrono::seconds write_timeout{5};
  // Connections open at most; a call waits up to connect_timeout for a free one. > 0.
  std::size_t max_connections = 8;
  // Migrations wait this long for another server's migration lock. > 0.
  std::chrono::seconds migration_lock_timeout{30};
  // nullptr = SystemClock(); not owned. created_at of new users.
  const Clock* clock = nullptr;
};

// True for mysql:// and mariadb:// URLs (what ParseMysqlUrl is for).
bool IsMysqlUrl(std::string_view url);

// The options a URL names (timeouts and pool size keep their defaults).
// InvalidArgument naming what is wrong; the message never contains the password.
Result<MysqlOptions> ParseMysqlUrl(std::string_view url);

// The URL with its password replaced by "***" (and nothing else changed): for logs and
// messages. A string that does not parse as user:password@ is returned up to "://" plus
// "***" when it has an '@' (it may hold a password we could not find).
std::string RedactedUrl(std::string_view url);

// Connects, migrates the schema and returns the store. InvalidArgument for bad options;
// Unavailable (with the redacted address, never the password) if the database cannot be
// reached or migrated.
Result<UserStorePtr> OpenMysqlUserStore(const MysqlOptions& options);

// Read-only users of an existing schema (API.md §10, e.g. the Go service's tables).
// lookup_sql (USER_LOOKUP_SQL) is a SELECT with one `?` for the login identifier, which
// the store trims and lowercases (A-Z) first; by_id_sql (USER_BY_ID_SQL) one with a `?`
// for the id. Both must return columns named id, username, email, password_hash, role,
// is_premium, is_verified (aliases are fine; more columns are ignored; the first row
// counts). A NULL role reads as "user", NULL flags as false; created_at is empty.
struct ExternalUserQueries {
  std::string lookup_sql;
  std::string by_id_sql;
};

// The message of every write refused by the external store (CheckAvailable, Create,
// UpdatePasswordHash, Delete answer Code::kInvalidArgument with it): sessionkit never
// writes the external schema, so hashes are never rewritten either.
inline constexpr const char* kReadOnlyUsersMessage =
    "read_only_users: users come from an external schema and are read-only";

// Connects and validates both queries at once, without running them: a query that does
// not prepare, has not exactly one `?`, or lacks a column is InvalidArgument naming the
// variable (USER_LOOKUP_SQL / USER_BY_ID_SQL) and the column. Creates no table.
// Unavailable if the database cannot be reached. Thread-safe, blocking, as above.
Result<UserStorePtr> OpenMysqlExternalUserStore(const MysqlOptions& options,
                                                const ExternalUserQueries& queries);

}  // namespace sessionkit

#endif  // SESSIONKIT_MYSQL_STORE_H_
