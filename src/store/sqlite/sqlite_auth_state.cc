#include "src/store/sqlite/sqlite_auth_state.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <limits>
#include <optional>
#include <utility>

#include "src/core/auth_state_rules.h"
#include "src/store/sqlite/connection.h"
#include "src/store/sqlite/guarded.h"
#include "src/store/sqlite/schema.h"
#include "src/store/sqlite/sqlite_error.h"
#include "src/util/unix_millis.h"

namespace sessionkit {

using internal::ConnectionPool;
using internal::ExtraSql;
using internal::FromUnixMillis;
using internal::UnixMillisCeil;
using internal::UnixMillisFloor;
using internal::Sql;
using internal::SqliteConnection;
using internal::StatementRun;
using internal::WriteTransaction;

namespace {

constexpr const char* kCreateTables =
    "CREATE TABLE IF NOT EXISTS refresh_tokens ("
    " token_hash TEXT PRIMARY KEY NOT NULL,"
    " session_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " issued_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " rotated_at INTEGER,"
    " successor_hash TEXT);"
    "CREATE INDEX IF NOT EXISTS refresh_tokens_by_session ON refresh_tokens(session_id);"
    "CREATE INDEX IF NOT EXISTS refresh_tokens_by_expiry ON refresh_tokens(expires_at);"
    "CREATE TABLE IF NOT EXISTS login_failures ("
    " key TEXT NOT NULL,"
    " at_ms INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS login_failures_by_key ON login_failures(key, at_ms);"
    "CREATE INDEX IF NOT EXISTS login_failures_by_expiry ON login_failures(expires_at);"
    "CREATE TABLE IF NOT EXISTS mfa_tokens ("
    " token_hash TEXT PRIMARY KEY NOT NULL,"
    " user_id TEXT NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " failures INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS mfa_tokens_by_expiry ON mfa_tokens(expires_at);";

// A dead row with the same hash is replaced (it is invisible anyway); a live one is left
// alone and changes() == 0 tells the caller: Conflict.
constexpr ExtraSql kInsertToken = {
    "insert refresh token",
    "INSERT INTO refresh_tokens(token_hash, session_id, user_id, issued_at, expires_at) "
    "VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(token_hash) DO UPDATE SET session_id = excluded.session_id, "
    "user_id = excluded.user_id, issued_at = excluded.issued_at, "
    "expires_at = excluded.expires_at, rotated_at = NULL, successor_hash = NULL "
    "WHERE refresh_tokens.expires_at <= ?6"};
constexpr ExtraSql kGetToken = {
    "get refresh token",
    "SELECT session_id, user_id, issued_at, expires_at, rotated_at IS NOT NULL, "
    "coalesce(rotated_at, 0), coalesce(successor_hash, '') "
    "FROM refresh_tokens WHERE token_hash = ?1"};
constexpr ExtraSql kSpendToken = {
    "spend refresh token",
    "UPDATE refresh_tokens SET rotated_at = ?2, successor_hash = ?3 "
    "WHERE token_hash = ?1 AND rotated_at IS NULL"};
constexpr ExtraSql kDeleteFamily = {
    "delete refresh tokens of session",
    "DELETE FROM refresh_tokens WHERE session_id = ?1 RETURNING expires_at"};
constexpr ExtraSql kPurgeTokens = {
    "purge refresh tokens",
    "DELETE FROM refresh_tokens WHERE rowid IN (SELECT rowid FROM refresh_tokens "
    "WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"};
constexpr ExtraSql kTrimFailures = {
    "trim login failures", "DELETE FROM login_failures WHERE key = ?1 AND at_ms <= ?2"};
constexpr ExtraSql kAddFailure = {
    "add login failure", "INSERT INTO login_failures(key, at_ms, expires_at) VALUES(?1, ?2, ?3)"};
constexpr ExtraSql kFailureWindow = {
    "count login failures",
    "SELECT count(*), coalesce(min(at_ms), 0) FROM login_failures WHERE key = ?1 AND at_ms > ?2"};
constexpr ExtraSql kResetFailures = {
    "reset login failures", "DELETE FROM login_failures WHERE key = ?1"};
// One failure of the reservation at ?2 (any row of that key at that ms counts the same).
constexpr ExtraSql kReleaseFailure = {
    "release login attempt",
    "DELETE FROM login_failures WHERE rowid = (SELECT rowid FROM login_failures "
    "WHERE key = ?1 AND at_ms = ?2 LIMIT 1)"};
constexpr ExtraSql kPurgeFailures = {
    "purge login failures",
    "DELETE FROM login_failures WHERE rowid IN (SELECT rowid FROM login_failures "
    "WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"};

// A dead row with the same hash is replaced; a live one is left alone (changes() == 0).
constexpr ExtraSql kPutMfaToken = {
    "store mfa token",
    "INSERT INTO mfa_tokens(token_hash, user_id, expires_at, failures) VALUES(?1, ?2, ?3, 0) "
    "ON CONFLICT(token_hash) DO UPDATE SET user_id = excluded.user_id, "
    "expires_at = excluded.expires_at, failures = 0 WHERE mfa_tokens.expires_at <= ?4"};
constexpr ExtraSql kGetMfaToken = {
    "get mfa token",
    "SELECT user_id, expires_at, failures FROM mfa_tokens WHERE token_hash = ?1 AND expires_at > ?2"};
constexpr ExtraSql kCountMfaFailure = {
    "count mfa failure",
    "UPDATE mfa_tokens SET failures = failures + 1 WHERE token_hash = ?1 AND expires_at > ?2 "
    "RETURNING failures"};
constexpr ExtraSql kKillMfaToken = {
    "kill mfa token", "DELETE FROM mfa_tokens WHERE token_hash = ?1 AND failures >= ?2"};
constexpr ExtraSql kTakeMfaToken = {
    "take mfa token",
    "DELETE FROM mfa_tokens WHERE token_hash = ?1 AND expires_at > ?2 "
    "RETURNING user_id, expires_at, failures"};
constexpr ExtraSql kPurgeMfaTokens = {
    "purge mfa tokens",
    "DELETE FROM mfa_tokens WHERE rowid IN (SELECT rowid FROM mfa_tokens "
    "WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"};

// Guarded(...) for this file's messages.
template <class Op>
auto Guarded(Op&& op) -> decltype(op()) {
  return internal::Guarded("sqlite auth state", std::forward<Op>(op));
}

struct StoredToken {
  std::string session_id;
  std::string user_id;
  std::int64_t issued_ms = 0;
  std::int64_t expires_ms = 0;
  bool spent = false;
  std::int64_t rotated_ms = 0;
  std::string successor_hash;
};

// The row, or nullopt when there is none (dead rows included: the caller judges).
Result<std::optional<StoredToken>> ReadToken(SqliteConnection& connection,
                                             std::string_view token_hash) {
  StatementRun get(connection, kGetToken);
  get.Bind(1, token_hash);
  Result<bool> row = get.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<StoredToken>();
  StoredToken t;
  t.session_id = get.Text(0);
  t.user_id = get.Text(1);
  t.issued_ms = get.Int(2);
  t.expires_ms = get.Int(3);
  t.spent = get.Int(4) != 0;
  t.rotated_ms = get.Int(5);
  t.successor_hash = get.Text(6);
  return std::optional<StoredToken>(std::move(t));
}

Status InsertToken(SqliteConnection& connection, std::string_view token_hash,
                   std::string_view session_id, std::string_view user_id, std::int64_t issued_ms,
                   std::int64_t expires_ms, std::int64_t now_ms) {
  StatementRun insert(connection, kInsertToken);
  insert.Bind(1, token_hash).Bind(2, session_id).Bind(3, user_id).Bind(4, issued_ms);
  insert.Bind(5, expires_ms).Bind(6, now_ms);
  if (Status st = insert.Run(); !st.ok()) return st;
  if (insert.changes() == 0) return Status::Conflict("a live refresh token has this hash");
  return Status::Ok();
}

// Deletes the session's tokens; returns how many were live at now_ms.
Result<std::uint64_t> DeleteFamily(SqliteConnection& connection, std::string_view session_id,
                                   std::int64_t now_ms) {
  StatementRun erase(connection, kDeleteFamily);
  erase.Bind(1, session_id);
  std::uint64_t live = 0;
  for (;;) {
    Result<bool> row = erase.Step();
    if (!row.ok()) return row.status();
    if (!*row) return live;
    if (erase.Int(0) > now_ms) ++live;
  }
}

// A grace replay: from out.successor_hash (created at out.rotated_at), follows the chain
// while the token is spent, up to kMaxReplayGenerations. true with `out` naming the first
// active live token; false when a link is gone or dead, or the chain is too long.
Result<bool> NewestLiveDescendant(SqliteConnection& connection, std::int64_t now_ms,
                                  RefreshRotation& out) {
  for (out.generations = 1;; ++out.generations) {
    Result<std::optional<StoredToken>> next = ReadToken(connection, out.successor_hash);
    if (!next.ok()) return next.status();
    if (!next->has_value() || (*next)->expires_ms <= now_ms) return false;
    if (!(*next)->spent) return true;
    if (out.generations >= kMaxReplayGenerations) return false;
    out.rotated_at = FromUnixMillis((*next)->rotated_ms);
    out.successor_hash = std::move((*next)->successor_hash);
  }
}

Result<FailureWindow> ReadWindow(SqliteConnection& connection, std::string_view key,
                                 std::int64_t cutoff_ms) {
  StatementRun window(connection, kFailureWindow);
  window.Bind(1, key).Bind(2, cutoff_ms);
  Result<bool> row = window.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("sqlite: count of login failures returned no row");
  FailureWindow out;
  out.count = static_cast<std::uint64_t>(window.Int(0));
  if (out.count > 0) out.oldest = FromUnixMillis(window.Int(1));
  return out;
}

}  // namespace

// --- opening -----------------------------------------------------------------------

SqliteAuthStateStore::SqliteAuthStateStore(internal::SqliteDatabasePtr database)
    : database_(std::move(database)),
      options_(database_->options()),
      clock_(database_->clock()),
      next_purge_ms_(std::numeric_limits<std::int64_t>::min()) {}

Result<std::shared_ptr<SqliteAuthStateStore>> SqliteAuthStateStore::Open(
    const SqliteStoreOptions& options) {
  Result<internal::SqliteDatabasePtr> database =
      internal::SqliteDatabase::Open(options, kMaxConnections, "sqlite auth state");
  if (!database.ok()) return database.status();
  return OnDatabase(std::move(database).value());
}

Result<std::shared_ptr<SqliteAuthStateStore>> SqliteAuthStateStore::OnDatabase(
    internal::SqliteDatabasePtr database) {
  return Guarded([&]() -> Result<std::shared_ptr<SqliteAuthStateStore>> {
    std::shared_ptr<SqliteAuthStateStore> store(new SqliteAuthStateStore(std::move(database)));
    if (Status st = store->CreateTables(); !st.ok()) return st;
    return store;
  });
}

Status SqliteAuthStateStore::CreateTables() {
  // The first connection also creates the file and the sessions schema (connection.h).
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  WriteTransaction transaction(**connection);
  if (Status st = transaction.Begin(); !st.ok()) return st;
  const int rc = sqlite3_exec((*connection)->db(), kCreateTables, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return internal::SqliteError(rc, (*connection)->db(), "create auth tables");
  if (Status st = CreateEmailTables(**connection); !st.ok()) return st;
  return transaction.Commit();
}

Result<AuthStateStorePtr> OpenSqliteAuthStateStore(const SqliteStoreOptions& options) {
  Result<std::shared_ptr<SqliteAuthStateStore>> store = SqliteAuthStateStore::Open(options);
  if (!store.ok()) return store.status();
  return AuthStateStorePtr(std::move(store).value());
}

// --- async entry points: run inline, connection returned before the callback ----------

void SqliteAuthStateStore::IssueRefreshAsync(const RefreshRecord& record, StatusCallback done) {
  done(Guarded([&] { return RunIssue(record); }));
}

void SqliteAuthStateStore::GetRefreshAsync(std::string_view token_hash,
                                           ResultCallback<RefreshRecord> done) {
  done(Guarded([&] { return RunGet(token_hash); }));
}

void SqliteAuthStateStore::RotateRefreshAsync(const RotateRequest& request,
                                              ResultCallback<RefreshRotation> done) {
  done(Guarded([&] { return RunRotate(request); }));
}

void SqliteAuthStateStore::RevokeRefreshForSessionAsync(std::string_view session_id,
                                                        ResultCallback<std::uint64_t> done) {
  done(Guarded([&] { return RunRevoke(session_id); }));
}

void SqliteAuthStateStore::RecordFailureAsync(std::string_view key, TimePoint now,
                                              std::chrono::milliseconds window,
                                              ResultCallback<FailureWindow> done) {
  done(Guarded([&] { return RunRecordFailure(key, now, window); }));
}

void SqliteAuthStateStore::PeekFailuresAsync(std::string_view key, TimePoint now,
                                             std::chrono::milliseconds window,
                                             ResultCallback<FailureWindow> done) {
  done(Guarded([&] { return RunPeekFailures(key, now, window); }));
}

void SqliteAuthStateStore::ResetFailuresAsync(std::string_view key, StatusCallback done) {
  done(Guarded([&] { return RunResetFailures(key); }));
}

void SqliteAuthStateStore::ReserveAttemptAsync(const std::vector<AttemptKey>& keys, TimePoint now,
                                               std::chrono::milliseconds window,
                                               ResultCallback<AttemptReservation> done) {
  done(Guarded([&] { return RunReserveAttempt(keys, now, window); }));
}

void SqliteAuthStateStore::ReleaseAttemptAsync(std::string_view key, std::string_view ticket,
                                               StatusCallback done) {
  done(Guarded([&] { return RunReleaseAttempt(key, ticket); }));
}

// --- refresh tokens -------------------------------------------------------------------

Status SqliteAuthStateStore::RunIssue(const RefreshRecord& record) {
  const TimePoint now = clock_.Now();
  if (Status st = internal::CheckIssue(record, now); !st.ok()) return st;
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  const std::int64_t now_ms = UnixMillisFloor(now);
  if (Status st = InsertToken(**connection, record.token_hash, record.session_id, record.user_id,
                              UnixMillisFloor(record.issued_at), UnixMillisCeil(record.expires_at), now_ms);
      !st.ok()) {
    return st;
  }
  MaybePurge(**connection);
  return Status::Ok();
}

Result<RefreshRecord> SqliteAuthStateStore::RunGet(std::string_view token_hash) {
  if (!internal::IsTokenHash(token_hash)) {
    return Status::InvalidArgument("token_hash is not 64 lowercase hex");
  }
  const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::optional<StoredToken>> token = ReadToken(**connection, token_hash);
  if (!token.ok()) return token.status();
  if (!token->has_value() || (*token)->expires_ms <= now_ms) {
    return Status::NotFound("no such refresh token");
  }
  StoredToken& t = **token;
  RefreshRecord out;
  out.token_hash = token_hash;
  out.session_id = std::move(t.session_id);
  out.user_id = std::move(t.user_id);
  out.issued_at = FromUnixMillis(t.issued_ms);
  out.expires_at = FromUnixMillis(t.expires_ms);
  if (t.spent) {
    out.state = RefreshState::kSpent;
    out.rotated_at = FromUnixMillis(t.rotated_ms);
    out.successor_hash = std::move(t.successor_hash);
  }
  return out;
}

Result<RefreshRotation> SqliteAuthStateStore::RunRotate(const RotateRequest& request) {
  if (Status st = internal::CheckRotate(request); !st.ok()) return st;
  const std::int64_t now_ms = UnixMillisFloor(request.now);
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();

  RefreshRotation out;
  {
    // Read, decide and write under SQLite's write lock: a racing process waits here.
    WriteTransaction transaction(**connection);
    if (Status st = transaction.Begin(); !st.ok()) return st;
    Result<std::optional<StoredToken>> token = ReadToken(**connection, request.presented_hash);
    if (!token.ok()) return token.status();
    if (!token->has_value() || (*token)->expires_ms <= now_ms) {
      return Status::NotFound("no such refresh token");
    }
    StoredToken& t = **token;
    out.session_id = t.session_id;
    out.user_id = t.user_id;
    if (!t.spent) {
      if (Status st = InsertToken(**connection, request.successor_hash, t.session_id, t.user_id,
                                  now_ms, UnixMillisCeil(request.successor_expires_at), now_ms);
          !st.ok()) {
        return st;
      }
      StatementRun spend(**connection, kSpendToken);
      spend.Bind(1, request.presented_hash).Bind(2, now_ms).Bind(3, request.successor_hash);
      if (Status st = spend.Run(); !st.ok()) return st;
      if (spend.changes() != 1) return Status::Internal("sqlite: refresh token changed under the write lock");
      out.outcome = RotateOutcome::kRotated;
      out.rotated_at = FromUnixMillis(now_ms);
      out.successor_hash = request.successor_hash;
    } else {
      out.rotated_at = FromUnixMillis(t.rotated_ms);
      out.successor_hash = std::move(t.successor_hash);
      if (now_ms - t.rotated_ms <= request.grace.count()) {
        out.outcome = RotateOutcome::kGraceReplay;
        Result<bool> found = NewestLiveDescendant(**connection, now_ms, out);
        if (!found.ok()) return found.status();
        if (!*found) {
          out.successor_hash.clear();
          out.generations = 0;
          out.rotated_at = FromUnixMillis(t.rotated_ms);
        }
      } else {
        // Reuse: the session and its whole token family die in this transaction.
        out.outcome = RotateOutcome::kReused;
        if (Status st = StatementRun(**connection, Sql::kDelete).Bind(1, t.session_id).Run(); !st.ok()) {
          return st;
        }
        Result<std::uint64_t> family = DeleteFamily(**connection, t.session_id, now_ms);
        if (!family.ok()) return family.status();
      }
    }
    if (Status st = transaction.Commit(); !st.ok()) return st;
  }
  MaybePurge(**connection);
  return out;
}

Result<std::uint64_t> SqliteAuthStateStore::RunRevoke(std::string_view session_id) {
  const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  Result<std::uint64_t> live = DeleteFamily(**connection, session_id, now_ms);
  if (!live.ok()) return live.status();
  MaybePurge(**connection);
  return live;
}

// --- login failures -------------------------------------------------------------------

Result<FailureWindow> SqliteAuthStateStore::RunRecordFailure(std::string_view key, TimePoint now,
                                                             std::chrono::milliseconds window) {
  if (Status st = internal::CheckFailureWindow(key, window); !st.ok()) return st;
  const std::int64_t now_ms = UnixMillisFloor(now);
  const std::int64_t cutoff_ms = now_ms - window.count();
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  Result<FailureWindow> out = FailureWindow{};
  {
    WriteTransaction transaction(**connection);
    if (Status st = transaction.Begin(); !st.ok()) return st;
    if (Status st = StatementRun(**connection, kTrimFailures).Bind(1, key).Bind(2, cutoff_ms).Run();
        !st.ok()) {
      return st;
    }
    StatementRun add(**connection, kAddFailure);
    add.Bind(1, key).Bind(2, now_ms).Bind(3, now_ms + window.count());
    if (Status st = add.Run(); !st.ok()) return st;
    out = ReadWindow(**connection, key, cutoff_ms);
    if (!out.ok()) return out.status();
    if (Status st = transaction.Commit(); !st.ok()) return st;
  }
  MaybePurge(**connection);
  return out;
}

Result<FailureWindow> SqliteAuthStateStore::RunPeekFailures(std::string_view key, TimePoint now,
                                                            std::chrono::milliseconds window) {
  if (Status st = internal::CheckFailureWindow(key, window); !st.ok()) return st;
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  return ReadWindow(**connection, key, UnixMillisFloor(now) - window.count());
}

Status SqliteAuthStateStore::RunResetFailures(std::string_view key) {
  if (Status st = internal::CheckFailureKey(key); !st.ok()) return st;
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  if (Status st = StatementRun(**connection, kResetFailures).Bind(1, key).Run(); !st.ok()) return st;
  MaybePurge(**connection);
  return Status::Ok();
}

// Every key is trimmed and counted, then written only if all are under their limits, in
// one BEGIN IMMEDIATE transaction: racing reservations (threads or processes) serialize.
Result<AttemptReservation> SqliteAuthStateStore::RunReserveAttempt(
    const std::vector<AttemptKey>& keys, TimePoint now, std::chrono::milliseconds window) {
  if (Status st = internal::CheckAttemptKeys(keys, window); !st.ok()) return st;
  const std::int64_t now_ms = UnixMillisFloor(now);
  const std::int64_t cutoff_ms = now_ms - window.count();
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  AttemptReservation out;
  {
    WriteTransaction transaction(**connection);
    if (Status st = transaction.Begin(); !st.ok()) return st;
    out.granted = true;
    for (const AttemptKey& k : keys) {
      if (Status st = StatementRun(**connection, kTrimFailures).Bind(1, k.key).Bind(2, cutoff_ms).Run();
          !st.ok()) {
        return st;
      }
      Result<FailureWindow> w = ReadWindow(**connection, k.key, cutoff_ms);
      if (!w.ok()) return w.status();
      if (w->count >= k.limit) out.granted = false;
      out.windows.push_back(*w);
    }
    if (out.granted) {
      for (std::size_t i = 0; i < keys.size(); ++i) {
        StatementRun add(**connection, kAddFailure);
        add.Bind(1, keys[i].key).Bind(2, now_ms).Bind(3, now_ms + window.count());
        if (Status st = add.Run(); !st.ok()) return st;
        Result<FailureWindow> w = ReadWindow(**connection, keys[i].key, cutoff_ms);
        if (!w.ok()) return w.status();
        out.windows[i] = *w;
      }
      out.ticket = std::to_string(now_ms);
    }
    if (Status st = transaction.Commit(); !st.ok()) return st;
  }
  MaybePurge(**connection);
  return out;
}

Status SqliteAuthStateStore::RunReleaseAttempt(std::string_view key, std::string_view ticket) {
  if (Status st = internal::CheckFailureKey(key); !st.ok()) return st;
  // A ticket is the reservation's time in Unix ms.
  std::int64_t at_ms = 0;
  const auto [end, ec] = std::from_chars(ticket.data(), ticket.data() + ticket.size(), at_ms);
  if (ticket.empty() || ec != std::errc() || end != ticket.data() + ticket.size()) {
    return Status::InvalidArgument("not a reservation ticket");
  }
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  return StatementRun(**connection, kReleaseFailure).Bind(1, key).Bind(2, at_ms).Run();
}

// --- writer lock and purge -------------------------------------------------------------

Result<std::unique_lock<std::timed_mutex>> SqliteAuthStateStore::LockWriter() {
  return database_->LockWriter();
}

void SqliteAuthStateStore::MaybePurge(SqliteConnection& connection) {
  const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
  if (now_ms < next_purge_ms_) return;
  const std::int64_t interval_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.purge_interval).count();
  next_purge_ms_ = now_ms + interval_ms;
  // Best effort: dead rows are invisible anyway, and the next interval tries again.
  PurgeBatch(connection, now_ms).IgnoreError();
}

Result<std::uint64_t> SqliteAuthStateStore::PurgeBatch(SqliteConnection& connection,
                                                       std::int64_t now_ms) {
  const auto batch = static_cast<std::int64_t>(
      std::min<std::size_t>(options_.purge_batch, std::numeric_limits<std::int64_t>::max()));
  std::uint64_t purged = 0;
  for (const ExtraSql* sql : {&kPurgeTokens, &kPurgeFailures, &kPurgeMfaTokens}) {
    StatementRun purge(connection, *sql);
    purge.Bind(1, now_ms).Bind(2, batch);
    if (Status st = purge.Run(); !st.ok()) return st;
    purged += static_cast<std::uint64_t>(purge.changes());
  }
  return purged;
}

Result<std::uint64_t> SqliteAuthStateStore::PurgeExpired() {
  return Guarded([&]() -> Result<std::uint64_t> {
    const std::int64_t now_ms = UnixMillisFloor(clock_.Now());
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    return PurgeBatch(**connection, now_ms);
  });
}

// --- pending second factor ----------------------------------------------------------

void SqliteAuthStateStore::PutMfaTokenAsync(const MfaTokenRecord& record, TimePoint now,
                                            StatusCallback done) {
  done(Guarded([&]() -> Status {
    if (Status st = internal::CheckMfaPut(record, now); !st.ok()) return st;
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    StatementRun put(**connection, kPutMfaToken);
    put.Bind(1, record.token_hash).Bind(2, record.user_id);
    put.Bind(3, internal::UnixMillisCeil(record.expires_at)).Bind(4, UnixMillisFloor(now));
    if (Status st = put.Run(); !st.ok()) return st;
    const bool stored = put.changes() > 0;
    MaybePurge(**connection);
    if (!stored) return Status::Conflict("a live mfa token has this hash");
    return Status::Ok();
  }));
}

namespace {

// Reads the (user_id, expires_at, failures) row a statement returned.
MfaTokenRecord MfaFromRow(std::string_view token_hash, const StatementRun& row) {
  MfaTokenRecord out;
  out.token_hash = token_hash;
  out.user_id = row.Text(0);
  out.expires_at = internal::FromUnixMillis(row.Int(1));
  out.failures = static_cast<std::uint32_t>(row.Int(2));
  return out;
}

}  // namespace

void SqliteAuthStateStore::GetMfaTokenAsync(std::string_view token_hash, TimePoint now,
                                            ResultCallback<MfaTokenRecord> done) {
  done(Guarded([&]() -> Result<MfaTokenRecord> {
    if (!internal::IsTokenHash(token_hash)) return Status::InvalidArgument("not a token hash");
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    StatementRun get(**connection, kGetMfaToken);
    get.Bind(1, token_hash).Bind(2, UnixMillisFloor(now));
    Result<bool> row = get.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no such mfa token");
    return MfaFromRow(token_hash, get);
  }));
}

// The count and the kill run in one BEGIN IMMEDIATE transaction: a token dies at exactly
// the failure that reaches the limit, whichever process counted it.
void SqliteAuthStateStore::CountMfaFailureAsync(std::string_view token_hash, TimePoint now,
                                                std::uint32_t max_failures,
                                                ResultCallback<std::uint32_t> done) {
  done(Guarded([&]() -> Result<std::uint32_t> {
    if (!internal::IsTokenHash(token_hash)) return Status::InvalidArgument("not a token hash");
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    WriteTransaction transaction(**connection);
    if (Status st = transaction.Begin(); !st.ok()) return st;
    std::uint32_t failures = 0;
    {
      StatementRun count(**connection, kCountMfaFailure);
      count.Bind(1, token_hash).Bind(2, UnixMillisFloor(now));
      Result<bool> row = count.Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::NotFound("no such mfa token");
      failures = static_cast<std::uint32_t>(count.Int(0));
    }
    if (Status st = StatementRun(**connection, kKillMfaToken)
                        .Bind(1, token_hash)
                        .Bind(2, static_cast<std::int64_t>(max_failures))
                        .Run();
        !st.ok()) {
      return st;
    }
    if (Status st = transaction.Commit(); !st.ok()) return st;
    return failures;
  }));
}

void SqliteAuthStateStore::TakeMfaTokenAsync(std::string_view token_hash, TimePoint now,
                                             ResultCallback<MfaTokenRecord> done) {
  done(Guarded([&]() -> Result<MfaTokenRecord> {
    if (!internal::IsTokenHash(token_hash)) return Status::InvalidArgument("not a token hash");
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    StatementRun take(**connection, kTakeMfaToken);
    take.Bind(1, token_hash).Bind(2, UnixMillisFloor(now));
    Result<bool> row = take.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no such mfa token");
    MfaTokenRecord out = MfaFromRow(token_hash, take);
    // Finish the statement before the connection goes back (RETURNING rows are read).
    Result<bool> rest = take.Step();
    if (!rest.ok()) return rest.status();
    return out;
  }));
}

}  // namespace sessionkit

