// RawSqlite: a plain SQLite connection to a store's file, for tests that look at or
// change the database behind the store's back (as another process or tool would).
//
// Every method returns a Status / Result and never aborts, so tests can ASSERT on it.
// Not thread-safe: one connection, one thread.
#ifndef SESSIONKIT_TESTING_RAW_SQLITE_H_
#define SESSIONKIT_TESTING_RAW_SQLITE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "sessionkit/result.h"
#include "sessionkit/status.h"

struct sqlite3;

namespace sessionkit::testing {

class RawSqlite {
 public:
  // Opens an existing file read-write (never creates one). busy_timeout 5 s.
  static Result<std::unique_ptr<RawSqlite>> Open(const std::string& path);
  ~RawSqlite();
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  // Runs one or more statements, discarding rows.
  Status Exec(const std::string& sql);
  // The first column of the first row of `sql` (NotFound when there is no row).
  Result<std::int64_t> QueryInt(const std::string& sql);
  Result<std::string> QueryText(const std::string& sql);

  // Writes one `sessions` row with the given column values, bypassing the store.
  Status InsertSessionRow(const std::string& id, const std::string& user_id,
                          std::int64_t created_at_ms, std::int64_t expires_at_ms,
                          const std::string& record);

 private:
  explicit RawSqlite(sqlite3* db) : db_(db) {}
  Status Error(const std::string& what) const;
  sqlite3* db_;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTING_RAW_SQLITE_H_
