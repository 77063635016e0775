#include "src/store/sqlite/sqlite_user_store.h"

#include <sqlite3.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "src/core/recovery_code_list.h"
#include "src/crypto/uuid.h"
#include "src/store/sqlite/guarded.h"
#include "src/store/sqlite/sqlite_error.h"
#include "src/util/rfc3339.h"

namespace sessionkit {

using internal::ConnectionPool;
using internal::ExtraSql;
using internal::SqliteConnection;
using internal::StatementRun;
using internal::WriteTransaction;

namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS users ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " password_hash TEXT NOT NULL,"
    " role TEXT NOT NULL DEFAULT 'user',"
    " is_premium INTEGER NOT NULL DEFAULT 0,"
    " is_email_verified INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0);"
    // The second factor (API.md §9), one row per enrolled user; recovery_codes is the
    // comma-separated hashes of the unused codes (spent by a compare-and-set on the list).
    "CREATE TABLE IF NOT EXISTS two_factor ("
    " user_id TEXT PRIMARY KEY NOT NULL,"
    " key_id TEXT NOT NULL,"
    " sealed_secret TEXT NOT NULL,"
    " confirmed INTEGER NOT NULL DEFAULT 0,"
    " last_step INTEGER NOT NULL DEFAULT -1,"
    " recovery_codes TEXT NOT NULL DEFAULT '')";

// A file from before `disabled` existed gets the column in place (UpgradeTable).
constexpr ExtraSql kHasDisabled = {
    "check users.disabled", "SELECT COUNT(*) FROM pragma_table_info('users') WHERE name = 'disabled'"};
constexpr ExtraSql kAddDisabled = {
    "add users.disabled", "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0"};

#define SESSIONKIT_USER_COLUMNS \
  "id, username, email, password_hash, role, is_premium, is_email_verified, created_at, disabled"
constexpr ExtraSql kById = {
    "find user by id", "SELECT " SESSIONKIT_USER_COLUMNS " FROM users WHERE id = ?1"};
constexpr ExtraSql kByName = {
    "find user by username", "SELECT " SESSIONKIT_USER_COLUMNS " FROM users WHERE username = ?1"};
constexpr ExtraSql kByEmail = {
    "find user by email", "SELECT " SESSIONKIT_USER_COLUMNS " FROM users WHERE email = ?1"};
constexpr ExtraSql kList = {
    "list users", "SELECT " SESSIONKIT_USER_COLUMNS " FROM users WHERE username > ?1"
    " ORDER BY username LIMIT ?2"};
#undef SESSIONKIT_USER_COLUMNS
constexpr ExtraSql kIdTaken = {"check user id", "SELECT 1 FROM users WHERE id = ?1"};
constexpr ExtraSql kInsertFull = {
    "import user",
    "INSERT INTO users (id, username, email, password_hash, role, is_premium,"
    " is_email_verified, created_at, disabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"};
constexpr ExtraSql kSetDisabled = {"set disabled", "UPDATE users SET disabled = ?2 WHERE id = ?1"};
constexpr ExtraSql kSetRole = {"set role", "UPDATE users SET role = ?2 WHERE id = ?1"};
constexpr ExtraSql kSetEmailVerified = {
    "set email verified", "UPDATE users SET is_email_verified = ?2 WHERE id = ?1"};
constexpr ExtraSql kInsert = {
    "insert user",
    "INSERT INTO users (id, username, email, password_hash, role, is_premium,"
    " is_email_verified, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6)"};
constexpr ExtraSql kUpdateHash = {
    "update password hash", "UPDATE users SET password_hash = ?2 WHERE id = ?1"};
constexpr ExtraSql kDelete = {"delete user", "DELETE FROM users WHERE id = ?1"};

constexpr ExtraSql kGetTwoFactor = {
    "get two-factor enrolment",
    "SELECT key_id, sealed_secret, confirmed, last_step, recovery_codes FROM two_factor "
    "WHERE user_id = ?1"};
// An earlier pending enrolment is replaced; a confirmed one is left alone (changes() == 0).
constexpr ExtraSql kPutPendingTwoFactor = {
    "store pending two-factor enrolment",
    "INSERT INTO two_factor(user_id, key_id, sealed_secret, confirmed, last_step, recovery_codes) "
    "VALUES(?1, ?2, ?3, 0, -1, '') "
    "ON CONFLICT(user_id) DO UPDATE SET key_id = excluded.key_id, "
    "sealed_secret = excluded.sealed_secret, last_step = -1, recovery_codes = '' "
    "WHERE two_factor.confirmed = 0"};
constexpr ExtraSql kConfirmTwoFactor = {
    "confirm two-factor enrolment",
    "UPDATE two_factor SET confirmed = 1, last_step = ?3, recovery_codes = ?4 "
    "WHERE user_id = ?1 AND confirmed = 0 AND sealed_secret = ?2"};
constexpr ExtraSql kAdvanceTwoFactorStep = {
    "advance two-factor step",
    "UPDATE two_factor SET last_step = ?2 WHERE user_id = ?1 AND confirmed = 1 AND last_step < ?2"};
constexpr ExtraSql kSwapRecoveryCodes = {
    "spend recovery code",
    "UPDATE two_factor SET recovery_codes = ?3 "
    "WHERE user_id = ?1 AND confirmed = 1 AND recovery_codes = ?2"};
constexpr ExtraSql kReplaceRecoveryCodes = {
    "replace recovery codes",
    "UPDATE two_factor SET recovery_codes = ?2 WHERE user_id = ?1 AND confirmed = 1"};
constexpr ExtraSql kDeleteTwoFactor = {
    "delete two-factor enrolment", "DELETE FROM two_factor WHERE user_id = ?1"};

constexpr const char* kUsernameTaken = "username already taken";
constexpr const char* kEmailTaken = "email already registered";

// Every failure of the database is Unavailable to a caller (user_store.h); the answers
// of the store itself (NotFound, Conflict, InvalidArgument for bad options) pass through.
Status ForCaller(Status status) {
  switch (status.code()) {
    case Code::kOk:
    case Code::kNotFound:
    case Code::kConflict:
    case Code::kInvalidArgument:
    case Code::kUnavailable:
      return status;
    default:
      break;
  }
  return Status::Unavailable("user database: " + std::string(status.message()));
}

template <class T>
Result<T> ForCaller(Result<T> result) {
  if (result.ok()) return result;
  return ForCaller(result.status());
}

// Guarded(...) for this file's messages, with the errors a caller sees.
template <class Op>
auto Guarded(Op&& op) -> decltype(op()) {
  return ForCaller(internal::Guarded("sqlite user store", std::forward<Op>(op)));
}

// The user of the current row of a SESSIONKIT_USER_COLUMNS query.
User UserAt(const StatementRun& query) {
  User u;
  u.id = query.Text(0);
  u.username = query.Text(1);
  u.email = query.Text(2);
  u.password_hash = query.Text(3);
  u.role = query.Text(4);
  u.is_premium = query.Int(5) != 0;
  u.is_email_verified = query.Int(6) != 0;
  u.created_at = query.Text(7);
  u.disabled = query.Int(8) != 0;
  return u;
}

// Runs a statement that returns at most one user row.
Result<User> QueryOne(SqliteConnection& connection, const ExtraSql& sql, std::string_view arg) {
  StatementRun query(connection, sql);
  query.Bind(1, arg);
  Result<bool> row = query.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no such user");
  return UserAt(query);
}

// OK when no user has `value` in the column `sql` looks up; Conflict(`taken`) otherwise.
Status CheckFree(SqliteConnection& connection, const ExtraSql& sql, std::string_view value,
                 const char* taken) {
  Result<User> found = QueryOne(connection, sql, value);
  if (found.ok()) return Status::Conflict(taken);
  if (found.status().IsNotFound()) return Status::Ok();
  return found.status();
}

}  // namespace