// --- email tokens and the mail queue (API.md §13) -------------------------------------
//
// Tables, added beside the others (IF NOT EXISTS, in the same transaction as the rest, so
// a file made by an older build gains them on open and an older build ignores them):
//   email_tokens(token_hash TEXT PRIMARY KEY, user_id, purpose 1 verify / 2 reset,
//                expires_at ms)   index (user_id, purpose), (expires_at)
//   mail_queue(id TEXT PRIMARY KEY, recipient, message, enqueued_at ms, due_at ms,
//              attempts, lease '' when unclaimed)   index (due_at, id)
// Each operation is one statement or one BEGIN IMMEDIATE transaction under the writer
// lock, so two processes on the file are serialized: a claim is one UPDATE ... WHERE id =
// (the earliest due) RETURNING, and a take one DELETE ... RETURNING.

namespace sessionkit {
namespace {

constexpr const char* kCreateEmailTablesSql =
    "CREATE TABLE IF NOT EXISTS email_tokens ("
    " token_hash TEXT PRIMARY KEY NOT NULL,"
    " user_id TEXT NOT NULL,"
    " purpose INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS email_tokens_by_user ON email_tokens(user_id, purpose);"
    "CREATE INDEX IF NOT EXISTS email_tokens_by_expiry ON email_tokens(expires_at);"
    "CREATE TABLE IF NOT EXISTS mail_queue ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " recipient TEXT NOT NULL,"
    " message TEXT NOT NULL,"
    " enqueued_at INTEGER NOT NULL,"
    " due_at INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " lease TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS mail_queue_by_due ON mail_queue(due_at, id);";

constexpr ExtraSql kKillResetTokens = {
    "kill older reset tokens", "DELETE FROM email_tokens WHERE user_id = ?1 AND purpose = 2"};
constexpr ExtraSql kPurgeEmailTokens = {
    "purge email tokens",
    "DELETE FROM email_tokens WHERE rowid IN (SELECT rowid FROM email_tokens "
    "WHERE expires_at <= ?1 ORDER BY expires_at LIMIT 64)"};
// A dead row with the same hash is replaced; a live one is left alone (changes() == 0).
constexpr ExtraSql kPutEmailToken = {
    "store email token",
    "INSERT INTO email_tokens(token_hash, user_id, purpose, expires_at) VALUES(?1, ?2, ?3, ?4) "
    "ON CONFLICT(token_hash) DO UPDATE SET user_id = excluded.user_id, "
    "purpose = excluded.purpose, expires_at = excluded.expires_at "
    "WHERE email_tokens.expires_at <= ?5"};
constexpr ExtraSql kTakeEmailToken = {
    "take email token",
    "DELETE FROM email_tokens WHERE token_hash = ?1 AND purpose = ?2 AND expires_at > ?3 "
    "RETURNING user_id, expires_at"};
constexpr ExtraSql kEnqueueMail = {
    "enqueue mail",
    "INSERT INTO mail_queue(id, recipient, message, enqueued_at, due_at, attempts, lease) "
    "VALUES(?1, ?2, ?3, ?4, ?5, 0, '') ON CONFLICT(id) DO NOTHING"};
constexpr ExtraSql kClaimMail = {
    "claim mail",
    "UPDATE mail_queue SET due_at = ?2, attempts = attempts + 1, lease = ?3 "
    "WHERE id = (SELECT id FROM mail_queue WHERE due_at <= ?1 ORDER BY due_at, id LIMIT 1) "
    "RETURNING id, recipient, message, enqueued_at, due_at, attempts, lease"};
constexpr ExtraSql kFinishMail = {
    "finish mail", "DELETE FROM mail_queue WHERE id = ?1 AND lease = ?2"};
constexpr ExtraSql kRetryMail = {
    "retry mail", "UPDATE mail_queue SET due_at = ?3 WHERE id = ?1 AND lease = ?2"};
constexpr ExtraSql kCountMail = {"count mail", "SELECT count(*) FROM mail_queue"};

}  // namespace

Status SqliteAuthStateStore::CreateEmailTables(SqliteConnection& connection) {
  const int rc = sqlite3_exec(connection.db(), kCreateEmailTablesSql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return internal::SqliteError(rc, connection.db(), "create email tables");
  return Status::Ok();
}

void SqliteAuthStateStore::PutEmailTokenAsync(const EmailTokenRecord& record, TimePoint now,
                                              StatusCallback done) {
  done(Guarded([&]() -> Status {
    if (Status st = internal::CheckEmailTokenPut(record, now); !st.ok()) return st;
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    WriteTransaction transaction(**connection);
    if (Status st = transaction.Begin(); !st.ok()) return st;
    const std::int64_t now_ms = UnixMillisFloor(now);
    if (Status st = StatementRun(**connection, kPurgeEmailTokens).Bind(1, now_ms).Run(); !st.ok()) {
      return st;
    }
    if (record.purpose == EmailTokenPurpose::kResetPassword) {
      if (Status st = StatementRun(**connection, kKillResetTokens).Bind(1, record.user_id).Run();
          !st.ok()) {
        return st;
      }
    }
    StatementRun put(**connection, kPutEmailToken);
    put.Bind(1, record.token_hash).Bind(2, record.user_id);
    put.Bind(3, static_cast<std::int64_t>(record.purpose));
    put.Bind(4, UnixMillisCeil(record.expires_at)).Bind(5, now_ms);
    if (Status st = put.Run(); !st.ok()) return st;
    if (put.changes() == 0) return Status::Conflict("a live email token has this hash");
    return transaction.Commit();
  }));
}

void SqliteAuthStateStore::TakeEmailTokenAsync(std::string_view token_hash,
                                               EmailTokenPurpose purpose, TimePoint now,
                                               ResultCallback<EmailTokenRecord> done) {
  done(Guarded([&]() -> Result<EmailTokenRecord> {
    if (!internal::IsTokenHash(token_hash)) return Status::InvalidArgument("not a token hash");
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    StatementRun take(**connection, kTakeEmailToken);
    take.Bind(1, token_hash).Bind(2, static_cast<std::int64_t>(purpose));
    take.Bind(3, UnixMillisFloor(now));
    Result<bool> row = take.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no such email token");
    EmailTokenRecord out;
    out.token_hash = token_hash;
    out.user_id = take.Text(0);
    out.purpose = purpose;
    out.expires_at = FromUnixMillis(take.Int(1));
    Result<bool> rest = take.Step();  // finish the statement (RETURNING rows are read)
    if (!rest.ok()) return rest.status();
    return out;
  }));
}

void SqliteAuthStateStore::EnqueueMailAsync(const QueuedMail& mail, StatusCallback done) {
  done(Guarded([&]() -> Status {
    if (Status st = internal::CheckMailEnqueue(mail); !st.ok()) return st;
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    StatementRun put(**connection, kEnqueueMail);
    put.Bind(1, mail.id).Bind(2, mail.recipient).Bind(3, mail.message);
    put.Bind(4, UnixMillisFloor(mail.enqueued_at)).Bind(5, UnixMillisFloor(mail.due_at));
    if (Status st = put.Run(); !st.ok()) return st;
    if (put.changes() == 0) return Status::Conflict("a queued mail has this id");
    return Status::Ok();
  }));
}

void SqliteAuthStateStore::ClaimMailAsync(TimePoint now, std::chrono::milliseconds lease_for,
                                          std::string_view lease_id,
                                          ResultCallback<QueuedMail> done) {
  done(Guarded([&]() -> Result<QueuedMail> {
    if (!internal::IsMailId(lease_id)) return Status::InvalidArgument("lease id is not 1-64 of [0-9a-z]");
    if (lease_for.count() <= 0) return Status::InvalidArgument("lease must be positive");
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
    if (!writer.ok()) return writer.status();
    const std::int64_t now_ms = UnixMillisFloor(now);
    StatementRun claim(**connection, kClaimMail);
    claim.Bind(1, now_ms).Bind(2, now_ms + lease_for.count()).Bind(3, lease_id);
    Result<bool> row = claim.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no mail is due");
    QueuedMail out;
    out.id = claim.Text(0);
    out.recipient = claim.Text(1);
    out.message = claim.Text(2);
    out.enqueued_at = FromUnixMillis(claim.Int(3));
    out.due_at = FromUnixMillis(claim.Int(4));
    out.attempts = static_cast<std::uint32_t>(claim.Int(5));
    out.lease = claim.Text(6);
    Result<bool> rest = claim.Step();
    if (!rest.ok()) return rest.status();
    return out;
  }));
}

Status SqliteAuthStateStore::UpdateLeasedMail(std::string_view id, std::string_view lease,
                                              const internal::ExtraSql& sql,
                                              std::optional<std::int64_t> due_at_ms) {
  if (!internal::IsMailId(id) || !internal::IsMailId(lease)) {
    return Status::InvalidArgument("mail id or lease is not 1-64 of [0-9a-z]");
  }
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = LockWriter();
  if (!writer.ok()) return writer.status();
  StatementRun update(**connection, sql);
  update.Bind(1, id).Bind(2, lease);
  if (due_at_ms) update.Bind(3, *due_at_ms);
  if (Status st = update.Run(); !st.ok()) return st;
  if (update.changes() == 0) return Status::NotFound("no such mail under this lease");
  return Status::Ok();
}

void SqliteAuthStateStore::FinishMailAsync(std::string_view id, std::string_view lease,
                                           StatusCallback done) {
  done(Guarded([&] { return UpdateLeasedMail(id, lease, kFinishMail, std::nullopt); }));
}

void SqliteAuthStateStore::RetryMailAsync(std::string_view id, std::string_view lease,
                                          TimePoint due_at, StatusCallback done) {
  done(Guarded([&] { return UpdateLeasedMail(id, lease, kRetryMail, UnixMillisFloor(due_at)); }));
}

void SqliteAuthStateStore::CountMailAsync(ResultCallback<std::uint64_t> done) {
  done(Guarded([&]() -> Result<std::uint64_t> {
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    StatementRun count(**connection, kCountMail);
    Result<bool> row = count.Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::uint64_t{0};
    return static_cast<std::uint64_t>(count.Int(0));
  }));
}

}  // namespace sessionkit
