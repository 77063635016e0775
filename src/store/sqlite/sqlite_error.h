// Maps SQLite result codes to sessionkit Status values.
//
// Environment failures -- a busy or locked database past busy_timeout, I/O errors, a file
// that cannot be opened, is not a database, is corrupt, read-only or full -- become
// Unavailable: the store is unusable right now and the caller may retry later. Everything
// else (misuse, SQL errors, constraint violations the store did not expect) is a bug in
// sessionkit and becomes Internal. Messages carry SQLite's own text (which never quotes
// bound values, so never record contents) and the operation that failed.
//
// Thread-safe (pure functions).
#ifndef SESSIONKIT_STORE_SQLITE_SQLITE_ERROR_H_
#define SESSIONKIT_STORE_SQLITE_SQLITE_ERROR_H_

#include <string_view>

#include "sessionkit/status.h"

struct sqlite3;

namespace sessionkit::internal {

// The Code for an SQLite result code (primary or extended). kOk for SQLITE_OK/ROW/DONE.
Code SqliteCode(int rc) noexcept;

// "sqlite: <what>: <message> (sqlite code N)" with the code chosen by SqliteCode. Reads the
// connection's last error message when `db` is given (call it right after the failure,
// on the thread that made the call), else SQLite's generic text for `rc`.
Status SqliteError(int rc, sqlite3* db, std::string_view what);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_SQLITE_ERROR_H_