// --- opening -----------------------------------------------------------------------

SqliteUserStore::SqliteUserStore(internal::SqliteDatabasePtr database)
    : database_(std::move(database)), clock_(database_->clock()) {}

Result<std::shared_ptr<SqliteUserStore>> SqliteUserStore::Open(const SqliteStoreOptions& options) {
  Result<internal::SqliteDatabasePtr> database =
      internal::SqliteDatabase::Open(options, kMaxConnections, "sqlite user store");
  if (!database.ok()) return ForCaller(database.status());
  return OnDatabase(std::move(database).value());
}

Result<UserStorePtr> OpenSqliteUserStore(const SqliteStoreOptions& options) {
  Result<std::shared_ptr<SqliteUserStore>> store = SqliteUserStore::Open(options);
  if (!store.ok()) return store.status();
  return UserStorePtr(std::move(store).value());
}

Result<std::shared_ptr<SqliteUserStore>> SqliteUserStore::OnDatabase(
    internal::SqliteDatabasePtr database) {
  return Guarded([&]() -> Result<std::shared_ptr<SqliteUserStore>> {
    std::shared_ptr<SqliteUserStore> store(new SqliteUserStore(std::move(database)));
    if (Status st = store->CreateTable(); !st.ok()) return st;
    return store;
  });
}

