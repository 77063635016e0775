// SessionReadCache: the SQLite store's per-process cache of live session records, valid
// only while nothing but this process's own, accounted-for writes has changed the file.
//
// Rule (what makes it coherent). Each of the 16 shards keeps a trusted WalVersion
// (wal_change_watch.h) and an epoch; an entry carries the epoch it was stored in. An entry
// is served only while the file's current version equals its shard's trusted version and
// its epoch is the shard's: then the database is as the read that produced it saw it, up
// to this process's own commits, whose rows were dropped from the cache.
//   - Store: the caller read the version just BEFORE its SQLite read and again after it
//     and stores only when both are equal (so the record is exactly that version's). An
//     entry read at the trusted version joins the shard's epoch; one read at any other
//     version starts a new epoch at that version (the shard's older entries become misses).
//   - Own commits (AfterOwnCommit): the store reads the version inside its BEGIN IMMEDIATE
//     (while holding SQLite's write lock) and after its COMMIT, and passes both with the ids
//     of every row the transaction inserted, changed or deleted. Those ids are dropped in any
//     case. When OnlyOurCommitBetween(before, after) proves that the commit was the only
//     one, each shard that trusted `before` now trusts `after`: its other entries stay hits.
//     A transaction that changed no row keeps everything only if before == after. Anything
//     else (a foreign commit in the window after our COMMIT, a WAL restart, an unstable
//     reading, a counter jump) empties the cache (InvalidateAll).
//   - Any commit by another process -- sessionkit-ctl, a second server, the sqlite3 shell --
//     or by another store on the same file in this process (auth state, users) changes the
//     version without a proof: every entry is a miss from the next lookup on.
// Expiry is still checked on every hit against the caller's clock. Only live sessions are
// cached; NotFound, Expired and Malformed are never cached.
//
// Bounded: at most `capacity` entries (an insert into a full shard evicts one of its
// entries first), ~1 KiB each with a typical 400-byte record. Capacity 0 = off.
// Thread-safe: 16 shards, each behind its own mutex, held only to look up, insert or
// update that shard (Find takes one shard's mutex, allocates nothing, makes no system
// call). AfterOwnCommit calls must be ordered like the commits (the store makes them
// under its writer lock).
#ifndef SESSIONKIT_STORE_SQLITE_SESSION_READ_CACHE_H_
#define SESSIONKIT_STORE_SQLITE_SESSION_READ_CACHE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sessionkit/session.h"
#include "src/store/sqlite/wal_change_watch.h"

namespace sessionkit::internal {

class SessionReadCache {
 public:
  explicit SessionReadCache(std::size_t capacity);

  bool enabled() const noexcept { return per_shard_capacity_ > 0; }

  // Copies the entry for `id` into `out` when it is valid at `current` (see the rule) and
  // live at `now_ms` (Unix ms, rounded down). false otherwise (nothing written to `out`).
  bool Find(std::string_view id, const WalVersion& current, std::int64_t now_ms,
            Session& out) const;
  // Remembers `session` (live until expires_ms) as read at `read_at` (equal readings
  // before and after the SQLite read). An unstable version is not stored.
  void Store(const Session& session, std::int64_t expires_ms, const WalVersion& read_at);

  // After this process's own write transaction: `before` read inside it under SQLite's
  // write lock, `after` read once its COMMIT returned, `written_ids` every session id whose
  // row it inserted, changed or deleted (empty: it changed no row). See the rule.
  // Returns true when the proof held (entries other than written_ids were kept).
  bool AfterOwnCommit(const WalVersion& before, const WalVersion& after,
                      const std::vector<std::string>& written_ids);
  // Every entry becomes a miss (a write that could not be accounted for).
  void InvalidateAll();

  std::size_t size() const;
  // Lookups that reached a shard (every Find with a stable version) and how many hit,
  // since construction (tests, benchmarks). Counted under the shards' mutexes.
  struct Stats {
    std::uint64_t lookups = 0;
    std::uint64_t hits = 0;
  };
  Stats stats() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Entry {
    Session session;
    std::int64_t expires_ms;
    std::uint64_t epoch;
  };
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept {
      return std::hash<std::string_view>()(id);
    }
  };
  struct Shard {
    mutable std::mutex mu;
    WalVersion trusted;      // guarded by mu; unstable (trusts nothing) until a Store
    std::uint64_t epoch = 0;  // guarded by mu
    std::uint64_t lookups = 0;  // guarded by mu
    std::uint64_t hits = 0;     // guarded by mu
    std::unordered_map<std::string, Entry, IdHash, std::equal_to<>> entries;  // guarded by mu
  };
  Shard& ShardOf(std::string_view id) const noexcept;
  std::size_t ShardIndex(std::string_view id) const noexcept;

  const std::size_t per_shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_SQLITE_SESSION_READ_CACHE_H_
