// SqliteUserStore: the UserStore of include/sessionkit/user_store.h, in a `users` table of
// the SQLite file the session store uses.
//
// Table (created with IF NOT EXISTS on open, beside schema.h's `sessions`; the sessions
// schema version is not touched, so files written by earlier builds open unchanged):
//   users(id TEXT PRIMARY KEY, username TEXT UNIQUE COLLATE NOCASE,
//         email TEXT UNIQUE COLLATE NOCASE, password_hash, role DEFAULT 'user',
//         is_premium, is_email_verified, created_at TEXT -- RFC 3339 UTC,
//         disabled DEFAULT 0)
//   two_factor(user_id PK, key_id, sealed_secret, confirmed, last_step,
//              recovery_codes -- comma-separated hashes of the unused codes)
// Both IF NOT EXISTS: a file of an earlier build gains the two_factor table in place.
// The second factor's writes are single statements with their condition in the WHERE
// (AdvanceTwoFactorStep: last_step < ?), so they are atomic across processes too.
// A file from before `disabled` gets the column on open (ALTER TABLE, once, in a write
// transaction), so files written by earlier builds keep working.
// COLLATE NOCASE makes both the lookups and the UNIQUE constraints ignore ASCII case.
//
// Concurrency follows SqliteStore (sqlite_store.h): calls run on the caller's thread on a
// connection of the database's pool (database.h), writes take the database's writer
// lock; both waits are bounded by busy_timeout. Create checks the name and the email and
// inserts in one BEGIN IMMEDIATE transaction, so a registration racing in another
// process is serialized too and the Conflict names the right column.
//
// Errors: NotFound, Conflict ("username already taken" / "email already registered"),
// Unavailable for every SQLite failure ("user database: " and SQLite's own text, which
// never quotes bound values, so never a hash). Thread-safe; nothing throws.
#ifndef SESSIONKIT_STORE_SQLITE_SQLITE_USER_STORE_H_
#define SESSIONKIT_STORE_SQLITE_SQLITE_USER_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>
#include <string_view>
#include <variant>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/sqlite_store.h"
#include "sessionkit/user_store.h"
#include "src/store/sqlite/connection.h"
#include "src/store/sqlite/database.h"

namespace sessionkit {

class SqliteUserStore final : public UserStore {
 public:
  // Connections the store opens at most when opened alone (its own SqliteDatabase).
  static constexpr std::size_t kMaxConnections = 2;

  // InvalidArgument for bad options (as SqliteStore::Open); Unavailable when the file
  // cannot be opened, is not a database, or the table cannot be created.
  static Result<std::shared_ptr<SqliteUserStore>> Open(const SqliteStoreOptions& options);
  // The store on an open database that other stores may share (OpenSqliteStores);
  // creates its table. Unavailable if it cannot.
  static Result<std::shared_ptr<SqliteUserStore>> OnDatabase(internal::SqliteDatabasePtr database);

  Result<User> FindById(std::string_view id) override;
  Result<User> FindByLogin(std::string_view identifier) override;
  Status CheckAvailable(std::string_view username, std::string_view email) override;
  Result<User> Create(std::string_view username, std::string_view email,
                      std::string_view password_hash) override;
  Status UpdatePasswordHash(std::string_view id, std::string_view password_hash) override;
  Status Delete(std::string_view id) override;
  Result<User> Insert(const User& user) override;
  Result<std::vector<User>> List(std::string_view after_username, std::size_t limit) override;
  Status SetDisabled(std::string_view id, bool disabled) override;
  Status SetRole(std::string_view id, std::string_view role) override;
  Status SetEmailVerified(std::string_view id, bool verified) override;

  bool SupportsTwoFactor() const override { return true; }
  Result<TwoFactorEnrolment> GetTwoFactor(std::string_view user_id) override;
  Status PutPendingTwoFactor(std::string_view user_id, std::string_view key_id,
                             std::string_view sealed_secret) override;
  Status ConfirmTwoFactor(std::string_view user_id, std::string_view sealed_secret,
                          std::int64_t step,
                          const std::vector<std::string>& recovery_code_hashes) override;
  Result<bool> AdvanceTwoFactorStep(std::string_view user_id, std::int64_t step) override;
  Result<RecoveryCodeUse> UseRecoveryCode(std::string_view user_id,
                                          std::string_view code_hash) override;
  Status ReplaceRecoveryCodes(std::string_view user_id,
                              const std::vector<std::string>& recovery_code_hashes) override;
  Status DeleteTwoFactor(std::string_view user_id) override;

 private:
  using SqliteParam = std::variant<std::string_view, std::int64_t>;
  Result<std::int64_t> RunWrite(const internal::ExtraSql& sql,
                                std::initializer_list<SqliteParam> params);
  explicit SqliteUserStore(internal::SqliteDatabasePtr database);
  Status CreateTable();
  static Status UpgradeTable(internal::SqliteConnection& connection);

  Result<User> RunFindByLogin(std::string_view identifier);
  Status RunCheckAvailable(std::string_view username, std::string_view email);
  Result<User> RunCreate(std::string_view username, std::string_view email,
                         std::string_view password_hash);
  Status RunUpdatePasswordHash(std::string_view id, std::string_view password_hash);
  Status RunDelete(std::string_view id);
  Result<User> RunInsert(const User& user);
  Status RunUpdate(const internal::ExtraSql& sql, std::string_view id,
                   const std::function<void(internal::StatementRun&)>& bind);

  const internal::SqliteDatabasePtr database_;
  const Clock& clock_;  // database_'s; for created_at
};

}  // namespace sessionkit

#endif  // SESSIONKIT_STORE_SQLITE_SQLITE_USER_STORE_H_
