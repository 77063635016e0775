#include "src/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <utility>

#include "src/store/sqlite/connection.h"
#include "src/store/sqlite/guarded.h"
#include "src/store/sqlite/schema.h"

namespace sessionkit {

using internal::ConnectionPool;
using internal::SqliteDatabase;
using internal::Sql;
using internal::SqliteConnection;
using internal::StatementRun;
using internal::UnixMillisCeil;
using internal::UnixMillisFloor;
using internal::WalVersion;
using internal::WriteTransaction;

namespace {

// Guarded(...) for this file's messages.
template <class Op>
auto Guarded(Op&& op) -> decltype(op()) {
  return internal::Guarded("sqlite store", std::forward<Op>(op));
}

// What goes into a row besides the record: read back from the record itself, so that
// the columns always agree with the JSON a reader decodes.
struct RowTimes {
  std::int64_t created_ms;
  std::int64_t expires_ms;
};

Result<RowTimes> TimesOfRecord(std::string_view record, std::string_view id) {
  Result<Session> decoded = DecodeSession(record);
  if (!decoded.ok()) {
    return Status(decoded.status().code(),
                  "sqlite: the record for " + ShortSessionId(id) + " does not decode");
  }
  return RowTimes{UnixMillisFloor(decoded->created_at), UnixMillisCeil(decoded->expires_at)};
}

Status InsertRow(SqliteConnection& connection, const Session& s, std::string_view record,
                 const RowTimes& times, std::int64_t now_ms) {
  StatementRun insert(connection, Sql::kInsert);
  insert.Bind(1, s.id).Bind(2, s.user_id).Bind(3, times.created_ms).Bind(4, times.expires_ms);
  insert.Bind(5, record).Bind(6, now_ms);
  if (Status st = insert.Run(); !st.ok()) return st;
  if (insert.changes() == 0) return Status::Conflict("session id already exists");
  return Status::Ok();
}

// Deletes the user's oldest live sessions (created_at, then id) so that at most
// max_per_user remain counting `new_id`, which is never evicted itself.
Result<std::vector<std::string>> EvictBeyondCap(SqliteConnection& connection,
                                                const Session& s, std::uint32_t max_per_user,
                                                std::int64_t now_ms) {
  std::vector<std::string> others;
  {
    StatementRun list(connection, Sql::kLiveIdsOfUserOldestFirst);
    list.Bind(1, s.user_id).Bind(2, now_ms).Bind(3, s.id);
    for (;;) {
      Result<bool> row = list.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      others.emplace_back(list.Text(0));
    }
  }
  const std::size_t may_keep = max_per_user - 1;
  if (others.size() <= may_keep) return std::vector<std::string>();
  others.resize(others.size() - may_keep);  // the oldest ones
  for (const std::string& id : others) {
    if (Status st = StatementRun(connection, Sql::kDelete).Bind(1, id).Run(); !st.ok()) return st;
  }
  return others;
}

}  // namespace

// One write transaction on `sessions` with the read cache's bookkeeping around it
// (session_read_cache.h, "own commits"): BEGIN IMMEDIATE, then the "before" reading of the
// wal-index header while this connection holds SQLite's write lock; the statements, each
// row they insert, change or delete recorded with Wrote(id); COMMIT, then the "after"
// reading and SessionReadCache::AfterOwnCommit. If the rows recorded are not exactly the
// rows SQLite counts as changed (a statement someone forgot to account for), or the
// transaction is not committed (an error, an early return: rolled back), the cache is
// emptied. Used with the writer mutex held, so own commits reach the cache in order.
class SqliteStore::CacheAwareWrite {
 public:
  CacheAwareWrite(SqliteStore& store, SqliteConnection& connection)
      : store_(store), connection_(connection), transaction_(connection) {}
  CacheAwareWrite(const CacheAwareWrite&) = delete;
  CacheAwareWrite& operator=(const CacheAwareWrite&) = delete;
  ~CacheAwareWrite() {
    if (began_ && !committed_ && store_.watch_ != nullptr) store_.read_cache_.InvalidateAll();
  }

