// The bounded connection pool of the MySQL stores (see mysql_pool.h).
#include "src/store/mysql/mysql_pool.h"

#include <utility>

namespace sessionkit::internal {

Result<MysqlPool::Lease> MysqlPool::Acquire() {
  {
    std::unique_lock lock(mu_);
    const bool ready = returned_.wait_for(lock, options_.connect_timeout, [&] {
      return !idle_.empty() || open_ < options_.max_connections;
    });
    if (!ready) {
      return Status::Unavailable("user database: all " + std::to_string(options_.max_connections) +
                                 " connections busy (pool exhausted)");
    }
    if (!idle_.empty()) {
      Lease lease{std::move(idle_.back()), true};
      idle_.pop_back();
      return lease;
    }
    ++open_;  // a slot for the connection opened below, outside the lock
  }
  Result<MysqlConnectionPtr> connection = MysqlConnection::Connect(options_);
  if (!connection.ok()) {
    std::lock_guard lock(mu_);
    --open_;
    returned_.notify_one();
    return connection.status();
  }
  return Lease{std::move(connection).value(), false};
}

void MysqlPool::Release(MysqlConnectionPtr connection) {
  std::vector<MysqlConnectionPtr> dead;
  {
    std::lock_guard lock(mu_);
    if (connection->broken()) {
      dead.swap(idle_);  // closed below, outside the lock
      open_ -= dead.size() + 1;
      dead.push_back(std::move(connection));
    } else {
      idle_.push_back(std::move(connection));
    }
  }
  returned_.notify_all();
}

Status MysqlPool::Run(const std::function<Status(MysqlConnection&)>& op) {
  for (int attempt = 0;; ++attempt) {
    Result<Lease> lease = Acquire();
    if (!lease.ok()) return lease.status();
    MysqlConnection& connection = *lease->connection;
    connection.ResetExecuted();
    Status status = op(connection);
    const bool retry = !status.ok() && connection.broken() && lease->reused &&
                       !connection.executed() && attempt == 0;
    Release(std::move(lease->connection));
    if (!retry) return status;
  }
}

}  // namespace sessionkit::internal
