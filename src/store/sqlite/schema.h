// The SQLite store's on-disk layout and every statement it runs.
//
// Schema version 1 (PRAGMA user_version = 1):
//   sessions(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
//            expires_at INTEGER NOT NULL, record TEXT NOT NULL)
//   index sessions_by_user(user_id, created_at)   -- list, delete-all, per-user cap
//   index sessions_by_expiry(expires_at)          -- count, purge
// `record` is the session's JSON (API.md §2) kept verbatim. `created_at` and `expires_at`
// are Unix milliseconds copied from the record (created_at rounded down, expires_at
// rounded up to the next millisecond) so SQL can filter and order without parsing JSON.
// `user_id` is the record's user_id as text (a numeric id 42 is "42").
// A row is live while expires_at > now (Unix ms, rounded down).
//
// EnsureSchema creates the schema in an empty file and accepts an existing one of this
// version; a newer version (a later sessionkit wrote the file) is Unavailable rather than
// a guess. Thread-safe (no shared state).
#ifndef SESSIONKIT_STORE_SQLITE_SCHEMA_H_
#define SESSIONKIT_STORE_SQLITE_SCHEMA_H_

#include <cstddef>
#include <cstdint>

#include "sessionkit/clock.h"
#include "sessionkit/status.h"
#include "src/util/unix_millis.h"

struct sqlite3;

namespace sessionkit::internal {

inline constexpr int kSqliteSchemaVersion = 1;

// The statements a connection prepares once and reuses. Parameters are listed with each
// statement's text in schema.cc.
enum class Sql : int {
  kBeginImmediate,
  kCommit,
  kRollback,
  kInsert,                    // ?1 id ?2 user_id ?3 created_at ?4 expires_at ?5 record ?6 now
  kLiveIdsOfUserOldestFirst,  // ?1 user_id ?2 now ?3 id to leave out
  kDelete,                    // ?1 id; RETURNING expires_at
  kGet,                       // ?1 id -> record, expires_at
  kDeleteIfExpired,           // ?1 id ?2 now
  kTouch,                     // ?1 id ?2 record ?3 expires_at ?4 now
  kDeleteAllForUser,          // ?1 user_id ?2 id to keep; RETURNING expires_at, id
  kListForUser,               // ?1 user_id ?2 now -> record
  kCount,                     // ?1 now -> count
  kScan,                      // ?1 after id ?2 now ?3 limit -> id, record
  kPurgeExpired,              // ?1 now ?2 limit; RETURNING id
  kSchemaVersion,             // -> user_version
};
inline constexpr std::size_t kSqlCount = static_cast<std::size_t>(Sql::kSchemaVersion) + 1;

const char* SqlText(Sql which) noexcept;
// A short name for error messages ("insert", "touch", ...).
const char* SqlName(Sql which) noexcept;

// Creates the schema when the database has none (user_version 0), checks the version
// otherwise. Runs in one BEGIN IMMEDIATE transaction, so concurrent openers agree.
Status EnsureSchema(sqlite3* db);

// Column time unit: Unix milliseconds (UnixMillisFloor/Ceil of src/util/unix_millis.h).

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_SCHEMA_H_