Status SqliteUserStore::CreateTable() {
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = database_->LockWriter();
  if (!writer.ok()) return writer.status();
  const int rc = sqlite3_exec((*connection)->db(), kCreateTable, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return internal::SqliteError(rc, (*connection)->db(), "create users table");
  return UpgradeTable(**connection);
}

// Adds `disabled` to a users table made before it existed. The check and the ALTER run
// in one BEGIN IMMEDIATE transaction, so two processes opening an old file at once add
// it exactly once. Old rows read disabled = 0.
Status SqliteUserStore::UpgradeTable(SqliteConnection& connection) {
  WriteTransaction transaction(connection);
  if (Status st = transaction.Begin(); !st.ok()) return st;
  StatementRun check(connection, kHasDisabled);
  Result<bool> row = check.Step();
  if (!row.ok()) return row.status();
  if (*row && check.Int(0) != 0) return Status::Ok();  // rolled back: nothing written
  if (Status st = StatementRun(connection, kAddDisabled).Run(); !st.ok()) return st;
  return transaction.Commit();
}

// --- lookups ---------------------------------------------------------------------------

Result<User> SqliteUserStore::FindById(std::string_view id) {
  return Guarded([&]() -> Result<User> {
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    return QueryOne(**connection, kById, id);
  });
}

Result<User> SqliteUserStore::FindByLogin(std::string_view identifier) {
  return Guarded([&] { return RunFindByLogin(identifier); });
}

Result<User> SqliteUserStore::RunFindByLogin(std::string_view identifier) {
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<User> user = QueryOne(**connection, kByName, identifier);
  if (user.ok() || !user.status().IsNotFound()) return user;
  return QueryOne(**connection, kByEmail, identifier);
}

Status SqliteUserStore::CheckAvailable(std::string_view username, std::string_view email) {
  return Guarded([&] { return RunCheckAvailable(username, email); });
}

Status SqliteUserStore::RunCheckAvailable(std::string_view username, std::string_view email) {
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  if (Status st = CheckFree(**connection, kByName, username, kUsernameTaken); !st.ok()) return st;
  return CheckFree(**connection, kByEmail, email, kEmailTaken);
}

// --- writes ----------------------------------------------------------------------------

Result<User> SqliteUserStore::Create(std::string_view username, std::string_view email,
                                     std::string_view password_hash) {
  return Guarded([&] { return RunCreate(username, email, password_hash); });
}

Result<User> SqliteUserStore::RunCreate(std::string_view username, std::string_view email,
                                        std::string_view password_hash) {
  Result<std::string> id = internal::NewUuidV4();
  if (!id.ok()) return id.status();
  User user;
  user.id = std::move(id).value();
  user.username = username;
  user.email = email;
  user.password_hash = password_hash;
  user.created_at = internal::FormatRfc3339(clock_.Now());

  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = database_->LockWriter();
  if (!writer.ok()) return writer.status();
  WriteTransaction transaction(**connection);
  if (Status st = transaction.Begin(); !st.ok()) return st;
  // Checked inside the write transaction, so the Conflict names the column that is taken
  // (the name first) whatever order SQLite checks its UNIQUE indexes in.
  if (Status st = CheckFree(**connection, kByName, username, kUsernameTaken); !st.ok()) return st;
  if (Status st = CheckFree(**connection, kByEmail, email, kEmailTaken); !st.ok()) return st;
  {
    StatementRun insert(**connection, kInsert);
    insert.Bind(1, user.id).Bind(2, user.username).Bind(3, user.email);
    insert.Bind(4, user.password_hash).Bind(5, user.role).Bind(6, user.created_at);
    if (Status st = insert.Run(); !st.ok()) {
      // Cannot happen under the transaction; kept as the last line of defence.
      sqlite3* db = (*connection)->db();
      if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_CONSTRAINT) {
        const std::string_view message = sqlite3_errmsg(db);
        return Status::Conflict(message.find("users.email") != std::string_view::npos
                                    ? kEmailTaken
                                    : kUsernameTaken);
      }
      return st;
    }
  }
  if (Status st = transaction.Commit(); !st.ok()) return st;
  return user;
}

