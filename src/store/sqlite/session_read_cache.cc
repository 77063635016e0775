#include "src/store/sqlite/session_read_cache.h"

namespace sessionkit::internal {

SessionReadCache::SessionReadCache(std::size_t capacity)
    : per_shard_capacity_(capacity == 0 ? 0 : (capacity + kShards - 1) / kShards) {}

SessionReadCache::Shard& SessionReadCache::ShardOf(std::string_view id) const noexcept {
  // Session ids end in 64 random hex digits: the last one spreads the shards evenly.
  const unsigned char last = id.empty() ? 0 : static_cast<unsigned char>(id.back());
  return shards_[last % kShards];
}

bool SessionReadCache::Find(std::string_view id, const WalVersion& current, std::int64_t now_ms,
                            Session& out) const {
  if (!enabled() || !current.stable) return false;
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it == shard.entries.end()) return false;
  const Entry& entry = it->second;
  if (!(entry.read_at == current) || entry.expires_ms <= now_ms) return false;
  out = entry.session;
  return true;
}

void SessionReadCache::Store(const Session& session, std::int64_t expires_ms,
                             const WalVersion& read_at) {
  if (!enabled() || !read_at.stable) return;
  Shard& shard = ShardOf(session.id);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(std::string_view(session.id));
  if (it != shard.entries.end()) {
    it->second = Entry{session, expires_ms, read_at};
    return;
  }
  if (shard.entries.size() >= per_shard_capacity_) {
    // Full: make room by dropping one entry (whichever the map yields first; the ids are
    // random, so this is as good as a random choice, at no bookkeeping cost per hit).
    shard.entries.erase(shard.entries.begin());
  }
  shard.entries.emplace(session.id, Entry{session, expires_ms, read_at});
}

std::size_t SessionReadCache::size() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.entries.size();
  }
  return n;
}

}  // namespace sessionkit::internal
