// One SQLite connection with its prepared statements, and the helpers to use them.
//
// SqliteConnection::Open configures a connection the way the store needs it: WAL
// journal, synchronous=NORMAL (durable across process crashes; a power cut may lose the
// last commits, never corrupt), busy_timeout, a page cache of at most kPageCacheKib and no
// memory-mapped I/O (the memory bound of docs/performance.md), extended result codes,
// the schema checked or created, then every statement of schema.h prepared once
// (SQLITE_PREPARE_PERSISTENT) for the life of the connection. A StatementRun is one use of such a statement: it binds,
// steps and reads, and resets the statement and clears its bindings when it goes away.
// WriteTransaction wraps BEGIN IMMEDIATE / COMMIT and rolls back if not committed.
// A component that keeps its own tables in the same file (the auth-state store) runs its
// statements through the same StatementRun with an ExtraSql: prepared on first use on each
// connection and kept like the others.
//
// Not thread-safe: a connection (and everything made from it) is used by one thread at
// a time; ConnectionPool hands connections out.
#ifndef SESSIONKIT_STORE_SQLITE_CONNECTION_H_
#define SESSIONKIT_STORE_SQLITE_CONNECTION_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sessionkit/result.h"
#include "sessionkit/status.h"
#include "src/store/sqlite/schema.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sessionkit::internal {

// A statement outside schema.h. Both strings must have static storage (literals): the
// text's address is the per-connection cache key.
struct ExtraSql {
  const char* name;  // for error messages
  const char* text;
};

class SqliteConnection {
 public:
  // Page cache per connection, KiB (SQLite's usual default, made explicit).
  static constexpr int kPageCacheKib = 2048;

  // Unavailable when the file cannot be opened read-write or is not an SQLite database
  // (the message says which and names the path), or when WAL cannot be enabled.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                        std::chrono::milliseconds busy_timeout);

  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection();

  sqlite3* db() const noexcept { return db_; }
  sqlite3_stmt* statement(Sql which) const noexcept {
    return statements_[static_cast<std::size_t>(which)];
  }
  // `sql` prepared on this connection (on first use), or nullptr with `rc` set (the
  // connection's error message says why).
  sqlite3_stmt* extra_statement(const ExtraSql& sql, int& rc) noexcept;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  Status Configure(const std::string& path, std::chrono::milliseconds busy_timeout);
  Status PrepareStatements();

  sqlite3* db_;
  std::array<sqlite3_stmt*, kSqlCount> statements_{};
  std::vector<std::pair<const char*, sqlite3_stmt*>> extra_statements_;  // text -> statement
};

class StatementRun {
 public:
  StatementRun(SqliteConnection& connection, Sql which) noexcept;
  // A prepare error is kept and reported by the next Step / Run, like a bind error.
  StatementRun(SqliteConnection& connection, const ExtraSql& sql) noexcept;
  StatementRun(const StatementRun&) = delete;
  StatementRun& operator=(const StatementRun&) = delete;
  ~StatementRun();

  // Bind errors are kept and reported by the next Step / Run.
  StatementRun& Bind(int index, std::string_view text) noexcept;
  StatementRun& Bind(int index, std::int64_t value) noexcept;

  // true: a row is ready to read; false: the statement is done.
  Result<bool> Step();
  // Steps until done, ignoring rows (statements run for their effect).
  Status Run();

  std::int64_t Int(int column) const noexcept;
  std::string_view Text(int column) const noexcept;
  // Rows changed by this statement (valid once it is done).
  std::int64_t changes() const noexcept;

 private:
  Status Error(int rc) const;

  SqliteConnection& connection_;
  const char* name_;
  sqlite3_stmt* stmt_;  // nullptr only when an ExtraSql failed to prepare
  int bind_rc_ = 0;  // SQLITE_OK
};

class WriteTransaction {
 public:
  explicit WriteTransaction(SqliteConnection& connection) noexcept : connection_(connection) {}
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction();

  // BEGIN IMMEDIATE: takes the write lock now (waiting up to busy_timeout), so the
  // transaction never fails later on a lock upgrade.
  Status Begin();
  Status Commit();

 private:
  SqliteConnection& connection_;
  bool open_ = false;
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_CONNECTION_H_