Status SqliteUserStore::UpdatePasswordHash(std::string_view id, std::string_view password_hash) {
  return Guarded([&] { return RunUpdatePasswordHash(id, password_hash); });
}

Status SqliteUserStore::RunUpdatePasswordHash(std::string_view id,
                                              std::string_view password_hash) {
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = database_->LockWriter();
  if (!writer.ok()) return writer.status();
  StatementRun update(**connection, kUpdateHash);
  update.Bind(1, id).Bind(2, password_hash);
  if (Status st = update.Run(); !st.ok()) return st;
  if (update.changes() == 0) return Status::NotFound("no such user");
  return Status::Ok();
}

Status SqliteUserStore::Delete(std::string_view id) {
  return Guarded([&] { return RunDelete(id); });
}

Status SqliteUserStore::RunDelete(std::string_view id) {
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = database_->LockWriter();
  if (!writer.ok()) return writer.status();
  if (Status st = StatementRun(**connection, kDeleteTwoFactor).Bind(1, id).Run(); !st.ok()) {
    return st;
  }
  return StatementRun(**connection, kDelete).Bind(1, id).Run();
}

// --- second factor ---------------------------------------------------------------------

Result<TwoFactorEnrolment> SqliteUserStore::GetTwoFactor(std::string_view user_id) {
  return Guarded([&]() -> Result<TwoFactorEnrolment> {
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    StatementRun query(**connection, kGetTwoFactor);
    query.Bind(1, user_id);
    Result<bool> row = query.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no two-factor enrolment");
    TwoFactorEnrolment e;
    e.user_id = user_id;
    e.key_id = query.Text(0);
    e.sealed_secret = query.Text(1);
    e.confirmed = query.Int(2) != 0;
    e.last_step = query.Int(3);
    e.recovery_code_hashes = internal::SplitRecoveryCodeHashes(query.Text(4));
    return e;
  });
}

// Runs one write statement under the writer lock; returns changes().
Result<std::int64_t> SqliteUserStore::RunWrite(const ExtraSql& sql,
                                               std::initializer_list<SqliteParam> params) {
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = database_->LockWriter();
  if (!writer.ok()) return writer.status();
  StatementRun run(**connection, sql);
  int index = 1;
  for (const SqliteParam& param : params) {
    std::visit([&](auto value) { run.Bind(index, value); }, param);
    ++index;
  }
  if (Status st = run.Run(); !st.ok()) return st;
  return run.changes();
}

