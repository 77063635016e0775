// Versioned schema migrations for the MySQL stores.
//
// A migration is a version number, a name and one DDL statement. Migrate() takes a
// server-wide named lock (GET_LOCK "sk_migrate.<database>", waiting at most
// options.migration_lock_timeout), creates `schema_migrations(version, name, applied_at)`
// if missing, runs every migration whose version is not recorded there, in order,
// recording each right after it succeeds, and releases the lock. Several servers starting
// at once therefore run each migration exactly once: the others wait for the lock and
// then find it recorded. Versions recorded by a newer build and unknown here are left
// alone (a rolling upgrade keeps old servers running on an extended schema).
//
// Each statement is idempotent (CREATE TABLE IF NOT EXISTS ...), so a server that died
// between a statement and its record leaves nothing the next run cannot finish.
// Errors: Unavailable (the database's, or "timed out waiting for the migration lock").
#ifndef SESSIONKIT_STORE_MYSQL_MYSQL_SCHEMA_H_
#define SESSIONKIT_STORE_MYSQL_MYSQL_SCHEMA_H_

#include <span>

#include "sessionkit/mysql_store.h"
#include "src/store/mysql/mysql_connection.h"

namespace sessionkit::internal {

struct MysqlMigration {
  int version;
  const char* name;
  const char* sql;
};

// The user store's migrations, oldest first (the schema of mysql_user_store.h).
std::span<const MysqlMigration> UserStoreMigrations();

Status Migrate(MysqlConnection& connection, const MysqlOptions& options,
               std::span<const MysqlMigration> migrations);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_MYSQL_MYSQL_SCHEMA_H_
