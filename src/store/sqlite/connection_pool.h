// ConnectionPool: the SQLite store's connections to its one database file.
//
// Why a pool: an SQLite connection must not be used by two threads at once, and one
// shared connection behind a mutex would serialize readers that WAL lets run in parallel.
// So every store operation borrows a connection for its duration (Acquire) and returns it
// when the Lease goes away. Connections are opened lazily, up to max_connections; a caller
// that finds them all busy waits for one to come back, at most `wait` (then Unavailable).
// Each connection keeps its prepared statements for its whole life.
//
// Thread-safe. The mutex is held only to hand connections out and take them back, never
// while a connection is in use or being opened.
#ifndef SESSIONKIT_STORE_SQLITE_CONNECTION_POOL_H_
#define SESSIONKIT_STORE_SQLITE_CONNECTION_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sessionkit/result.h"
#include "src/store/sqlite/connection.h"

namespace sessionkit::internal {

class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_ != nullptr) pool_->Release(std::move(connection_));
    }
    SqliteConnection& operator*() const noexcept { return *connection_; }
    SqliteConnection* operator->() const noexcept { return connection_.get(); }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<SqliteConnection> connection) noexcept
        : pool_(pool), connection_(std::move(connection)) {}
    ConnectionPool* pool_;
    std::unique_ptr<SqliteConnection> connection_;
  };

  // Opens nothing yet. `max_connections` >= 1.
  ConnectionPool(std::string path, std::chrono::milliseconds busy_timeout,
                 std::size_t max_connections, std::chrono::milliseconds wait);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ~ConnectionPool();  // every Lease must have been returned

  // Errors: whatever opening a new connection fails with (Unavailable), or Unavailable
  // when no connection came back within `wait`.
  Result<Lease> Acquire();

  const std::string& path() const noexcept { return path_; }

 private:
  void Release(std::unique_ptr<SqliteConnection> connection);

  const std::string path_;
  const std::chrono::milliseconds busy_timeout_;
  const std::size_t max_connections_;
  const std::chrono::milliseconds wait_;

  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;  // guarded by mu_
  std::size_t opened_ = 0;  // open or being opened; guarded by mu_
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_CONNECTION_POOL_H_
