#include "server/users/user_store.h"

#include <sodium.h>
#include <sqlite3.h>

#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "server/time_format.h"

namespace sessionkit::server {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS users ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " password_hash TEXT NOT NULL,"
    " role TEXT NOT NULL DEFAULT 'user',"
    " is_premium INTEGER NOT NULL DEFAULT 0,"
    " is_email_verified INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL)";

#define SESSIONKIT_USER_COLUMNS \
  "id, username, email, password_hash, role, is_premium, is_email_verified, created_at"
constexpr std::string_view kById = "SELECT " SESSIONKIT_USER_COLUMNS " FROM users WHERE id = ?1";
constexpr std::string_view kByName =
    "SELECT " SESSIONKIT_USER_COLUMNS " FROM users WHERE username = ?1";
constexpr std::string_view kByEmail =
    "SELECT " SESSIONKIT_USER_COLUMNS " FROM users WHERE email = ?1";
#undef SESSIONKIT_USER_COLUMNS

Status Unavailable(const char* what) {
  return Status::Unavailable(std::string("user database: ") + what);
}

std::string ColumnText(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text != nullptr ? std::string(reinterpret_cast<const char*>(text),
                                       static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)))
                         : std::string();
}

User ReadUser(sqlite3_stmt* stmt) {
  User u;
  u.id = ColumnText(stmt, 0);
  u.username = ColumnText(stmt, 1);
  u.email = ColumnText(stmt, 2);
  u.password_hash = ColumnText(stmt, 3);
  u.role = ColumnText(stmt, 4);
  u.is_premium = sqlite3_column_int(stmt, 5) != 0;
  u.is_email_verified = sqlite3_column_int(stmt, 6) != 0;
  u.created_at = ColumnText(stmt, 7);
  return u;
}

