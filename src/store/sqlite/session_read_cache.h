// SessionReadCache: the SQLite store's per-process cache of live session records, valid
// only while the database file has not changed since they were read.
//
// Rule (what makes it coherent): an entry remembers the WalVersion (wal_change_watch.h)
// read just BEFORE the SQLite read that produced it, and is served only while the file's
// current version equals that one, i.e. while no connection of any process has committed
// anything since. Then the database is exactly as that read saw it, so the entry is what
// a fresh read would return. Any commit -- a revocation through this process, a
// sessionkit-ctl or second server deleting a row, a sliding write, a login -- changes the
// version, and every entry is a miss from the next lookup on (entries are replaced as
// they are read again). Expiry is still checked on every hit against the caller's clock.
// Only live sessions are cached; NotFound, Expired and Malformed are never cached.
//
// Bounded: at most `capacity` entries (an insert into a full shard evicts one of its
// entries first), ~1 KiB each with a typical 400-byte record. Capacity 0 = off.
// Thread-safe: 16 shards, each behind its own mutex, held only to look up or insert.
#ifndef SESSIONKIT_STORE_SQLITE_SESSION_READ_CACHE_H_
#define SESSIONKIT_STORE_SQLITE_SESSION_READ_CACHE_H_

#include <array>
#include <functional>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sessionkit/session.h"
#include "src/store/sqlite/wal_change_watch.h"

namespace sessionkit::internal {

class SessionReadCache {
 public:
  explicit SessionReadCache(std::size_t capacity);

  bool enabled() const noexcept { return per_shard_capacity_ > 0; }

  // Copies the entry for `id` into `out` when it was read at `current` and is live at
  // `now_ms` (Unix ms, rounded down). false otherwise (nothing written to `out`).
  bool Find(std::string_view id, const WalVersion& current, std::int64_t now_ms,
            Session& out) const;
  // Remembers `session` (live until expires_ms) as read at `read_at`. An unstable
  // version is not stored.
  void Store(const Session& session, std::int64_t expires_ms, const WalVersion& read_at);

  std::size_t size() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Entry {
    Session session;
    std::int64_t expires_ms;
    WalVersion read_at;
  };
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept {
      return std::hash<std::string_view>()(id);
    }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry, IdHash, std::equal_to<>> entries;
  };
  Shard& ShardOf(std::string_view id) const noexcept;

  const std::size_t per_shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_SESSION_READ_CACHE_H_
