// The MySQL user store (see mysql_user_store.h).
#include "src/store/mysql/mysql_user_store.h"

#include <mysqld_error.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "src/core/recovery_code_list.h"
#include "src/crypto/uuid.h"
#include "src/store/mysql/mysql_schema.h"
#include "src/util/rfc3339.h"

namespace sessionkit {

using internal::MysqlConnection;
using internal::SqlParam;
using internal::SqlResult;
using internal::SqlRow;

namespace {

#define SESSIONKIT_USER_COLUMNS                                                   \
  "id, username, email, password_hash, role, is_premium, is_email_verified,"     \
  " DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), disabled"
constexpr const char* kById = "SELECT " SESSIONKIT_USER_COLUMNS " FROM users WHERE id = ?";
// A username match wins over an email match (user_store.h).
constexpr const char* kByLogin =
    "SELECT " SESSIONKIT_USER_COLUMNS " FROM users WHERE username_key = ? OR email_key = ?"
    " ORDER BY username_key = ? DESC LIMIT 1";
constexpr const char* kList = "SELECT " SESSIONKIT_USER_COLUMNS
                              " FROM users WHERE username_key > ? ORDER BY username_key LIMIT ?";
#undef SESSIONKIT_USER_COLUMNS
constexpr const char* kIdTaken = "SELECT EXISTS(SELECT 1 FROM users WHERE id = ?)";
constexpr const char* kInsertFull =
    "INSERT INTO users (id, username, email, username_key, email_key, password_hash, role,"
    " is_premium, is_email_verified, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kSetDisabled = "UPDATE users SET disabled = ? WHERE id = ?";
constexpr const char* kSetRole = "UPDATE users SET role = ? WHERE id = ?";
constexpr const char* kSetEmailVerified = "UPDATE users SET is_email_verified = ? WHERE id = ?";
constexpr const char* kTaken =
    "SELECT EXISTS(SELECT 1 FROM users WHERE username_key = ?),"
    " EXISTS(SELECT 1 FROM users WHERE email_key = ?)";
constexpr const char* kInsert =
    "INSERT INTO users (id, username, email, username_key, email_key, password_hash,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kUpdateHash = "UPDATE users SET password_hash = ? WHERE id = ?";
constexpr const char* kDelete = "DELETE FROM users WHERE id = ?";

constexpr const char* kGetTwoFactor =
    "SELECT key_id, sealed_secret, confirmed, last_step, recovery_codes FROM two_factor"
    " WHERE user_id = ?";
constexpr const char* kReplacePending =
    "UPDATE two_factor SET key_id = ?, sealed_secret = ?, last_step = -1, recovery_codes = ''"
    " WHERE user_id = ? AND confirmed = 0";
constexpr const char* kInsertPending =
    "INSERT INTO two_factor (user_id, key_id, sealed_secret, confirmed, last_step,"
    " recovery_codes) VALUES (?, ?, ?, 0, -1, '')";
constexpr const char* kConfirmTwoFactor =
    "UPDATE two_factor SET confirmed = 1, last_step = ?, recovery_codes = ?"
    " WHERE user_id = ? AND confirmed = 0 AND sealed_secret = ?";
constexpr const char* kAdvanceStep =
    "UPDATE two_factor SET last_step = ? WHERE user_id = ? AND confirmed = 1 AND last_step < ?";
constexpr const char* kSwapRecoveryCodes =
    "UPDATE two_factor SET recovery_codes = ?"
    " WHERE user_id = ? AND confirmed = 1 AND recovery_codes = ?";
constexpr const char* kReplaceRecoveryCodes =
    "UPDATE two_factor SET recovery_codes = ? WHERE user_id = ? AND confirmed = 1";
constexpr const char* kDeleteTwoFactor = "DELETE FROM two_factor WHERE user_id = ?";

constexpr const char* kUsernameTaken = "username already taken";
constexpr const char* kEmailTaken = "email already registered";

// The unique key of a username or email: A-Z lowered, every other byte as is.
std::string Key(std::string_view text) {
  std::string key(text);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

User FromRow(SqlRow& row) {
  auto text = [&](std::size_t i) { return row.at(i) ? std::move(*row[i]) : std::string(); };
  User u;
  u.id = text(0);
  u.username = text(1);
  u.email = text(2);
  u.password_hash = text(3);
  u.role = text(4);
  u.is_premium = text(5) == "1";
  u.is_email_verified = text(6) == "1";
  u.created_at = text(7);
  u.disabled = text(8) == "1";
  return u;
}

Result<User> QueryOne(MysqlConnection& connection, std::string_view what, std::string_view sql,
                      std::initializer_list<SqlParam> params) {
  Result<SqlResult> result = connection.Run(what, sql, params);
  if (!result.ok()) return result.status();
  if (result->rows.empty()) return Status::NotFound("no such user");
  return FromRow(result->rows.front());
}

// OK, or the Conflict naming what is taken (the username first).
Status CheckTaken(MysqlConnection& connection, std::string_view username_key,
                  std::string_view email_key) {
  Result<SqlResult> taken = connection.Run("check username and email", kTaken,
                                           {username_key, email_key});
  if (!taken.ok()) return taken.status();
  const SqlRow& row = taken->rows.at(0);
  if (row.at(0) == "1") return Status::Conflict(kUsernameTaken);
  if (row.at(1) == "1") return Status::Conflict(kEmailTaken);
  return Status::Ok();
}

// A value the columns cannot hold is the caller's mistake, not an outage.
Status ForCaller(const MysqlConnection& connection, Status status) {
  switch (connection.last_errno()) {
    case ER_DATA_TOO_LONG:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_TRUNCATED_WRONG_VALUE:
    case WARN_DATA_TRUNCATED:
      return Status::InvalidArgument("user database: a value is too long or not UTF-8");
    default:
      return status;
  }
}

// The DATETIME literal of `t`: "YYYY-MM-DD HH:MM:SS" (UTC, the session's time zone).
std::string SqlDateTime(TimePoint t) {
  std::string text = internal::FormatRfc3339(t);  // "YYYY-MM-DDTHH:MM:SSZ"
  text[10] = ' ';
  text.pop_back();
  return text;
}

}  // namespace

MysqlUserStore::MysqlUserStore(const MysqlOptions& options)
    : pool_(options), clock_(options.clock != nullptr ? *options.clock : SystemClock()) {}

Result<std::shared_ptr<MysqlUserStore>> MysqlUserStore::Open(const MysqlOptions& options) {
  if (options.database.empty()) return Status::InvalidArgument("MySQL user store: no database name");
  if (options.max_connections == 0) {
    return Status::InvalidArgument("MySQL user store: max_connections must be > 0");
  }
  if (options.connect_timeout.count() <= 0 || options.read_timeout.count() <= 0 ||
      options.write_timeout.count() <= 0 || options.migration_lock_timeout.count() <= 0) {
    return Status::InvalidArgument("MySQL user store: timeouts must be > 0");
  }
  std::shared_ptr<MysqlUserStore> store(new MysqlUserStore(options));
  Status migrated = store->pool_.Run([&](MysqlConnection& connection) {
    return internal::Migrate(connection, options, internal::UserStoreMigrations());
  });
  if (!migrated.ok()) return migrated;
  return store;
}

Result<UserStorePtr> OpenMysqlUserStore(const MysqlOptions& options) {
  Result<std::shared_ptr<MysqlUserStore>> store = MysqlUserStore::Open(options);
  if (!store.ok()) return store.status();
  return UserStorePtr(std::move(store).value());
}

Result<User> MysqlUserStore::FindById(std::string_view id) {
  Result<User> found = Status::Unavailable("user database: not run");
  Status ran = pool_.Run([&](MysqlConnection& connection) {
    found = QueryOne(connection, "find user by id", kById, {id});
    return found.ok() || found.status().IsNotFound() ? Status::Ok() : found.status();
  });
  if (!ran.ok()) return ran;
  return found;
}

Result<User> MysqlUserStore::FindByLogin(std::string_view identifier) {
  const std::string key = Key(identifier);
  Result<User> found = Status::Unavailable("user database: not run");
  Status ran = pool_.Run([&](MysqlConnection& connection) {
    found = QueryOne(connection, "find user by login", kByLogin,
                     {std::string_view(key), std::string_view(key), std::string_view(key)});
    return found.ok() || found.status().IsNotFound() ? Status::Ok() : found.status();
  });
  if (!ran.ok()) return ran;
  return found;
}

Status MysqlUserStore::CheckAvailable(std::string_view username, std::string_view email) {
  const std::string username_key = Key(username);
  const std::string email_key = Key(email);
  Status answer;
  Status ran = pool_.Run([&](MysqlConnection& connection) {
    answer = CheckTaken(connection, username_key, email_key);
    return answer.code() == Code::kConflict ? Status::Ok() : answer;
  });
  if (!ran.ok()) return ran;
  return answer;
}

Result<User> MysqlUserStore::Create(std::string_view username, std::string_view email,
                                    std::string_view password_hash) {
  Result<std::string> id = internal::NewUuidV4();
  if (!id.ok()) return Status::Unavailable("user store: no randomness for an id");
  User user;
  user.id = std::move(id).value();
  user.username = std::string(username);
  user.email = std::string(email);
  user.password_hash = std::string(password_hash);
  const TimePoint now = clock_.Now();
  user.created_at = internal::FormatRfc3339(now);
  const std::string created_at = SqlDateTime(now);
  const std::string username_key = Key(username);
  const std::string email_key = Key(email);

  Status answer;
  Status ran = pool_.Run([&](MysqlConnection& connection) {
    Result<SqlResult> inserted = connection.Run(
        "insert user", kInsert,
        {std::string_view(user.id), username, email, std::string_view(username_key),
         std::string_view(email_key), password_hash, std::string_view(created_at)});
    if (inserted.ok()) return answer = Status::Ok();
    if (connection.last_errno() != internal::kErDupEntry) {
      return answer = ForCaller(connection, inserted.status());
    }
    answer = CheckTaken(connection, username_key, email_key);
    // The row that collided was deleted in between: still a conflict on this insert.
    if (answer.ok()) answer = Status::Conflict(kUsernameTaken);
    return answer.code() == Code::kConflict ? Status::Ok() : answer;
  });
  if (!ran.ok()) return ran;
  if (!answer.ok()) return answer;
  return user;
}

Status MysqlUserStore::UpdatePasswordHash(std::string_view id, std::string_view password_hash) {
  std::uint64_t matched = 0;
  Status ran = pool_.Run([&](MysqlConnection& connection) {
    Result<SqlResult> updated =
        connection.Run("update password hash", kUpdateHash, {password_hash, id});
    if (!updated.ok()) return ForCaller(connection, updated.status());
    matched = updated->affected_rows;  // rows matched: CLIENT_FOUND_ROWS
    return Status::Ok();
  });
  if (!ran.ok()) return ran;
  return matched == 0 ? Status::NotFound("no such user") : Status::Ok();
}

Status MysqlUserStore::Delete(std::string_view id) {
  return pool_.Run([&](MysqlConnection& connection) {
    Result<SqlResult> enrolment = connection.Run("delete two-factor enrolment", kDeleteTwoFactor, {id});
    if (!enrolment.ok()) return enrolment.status();
    Result<SqlResult> deleted = connection.Run("delete user", kDelete, {id});
    return deleted.ok() ? Status::Ok() : deleted.status();
  });
}

// --- second factor ---------------------------------------------------------------------

Status MysqlUserStore::RunWrite(std::string_view what, std::string_view sql,
                                std::initializer_list<SqlParam> params, std::uint64_t* affected) {
  return pool_.Run([&](MysqlConnection& connection) {
    Result<SqlResult> ran = connection.Run(what, sql, params);
    if (!ran.ok()) return ForCaller(connection, ran.status());
    if (affected != nullptr) *affected = ran->affected_rows;
    return Status::Ok();
  });
}

Result<TwoFactorEnrolment> MysqlUserStore::GetTwoFactor(std::string_view user_id) {
  TwoFactorEnrolment e;
  bool found = false;
  Status ran = pool_.Run([&](MysqlConnection& connection) {
    Result<SqlResult> read = connection.Run("get two-factor enrolment", kGetTwoFactor, {user_id});
    if (!read.ok()) return read.status();
    if (read->rows.empty()) return Status::Ok();
    SqlRow& row = read->rows[0];
    auto text = [&](std::size_t i) { return row.at(i) ? std::move(*row[i]) : std::string(); };
    found = true;
    e.user_id = user_id;
    e.key_id = text(0);
    e.sealed_secret = text(1);
    e.confirmed = text(2) == "1";
    const std::string step = text(3);
    e.last_step = step.empty() ? -1 : std::strtoll(step.c_str(), nullptr, 10);
    e.recovery_code_hashes = internal::SplitRecoveryCodeHashes(text(4));
    return Status::Ok();
  });
  if (!ran.ok()) return ran;
  if (!found) return Status::NotFound("no two-factor enrolment");
  return e;
}

Status MysqlUserStore::PutPendingTwoFactor(std::string_view user_id, std::string_view key_id,
                                           std::string_view sealed_secret) {
  // Replace a pending row, else insert one; a row that exists but matched no update is
  // confirmed (or was inserted by a racing setup, which then wins).
  for (int round = 0; round < 2; ++round) {
    std::uint64_t matched = 0;
    if (Status st = RunWrite("replace pending two-factor enrolment", kReplacePending,
                             {key_id, sealed_secret, user_id}, &matched);
        !st.ok()) {
      return st;
    }
    if (matched > 0) return Status::Ok();
    bool duplicate = false;
    Status inserted = pool_.Run([&](MysqlConnection& connection) {
      Result<SqlResult> ran = connection.Run("insert pending two-factor enrolment", kInsertPending,
                                             {user_id, key_id, sealed_secret});
      if (!ran.ok() && connection.last_errno() == internal::kErDupEntry) {
        duplicate = true;
        return Status::Ok();
      }
      return ran.ok() ? Status::Ok() : ForCaller(connection, ran.status());
    });
    if (!inserted.ok()) return inserted;
    if (!duplicate) return Status::Ok();
  }
  return Status::Conflict("two-factor authentication is already on");
}

Status MysqlUserStore::ConfirmTwoFactor(std::string_view user_id, std::string_view sealed_secret,
                                        std::int64_t step,
                                        const std::vector<std::string>& recovery_code_hashes) {
  const std::string codes = internal::JoinRecoveryCodeHashes(recovery_code_hashes);
  std::uint64_t matched = 0;
  if (Status st = RunWrite("confirm two-factor enrolment", kConfirmTwoFactor,
                           {step, std::string_view(codes), user_id, sealed_secret}, &matched);
      !st.ok()) {
    return st;
  }
  if (matched == 0) return Status::Conflict("no such pending two-factor enrolment");
  return Status::Ok();
}

Result<bool> MysqlUserStore::AdvanceTwoFactorStep(std::string_view user_id, std::int64_t step) {
  std::uint64_t matched = 0;
  if (Status st = RunWrite("advance two-factor step", kAdvanceStep, {step, user_id, step}, &matched);
      !st.ok()) {
    return st;
  }
  return matched > 0;
}

Result<UserStore::RecoveryCodeUse> MysqlUserStore::UseRecoveryCode(std::string_view user_id,
                                                                   std::string_view code_hash) {
  for (int round = 0; round < 16; ++round) {
    Result<TwoFactorEnrolment> enrolment = GetTwoFactor(user_id);
    if (!enrolment.ok()) {
      if (enrolment.status().IsNotFound()) return RecoveryCodeUse{};
      return enrolment.status();
    }
    if (!enrolment->confirmed) return RecoveryCodeUse{};
    std::optional<std::vector<std::string>> rest =
        internal::WithoutRecoveryCodeHash(enrolment->recovery_code_hashes, code_hash);
    if (!rest) {
      return RecoveryCodeUse{false,
                             static_cast<std::uint32_t>(enrolment->recovery_code_hashes.size())};
    }
    const std::string before = internal::JoinRecoveryCodeHashes(enrolment->recovery_code_hashes);
    const std::string after = internal::JoinRecoveryCodeHashes(*rest);
    std::uint64_t matched = 0;
    if (Status st = RunWrite("spend recovery code", kSwapRecoveryCodes,
                             {std::string_view(after), user_id, std::string_view(before)}, &matched);
        !st.ok()) {
      return st;
    }
    if (matched > 0) return RecoveryCodeUse{true, static_cast<std::uint32_t>(rest->size())};
  }
  return Status::Unavailable("user database: recovery codes kept changing");
}

Status MysqlUserStore::ReplaceRecoveryCodes(std::string_view user_id,
                                            const std::vector<std::string>& recovery_code_hashes) {
  const std::string codes = internal::JoinRecoveryCodeHashes(recovery_code_hashes);
  std::uint64_t matched = 0;
  if (Status st = RunWrite("replace recovery codes", kReplaceRecoveryCodes,
                           {std::string_view(codes), user_id}, &matched);
      !st.ok()) {
    return st;
  }
  if (matched == 0) return Status::NotFound("no confirmed two-factor enrolment");
  return Status::Ok();
}

Status MysqlUserStore::DeleteTwoFactor(std::string_view user_id) {
  return RunWrite("delete two-factor enrolment", kDeleteTwoFactor, {user_id}, nullptr);
}

// --- administration --------------------------------------------------------------------

Result<User> MysqlUserStore::Insert(const User& given) {
  User user = given;
  if (user.id.empty()) {
    Result<std::string> id = internal::NewUuidV4();
    if (!id.ok()) return Status::Unavailable("user store: no randomness for an id");
    user.id = std::move(id).value();
  }
  std::string created_at;
  if (user.created_at.empty()) {
    const TimePoint now = clock_.Now();
    user.created_at = internal::FormatRfc3339(now);
    created_at = SqlDateTime(now);
  } else {
    Result<TimePoint> parsed = internal::ParseRfc3339(user.created_at);
    if (!parsed.ok()) return Status::InvalidArgument("created_at is not RFC 3339");
    created_at = SqlDateTime(*parsed);
  }
  const std::string username_key = Key(user.username);
  const std::string email_key = Key(user.email);
  const std::int64_t premium = user.is_premium ? 1 : 0;
  const std::int64_t verified = user.is_email_verified ? 1 : 0;
  const std::int64_t disabled = user.disabled ? 1 : 0;

  Status answer;
  Status ran = pool_.Run([&](MysqlConnection& connection) {
    Result<SqlResult> inserted = connection.Run(
        "import user", kInsertFull,
        {std::string_view(user.id), std::string_view(user.username),
         std::string_view(user.email), std::string_view(username_key),
         std::string_view(email_key), std::string_view(user.password_hash),
         std::string_view(user.role), premium, verified, std::string_view(created_at), disabled});
    if (inserted.ok()) return answer = Status::Ok();
    if (connection.last_errno() != internal::kErDupEntry) {
      return answer = ForCaller(connection, inserted.status());
    }
    answer = CheckTaken(connection, username_key, email_key);
    if (answer.ok()) {
      Result<SqlResult> id = connection.Run("check user id", kIdTaken, {std::string_view(user.id)});
      if (!id.ok()) return answer = id.status();
      answer = Status::Conflict(id->rows.at(0).at(0) == "1" ? "id already taken"
                                                             : kUsernameTaken);
    }
    return answer.code() == Code::kConflict ? Status::Ok() : answer;
  });
  if (!ran.ok()) return ran;
  if (!answer.ok()) return answer;
  return user;
}

Result<std::vector<User>> MysqlUserStore::List(std::string_view after_username,
                                               std::size_t limit) {
  const std::string after_key = Key(after_username);
  std::vector<User> users;
  Status ran = pool_.Run([&](MysqlConnection& connection) {
    users.clear();
    Result<SqlResult> rows = connection.Run("list users", kList,
                                            {std::string_view(after_key),
                                             static_cast<std::int64_t>(limit)});
    if (!rows.ok()) return rows.status();
    for (SqlRow& row : rows->rows) users.push_back(FromRow(row));
    return Status::Ok();
  });
  if (!ran.ok()) return ran;
  return users;
}

Status MysqlUserStore::UpdateOne(std::string_view what, std::string_view sql, SqlParam value,
                                 std::string_view id) {
  std::uint64_t matched = 0;
  Status ran = pool_.Run([&](MysqlConnection& connection) {
    Result<SqlResult> updated = connection.Run(what, sql, {value, id});
    if (!updated.ok()) return ForCaller(connection, updated.status());
    matched = updated->affected_rows;  // rows matched: CLIENT_FOUND_ROWS
    return Status::Ok();
  });
  if (!ran.ok()) return ran;
  return matched == 0 ? Status::NotFound("no such user") : Status::Ok();
}

Status MysqlUserStore::SetDisabled(std::string_view id, bool disabled) {
  return UpdateOne("set disabled", kSetDisabled, std::int64_t{disabled ? 1 : 0}, id);
}

Status MysqlUserStore::SetRole(std::string_view id, std::string_view role) {
  return UpdateOne("set role", kSetRole, role, id);
}

Status MysqlUserStore::SetEmailVerified(std::string_view id, bool verified) {
  return UpdateOne("set email verified", kSetEmailVerified, std::int64_t{verified ? 1 : 0}, id);
}

}  // namespace sessionkit
