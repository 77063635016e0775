#include "src/store/sqlite/schema.h"

#include <sqlite3.h>

#include <chrono>
#include <string>

#include "sessionkit/result.h"
#include "src/store/sqlite/sqlite_error.h"

namespace sessionkit::internal {
namespace {

struct SqlEntry {
  const char* name;
  const char* text;
};

// Indexed by Sql. Every query that returns sessions compares expires_at with "now".
constexpr SqlEntry kStatements[kSqlCount] = {
    {"begin", "BEGIN IMMEDIATE"},
    {"commit", "COMMIT"},
    {"rollback", "ROLLBACK"},
    // A row with the same id that is already dead is replaced (it is invisible anyway);
    // a live one is left alone and changes() == 0 tells the caller: Conflict.
    {"insert",
     "INSERT INTO sessions(id, user_id, created_at, expires_at, record) "
     "VALUES(?1, ?2, ?3, ?4, ?5) "
     "ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, "
     "created_at = excluded.created_at, expires_at = excluded.expires_at, "
     "record = excluded.record WHERE sessions.expires_at <= ?6"},
    {"list oldest",
     "SELECT id FROM sessions WHERE user_id = ?1 AND expires_at > ?2 AND id <> ?3 "
     "ORDER BY created_at, id"},
    {"delete", "DELETE FROM sessions WHERE id = ?1 RETURNING expires_at"},
    {"get", "SELECT record, expires_at FROM sessions WHERE id = ?1"},
    {"delete expired", "DELETE FROM sessions WHERE id = ?1 AND expires_at <= ?2"},
    // Only a live row is rewritten: a touch never brings back a deleted or dead session.
    {"touch",
     "UPDATE sessions SET record = ?2, expires_at = ?3 WHERE id = ?1 AND expires_at > ?4"},
    {"delete all",
     "DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2 RETURNING expires_at, id"},
    {"list", "SELECT record FROM sessions WHERE user_id = ?1 AND expires_at > ?2"},
    {"count", "SELECT count(*) FROM sessions WHERE expires_at > ?1"},
    {"scan",
     "SELECT id, record FROM sessions WHERE id > ?1 AND expires_at > ?2 ORDER BY id LIMIT ?3"},
    {"purge",
     "DELETE FROM sessions WHERE rowid IN "
     "(SELECT rowid FROM sessions WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2) "
     "RETURNING id"},
    {"schema version", "PRAGMA user_version"},
};

constexpr const char* kCreateSchemaV1 =
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " user_id TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " record TEXT NOT NULL);"
    "CREATE INDEX sessions_by_user ON sessions(user_id, created_at);"
    "CREATE INDEX sessions_by_expiry ON sessions(expires_at);"
    "PRAGMA user_version = 1;";

Status Exec(sqlite3* db, const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : SqliteError(rc, db, what);
}

Result<int> ReadUserVersion(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db, "read schema version");
  rc = sqlite3_step(stmt);
  Result<int> version = rc == SQLITE_ROW ? Result<int>(sqlite3_column_int(stmt, 0))
                                         : Result<int>(SqliteError(rc, db, "read schema version"));
  sqlite3_finalize(stmt);
  return version;
}

Status CreateOrCheck(sqlite3* db) {
  Result<int> version = ReadUserVersion(db);
  if (!version.ok()) return version.status();
  if (*version == kSqliteSchemaVersion) return Status::Ok();
  if (*version > kSqliteSchemaVersion) {
    return Status::Unavailable("sqlite: the database has schema version " +
                               std::to_string(*version) + ", newer than this build supports (" +
                               std::to_string(kSqliteSchemaVersion) + ")");
  }
  if (*version != 0) {
    return Status::Unavailable("sqlite: the database has unknown schema version " +
                               std::to_string(*version));
  }
  return Exec(db, kCreateSchemaV1, "create schema");
}

}  // namespace

const char* SqlText(Sql which) noexcept { return kStatements[static_cast<std::size_t>(which)].text; }
const char* SqlName(Sql which) noexcept { return kStatements[static_cast<std::size_t>(which)].name; }

Status EnsureSchema(sqlite3* db) {
  if (Status s = Exec(db, "BEGIN IMMEDIATE", "begin schema check"); !s.ok()) return s;
  Status result = CreateOrCheck(db);
  if (result.ok()) result = Exec(db, "COMMIT", "commit schema");
  if (!result.ok() && sqlite3_get_autocommit(db) == 0) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);  // best effort; error kept
  }
  return result;
}

}  // namespace sessionkit::internal
