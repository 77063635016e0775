#include "src/store/sqlite/connection_pool.h"

#include <utility>

namespace sessionkit::internal {

ConnectionPool::ConnectionPool(std::string path, std::chrono::milliseconds busy_timeout,
                               std::size_t max_connections, std::chrono::milliseconds wait)
    : path_(std::move(path)),
      busy_timeout_(busy_timeout),
      max_connections_(max_connections == 0 ? 1 : max_connections),
      wait_(wait) {}

ConnectionPool::~ConnectionPool() = default;

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::unique_lock lock(mu_);
    const bool available = returned_.wait_for(lock, wait_, [this] {
      return !idle_.empty() || opened_ < max_connections_;
    });
    if (!available) {
      return Status::Unavailable("sqlite: all " + std::to_string(max_connections_) +
                                 " connections stayed busy for " +
                                 std::to_string(wait_.count()) + " ms");
    }
    if (!idle_.empty()) {
      std::unique_ptr<SqliteConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++opened_;  // reserve the slot; open outside the lock (file I/O)
  }
  Result<std::unique_ptr<SqliteConnection>> opened = SqliteConnection::Open(path_, busy_timeout_);
  if (!opened.ok()) {
    {
      std::lock_guard lock(mu_);
      --opened_;
    }
    returned_.notify_one();
    return opened.status();
  }
  return Lease(this, std::move(opened).value());
}

void ConnectionPool::Release(std::unique_ptr<SqliteConnection> connection) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace sessionkit::internal
