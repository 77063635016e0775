// MysqlUserStore: the UserStore of include/sessionkit/user_store.h in a MySQL / MariaDB
// database (include/sessionkit/mysql_store.h has the options and the factory).
//
// Table (mysql_schema.cc, migrations 1 and 2):
//   users(id PK, username, email, username_key UNIQUE, email_key UNIQUE, password_hash,
//         role DEFAULT 'user', is_premium, is_email_verified, created_at DATETIME UTC)
//         + disabled TINYINT(1) DEFAULT 0 (migration 2, API.md §11)
// username_key / email_key are the values with A-Z lowered (binary columns): the unique
// indexes and every lookup use them, so matching ignores ASCII case exactly like the
// SQLite store's COLLATE NOCASE.
//
// two_factor (migration 3): user_id PK, key_id, sealed_secret, confirmed, last_step,
// recovery_codes (comma-separated hashes of the unused codes). Each second-factor write
// is one statement with its condition in the WHERE (AdvanceTwoFactorStep:
// last_step < ?), atomic across servers.
//
// Every call is one or two prepared statements on a pooled connection (mysql_pool.h).
// Create inserts straight away and lets the unique indexes decide a race; on a duplicate
// key it reads which of the two is taken (the username wins when both are), so of many
// concurrent registrations of a name exactly one succeeds, across servers too.
//
// Errors: NotFound, Conflict ("username already taken" / "email already registered"),
// InvalidArgument for a value the columns cannot hold (over 255 / 320 characters, or not
// UTF-8), Unavailable for every database failure (the message never quotes a bound
// value, so never a hash). Thread-safe; nothing throws.
#ifndef SESSIONKIT_STORE_MYSQL_MYSQL_USER_STORE_H_
#define SESSIONKIT_STORE_MYSQL_MYSQL_USER_STORE_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/mysql_store.h"
#include "sessionkit/user_store.h"
#include "src/store/mysql/mysql_pool.h"

namespace sessionkit {

class MysqlUserStore final : public UserStore {
 public:
  // Checks the options, connects and migrates (see OpenMysqlUserStore).
  static Result<std::shared_ptr<MysqlUserStore>> Open(const MysqlOptions& options);

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
  // Runs one statement; `affected` gets the rows it matched (CLIENT_FOUND_ROWS).
  Status RunWrite(std::string_view what, std::string_view sql,
                  std::initializer_list<internal::SqlParam> params, std::uint64_t* affected);

  explicit MysqlUserStore(const MysqlOptions& options);
  // One UPDATE ... SET column = `value` WHERE id = `id`; NotFound if no row matched.
  Status UpdateOne(std::string_view what, std::string_view sql, internal::SqlParam value,
                   std::string_view id);

  internal::MysqlPool pool_;
  const Clock& clock_;
};

}  // namespace sessionkit

#endif  // SESSIONKIT_STORE_MYSQL_MYSQL_USER_STORE_H_