Status SqliteUserStore::PutPendingTwoFactor(std::string_view user_id, std::string_view key_id,
                                            std::string_view sealed_secret) {
  return Guarded([&]() -> Status {
    Result<std::int64_t> changed = RunWrite(kPutPendingTwoFactor, {user_id, key_id, sealed_secret});
    if (!changed.ok()) return changed.status();
    if (*changed == 0) return Status::Conflict("two-factor authentication is already on");
    return Status::Ok();
  });
}

Status SqliteUserStore::ConfirmTwoFactor(std::string_view user_id, std::string_view sealed_secret,
                                         std::int64_t step,
                                         const std::vector<std::string>& recovery_code_hashes) {
  const std::string codes = internal::JoinRecoveryCodeHashes(recovery_code_hashes);
  return Guarded([&]() -> Status {
    Result<std::int64_t> changed = RunWrite(
        kConfirmTwoFactor, {user_id, sealed_secret, step, std::string_view(codes)});
    if (!changed.ok()) return changed.status();
    if (*changed == 0) return Status::Conflict("no such pending two-factor enrolment");
    return Status::Ok();
  });
}

Result<bool> SqliteUserStore::AdvanceTwoFactorStep(std::string_view user_id, std::int64_t step) {
  return Guarded([&]() -> Result<bool> {
    Result<std::int64_t> changed = RunWrite(kAdvanceTwoFactorStep, {user_id, step});
    if (!changed.ok()) return changed.status();
    return *changed > 0;
  });
}

Result<UserStore::RecoveryCodeUse> SqliteUserStore::UseRecoveryCode(std::string_view user_id,
                                                                    std::string_view code_hash) {
  // Read the list, then swap it for the list without the code only if nobody changed it
  // meanwhile; a lost race reads again (bounded: each round someone else made progress).
  for (int round = 0; round < 16; ++round) {
    Result<TwoFactorEnrolment> enrolment = GetTwoFactor(user_id);
    if (!enrolment.ok()) {
      if (enrolment.status().IsNotFound()) return RecoveryCodeUse{};
      return enrolment.status();
    }
    if (!enrolment->confirmed) return RecoveryCodeUse{};
    std::optional<std::vector<std::string>> rest =
        internal::WithoutRecoveryCodeHash(enrolment->recovery_code_hashes, code_hash);
    if (!rest) return RecoveryCodeUse{false, static_cast<std::uint32_t>(
                                                 enrolment->recovery_code_hashes.size())};
    const std::string before = internal::JoinRecoveryCodeHashes(enrolment->recovery_code_hashes);
    const std::string after = internal::JoinRecoveryCodeHashes(*rest);
    Result<std::int64_t> changed = Guarded([&]() -> Result<std::int64_t> {
      return RunWrite(kSwapRecoveryCodes,
                      {user_id, std::string_view(before), std::string_view(after)});
    });
    if (!changed.ok()) return changed.status();
    if (*changed > 0) return RecoveryCodeUse{true, static_cast<std::uint32_t>(rest->size())};
  }
  return Status::Unavailable("user database: recovery codes kept changing");
}

Status SqliteUserStore::ReplaceRecoveryCodes(std::string_view user_id,
                                             const std::vector<std::string>& recovery_code_hashes) {
  const std::string codes = internal::JoinRecoveryCodeHashes(recovery_code_hashes);
  return Guarded([&]() -> Status {
    Result<std::int64_t> changed =
        RunWrite(kReplaceRecoveryCodes, {user_id, std::string_view(codes)});
    if (!changed.ok()) return changed.status();
    if (*changed == 0) return Status::NotFound("no confirmed two-factor enrolment");
    return Status::Ok();
  });
}

Status SqliteUserStore::DeleteTwoFactor(std::string_view user_id) {
  return Guarded([&]() -> Status {
    Result<std::int64_t> changed = RunWrite(kDeleteTwoFactor, {user_id});
    return changed.ok() ? Status::Ok() : changed.status();
  });
}

