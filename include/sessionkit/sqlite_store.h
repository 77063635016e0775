// The embedded session store: one SQLite file (WAL), the default backend.
//
// Sessions live in a `sessions` table indexed by user_id and expires_at; the JSON of
// API.md §2 is kept verbatim so records move between backends unchanged. Expired rows
// are invisible at once (every query compares with the clock) and purged in bounded
// batches. Safe to share between threads; operations complete inline (the callback runs
// before the *Async call returns). Survives process restarts.
#ifndef SESSIONKIT_SQLITE_STORE_H_
#define SESSIONKIT_SQLITE_STORE_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/session_store.h"

namespace sessionkit {

struct SqliteStoreOptions {
  // Path of the database file; created if missing. ":memory:" is not supported (the
  // store opens several connections to one file).
  std::string path = "sessionkit.db";
  // Wait this long for a lock held by another connection/process before Unavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // Expired rows deleted per purge batch (bounded work per purge).
  std::size_t purge_batch = 500;
  // A purge runs at most this often, piggybacked on writes.
  std::chrono::seconds purge_interval{60};
  // nullptr = SystemClock(); not owned.
  const Clock* clock = nullptr;
};

class SqliteStore;

// Opens (creating if needed) the database. Unavailable if the file cannot be opened.
Result<std::shared_ptr<SessionStore>> OpenSqliteStore(const SqliteStoreOptions& options);

// The embedded AuthStateStore (auth_state_store.h): its own tables (refresh_tokens,
// login_failures) in the session store's database file (options.path), so reuse can
// delete the session in the same transaction. Same option checks and errors as
// OpenSqliteStore.
Result<AuthStateStorePtr> OpenSqliteAuthStateStore(const SqliteStoreOptions& options);

}  // namespace sessionkit

#endif  // SESSIONKIT_SQLITE_STORE_H_
