// OpenSqliteStores (include/sessionkit/sqlite_store.h): the session, auth-state and user
// stores of one file on one shared SqliteDatabase (database.h).
#include <memory>
#include <utility>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/sqlite_store.h"
#include "src/store/sqlite/database.h"
#include "src/store/sqlite/guarded.h"
#include "src/store/sqlite/sqlite_auth_state.h"
#include "src/store/sqlite/sqlite_store.h"
#include "src/store/sqlite/sqlite_user_store.h"

namespace sessionkit {

Result<SqliteStores> OpenSqliteStores(const SqliteStoreOptions& options) {
  Result<internal::SqliteDatabasePtr> database = internal::SqliteDatabase::Open(
      options, internal::SqliteDatabase::kSharedConnections, "sqlite store");
  if (!database.ok()) return database.status();
  return internal::Guarded("sqlite store", [&]() -> Result<SqliteStores> {
    SqliteStores stores;
    stores.sessions = SqliteStore::OnDatabase(*database);
    Result<std::shared_ptr<SqliteAuthStateStore>> auth_state =
        SqliteAuthStateStore::OnDatabase(*database);
    if (!auth_state.ok()) return auth_state.status();
    stores.auth_state = std::move(auth_state).value();
    Result<std::shared_ptr<SqliteUserStore>> users = SqliteUserStore::OnDatabase(*database);
    if (!users.ok()) return users.status();
    stores.users = std::move(users).value();
    return stores;
  });
}

}  // namespace sessionkit
