// The user store's schema and the migration runner (see mysql_schema.h).
//
// Why two key columns: MySQL's case-insensitive collations fold more than ASCII
// (utf8mb4_general_ci makes 'ä' equal 'a' and ignores trailing spaces), while the SQLite
// store's COLLATE NOCASE folds A-Z only. To match it exactly, the store writes
// username_key / email_key as the value with A-Z lowered, in binary columns, and the
// unique indexes and lookups use those; username and email keep the text as given.
#include "src/store/mysql/mysql_schema.h"

#include <algorithm>
#include <set>
#include <string>

namespace sessionkit::internal {
namespace {

constexpr MysqlMigration kUserStoreMigrations[] = {
    {1, "create users",
     "CREATE TABLE IF NOT EXISTS users ("
     " id VARCHAR(64) NOT NULL,"
     " username VARCHAR(255) NOT NULL,"
     " email VARCHAR(320) NOT NULL,"
     " username_key VARBINARY(1020) NOT NULL,"
     " email_key VARBINARY(1280) NOT NULL,"
     " password_hash VARBINARY(1024) NOT NULL,"
     " role VARCHAR(64) NOT NULL DEFAULT 'user',"
     " is_premium TINYINT(1) NOT NULL DEFAULT 0,"
     " is_email_verified TINYINT(1) NOT NULL DEFAULT 0,"
     " created_at DATETIME NOT NULL,"
     " PRIMARY KEY (id),"
     " UNIQUE KEY users_username_key (username_key),"
     " UNIQUE KEY users_email_key (email_key)"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"},
    {2, "add users.disabled",
     "ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled TINYINT(1) NOT NULL DEFAULT 0"},
    // The second factor (API.md §9): one row per enrolled user; recovery_codes holds the
    // comma-separated hashes of the unused codes (spent by a compare-and-set on the list).
    {3, "create two_factor",
     "CREATE TABLE IF NOT EXISTS two_factor ("
     " user_id VARCHAR(64) NOT NULL,"
     " key_id VARCHAR(32) NOT NULL,"
     " sealed_secret VARBINARY(255) NOT NULL,"
     " confirmed TINYINT(1) NOT NULL DEFAULT 0,"
     " last_step BIGINT NOT NULL DEFAULT -1,"
     " recovery_codes VARBINARY(1024) NOT NULL DEFAULT '',"
     " PRIMARY KEY (user_id)"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"},
};

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(128) NOT NULL,"
    " applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

Status RunLocked(MysqlConnection& connection, std::span<const MysqlMigration> migrations) {
  Result<SqlResult> created = connection.Run("create schema_migrations", kCreateMigrationsTable);
  if (!created.ok()) return created.status();
  Result<SqlResult> applied = connection.Run("read schema_migrations",
                                             "SELECT version FROM schema_migrations");
  if (!applied.ok()) return applied.status();
  std::set<std::string> done;
  for (const SqlRow& row : applied->rows) {
    if (row.at(0)) done.insert(*row[0]);
  }
  for (const MysqlMigration& migration : migrations) {
    if (done.contains(std::to_string(migration.version))) continue;
    const std::string what = "migration " + std::to_string(migration.version) + " (" +
                             migration.name + ")";
    Result<SqlResult> ran = connection.Run(what, migration.sql);
    if (!ran.ok()) return ran.status();
    Result<SqlResult> recorded = connection.Run(
        "record " + what, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
        {std::int64_t{migration.version}, std::string_view(migration.name)});
    if (!recorded.ok()) return recorded.status();
  }
  return Status::Ok();
}

}  // namespace

std::span<const MysqlMigration> UserStoreMigrations() { return kUserStoreMigrations; }

Status Migrate(MysqlConnection& connection, const MysqlOptions& options,
               std::span<const MysqlMigration> migrations) {
  const std::string lock_name = ("sk_migrate." + options.database).substr(0, 64);
  Result<SqlResult> locked =
      connection.Run("take the migration lock", "SELECT GET_LOCK(?, ?)",
                     {std::string_view(lock_name),
                      std::int64_t{options.migration_lock_timeout.count()}});
  if (!locked.ok()) return locked.status();
  if (locked->rows.empty() || !locked->rows[0].at(0) || *locked->rows[0][0] != "1") {
    return Status::Unavailable("user database: timed out waiting for the migration lock "
                               "(another server migrating?)");
  }
  Status migrated = RunLocked(connection, migrations);
  if (!connection.broken()) {
    // A lock is also released when its connection closes; this only frees it earlier.
    Result<SqlResult> released = connection.Run("release the migration lock",
                                                "SELECT RELEASE_LOCK(?)", {std::string_view(lock_name)});
    if (migrated.ok() && !released.ok()) return released.status();
  }
  return migrated;
}

}  // namespace sessionkit::internal