  Status Begin() {
    if (Status st = transaction_.Begin(); !st.ok()) return st;
    began_ = true;
    changes_at_begin_ = sqlite3_total_changes64(connection_.db());
    if (store_.watch_ != nullptr) before_ = store_.watch_->Read();
    return Status::Ok();
  }
  void Wrote(std::string_view id) { written_.emplace_back(id); }

  Status Commit() {
    const std::int64_t changed = sqlite3_total_changes64(connection_.db()) - changes_at_begin_;
    if (Status st = transaction_.Commit(); !st.ok()) return st;  // the destructor empties
    committed_ = true;
    if (store_.watch_ == nullptr) return Status::Ok();
    if (store_.between_commit_and_reading_for_test_) store_.between_commit_and_reading_for_test_();
    const WalVersion after = store_.watch_->Read();
    if (changed != static_cast<std::int64_t>(written_.size())) {
      store_.read_cache_.InvalidateAll();
      return Status::Ok();
    }
    store_.read_cache_.AfterOwnCommit(before_, after, written_);
    return Status::Ok();
  }

 private:
  SqliteStore& store_;
  SqliteConnection& connection_;
  WriteTransaction transaction_;
  bool began_ = false;
  bool committed_ = false;
  std::int64_t changes_at_begin_ = 0;
  WalVersion before_;
  std::vector<std::string> written_;
};

// --- opening -----------------------------------------------------------------------

SqliteStore::SqliteStore(internal::SqliteDatabasePtr database)
    : database_(std::move(database)),
      options_(database_->options()),
      clock_(database_->clock()),
      read_cache_(options_.read_cache_entries),
      next_purge_ms_(std::numeric_limits<std::int64_t>::min()) {
  if (read_cache_.enabled()) {
    Result<std::unique_ptr<internal::WalChangeWatch>> watch =
        internal::WalChangeWatch::Open(options_.path, options_.busy_timeout);
    if (watch.ok()) watch_ = std::move(watch).value();  // else: no cache, reads as before
  }
}

Result<std::shared_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  Result<internal::SqliteDatabasePtr> database =
      internal::SqliteDatabase::Open(options, kMaxConnections, "sqlite store");
  if (!database.ok()) return database.status();
  return Guarded([&]() -> Result<std::shared_ptr<SqliteStore>> {
    return OnDatabase(std::move(database).value());
  });
}

std::shared_ptr<SqliteStore> SqliteStore::OnDatabase(internal::SqliteDatabasePtr database) {
  return std::shared_ptr<SqliteStore>(new SqliteStore(std::move(database)));
}

Result<std::shared_ptr<SessionStore>> OpenSqliteStore(const SqliteStoreOptions& options) {
  Result<std::shared_ptr<SqliteStore>> store = SqliteStore::Open(options);
  if (!store.ok()) return store.status();
  return std::shared_ptr<SessionStore>(std::move(store).value());
}

// --- async entry points: run inline, connection returned before the callback ----------

void SqliteStore::InsertAsync(const Session& s, std::uint32_t max_per_user,
                              ResultCallback<std::vector<std::string>> done) {
  done(Guarded([&] { return RunInsert(s, max_per_user); }));
}

void SqliteStore::GetAsync(std::string_view session_id, ResultCallback<Session> done) {
  done(Guarded([&] { return RunGet(session_id); }));
}

void SqliteStore::TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                             StatusCallback done) {
  done(Guarded([&] { return RunTouch(current, last_seen, expires_at); }));
}

void SqliteStore::DeleteAsync(std::string_view session_id, ResultCallback<bool> done) {
  done(Guarded([&] { return RunDelete(session_id); }));
}

void SqliteStore::DeleteAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                                        ResultCallback<std::uint64_t> done) {
  done(Guarded([&] { return RunDeleteAllForUser(user_id, keep_session_id); }));
}

