// SqliteAuthStateStore: the AuthStateStore of include/sessionkit/auth_state_store.h in the
// session store's SQLite file.
//
// Tables (created with IF NOT EXISTS on open, beside schema.h's `sessions`; the sessions
// schema version is not touched, so a session store of this build opens the file as before):
//   refresh_tokens(token_hash TEXT PRIMARY KEY, session_id, user_id, issued_at,
//                  expires_at, rotated_at NULL while active, successor_hash NULL while active)
//     index refresh_tokens_by_session(session_id), refresh_tokens_by_expiry(expires_at)
//   login_failures(key, at_ms, expires_at = at_ms + the window it was recorded with)
//     index login_failures_by_key(key, at_ms), login_failures_by_expiry(expires_at)
//   email_tokens, mail_queue (API.md §13): described above their code at the end of
//     sqlite_auth_state.cc
// Times are Unix milliseconds (auth_state_rules.h, src/util/unix_millis.h).
//
// Atomicity. Rotation reads the token, decides and writes (spend + successor, or delete
// the session's row in `sessions` and the token family) in one BEGIN IMMEDIATE
// transaction, so two processes (or two store objects) racing on one token are
// serialized by SQLite's write lock: the second sees the token spent. RecordFailure
// trims the key, inserts and counts in one transaction too, and ReserveAttempt trims,
// counts and (only if every key is under its limit) inserts for all its keys in one;
// PeekFailures is one SELECT.
//
// Concurrency and expiry follow SqliteStore (sqlite_store.h): operations run inline on a
// connection of the database's pool, writes are serialized in-process by the database's
// timed writer mutex (database.h: shared with the other stores on the file), both waits
// bounded by busy_timeout (then Unavailable). Dead rows are invisible at once and purged
// in bounded batches (purge_batch rows per table, oldest first) piggybacked on writes at
// most once per purge_interval. Thread-safe; nothing throws.
#ifndef SESSIONKIT_STORE_SQLITE_SQLITE_AUTH_STATE_H_
#define SESSIONKIT_STORE_SQLITE_SQLITE_AUTH_STATE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/sqlite_store.h"
#include "src/store/sqlite/connection_pool.h"
#include "src/store/sqlite/database.h"

namespace sessionkit {

class SqliteAuthStateStore final : public AuthStateStore {
 public:
  // Connections the store opens at most when opened alone (its own SqliteDatabase).
  static constexpr std::size_t kMaxConnections = 4;

  // InvalidArgument for bad options (as SqliteStore::Open); Unavailable when the file
  // cannot be opened, is not a database, or the tables cannot be created.
  static Result<std::shared_ptr<SqliteAuthStateStore>> Open(const SqliteStoreOptions& options);
  // The store on an open database that other stores may share (OpenSqliteStores);
  // creates its tables. Unavailable if it cannot.
  static Result<std::shared_ptr<SqliteAuthStateStore>> OnDatabase(
      internal::SqliteDatabasePtr database);

  void IssueRefreshAsync(const RefreshRecord& record, StatusCallback done) override;
  void GetRefreshAsync(std::string_view token_hash, ResultCallback<RefreshRecord> done) override;
  void RotateRefreshAsync(const RotateRequest& request,
                          ResultCallback<RefreshRotation> done) override;
  void RevokeRefreshForSessionAsync(std::string_view session_id,
                                    ResultCallback<std::uint64_t> done) override;
  void RecordFailureAsync(std::string_view key, TimePoint now, std::chrono::milliseconds window,
                          ResultCallback<FailureWindow> done) override;
  void PeekFailuresAsync(std::string_view key, TimePoint now, std::chrono::milliseconds window,
                         ResultCallback<FailureWindow> done) override;
  void ResetFailuresAsync(std::string_view key, StatusCallback done) override;
  void ReserveAttemptAsync(const std::vector<AttemptKey>& keys, TimePoint now,
                           std::chrono::milliseconds window,
                           ResultCallback<AttemptReservation> done) override;
  void ReleaseAttemptAsync(std::string_view key, std::string_view ticket,
                           StatusCallback done) override;

  void PutMfaTokenAsync(const MfaTokenRecord& record, TimePoint now, StatusCallback done) override;
  void GetMfaTokenAsync(std::string_view token_hash, TimePoint now,
                        ResultCallback<MfaTokenRecord> done) override;
  void CountMfaFailureAsync(std::string_view token_hash, TimePoint now, std::uint32_t max_failures,
                            ResultCallback<std::uint32_t> done) override;
  void TakeMfaTokenAsync(std::string_view token_hash, TimePoint now,
                         ResultCallback<MfaTokenRecord> done) override;

  void PutEmailTokenAsync(const EmailTokenRecord& record, TimePoint now,
                          StatusCallback done) override;
  void TakeEmailTokenAsync(std::string_view token_hash, EmailTokenPurpose purpose, TimePoint now,
                           ResultCallback<EmailTokenRecord> done) override;
  void EnqueueMailAsync(const QueuedMail& mail, StatusCallback done) override;
  void ClaimMailAsync(TimePoint now, std::chrono::milliseconds lease_for,
                      std::string_view lease_id, ResultCallback<QueuedMail> done) override;
  void FinishMailAsync(std::string_view id, std::string_view lease, StatusCallback done) override;
  void RetryMailAsync(std::string_view id, std::string_view lease, TimePoint due_at,
                      StatusCallback done) override;
  void CountMailAsync(ResultCallback<std::uint64_t> done) override;

  // Deletes up to purge_batch dead rows of each table now. Returns how many in all.
  Result<std::uint64_t> PurgeExpired();

 private:
  explicit SqliteAuthStateStore(internal::SqliteDatabasePtr database);
  Status CreateTables();
  // The email tables (sqlite_auth_state.cc, last part), inside CreateTables' transaction.
  Status CreateEmailTables(internal::SqliteConnection& connection);

  Status RunIssue(const RefreshRecord& record);
  Result<RefreshRecord> RunGet(std::string_view token_hash);
  Result<RefreshRotation> RunRotate(const RotateRequest& request);
  Result<std::uint64_t> RunRevoke(std::string_view session_id);
  Result<FailureWindow> RunRecordFailure(std::string_view key, TimePoint now,
                                         std::chrono::milliseconds window);
  Result<FailureWindow> RunPeekFailures(std::string_view key, TimePoint now,
                                        std::chrono::milliseconds window);
  Status RunResetFailures(std::string_view key);
  Result<AttemptReservation> RunReserveAttempt(const std::vector<AttemptKey>& keys, TimePoint now,
                                               std::chrono::milliseconds window);
  Status RunReleaseAttempt(std::string_view key, std::string_view ticket);

  Result<std::unique_lock<std::timed_mutex>> LockWriter();
  // Finish and retry: runs `sql` (id ?1, lease ?2, due_at_ms ?3 when given) on the mail
  // only while it still carries `lease`; NotFound when it does not.
  Status UpdateLeasedMail(std::string_view id, std::string_view lease, const internal::ExtraSql& sql,
                          std::optional<std::int64_t> due_at_ms);
  // With the writer mutex held and no transaction open.
  void MaybePurge(internal::SqliteConnection& connection);
  Result<std::uint64_t> PurgeBatch(internal::SqliteConnection& connection, std::int64_t now_ms);

  const internal::SqliteDatabasePtr database_;
  const SqliteStoreOptions& options_;  // database_'s
  const Clock& clock_;                 // database_'s
  std::int64_t next_purge_ms_;  // guarded by the database's writer lock
};

}  // namespace sessionkit

#endif  // SESSIONKIT_STORE_SQLITE_SQLITE_AUTH_STATE_H_
