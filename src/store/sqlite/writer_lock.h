// LockWriter: serialises one process's writes to a SQLite file through a timed mutex.
//
// Waiting on our own mutex is cheaper than letting SQLite's busy handler back off; other
// processes are still kept out by SQLite's own locking (busy_timeout). Unavailable when
// the lock is not free within `timeout`.
#ifndef SESSIONKIT_STORE_SQLITE_WRITER_LOCK_H_
#define SESSIONKIT_STORE_SQLITE_WRITER_LOCK_H_

#include <chrono>
#include <mutex>
#include <string>

#include "sessionkit/result.h"

namespace sessionkit::internal {

inline Result<std::unique_lock<std::timed_mutex>> LockWriter(std::timed_mutex& writer,
                                                             std::chrono::milliseconds timeout) {
  std::unique_lock<std::timed_mutex> lock(writer, std::defer_lock);
  if (!lock.try_lock_for(timeout)) {
    return Status::Unavailable("sqlite: another write in this process held the database for " +
                               std::to_string(timeout.count()) + " ms");
  }
  return lock;
}

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_WRITER_LOCK_H_
