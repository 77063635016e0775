#include "src/store/sqlite/database.h"

#include <string>

#include "src/store/sqlite/guarded.h"
#include "src/store/sqlite/writer_lock.h"

namespace sessionkit::internal {

SqliteDatabase::SqliteDatabase(const SqliteStoreOptions& options, std::size_t max_connections)
    : options_(options),
      clock_(ClockOrSystem(options.clock)),
      pool_(options.path, options.busy_timeout, max_connections, options.busy_timeout) {}

Result<std::shared_ptr<SqliteDatabase>> SqliteDatabase::Open(const SqliteStoreOptions& options,
                                                             std::size_t max_connections,
                                                             std::string_view component) {
  auto bad = [component](const char* what) {
    return Status::InvalidArgument(std::string(component) + ": " + what);
  };
  if (options.path.empty() || options.path == ":memory:") {
    return bad("path must name a file (\":memory:\" and \"\" are not supported)");
  }
  if (options.busy_timeout.count() < 0) return bad("busy_timeout is negative");
  if (options.purge_interval.count() < 0) return bad("purge_interval is negative");
  if (options.purge_batch == 0) return bad("purge_batch must be at least 1");
  return Guarded(component, [&]() -> Result<std::shared_ptr<SqliteDatabase>> {
    std::shared_ptr<SqliteDatabase> database(new SqliteDatabase(options, max_connections));
    // Open the first connection now: creates the file and schema, or reports why not.
    Result<ConnectionPool::Lease> first = database->pool_.Acquire();
    if (!first.ok()) return first.status();
    return database;
  });
}

Result<std::unique_lock<std::timed_mutex>> SqliteDatabase::LockWriter() {
  return internal::LockWriter(writer_, options_.busy_timeout);
}

}  // namespace sessionkit::internal
