#include "server/users/profile_cache.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sessionkit::server {
namespace {

struct Entry {
  std::optional<User> user;  // nullopt: not in the database
  TimePoint expires;
  std::uint64_t generation = 0;  // ProfileCache::generation_ read before the load
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

using Table = std::unordered_map<std::string, Entry, StringHash, std::equal_to<>>;

}  // namespace

struct ProfileCache::Mailbox {
  std::atomic<bool> has_mail{false};
  std::mutex mu;
  std::vector<std::pair<std::string, Entry>> letters;  // guarded by mu
};

namespace {

// One thread's state for one cache instance.
struct Local {
  Table table;
  std::shared_ptr<ProfileCache::Mailbox> mailbox;  // made on the first PrepareLoad
};

Local& LocalState(std::uint64_t instance) {
  thread_local std::unordered_map<std::uint64_t, Local> locals;
  return locals[instance];
}

std::atomic<std::uint64_t> next_instance{1};

// Stores an answer in a thread's table, making room first when it is full.
void Keep(Table& table, std::size_t max_entries, TimePoint now, std::string id, Entry entry) {
  if (table.size() >= max_entries && table.find(id) == table.end()) {
    std::erase_if(table, [now](const auto& item) { return !(now < item.second.expires); });
    if (table.size() >= max_entries) table.clear();
  }
  table.insert_or_assign(std::move(id), std::move(entry));
}

// Moves the answers workers left for this thread into its table.
void TakeMail(Local& local, std::size_t max_entries, TimePoint now) {
  if (local.mailbox == nullptr || !local.mailbox->has_mail.load(std::memory_order_acquire)) return;
  std::vector<std::pair<std::string, Entry>> letters;
  {
    std::lock_guard lock(local.mailbox->mu);
    letters.swap(local.mailbox->letters);
    local.mailbox->has_mail.store(false, std::memory_order_relaxed);
  }
  for (auto& [id, entry] : letters) Keep(local.table, max_entries, now, std::move(id), std::move(entry));
}

Entry EntryFor(const Result<User>& found, TimePoint expires, std::uint64_t generation) {
  Entry entry;
  entry.expires = expires;
  entry.generation = generation;
  if (found.ok()) entry.user = *found;
  return entry;
}

}  // namespace

ProfileCache::ProfileCache(UserStore& users, const Clock* clock, std::chrono::seconds ttl,
                           std::size_t max_entries)
    : users_(users),
      clock_(ClockOrSystem(clock)),
      ttl_(ttl),
      max_entries_(max_entries == 0 ? 1 : max_entries),
      instance_(next_instance.fetch_add(1, std::memory_order_relaxed)) {}

ProfileCache::Hit ProfileCache::Cached(std::string_view id, const User*& user) {
  Local& local = LocalState(instance_);
  const TimePoint now = clock_.Now();
  const std::uint64_t generation = generation_.load(std::memory_order_acquire);
  auto stale = [&](Table::const_iterator at) {
    return at == local.table.end() || !(now < at->second.expires) ||
           at->second.generation != generation;
  };
  auto it = local.table.find(id);
  if (stale(it)) {
    TakeMail(local, max_entries_, now);  // a worker may have loaded it meanwhile
    it = local.table.find(id);
    if (stale(it)) return Hit::kMiss;
  }
  if (!it->second.user) return Hit::kAbsent;
  user = &*it->second.user;
  return Hit::kFound;
}

ProfileCache::PendingLoad ProfileCache::PrepareLoad(std::string_view id) {
  Local& local = LocalState(instance_);
  if (local.mailbox == nullptr) local.mailbox = std::make_shared<Mailbox>();
  return PendingLoad(*this, id, local.mailbox);
}

ProfileCache::PendingLoad::PendingLoad(ProfileCache& cache, std::string_view id,
                                       std::shared_ptr<Mailbox> mailbox)
    : cache_(&cache), id_(id), mailbox_(std::move(mailbox)) {}

Result<User> ProfileCache::PendingLoad::Run() {
  const std::uint64_t generation = cache_->generation_.load(std::memory_order_acquire);
  Result<User> found = cache_->Load(id_);
  if (!found.ok() && !found.status().IsNotFound()) return found;  // not cached
  Entry entry = EntryFor(found, cache_->clock_.Now() + cache_->ttl_, generation);
  {
    std::lock_guard lock(mailbox_->mu);
    mailbox_->letters.emplace_back(id_, std::move(entry));
    mailbox_->has_mail.store(true, std::memory_order_release);
  }
  return found;
}

Result<User> ProfileCache::Find(std::string_view id) {
  const User* cached = nullptr;
  switch (Cached(id, cached)) {
    case Hit::kFound:
      return *cached;
    case Hit::kAbsent:
      return Status::NotFound("no such user");
    case Hit::kMiss:
      break;
  }
  const std::uint64_t generation = generation_.load(std::memory_order_acquire);
  Result<User> found = Load(id);
  if (!found.ok() && !found.status().IsNotFound()) return found;  // not cached
  const TimePoint now = clock_.Now();
  Keep(LocalState(instance_).table, max_entries_, now, std::string(id),
       EntryFor(found, now + ttl_, generation));
  return found;
}

Result<User> ProfileCache::Load(std::string_view id) {
  misses_.fetch_add(1, std::memory_order_relaxed);
  Result<User> found = users_.FindById(id);
  if (found.ok()) found->password_hash.clear();
  return found;
}

}  // namespace sessionkit::server
