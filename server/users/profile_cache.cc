#include "server/users/profile_cache.h"

#include <atomic>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace sessionkit::server {
namespace {

struct Entry {
  std::optional<User> user;  // nullopt: not in the database
  TimePoint expires;
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

using Table = std::unordered_map<std::string, Entry, StringHash, std::equal_to<>>;

// This thread's tables, one per cache instance.
Table& LocalTable(std::uint64_t instance) {
  thread_local std::unordered_map<std::uint64_t, Table> tables;
  return tables[instance];
}

std::atomic<std::uint64_t> next_instance{1};

}  // namespace

ProfileCache::ProfileCache(UserStore& users, const Clock* clock, std::chrono::seconds ttl,
                           std::size_t max_entries)
    : users_(users),
      clock_(ClockOrSystem(clock)),
      ttl_(ttl),
      max_entries_(max_entries == 0 ? 1 : max_entries),
      instance_(next_instance.fetch_add(1, std::memory_order_relaxed)) {}

Result<User> ProfileCache::Find(std::string_view id) {
  Table& table = LocalTable(instance_);
  const TimePoint now = clock_.Now();
  if (auto it = table.find(id); it != table.end() && now < it->second.expires) {
    if (!it->second.user) return Status::NotFound("no such user");
    return *it->second.user;
  }

  misses_.fetch_add(1, std::memory_order_relaxed);
  Result<User> found = users_.FindById(id);
  if (!found.ok() && !found.status().IsNotFound()) return found;  // not cached
  if (found.ok()) found->password_hash.clear();

  if (table.size() >= max_entries_ && table.find(id) == table.end()) {
    std::erase_if(table, [now](const auto& item) { return !(now < item.second.expires); });
    if (table.size() >= max_entries_) table.clear();
  }
  Entry& entry = table[std::string(id)];
  entry.expires = now + ttl_;
  if (found.ok()) {
    entry.user = *found;
  } else {
    entry.user.reset();
  }
  return found;
}

}  // namespace sessionkit::server