void SqliteStore::ListForUserAsync(std::string_view user_id,
                                   ResultCallback<std::vector<Session>> done) {
  done(Guarded([&] { return RunListForUser(user_id); }));
}

void SqliteStore::CountAsync(ResultCallback<std::uint64_t> done) {
  done(Guarded([&] { return RunCount(); }));
}

void SqliteStore::ScanAsync(std::string_view cursor, std::size_t limit,
                            ResultCallback<ScanPage> done) {
  done(Guarded([&] { return RunScan(cursor, limit); }));
}

void SqliteStore::PingAsync(StatusCallback done) {
  done(Guarded([&] { return RunPing(); }));
}

// --- operations ----------------------------------------------------------------------

Result<std::vector<std::string>> SqliteStore::RunInsert(const Session& s,
                                                        std::uint32_t max_per_user) {
  const TimePoint now = clock_.Now();
  const std::int64_t now_ms = UnixMillisFloor(now);
  if (!IsWellFormedSessionId(s.id)) return Status::InvalidArgument("malformed session id");
  if (s.user_id.empty()) return Status::InvalidArgument("session has no user_id");
  const std::string record = EncodeSession(s);
  Result<RowTimes> times = TimesOfRecord(record, s.id);
  if (!times.ok()) return Status::Internal(times.status().message());
  if (times->expires_ms <= now_ms || !(now < s.expires_at)) {
    return Status::InvalidArgument("session is already past its expires_at");
  }

  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();

  Result<std::vector<std::string>> evicted = std::vector<std::string>();
  {
    CacheAwareWrite write(*this, **connection);
    if (Status st = write.Begin(); !st.ok()) return st;
    if (Status st = InsertRow(**connection, s, record, *times, now_ms); !st.ok()) return st;
    write.Wrote(s.id);
    if (max_per_user != 0) {
      evicted = EvictBeyondCap(**connection, s, max_per_user, now_ms);
      if (!evicted.ok()) return evicted.status();
      for (const std::string& id : *evicted) write.Wrote(id);
    }
    if (Status st = write.Commit(); !st.ok()) return st;
  }
  MaybePurge(**connection, now_ms);
  return evicted;
}

Result<Session> SqliteStore::RunGet(std::string_view session_id) {
  const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
  // Read before the database: an entry read now is valid only while nothing commits.
  internal::WalVersion version;
  if (watch_ != nullptr) {
    version = watch_->Read();
    Result<Session> cached = Session();
    if (read_cache_.Find(session_id, version, now_ms, *cached)) return cached;
  }
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  {
    StatementRun get(**connection, Sql::kGet);
    get.Bind(1, session_id);
    Result<bool> row = get.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no such session");
    const std::int64_t expires_ms = get.Int(1);
    if (expires_ms > now_ms) {
      Result<Session> session = DecodeSession(get.Text(0));
      if (!session.ok()) {
        return Status::Malformed("sqlite: the stored record for " + ShortSessionId(session_id) +
                                 " is not a valid session");
      }
      // Cached under its key only when the record names the same id (a row edited by
      // hand to say otherwise is answered as before, just never from the cache).
      // Stored only when nothing committed during the read either: then the record is
      // exactly the one at `version`, whatever snapshot SQLite's read used.
      if (watch_ != nullptr && session->id == session_id && watch_->Read() == version) {
        read_cache_.Store(*session, expires_ms, version);
      }
      return session;
    }
  }
  // Dead: delete it. Whoever deletes it reports Expired; a racing reader gets NotFound.
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  bool deleted_here = false;
  {
    CacheAwareWrite write(*this, **connection);
    if (Status st = write.Begin(); !st.ok()) return st;
    StatementRun erase(**connection, Sql::kDeleteIfExpired);
    erase.Bind(1, session_id).Bind(2, now_ms);
    if (Status st = erase.Run(); !st.ok()) return st;
    deleted_here = erase.changes() > 0;
    if (deleted_here) write.Wrote(session_id);
    if (Status st = write.Commit(); !st.ok()) return st;
  }
  MaybePurge(**connection, now_ms);
  if (deleted_here) return Status::Expired("session expired");
  return Status::NotFound("no such session");
}

