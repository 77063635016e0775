// Read-only users of an existing MySQL schema through two operator-written SELECTs
// (include/sessionkit/mysql_store.h, API.md §10).
//
// The queries are checked at open by preparing them (nothing runs): one `?` each and the
// seven columns by name, so a typo refuses start with the column named instead of failing
// every login later. At run time each lookup is that prepared query with the identifier
// (trimmed, A-Z lowered) or the id bound to its `?`; columns are found by name, so their
// order and extra columns do not matter. Writes are refused with kReadOnlyUsersMessage.
#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <utility>

#include "sessionkit/mysql_store.h"
#include "src/store/mysql/mysql_pool.h"

namespace sessionkit {
namespace {

using internal::MysqlConnection;
using internal::SqlResult;

constexpr std::array<std::string_view, 7> kColumns = {
    "id", "username", "email", "password_hash", "role", "is_premium", "is_verified"};

std::string Lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trimmed(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// Index of each kColumns entry in `columns` (names compared ignoring A-Z case), or the
// first missing name.
Result<std::array<std::size_t, kColumns.size()>> ColumnIndexes(
    const std::vector<std::string>& columns, std::string_view variable) {
  std::array<std::size_t, kColumns.size()> indexes{};
  for (std::size_t k = 0; k < kColumns.size(); ++k) {
    auto it = std::find_if(columns.begin(), columns.end(),
                           [&](const std::string& name) { return Lowered(name) == kColumns[k]; });
    if (it == columns.end()) {
      return Status::InvalidArgument(std::string(variable) + " returns no column '" +
                                     std::string(kColumns[k]) + "' (name it with AS " +
                                     std::string(kColumns[k]) + ")");
    }
    indexes[k] = static_cast<std::size_t>(it - columns.begin());
  }
  return indexes;
}

class MysqlExternalUserStore final : public UserStore {
 public:
  MysqlExternalUserStore(const MysqlOptions& options, ExternalUserQueries queries)
      : pool_(options), queries_(std::move(queries)) {}

  // Prepares both queries; see OpenMysqlExternalUserStore.
  Status Validate() {
    return pool_.Run([&](MysqlConnection& connection) -> Status {
      for (const auto& [variable, sql] : {std::pair<std::string_view, const std::string&>{
                                              "USER_LOOKUP_SQL", queries_.lookup_sql},
                                          {"USER_BY_ID_SQL", queries_.by_id_sql}}) {
        Result<MysqlConnection::Shape> shape = connection.Describe(variable, sql);
        if (!shape.ok()) {
          if (connection.broken()) return shape.status();  // the database, not the query
          return Status::InvalidArgument(std::string(variable) + " does not prepare: " +
                                         std::string(shape.status().message()));
        }
        if (shape->parameters != 1) {
          return Status::InvalidArgument(std::string(variable) + " must have exactly one ?, has " +
                                         std::to_string(shape->parameters));
        }
        Result<std::array<std::size_t, kColumns.size()>> indexes =
            ColumnIndexes(shape->columns, variable);
        if (!indexes.ok()) return indexes.status();
      }
      return Status::Ok();
    });
  }

  Result<User> FindById(std::string_view id) override {
    return Lookup("USER_BY_ID_SQL", queries_.by_id_sql, id);
  }
  Result<User> FindByLogin(std::string_view identifier) override {
    return Lookup("USER_LOOKUP_SQL", queries_.lookup_sql, Lowered(Trimmed(identifier)));
  }
  Status CheckAvailable(std::string_view, std::string_view) override { return ReadOnly(); }
  Result<User> Create(std::string_view, std::string_view, std::string_view) override {
    return ReadOnly();
  }
  Status UpdatePasswordHash(std::string_view, std::string_view) override { return ReadOnly(); }
  Status Delete(std::string_view) override { return ReadOnly(); }
  Status SetEmailVerified(std::string_view, bool) override { return ReadOnly(); }

 private:
  static Status ReadOnly() { return Status::InvalidArgument(kReadOnlyUsersMessage); }

  Result<User> Lookup(std::string_view variable, const std::string& sql, std::string_view arg) {
    Result<User> found = Status::NotFound("no such user");
    Status ran = pool_.Run([&](MysqlConnection& connection) -> Status {
      Result<SqlResult> result = connection.Run(variable, sql, {arg});
      if (!result.ok()) return result.status();
      if (result->rows.empty()) return Status::Ok();
      Result<std::array<std::size_t, kColumns.size()>> at = ColumnIndexes(result->columns, variable);
      if (!at.ok()) return Status::Unavailable("user database: " + std::string(at.status().message()));
      internal::SqlRow& row = result->rows.front();
      auto text = [&](std::size_t k) { return row.at((*at)[k]).value_or(""); };
      auto flag = [&](std::size_t k) {
        const std::string v = text(k);
        return !v.empty() && v != "0";
      };
      User u;
      u.id = text(0);
      u.username = text(1);
      u.email = text(2);
      u.password_hash = text(3);
      u.role = row.at((*at)[4]) ? text(4) : "user";
      u.is_premium = flag(5);
      u.is_email_verified = flag(6);
      found = std::move(u);
      return Status::Ok();
    });
    if (!ran.ok()) return ran;
    return found;
  }

  internal::MysqlPool pool_;
  const ExternalUserQueries queries_;
};

}  // namespace

Result<UserStorePtr> OpenMysqlExternalUserStore(const MysqlOptions& options,
                                                const ExternalUserQueries& queries) {
  if (options.database.empty()) return Status::InvalidArgument("MySQL user store: no database name");
  if (options.max_connections == 0 || options.connect_timeout.count() <= 0 ||
      options.read_timeout.count() <= 0 || options.write_timeout.count() <= 0) {
    return Status::InvalidArgument("MySQL user store: max_connections and timeouts must be > 0");
  }
  if (queries.lookup_sql.empty() || queries.by_id_sql.empty()) {
    return Status::InvalidArgument("USER_LOOKUP_SQL and USER_BY_ID_SQL must be set together");
  }
  auto store = std::make_shared<MysqlExternalUserStore>(options, queries);
  if (Status valid = store->Validate(); !valid.ok()) return valid;
  return UserStorePtr(std::move(store));
}

}  // namespace sessionkit
