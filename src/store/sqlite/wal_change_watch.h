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
// OnlyOurCommitBetween (below) compares a reading taken inside this process's write
// transaction with one taken after its COMMIT, to tell whether that commit was the only one.
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
#include <cstddef>
#include <cstdint>
#include <cstring>
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

  // Fields of the header (walformat.html; native byte order, as SQLite stores them).
  std::uint32_t format_version() const noexcept { return Word(0); }   // iVersion
  std::uint32_t change_counter() const noexcept { return Word(8); }   // iChange
  std::uint32_t max_frame() const noexcept { return Word(16); }       // mxFrame
  std::uint64_t salts() const noexcept { return header[4]; }          // aSalt[2]

 private:
  std::uint32_t Word(std::size_t byte_offset) const noexcept {
    std::uint32_t value;
    std::memcpy(&value, reinterpret_cast<const unsigned char*>(header.data()) + byte_offset,
                sizeof value);
    return value;
  }
};

// The proof that lets the read cache survive this process's own commits.
//
// `before` must have been read while this process's connection held SQLite's write lock
// (inside BEGIN IMMEDIATE, after it returned) and `after` once its COMMIT returned. Every
// writer of the header -- a commit, a WAL restart, a RESTART/TRUNCATE checkpoint, a
// recovery -- holds that lock, so nothing but our own COMMIT wrote the header until the
// COMMIT released it; only the interval between the COMMIT's return and `after` is open to
// other connections. SQLite increments the change counter exactly once per committed
// transaction (walFrames with the commit flag) and at no other time; a WAL restart keeps
// it but changes the salts and resets the frame count; a recovery rebuilds the header with
// the counter at zero. So when our transaction changed at least one row (its COMMIT then
// appended frames and bumped the counter once), the only commit between the two readings
// was ours exactly when:
//   - both readings are stable;
//   - the counter went up by exactly one, without wrapping (a foreign commit after ours
//     makes it two or more; a recovery resets it);
//   - the salts are equal and the frame count grew (no WAL restart and no recovery in
//     between, ours included: then we do not try to reason, and the caller empties the cache);
//   - the format version is the same.
// Anything else -- including a transaction that changed nothing yet left a different
// header -- is not a proof (false). A transaction that changed no row proves "nothing
// happened" only when the two readings are equal (operator==).
bool OnlyOurCommitBetween(const WalVersion& before, const WalVersion& after) noexcept;

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
