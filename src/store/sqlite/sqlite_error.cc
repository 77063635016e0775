#include "src/store/sqlite/sqlite_error.h"

#include <sqlite3.h>

#include <string>

namespace sessionkit::internal {

Code SqliteCode(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Code::kOk;
    // The environment: another process holds the lock, the disk or file is unusable.
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
    case SQLITE_NOLFS:
    case SQLITE_AUTH:
    case SQLITE_INTERRUPT:
    case SQLITE_ABORT:
    case SQLITE_SCHEMA:
      return Code::kUnavailable;
    // sessionkit used SQLite wrongly: SQL errors, misuse, bad bindings, constraints.
    default:
      return Code::kInternal;
  }
}

Status SqliteError(int rc, sqlite3* db, std::string_view what) {
  std::string message = "sqlite: ";
  message += what;
  message += ": ";
  const char* text = db != nullptr ? sqlite3_errmsg(db) : nullptr;
  message += text != nullptr ? text : sqlite3_errstr(rc);
  message += " (sqlite code ";
  message += std::to_string(rc);
  message += ")";
  const Code code = SqliteCode(rc);
  return Status(code == Code::kOk ? Code::kInternal : code, std::move(message));
}

}  // namespace sessionkit::internal
