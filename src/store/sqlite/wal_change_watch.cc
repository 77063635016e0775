#include "src/store/sqlite/wal_change_watch.h"

#include <sqlite3.h>

#include <atomic>
#include <utility>

namespace sessionkit::internal {
namespace {

// Region size SQLite maps the wal-index with (WALINDEX_PGSZ in its sources, part of the
// documented layout: the header sits at the start of the first 32 KiB region).
constexpr int kWalIndexRegionSize = 32768;
constexpr std::size_t kHeaderWords = 6;  // 48 bytes

void LoadHeaderCopy(const volatile std::uint64_t* words, std::array<std::uint64_t, 6>& out) {
  for (std::size_t i = 0; i < kHeaderWords; ++i) out[i] = words[i];
}

}  // namespace

Result<std::unique_ptr<WalChangeWatch>> WalChangeWatch::Open(
    const std::string& path, std::chrono::milliseconds busy_timeout) {
  Result<std::unique_ptr<SqliteConnection>> connection = SqliteConnection::Open(path, busy_timeout);
  if (!connection.ok()) return connection.status();
  sqlite3* db = (*connection)->db();
  // One read transaction maps the wal-index (SqliteConnection::Open has run one already;
  // this one makes it explicit and cheap to reason about).
  {
    StatementRun version(**connection, Sql::kSchemaVersion);
    Result<bool> row = version.Step();
    if (!row.ok()) return row.status();
  }
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
      file == nullptr || file->pMethods == nullptr || file->pMethods->iVersion < 2 ||
      file->pMethods->xShmMap == nullptr) {
    return Status::Unavailable("sqlite: the file's VFS has no shared-memory wal-index");
  }
  void volatile* region = nullptr;
  const int rc = file->pMethods->xShmMap(file, 0, kWalIndexRegionSize, 0, &region);
  if (rc != SQLITE_OK || region == nullptr) {
    return Status::Unavailable("sqlite: the wal-index is not mapped");
  }
  return std::unique_ptr<WalChangeWatch>(
      new WalChangeWatch(std::move(connection).value(), const_cast<const volatile void*>(region)));
}

WalVersion WalChangeWatch::Read() const noexcept {
  // SQLite's writers store the second copy, then a barrier, then the first; its readers
  // load the first, a barrier, then the second. Same here.
  const auto* words = static_cast<const volatile std::uint64_t*>(header_);
  WalVersion v;
  std::array<std::uint64_t, 6> second{};
  LoadHeaderCopy(words, v.header);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  LoadHeaderCopy(words + kHeaderWords, second);
  // isInit (byte 12) must be set; both copies equal means no commit was half-written.
  const auto* bytes = reinterpret_cast<const unsigned char*>(v.header.data());
  v.stable = v.header == second && bytes[12] != 0;
  return v;
}

bool OnlyOurCommitBetween(const WalVersion& before, const WalVersion& after) noexcept {
  if (!before.stable || !after.stable) return false;
  if (before.change_counter() == UINT32_MAX) return false;  // a wrap is not a proof
  return after.change_counter() == before.change_counter() + 1 &&
         after.salts() == before.salts() && after.max_frame() > before.max_frame() &&
         after.format_version() == before.format_version();
}

}  // namespace sessionkit::internal
