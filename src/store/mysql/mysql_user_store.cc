// The MySQL user store (see mysql_user_store.h).
#include "src/store/mysql/mysql_user_store.h"

#include <mysqld_error.h>

#include <string>
#include <utility>

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
constexpr const char* kTaken =
    "SELECT EXISTS(SELECT 1 FROM users WHERE username_key = ?),"
    " EXISTS(SELECT 1 FROM users WHERE email_key = ?)";
constexpr const char* kInsert =
    "INSERT INTO users (id, username, email, username_key, email_key, password_hash,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kUpdateHash = "UPDATE users SET password_hash = ? WHERE id = ?";
constexpr const char* kDelete = "DELETE FROM users WHERE id = ?";

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
    Result<SqlResult> deleted = connection.Run("delete user", kDelete, {id});
    return deleted.ok() ? Status::Ok() : deleted.status();
  });
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

}  // namespace sessionkit
