// WalChangeWatch: tells, without a system call, whether any connection of any process
// may have committed to a WAL-mode SQLite file since an earlier look.
//
// Every commit to a WAL database (and every restart of the WAL by a checkpoint) rewrites
// the wal-index header in the shared-memory file beside it (`<db>-shm`, format in
// SQLite's walformat.html): a change counter incremented on each rewrite, the number of
// valid frames, the salts and the running checksum. Readers of every process map the
// same memory, so two equal headers read at two instants mean nothing was committed in
// between (short of the 32-bit counter wrapping, or a crash recovery rebuilding a header
// equal in all 48 bytes for different contents). The watch maps that header through the
// public VFS interface (SQLITE_FCNTL_FILE_POINTER, xShmMap) of a connection of its own,
// kept open for its lifetime so the mapping stays valid.
//
// Read() copies the header the way SQLite's readers do (first copy, barrier, second
// copy); when the two copies differ a writer is in the middle of a commit and the
// version is marked unstable: it never equals any other version, so a reader treats it
// as "changed".
//
// Scope: it sees commits by every connection that uses the shared-memory wal-index,
// which is every connection in SQLite's default locking mode (the server, sessionkit-ctl,
// the sqlite3 shell). A process that opens the file with PRAGMA locking_mode=EXCLUSIVE
// keeps its wal-index in private memory; it is not supported beside a running server
// (it also locks the server out of the file while it runs).
//
// Open fails (Unavailable) when the file cannot be opened or its VFS has no shared
// memory; callers then simply do without (the read cache stays off). Thread-safe:
// Read() only loads from shared memory.
#ifndef SESSIONKIT_STORE_SQLITE_WAL_CHANGE_WATCH_H_
#define SESSIONKIT_STORE_SQLITE_WAL_CHANGE_WATCH_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "sessionkit/result.h"
#include "src/store/sqlite/connection.h"

namespace sessionkit::internal {

// One reading of the wal-index header. Equal versions: no commit in between.
struct WalVersion {
  std::array<std::uint64_t, 6> header{};  // the 48-byte header as read
  bool stable = false;                     // false: read during a commit, equals nothing

  friend bool operator==(const WalVersion& a, const WalVersion& b) noexcept {
    return a.stable && b.stable && a.header == b.header;
  }
};

class WalChangeWatch {
 public:
  static Result<std::unique_ptr<WalChangeWatch>> Open(const std::string& path,
                                                      std::chrono::milliseconds busy_timeout);
  WalChangeWatch(const WalChangeWatch&) = delete;
  WalChangeWatch& operator=(const WalChangeWatch&) = delete;

  WalVersion Read() const noexcept;

 private:
  WalChangeWatch(std::unique_ptr<SqliteConnection> connection, const volatile void* header)
      : connection_(std::move(connection)), header_(header) {}

  std::unique_ptr<SqliteConnection> connection_;  // keeps the mapping alive
  const volatile void* header_;                   // region 0 of the wal-index
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_WAL_CHANGE_WATCH_H_