Status SqliteStore::RunTouch(const Session& current, TimePoint last_seen, TimePoint expires_at) {
  const TimePoint now = clock_.Now();
  const std::int64_t now_ms = UnixMillisFloor(now);
  if (!(now < expires_at)) return Status::InvalidArgument("new expires_at is not in the future");
  Result<std::string> record = Status::Internal("unset");
  if (current.raw.empty()) {  // not read from a store: write the fields as given
    Session fresh = current;
    fresh.last_seen = last_seen;
    fresh.expires_at = expires_at;
    record = EncodeSession(fresh);
  } else {
    record = RewriteSessionTimes(current.raw, last_seen, expires_at);
    if (!record.ok()) {
      return Status(record.status().code(),
                    "sqlite: cannot rewrite the record for " + ShortSessionId(current.id));
    }
  }
  Result<RowTimes> times = TimesOfRecord(*record, current.id);
  if (!times.ok()) return times.status();

  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  bool touched = false;
  {
    CacheAwareWrite write(*this, **connection);
    if (Status st = write.Begin(); !st.ok()) return st;
    StatementRun touch(**connection, Sql::kTouch);
    touch.Bind(1, current.id).Bind(2, *record).Bind(3, times->expires_ms).Bind(4, now_ms);
    if (Status st = touch.Run(); !st.ok()) return st;
    touched = touch.changes() > 0;
    if (touched) write.Wrote(current.id);
    if (Status st = write.Commit(); !st.ok()) return st;
  }
  MaybePurge(**connection, now_ms);
  if (!touched) return Status::NotFound("session was deleted or has expired");
  return Status::Ok();
}

Result<bool> SqliteStore::RunDelete(std::string_view session_id) {
  const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  bool deleted_live = false;
  {
    CacheAwareWrite write(*this, **connection);
    if (Status st = write.Begin(); !st.ok()) return st;
    {
      StatementRun erase(**connection, Sql::kDelete);
      erase.Bind(1, session_id);
      for (;;) {
        Result<bool> row = erase.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        write.Wrote(session_id);
        deleted_live = deleted_live || erase.Int(0) > now_ms;
      }
    }
    if (Status st = write.Commit(); !st.ok()) return st;
  }
  MaybePurge(**connection, now_ms);
  return deleted_live;
}

Result<std::uint64_t> SqliteStore::RunDeleteAllForUser(std::string_view user_id,
                                                       std::string_view keep_session_id) {
  const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  std::uint64_t deleted_live = 0;
  {
    CacheAwareWrite write(*this, **connection);
    if (Status st = write.Begin(); !st.ok()) return st;
    {
      StatementRun erase(**connection, Sql::kDeleteAllForUser);
      erase.Bind(1, user_id).Bind(2, keep_session_id);
      for (;;) {
        Result<bool> row = erase.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        write.Wrote(erase.Text(1));
        if (erase.Int(0) > now_ms) ++deleted_live;
      }
    }
    if (Status st = write.Commit(); !st.ok()) return st;
  }
  MaybePurge(**connection, now_ms);
  return deleted_live;
}

Result<std::vector<Session>> SqliteStore::RunListForUser(std::string_view user_id) {
  const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  StatementRun list(**connection, Sql::kListForUser);
  list.Bind(1, user_id).Bind(2, now_ms);
  std::vector<Session> sessions;
  for (;;) {
    Result<bool> row = list.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Result<Session> session = DecodeSession(list.Text(0));
    if (session.ok()) sessions.push_back(std::move(session).value());
  }
  return sessions;
}

