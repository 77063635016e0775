#include "src/store/sqlite/session_read_cache.h"

namespace sessionkit::internal {

SessionReadCache::SessionReadCache(std::size_t capacity)
    : per_shard_capacity_(capacity == 0 ? 0 : (capacity + kShards - 1) / kShards) {}

std::size_t SessionReadCache::ShardIndex(std::string_view id) const noexcept {
  // Session ids end in 64 random hex digits: the last one spreads the shards evenly.
  const unsigned char last = id.empty() ? 0 : static_cast<unsigned char>(id.back());
  return last % kShards;
}

SessionReadCache::Shard& SessionReadCache::ShardOf(std::string_view id) const noexcept {
  return shards_[ShardIndex(id)];
}

bool SessionReadCache::Find(std::string_view id, const WalVersion& current, std::int64_t now_ms,
                            Session& out) const {
  if (!enabled() || !current.stable) return false;
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  ++shard.lookups;
  if (!(shard.trusted == current)) return false;
  auto it = shard.entries.find(id);
  if (it == shard.entries.end()) return false;
  const Entry& entry = it->second;
  if (entry.epoch != shard.epoch || entry.expires_ms <= now_ms) return false;
  out = entry.session;
  ++shard.hits;
  return true;
}

void SessionReadCache::Store(const Session& session, std::int64_t expires_ms,
                             const WalVersion& read_at) {
  if (!enabled() || !read_at.stable) return;
  Shard& shard = ShardOf(session.id);
  std::lock_guard lock(shard.mu);
  if (!(shard.trusted == read_at)) {
    // Read at another version than the shard trusts: the file changed without a proof
    // (or this reader is late). Start over at this version; older entries become misses.
    shard.trusted = read_at;
    ++shard.epoch;
  }
  auto it = shard.entries.find(std::string_view(session.id));
  if (it != shard.entries.end()) {
    it->second = Entry{session, expires_ms, shard.epoch};
    return;
  }
  if (shard.entries.size() >= per_shard_capacity_) {
    // Full: make room by dropping one entry (whichever the map yields first; the ids are
    // random, so this is as good as a random choice, at no bookkeeping cost per hit).
    shard.entries.erase(shard.entries.begin());
  }
  shard.entries.emplace(session.id, Entry{session, expires_ms, shard.epoch});
}

bool SessionReadCache::AfterOwnCommit(const WalVersion& before, const WalVersion& after,
                                      const std::vector<std::string>& written_ids) {
  if (!enabled()) return false;
  const bool proven =
      written_ids.empty() ? before == after : OnlyOurCommitBetween(before, after);
  for (std::size_t i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard lock(shard.mu);
    for (const std::string& id : written_ids) {
      if (ShardIndex(id) == i) shard.entries.erase(id);
    }
    if (!proven) {
      ++shard.epoch;
      shard.trusted = WalVersion();  // unstable: equals nothing
    } else if (shard.trusted == before) {
      shard.trusted = after;  // the shard's other entries are still exactly the file's
    }
    // A shard trusting neither is left as it is: its entries are served only at its
    // own version, which either is already past our commit or never comes back.
  }
  return proven;
}

void SessionReadCache::InvalidateAll() {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    ++shard.epoch;
    shard.trusted = WalVersion();
  }
}

std::size_t SessionReadCache::size() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.entries.size();
  }
  return n;
}

SessionReadCache::Stats SessionReadCache::stats() const {
  Stats total;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    total.lookups += shard.lookups;
    total.hits += shard.hits;
  }
  return total;
}

}  // namespace sessionkit::internal
