#include "testing/raw_sqlite.h"

#include <sqlite3.h>

namespace sessionkit::testing {
namespace {

// Prepares `sql`, steps to its first row and hands the statement to `read`.
template <class T, class Read>
Result<T> QueryFirst(sqlite3* db, const std::string& sql, Read read) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return Status::Internal(std::string("RawSqlite: prepare: ") + sqlite3_errmsg(db));
  }
  const int rc = sqlite3_step(stmt);
  Result<T> out = Status::NotFound("RawSqlite: no row");
  if (rc == SQLITE_ROW) {
    out = read(stmt);
  } else if (rc != SQLITE_DONE) {
    out = Status::Internal(std::string("RawSqlite: step: ") + sqlite3_errmsg(db));
  }
  sqlite3_finalize(stmt);
  return out;
}

}  // namespace

Result<std::unique_ptr<RawSqlite>> RawSqlite::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Status error = Status::Unavailable("RawSqlite: open " + path + ": " +
                                       (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return error;
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<RawSqlite>(new RawSqlite(db));
}

RawSqlite::~RawSqlite() { sqlite3_close_v2(db_); }

Status RawSqlite::Error(const std::string& what) const {
  return Status::Internal("RawSqlite: " + what + ": " + sqlite3_errmsg(db_));
}

Status RawSqlite::Exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return Error("exec");
  return Status::Ok();
}

Result<std::int64_t> RawSqlite::QueryInt(const std::string& sql) {
  return QueryFirst<std::int64_t>(db_, sql, [](sqlite3_stmt* s) -> Result<std::int64_t> {
    return static_cast<std::int64_t>(sqlite3_column_int64(s, 0));
  });
}

Result<std::string> RawSqlite::QueryText(const std::string& sql) {
  return QueryFirst<std::string>(db_, sql, [](sqlite3_stmt* s) -> Result<std::string> {
    const unsigned char* text = sqlite3_column_text(s, 0);
    return std::string(text != nullptr ? reinterpret_cast<const char*>(text) : "");
  });
}

Status RawSqlite::InsertSessionRow(const std::string& id, const std::string& user_id,
                                   std::int64_t created_at_ms, std::int64_t expires_at_ms,
                                   const std::string& record) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO sessions(id, user_id, created_at, expires_at, record) "
                         "VALUES(?1, ?2, ?3, ?4, ?5)",
                         -1, &stmt, nullptr) != SQLITE_OK) {
    return Error("prepare insert");
  }
  sqlite3_bind_text(stmt, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, user_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 3, created_at_ms);
  sqlite3_bind_int64(stmt, 4, expires_at_ms);
  sqlite3_bind_text(stmt, 5, record.c_str(), static_cast<int>(record.size()), SQLITE_TRANSIENT);
  const bool done = sqlite3_step(stmt) == SQLITE_DONE;
  Status result = done ? Status::Ok() : Error("insert");
  sqlite3_finalize(stmt);
  return result;
}

}  // namespace sessionkit::testing