Result<std::uint64_t> SqliteStore::RunCount() {
  const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  StatementRun count(**connection, Sql::kCount);
  count.Bind(1, now_ms);
  Result<bool> row = count.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("sqlite: count returned no row");
  return static_cast<std::uint64_t>(count.Int(0));
}

Result<ScanPage> SqliteStore::RunScan(std::string_view cursor, std::size_t limit) {
  const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
  const std::size_t page_size = std::clamp<std::size_t>(limit, 1, kMaxScanLimit);
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  StatementRun scan(**connection, Sql::kScan);
  scan.Bind(1, cursor).Bind(2, now_ms).Bind(3, static_cast<std::int64_t>(page_size));
  ScanPage page;
  std::size_t rows = 0;
  std::string last_id;
  for (;;) {
    Result<bool> row = scan.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ++rows;
    last_id = scan.Text(0);
    Result<Session> session = DecodeSession(scan.Text(1));
    if (session.ok()) page.sessions.push_back(std::move(session).value());
  }
  // A full page may have more after it; a short one ends the iteration.
  if (rows == page_size) page.next_cursor = std::move(last_id);
  return page;
}

Status SqliteStore::RunPing() {
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  StatementRun version(**connection, Sql::kSchemaVersion);
  Result<bool> row = version.Step();  // reads the database header: touches the file
  if (!row.ok()) return row.status();
  if (!*row || version.Int(0) != internal::kSqliteSchemaVersion) {
    return Status::Unavailable("sqlite: the database's schema version changed underneath");
  }
  return Status::Ok();
}

// --- writer lock and purge -------------------------------------------------------------

Result<std::unique_lock<std::timed_mutex>> SqliteStore::LockWriter() {
  return database_->LockWriter();
}

void SqliteStore::MaybePurge(SqliteConnection& connection, std::int64_t now_ms) {
  if (now_ms < next_purge_ms_) return;
  const std::int64_t interval_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.purge_interval).count();
  next_purge_ms_ = now_ms + interval_ms;
  // Best effort: dead rows are invisible anyway, and the next interval tries again.
  PurgeBatch(connection, now_ms).IgnoreError();
}

Result<std::uint64_t> SqliteStore::PurgeBatch(SqliteConnection& connection, std::int64_t now_ms) {
  return PurgeRows(connection, now_ms, options_.purge_batch);
}

Result<std::uint64_t> SqliteStore::PurgeRows(SqliteConnection& connection, std::int64_t now_ms,
                                             std::size_t rows) {
  const auto batch = static_cast<std::int64_t>(
      std::min<std::size_t>(rows, std::numeric_limits<std::int64_t>::max()));
  CacheAwareWrite write(*this, connection);
  if (Status st = write.Begin(); !st.ok()) return st;
  std::uint64_t deleted = 0;
  {
    StatementRun purge(connection, Sql::kPurgeExpired);
    purge.Bind(1, now_ms).Bind(2, batch);
    for (;;) {
      Result<bool> row = purge.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      write.Wrote(purge.Text(0));
      ++deleted;
    }
  }
  if (Status st = write.Commit(); !st.ok()) return st;
  return deleted;
}

Result<std::uint64_t> SqliteStore::PurgeExpired() {
  return Guarded([&]() -> Result<std::uint64_t> {
    const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    return PurgeBatch(**connection, now_ms);
  });
}

void SqliteStore::PurgeDeadAsync(std::string_view /*cursor*/, std::size_t limit,
                                 ResultCallback<PurgePage> done) {
  done(Guarded([&]() -> Result<PurgePage> {
    const std::size_t rows = std::clamp<std::size_t>(limit, 1, kMaxScanLimit);
    const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    Result<std::uint64_t> deleted = PurgeRows(**connection, now_ms, rows);
    if (!deleted.ok()) return deleted.status();
    PurgePage page;
    page.examined = page.deleted = *deleted;
    if (*deleted == rows) page.next_cursor = "more";
    return page;
  }));
}

}  // namespace sessionkit
