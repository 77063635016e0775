// MysqlPool: at most max_connections blocking connections to one database, shared by the
// threads that call a MySQL store.
//
// Run(op) lends op one connection: an idle one, else a new one while fewer than
// max_connections are open, else it waits for one to come back (at most connect_timeout,
// then Unavailable "pool exhausted"). Connections are opened lazily and reopened after a
// failure: a connection that broke (broken()) is closed instead of returned, and every
// idle connection is closed with it (after a database restart they are all dead). When a
// reused connection breaks before any statement of op reached the execute step (e.g. the
// prepare of its first statement met a connection the restarted server had closed), op
// runs once more on a new connection: nothing was done on the server, so the retry is
// safe and the first call after a restart succeeds. Any other failure is op's answer.
//
// Thread-safe. op must not keep the connection after it returns.
#ifndef SESSIONKIT_STORE_MYSQL_MYSQL_POOL_H_
#define SESSIONKIT_STORE_MYSQL_MYSQL_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "sessionkit/mysql_store.h"
#include "src/store/mysql/mysql_connection.h"

namespace sessionkit::internal {

class MysqlPool {
 public:
  explicit MysqlPool(MysqlOptions options) : options_(std::move(options)) {}
  MysqlPool(const MysqlPool&) = delete;
  MysqlPool& operator=(const MysqlPool&) = delete;

  Status Run(const std::function<Status(MysqlConnection&)>& op);

  const MysqlOptions& options() const { return options_; }

 private:
  struct Lease {
    MysqlConnectionPtr connection;
    bool reused = false;
  };
  Result<Lease> Acquire();
  void Release(MysqlConnectionPtr connection);

  const MysqlOptions options_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<MysqlConnectionPtr> idle_;  // guarded by mu_
  std::size_t open_ = 0;                  // guarded by mu_: idle + lent + connecting
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_MYSQL_MYSQL_POOL_H_
