// SqliteStore: the SessionStore of include/sessionkit/sqlite_store.h, on one SQLite file.
//
// Layout: see schema.h (table `sessions`, times as Unix milliseconds, the JSON record kept
// verbatim: EncodeSession on insert, RewriteSessionTimes on touch).
//
// Concurrency. Operations run inline on the caller's thread, each on a connection
// borrowed from the database's ConnectionPool (database.h: up to kMaxConnections when
// the store is opened alone, one pool for every store when they share the file) and returned
// before the callback runs, so a callback may start another operation. Reads run in
// parallel (WAL: readers never wait for the writer). Writes are serialized inside the
// process by the database's timed writer mutex, held for one operation only: SQLite allows one writer
// per file anyway, and waiting on a mutex is fairer and much faster than SQLite's
// busy-handler sleeps. Writers in other processes are waited for by busy_timeout. Both
// waits are bounded by options.busy_timeout; past it an operation fails Unavailable.
// Every write (one statement or several: insert with a per-user cap) runs in one BEGIN
// IMMEDIATE transaction, so the cap holds across processes too.
//
// Expiry. A row is live while now < expires_at (the store clock); every query compares,
// so a dead row is invisible at once. Get of a dead row deletes it and says Expired;
// Delete of a dead row deletes it and says false. Dead rows nobody reads are purged in
// bounded batches (at most purge_batch rows, oldest expiry first) piggybacked on writes,
// at most once per purge_interval (the first write after opening purges at once): no
// background thread, and no write pays for more than one batch. PurgeExpired() runs a
// batch on demand (tools, tests).
//
// Read cache. Get answers from a per-process SessionReadCache (session_read_cache.h)
// while the file's wal-index header (wal_change_watch.h) shows no commit since the entry was
// read other than this store's own: every write here runs in one BEGIN IMMEDIATE
// transaction that records the ids of the rows it changes and reads the header under
// SQLite's write lock and after its COMMIT; when the two readings prove the commit was the
// only one, just those ids are dropped and the other entries stay hits. Any other commit --
// a delete by sessionkit-ctl, another server or the sqlite3 shell, a write by the
// auth-state or user store on the same file -- makes every entry a miss at the next Get.
// options.read_cache_entries bounds it (0 = off); when the wal-index cannot be mapped the
// store runs without it.
//
// Errors: SQLite failures map as in sqlite_error.h (Unavailable for the environment,
// Internal for bugs); messages never contain record contents. A stored record that no
// longer parses is Malformed on Get and skipped by List and Scan (still counted by Count).
// Nothing throws.
#ifndef SESSIONKIT_STORE_SQLITE_SQLITE_STORE_H_
#define SESSIONKIT_STORE_SQLITE_SQLITE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/session_store.h"
#include "sessionkit/sqlite_store.h"
#include "src/store/sqlite/connection_pool.h"
#include "src/store/sqlite/database.h"
#include "src/store/sqlite/session_read_cache.h"
#include "src/store/sqlite/wal_change_watch.h"

namespace sessionkit {

class SqliteStore final : public SessionStore {
 public:
  // Connections the store opens at most when opened alone (its own SqliteDatabase).
  static constexpr std::size_t kMaxConnections = 8;
  // Scan pages hold at most this many sessions, whatever `limit` asks for.
  static constexpr std::size_t kMaxScanLimit = 1000;

  // InvalidArgument for bad options (empty or ":memory:" path, negative durations,
  // purge_batch 0); Unavailable when the file cannot be opened or is not a database.
  static Result<std::shared_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);
  // The store on an open database that other stores may share (OpenSqliteStores).
  static std::shared_ptr<SqliteStore> OnDatabase(internal::SqliteDatabasePtr database);

  void InsertAsync(const Session& s, std::uint32_t max_per_user,
                   ResultCallback<std::vector<std::string>> done) override;
  void GetAsync(std::string_view session_id, ResultCallback<Session> done) override;
  void TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                  StatusCallback done) override;
  void DeleteAsync(std::string_view session_id, ResultCallback<bool> done) override;
  void DeleteAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                             ResultCallback<std::uint64_t> done) override;
  void ListForUserAsync(std::string_view user_id,
                        ResultCallback<std::vector<Session>> done) override;
  void CountAsync(ResultCallback<std::uint64_t> done) override;
  void ScanAsync(std::string_view cursor, std::size_t limit, ResultCallback<ScanPage> done) override;
  void PingAsync(StatusCallback done) override;
  // Dead rows, oldest expiry first, at most min(limit, kMaxScanLimit) per page; the
  // index on user_id goes with each row. A row slid meanwhile is no longer dead, so the
  // DELETE's own condition is the compare. next_cursor is non-empty while pages are full.
  void PurgeDeadAsync(std::string_view cursor, std::size_t limit,
                      ResultCallback<PurgePage> done) override;

  // Deletes up to purge_batch dead rows now, whatever the interval. Returns how many.
  Result<std::uint64_t> PurgeExpired();

  const SqliteStoreOptions& options() const noexcept { return options_; }
  // Entries in the read cache now (tests, benchmarks).
  std::size_t read_cache_size() const { return read_cache_.size(); }
  // Lookups and hits of the read cache so far (tests, benchmarks).
  internal::SessionReadCache::Stats read_cache_stats() const { return read_cache_.stats(); }
  // Runs `hook` in every write between the COMMIT and the "after" reading of the
  // wal-index header (tests: a foreign commit in that window). Set before any operation.
  void SetBetweenCommitAndReadingHookForTest(std::function<void()> hook) {
    between_commit_and_reading_for_test_ = std::move(hook);
  }

 private:
  class CacheAwareWrite;  // one write transaction with the read cache's bookkeeping

  explicit SqliteStore(internal::SqliteDatabasePtr database);

  Result<std::vector<std::string>> RunInsert(const Session& s, std::uint32_t max_per_user);
  Result<Session> RunGet(std::string_view session_id);
  Status RunTouch(const Session& current, TimePoint last_seen, TimePoint expires_at);
  Result<bool> RunDelete(std::string_view session_id);
  Result<std::uint64_t> RunDeleteAllForUser(std::string_view user_id,
                                            std::string_view keep_session_id);
  Result<std::vector<Session>> RunListForUser(std::string_view user_id);
  Result<std::uint64_t> RunCount();
  Result<ScanPage> RunScan(std::string_view cursor, std::size_t limit);
  Status RunPing();

  // The database's writer mutex, waited for at most busy_timeout.
  Result<std::unique_lock<std::timed_mutex>> LockWriter();
  // Both run with the writer mutex held. MaybePurge runs a batch when one is due.
  void MaybePurge(internal::SqliteConnection& connection, std::int64_t now_ms);
  Result<std::uint64_t> PurgeBatch(internal::SqliteConnection& connection, std::int64_t now_ms);
  Result<std::uint64_t> PurgeRows(internal::SqliteConnection& connection, std::int64_t now_ms,
                                  std::size_t rows);

  const internal::SqliteDatabasePtr database_;
  const SqliteStoreOptions& options_;  // database_'s
  const Clock& clock_;                 // database_'s
  // Both null/off when options.read_cache_entries is 0 or the wal-index is not mappable.
  std::unique_ptr<internal::WalChangeWatch> watch_;
  internal::SessionReadCache read_cache_;
  std::int64_t next_purge_ms_;  // guarded by the database's writer lock
  std::function<void()> between_commit_and_reading_for_test_;
};

}  // namespace sessionkit

#endif  // SESSIONKIT_STORE_SQLITE_SQLITE_STORE_H_
