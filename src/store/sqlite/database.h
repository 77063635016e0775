// SqliteDatabase: one SQLite file as every store on it uses it -- one connection pool,
// one writer lock, one clock and one set of options.
//
// The session store (`sessions`), the auth-state store (`refresh_tokens`,
// `login_failures`) and the user store (`users`) keep their tables in the same file.
// OpenSqliteStores opens the file once and gives all three the same SqliteDatabase, so
// the process holds one pool of connections to it (each connection keeps the prepared
// statements of every table it has served: connection.h) and serializes its writes with
// one timed mutex, as SQLite allows one writer per file anyway. A store opened alone
// (OpenSqliteStore, ...) gets a SqliteDatabase of its own, as before.
//
// Open checks the options (InvalidArgument: empty or ":memory:" path, negative
// durations, purge_batch 0; the message starts with the component's name) and opens the
// first connection, which creates the file and the sessions schema or says why it
// cannot (Unavailable). Thread-safe; shared by the stores on it (shared_ptr).
#ifndef SESSIONKIT_STORE_SQLITE_DATABASE_H_
#define SESSIONKIT_STORE_SQLITE_DATABASE_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/sqlite_store.h"
#include "src/store/sqlite/connection_pool.h"

namespace sessionkit::internal {

class SqliteDatabase {
 public:
  // Connections a database shared by every store opens at most.
  static constexpr std::size_t kSharedConnections = 8;

  // `component` prefixes option errors ("sqlite store"). Connections wait for a free
  // slot, like writers for the lock, at most options.busy_timeout.
  static Result<std::shared_ptr<SqliteDatabase>> Open(const SqliteStoreOptions& options,
                                                      std::size_t max_connections,
                                                      std::string_view component);

  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // A connection for one operation (connection_pool.h).
  Result<ConnectionPool::Lease> Acquire() { return pool_.Acquire(); }
  // The file's writer lock in this process, waited for at most busy_timeout
  // (writer_lock.h). Every write of every store on this database takes it.
  Result<std::unique_lock<std::timed_mutex>> LockWriter();

  const SqliteStoreOptions& options() const noexcept { return options_; }
  const Clock& clock() const noexcept { return clock_; }

 private:
  SqliteDatabase(const SqliteStoreOptions& options, std::size_t max_connections);

  const SqliteStoreOptions options_;
  const Clock& clock_;
  ConnectionPool pool_;
  std::timed_mutex writer_;
};

using SqliteDatabasePtr = std::shared_ptr<SqliteDatabase>;

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_DATABASE_H_