void Bind(sqlite3_stmt* stmt, int index, std::string_view text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

// Resets a cached statement when the scope ends, so it never holds a read lock.
struct ResetOnExit {
  sqlite3_stmt* stmt;
  ~ResetOnExit() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

}  // namespace

struct UserStore::Connection {
  std::mutex mu;
  sqlite3* db = nullptr;
  std::unordered_map<std::string_view, sqlite3_stmt*> statements;

  ~Connection() {
    for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
    if (db != nullptr) sqlite3_close_v2(db);
  }

  // A cached prepared statement for `sql` (a string literal), or nullptr.
  sqlite3_stmt* Prepare(std::string_view sql) {
    if (auto it = statements.find(sql); it != statements.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      return nullptr;
    }
    statements.emplace(sql, stmt);
    return stmt;
  }

  // Runs a statement that returns at most one user row.
  Result<User> QueryOne(std::string_view sql, std::string_view arg) {
    sqlite3_stmt* stmt = Prepare(sql);
    if (stmt == nullptr) return Unavailable("prepare failed");
    ResetOnExit reset{stmt};
    Bind(stmt, 1, arg);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return ReadUser(stmt);
    if (rc == SQLITE_DONE) return Status::NotFound("no such user");
    return Unavailable("query failed");
  }
};

UserStore::UserStore(const UserStoreOptions& options) : clock_(ClockOrSystem(options.clock)) {}

UserStore::~UserStore() = default;

Result<std::unique_ptr<UserStore>> UserStore::Open(const UserStoreOptions& options) {
  if (sodium_init() < 0) return Status::Unavailable("CSPRNG unavailable");
  std::unique_ptr<UserStore> store(new UserStore(options));
  std::size_t count = options.connections == 0 ? 1 : options.connections;
  for (std::size_t i = 0; i < count; ++i) {
    auto conn = std::make_unique<Connection>();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(options.path.c_str(), &conn->db, flags, nullptr) != SQLITE_OK) {
      return Status::Unavailable("cannot open the user database file");
    }
    sqlite3_busy_timeout(conn->db, static_cast<int>(options.busy_timeout.count()));
    if (i == 0) {
      // WAL lets the session store and these connections read while one writes.
      if (sqlite3_exec(conn->db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK ||
          sqlite3_exec(conn->db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return Status::Unavailable("cannot create the users table");
      }
    }
    sqlite3_exec(conn->db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
    store->connections_.push_back(std::move(conn));
  }
  return store;
}

UserStore::Connection& UserStore::Acquire() {
  std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    Connection& c = *connections_[(start + i) % connections_.size()];
    if (c.mu.try_lock()) return c;
  }
  Connection& c = *connections_[start % connections_.size()];
  c.mu.lock();
  return c;
}

Result<User> UserStore::FindById(std::string_view id) {
  Connection& c = Acquire();
  std::lock_guard lock(c.mu, std::adopt_lock);
  return c.QueryOne(kById, id);
}

Result<User> UserStore::FindByLogin(std::string_view identifier) {
  Connection& c = Acquire();
  std::lock_guard lock(c.mu, std::adopt_lock);
  Result<User> user = c.QueryOne(kByName, identifier);
  if (user.ok() || !user.status().IsNotFound()) return user;
  return c.QueryOne(kByEmail, identifier);
}

Status UserStore::CheckAvailable(std::string_view username, std::string_view email) {
  Connection& c = Acquire();
  std::lock_guard lock(c.mu, std::adopt_lock);
  Result<User> named = c.QueryOne(kByName, username);
  if (named.ok()) return Status::Conflict("username already taken");
  if (!named.status().IsNotFound()) return named.status();
  Result<User> mailed = c.QueryOne(kByEmail, email);
  if (mailed.ok()) return Status::Conflict("email already registered");
  if (!mailed.status().IsNotFound()) return mailed.status();
  return Status::Ok();
}

Result<User> UserStore::Create(std::string_view username, std::string_view email,
                               std::string_view password_hash) {
  User user;
  user.id = NewUuidV4();
  user.username = std::string(username);
  user.email = std::string(email);
  user.password_hash = std::string(password_hash);
  user.created_at = FormatRfc3339(clock_.Now());

  Connection& c = Acquire();
  std::lock_guard lock(c.mu, std::adopt_lock);
  static constexpr std::string_view sql =
      "INSERT INTO users (id, username, email, password_hash, role, is_premium,"
      " is_email_verified, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6)";
  sqlite3_stmt* stmt = c.Prepare(sql);
  if (stmt == nullptr) return Unavailable("prepare failed");
  ResetOnExit reset{stmt};
  Bind(stmt, 1, user.id);
  Bind(stmt, 2, user.username);
  Bind(stmt, 3, user.email);
  Bind(stmt, 4, user.password_hash);
  Bind(stmt, 5, user.role);
  Bind(stmt, 6, user.created_at);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return user;
  if ((sqlite3_extended_errcode(c.db) & 0xff) == SQLITE_CONSTRAINT) {
    std::string_view message = sqlite3_errmsg(c.db);
    if (message.find("users.email") != std::string_view::npos) {
      return Status::Conflict("email already registered");
    }
    return Status::Conflict("username already taken");
  }
  return Unavailable("insert failed");
}

Status UserStore::UpdatePasswordHash(std::string_view id, std::string_view password_hash) {
  Connection& c = Acquire();
  std::lock_guard lock(c.mu, std::adopt_lock);
  static constexpr std::string_view sql = "UPDATE users SET password_hash = ?2 WHERE id = ?1";
  sqlite3_stmt* stmt = c.Prepare(sql);
  if (stmt == nullptr) return Unavailable("prepare failed");
  ResetOnExit reset{stmt};
  Bind(stmt, 1, id);
  Bind(stmt, 2, password_hash);
  if (sqlite3_step(stmt) != SQLITE_DONE) return Unavailable("update failed");
  if (sqlite3_changes(c.db) == 0) return Status::NotFound("no such user");
  return Status::Ok();
}

Status UserStore::Delete(std::string_view id) {
  Connection& c = Acquire();
  std::lock_guard lock(c.mu, std::adopt_lock);
  static constexpr std::string_view sql = "DELETE FROM users WHERE id = ?1";
  sqlite3_stmt* stmt = c.Prepare(sql);
  if (stmt == nullptr) return Unavailable("prepare failed");
  ResetOnExit reset{stmt};
  Bind(stmt, 1, id);
  if (sqlite3_step(stmt) != SQLITE_DONE) return Unavailable("delete failed");
  return Status::Ok();
}

std::string NewUuidV4() {
  unsigned char b[16];
  randombytes_buf(b, sizeof(b));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof(out),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

}  // namespace sessionkit::server