// --- administration --------------------------------------------------------------------

Result<User> SqliteUserStore::Insert(const User& user) {
  return Guarded([&] { return RunInsert(user); });
}

Result<User> SqliteUserStore::RunInsert(const User& given) {
  User user = given;
  if (user.id.empty()) {
    Result<std::string> id = internal::NewUuidV4();
    if (!id.ok()) return id.status();
    user.id = std::move(id).value();
  }
  if (user.created_at.empty()) user.created_at = internal::FormatRfc3339(clock_.Now());

  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = database_->LockWriter();
  if (!writer.ok()) return writer.status();
  WriteTransaction transaction(**connection);
  if (Status st = transaction.Begin(); !st.ok()) return st;
  if (Status st = CheckFree(**connection, kByName, user.username, kUsernameTaken); !st.ok()) return st;
  if (Status st = CheckFree(**connection, kByEmail, user.email, kEmailTaken); !st.ok()) return st;
  {
    StatementRun taken(**connection, kIdTaken);
    taken.Bind(1, user.id);
    Result<bool> row = taken.Step();
    if (!row.ok()) return row.status();
    if (*row) return Status::Conflict("id already taken");
  }
  StatementRun insert(**connection, kInsertFull);
  insert.Bind(1, user.id).Bind(2, user.username).Bind(3, user.email);
  insert.Bind(4, user.password_hash).Bind(5, user.role);
  insert.Bind(6, std::int64_t{user.is_premium ? 1 : 0});
  insert.Bind(7, std::int64_t{user.is_email_verified ? 1 : 0});
  insert.Bind(8, user.created_at).Bind(9, std::int64_t{user.disabled ? 1 : 0});
  if (Status st = insert.Run(); !st.ok()) return st;
  if (Status st = transaction.Commit(); !st.ok()) return st;
  return user;
}

Result<std::vector<User>> SqliteUserStore::List(std::string_view after_username,
                                                std::size_t limit) {
  return Guarded([&]() -> Result<std::vector<User>> {
    Result<ConnectionPool::Lease> connection = database_->Acquire();
    if (!connection.ok()) return connection.status();
    StatementRun query(**connection, kList);
    query.Bind(1, after_username).Bind(2, static_cast<std::int64_t>(limit));
    std::vector<User> users;
    while (true) {
      Result<bool> row = query.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      users.push_back(UserAt(query));
    }
    return users;
  });
}

Status SqliteUserStore::SetDisabled(std::string_view id, bool disabled) {
  return Guarded([&] { return RunUpdate(kSetDisabled, id, [&](StatementRun& update) {
    update.Bind(2, std::int64_t{disabled ? 1 : 0});
  }); });
}

Status SqliteUserStore::SetRole(std::string_view id, std::string_view role) {
  return Guarded([&] { return RunUpdate(kSetRole, id, [&](StatementRun& update) {
    update.Bind(2, role);
  }); });
}

Status SqliteUserStore::SetEmailVerified(std::string_view id, bool verified) {
  return Guarded([&] { return RunUpdate(kSetEmailVerified, id, [&](StatementRun& update) {
    update.Bind(2, std::int64_t{verified ? 1 : 0});
  }); });
}

Status SqliteUserStore::RunUpdate(const ExtraSql& sql, std::string_view id,
                                  const std::function<void(StatementRun&)>& bind) {
  Result<ConnectionPool::Lease> connection = database_->Acquire();
  if (!connection.ok()) return connection.status();
  Result<std::unique_lock<std::timed_mutex>> writer = database_->LockWriter();
  if (!writer.ok()) return writer.status();
  StatementRun update(**connection, sql);
  update.Bind(1, id);
  bind(update);
  if (Status st = update.Run(); !st.ok()) return st;
  if (update.changes() == 0) return Status::NotFound("no such user");
  return Status::Ok();
}

}  // namespace sessionkit
