// The embedded backend: one SQLite file (WAL) holding sessions, account-security state
// and users, the default backend.
//
// Sessions live in a `sessions` table indexed by user_id and expires_at; the JSON of
// API.md §2 is kept verbatim so records move between backends unchanged. Expired rows
// are invisible at once (every query compares with the clock) and purged in bounded
// batches. Safe to share between threads; operations complete inline (the callback runs
// before the *Async call returns). Survives process restarts.
//
// The auth-state store (auth_state_store.h) and the user store (user_store.h) keep their
// own tables in the same file. OpenSqliteStores opens all three on one database: one
// pool of connections and one writer lock in this process for the whole file. The
// single factories open a database each (several pools on one file, which SQLite's own
// locking keeps correct); prefer OpenSqliteStores when a process uses more than one.
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
#include "sessionkit/user_store.h"

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
  // Live session records kept in this process between reads (about 1 KiB each), served
  // only while no connection of any process has committed to the file since they were
  // read (docs/performance.md, "embedded store"). 0 = every Get reads the file.
  std::size_t read_cache_entries = 8192;
};

class SqliteStore;

// Opens (creating if needed) the database. Unavailable if the file cannot be opened.
Result<std::shared_ptr<SessionStore>> OpenSqliteStore(const SqliteStoreOptions& options);

// The embedded AuthStateStore (auth_state_store.h): its own tables (refresh_tokens,
// login_failures) in the session store's database file (options.path), so reuse can
// delete the session in the same transaction. Same option checks and errors as
// OpenSqliteStore.
Result<AuthStateStorePtr> OpenSqliteAuthStateStore(const SqliteStoreOptions& options);

// The user store in the `users` table of options.path (created if missing). Same option
// checks and errors as OpenSqliteStore; purge_* are unused (users do not expire).
Result<UserStorePtr> OpenSqliteUserStore(const SqliteStoreOptions& options);

// Every store of the file, sharing one database (see above). All three or an error.
struct SqliteStores {
  std::shared_ptr<SessionStore> sessions;
  std::shared_ptr<AuthStateStore> auth_state;
  UserStorePtr users;
};
Result<SqliteStores> OpenSqliteStores(const SqliteStoreOptions& options);

}  // namespace sessionkit

#endif  // SESSIONKIT_SQLITE_STORE_H_
