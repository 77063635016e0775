#include "src/store/sqlite/connection.h"

#include <sqlite3.h>

#include <climits>
#include <string>

#include "src/store/sqlite/sqlite_error.h"

namespace sessionkit::internal {
namespace {

// Runs a PRAGMA that returns one text value (journal_mode) and gives that value.
Result<std::string> QueryText(sqlite3* db, const char* sql, std::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db, what);
  rc = sqlite3_step(stmt);
  Result<std::string> out = Status::Internal("unset");
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    out = std::string(text != nullptr ? reinterpret_cast<const char*>(text) : "");
  } else {
    out = SqliteError(rc, db, what);
  }
  sqlite3_finalize(stmt);
  return out;
}

Status Exec(sqlite3* db, const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : SqliteError(rc, db, what);
}

}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time (the pool guarantees it).
  // No SQLITE_OPEN_URI: the path is a file name, never a "file:" URI with options.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                    SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status error = SqliteError(rc, db, "open " + path);
    sqlite3_close_v2(db);  // a handle is returned even on failure (or nullptr: no-op)
    return error;
  }
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db));
  // SQLite falls back to read-only when it may not write the file; the store needs both.
  if (sqlite3_db_readonly(db, "main") == 1) {
    return Status::Unavailable("sqlite: open " + path + ": the file is read-only for this process");
  }
  if (Status s = connection->Configure(path, busy_timeout); !s.ok()) return s;
  if (Status s = EnsureSchema(db); !s.ok()) return s;
  if (Status s = connection->PrepareStatements(); !s.ok()) return s;
  return connection;
}

SqliteConnection::~SqliteConnection() {
  for (sqlite3_stmt* stmt : statements_) sqlite3_finalize(stmt);  // nullptr: no-op
  for (const auto& [text, stmt] : extra_statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::Configure(const std::string& path, std::chrono::milliseconds busy_timeout) {
  const auto timeout_ms = busy_timeout.count() > INT_MAX ? INT_MAX : busy_timeout.count();
  sqlite3_busy_timeout(db_, static_cast<int>(timeout_ms));
  // The first statement that reads the file: a directory or a non-database fails here.
  Result<std::string> mode = QueryText(db_, "PRAGMA journal_mode = WAL", "open " + path);
  if (!mode.ok()) return mode.status();
  if (*mode != "wal") {
    return Status::Unavailable("sqlite: open " + path +
                               ": WAL journal mode is not available (got '" + *mode + "')");
  }
  if (Status s = Exec(db_, "PRAGMA synchronous = NORMAL", "set synchronous"); !s.ok()) return s;
  // Memory per connection, whatever the library's build defaults: a page cache of at most
  // kPageCacheKib, and no memory-mapped I/O (mapped pages of a large file would count in
  // the process's resident set beyond that bound).
  const std::string cache = "PRAGMA cache_size = -" + std::to_string(kPageCacheKib);
  if (Status s = Exec(db_, cache.c_str(), "set cache_size"); !s.ok()) return s;
  return Exec(db_, "PRAGMA mmap_size = 0", "set mmap_size");
}

Status SqliteConnection::PrepareStatements() {
  for (std::size_t i = 0; i < kSqlCount; ++i) {
    const Sql which = static_cast<Sql>(i);
    const int rc = sqlite3_prepare_v3(db_, SqlText(which), -1, SQLITE_PREPARE_PERSISTENT,
                                      &statements_[i], nullptr);
    if (rc != SQLITE_OK) {
      return SqliteError(rc, db_, std::string("prepare ") + SqlName(which));
    }
  }
  return Status::Ok();
}

sqlite3_stmt* SqliteConnection::extra_statement(const ExtraSql& sql, int& rc) noexcept {
  for (const auto& [text, stmt] : extra_statements_) {
    if (text == sql.text) return stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v3(db_, sql.text, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return nullptr;
  try {
    extra_statements_.emplace_back(sql.text, stmt);
  } catch (...) {  // out of memory: use it once, uncached
    sqlite3_finalize(stmt);
    rc = SQLITE_NOMEM;
    return nullptr;
  }
  return stmt;
}

// --- StatementRun --------------------------------------------------------------

StatementRun::StatementRun(SqliteConnection& connection, Sql which) noexcept
    : connection_(connection), name_(SqlName(which)), stmt_(connection.statement(which)) {}

StatementRun::StatementRun(SqliteConnection& connection, const ExtraSql& sql) noexcept
    : connection_(connection), name_(sql.name), stmt_(nullptr) {
  int rc = SQLITE_OK;
  stmt_ = connection.extra_statement(sql, rc);
  if (stmt_ == nullptr) bind_rc_ = rc;
}

StatementRun::~StatementRun() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

StatementRun& StatementRun::Bind(int index, std::string_view text) noexcept {
  if (stmt_ == nullptr) return *this;
  // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's buffer may go away.
  // A default string_view has a null data(), which SQLite would bind as NULL, not "".
  const char* bytes = text.data() != nullptr ? text.data() : "";
  const int rc = sqlite3_bind_text64(stmt_, index, bytes, text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

StatementRun& StatementRun::Bind(int index, std::int64_t value) noexcept {
  if (stmt_ == nullptr) return *this;
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> StatementRun::Step() {
  if (bind_rc_ != SQLITE_OK) return Error(bind_rc_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(rc);
}

Status StatementRun::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::int64_t StatementRun::Int(int column) const noexcept {
  return sqlite3_column_int64(stmt_, column);
}

std::string_view StatementRun::Text(int column) const noexcept {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::int64_t StatementRun::changes() const noexcept { return sqlite3_changes64(connection_.db()); }

Status StatementRun::Error(int rc) const { return SqliteError(rc, connection_.db(), name_); }

// --- WriteTransaction ----------------------------------------------------------

Status WriteTransaction::Begin() {
  Status s = StatementRun(connection_, Sql::kBeginImmediate).Run();
  open_ = s.ok();
  return s;
}

Status WriteTransaction::Commit() {
  Status s = StatementRun(connection_, Sql::kCommit).Run();
  // A failed COMMIT may leave the transaction open; the destructor rolls it back.
  open_ = sqlite3_get_autocommit(connection_.db()) == 0;
  return s;
}

WriteTransaction::~WriteTransaction() {
  if (open_ && sqlite3_get_autocommit(connection_.db()) == 0) {
    StatementRun(connection_, Sql::kRollback).Run().IgnoreError();  // nothing better to do
  }
}

}  // namespace sessionkit::internal
