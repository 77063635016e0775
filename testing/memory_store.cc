#include "testing/memory_store.h"

#include <algorithm>
#include <vector>

namespace sessionkit::testing {

void MemoryStore::EraseLocked(const std::string& id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  auto idx = by_user_.find(it->second.user_id);
  if (idx != by_user_.end()) {
    idx->second.erase(id);
    if (idx->second.empty()) by_user_.erase(idx);
  }
  sessions_.erase(it);
}

void MemoryStore::InsertAsync(const Session& s, std::uint32_t max_per_user,
                              ResultCallback<std::vector<std::string>> done) {
  const TimePoint now = clock_.Now();
  if (now >= s.expires_at) return done(Status::InvalidArgument("session is already expired"));
  std::vector<std::string> evicted;
  {
    std::lock_guard lock(mu_);
    if (auto it = sessions_.find(s.id); it != sessions_.end() && LiveLocked(it->second, now)) {
      return done(Status::Conflict("session id exists"));
    }
    EraseLocked(s.id);
    if (max_per_user > 0) {
      std::vector<const Session*> live;
      if (auto idx = by_user_.find(s.user_id); idx != by_user_.end()) {
        for (const auto& id : idx->second) {
          const Session& other = sessions_.at(id);
          if (LiveLocked(other, now)) live.push_back(&other);
        }
      }
      std::sort(live.begin(), live.end(), [](const Session* a, const Session* b) {
        return a->created_at != b->created_at ? a->created_at < b->created_at : a->id < b->id;
      });
      while (live.size() + 1 > max_per_user && !live.empty()) {
        evicted.push_back(live.front()->id);
        live.erase(live.begin());
      }
      for (const auto& id : evicted) EraseLocked(id);
    }
    Session stored = s;
    stored.raw = EncodeSession(s);
    by_user_[s.user_id].insert(s.id);
    sessions_.emplace(s.id, std::move(stored));
  }
  done(std::move(evicted));
}

void MemoryStore::GetAsync(std::string_view session_id, ResultCallback<Session> done) {
  const TimePoint now = clock_.Now();
  std::unique_lock lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) {
    lock.unlock();
    return done(Status::NotFound("no such session"));
  }
  if (!LiveLocked(it->second, now)) {
    EraseLocked(it->second.id);
    lock.unlock();
    return done(Status::Expired("session expired"));
  }
  Session copy = it->second;
  lock.unlock();
  done(std::move(copy));
}

void MemoryStore::TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                             StatusCallback done) {
  const TimePoint now = clock_.Now();
  std::unique_lock lock(mu_);
  auto it = sessions_.find(current.id);
  if (it == sessions_.end() || !LiveLocked(it->second, now)) {
    lock.unlock();
    return done(Status::NotFound("no such session"));
  }
  Session& s = it->second;
  Result<std::string> raw = RewriteSessionTimes(s.raw, last_seen, expires_at);
  if (!raw.ok()) {
    lock.unlock();
    return done(raw.status());
  }
  s.raw = std::move(raw).value();
  s.last_seen = last_seen;
  s.expires_at = expires_at;
  by_user_[s.user_id].insert(s.id);
  lock.unlock();
  done(Status::Ok());
}

void MemoryStore::DeleteAsync(std::string_view session_id, ResultCallback<bool> done) {
  const TimePoint now = clock_.Now();
  bool deleted = false;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(session_id);
    if (it != sessions_.end()) {
      deleted = LiveLocked(it->second, now);
      EraseLocked(it->second.id);
    }
  }
  done(deleted);
}

void MemoryStore::DeleteAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                                        ResultCallback<std::uint64_t> done) {
  const TimePoint now = clock_.Now();
  std::uint64_t deleted = 0;
  {
    std::lock_guard lock(mu_);
    auto idx = by_user_.find(user_id);
    if (idx != by_user_.end()) {
      const std::set<std::string> ids = idx->second;  // EraseLocked edits the index
      for (const auto& id : ids) {
        if (id == keep_session_id) continue;
        if (LiveLocked(sessions_.at(id), now)) ++deleted;
        EraseLocked(id);
      }
    }
  }
  done(deleted);
}

void MemoryStore::ListForUserAsync(std::string_view user_id,
                                   ResultCallback<std::vector<Session>> done) {
  const TimePoint now = clock_.Now();
  std::vector<Session> out;
  {
    std::lock_guard lock(mu_);
    if (auto idx = by_user_.find(user_id); idx != by_user_.end()) {
      for (const auto& id : idx->second) {
        const Session& s = sessions_.at(id);
        if (LiveLocked(s, now)) out.push_back(s);
      }
    }
  }
  done(std::move(out));
}

void MemoryStore::CountAsync(ResultCallback<std::uint64_t> done) {
  const TimePoint now = clock_.Now();
  std::uint64_t n = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : sessions_) n += LiveLocked(s, now) ? 1 : 0;
  }
  done(n);
}

void MemoryStore::ScanAsync(std::string_view cursor, std::size_t limit, ResultCallback<ScanPage> done) {
  const TimePoint now = clock_.Now();
  ScanPage page;
  {
    std::lock_guard lock(mu_);
    auto it = cursor.empty() ? sessions_.begin() : sessions_.upper_bound(cursor);
    for (; it != sessions_.end() && page.sessions.size() < std::max<std::size_t>(limit, 1); ++it) {
      if (LiveLocked(it->second, now)) page.sessions.push_back(it->second);
    }
    if (it != sessions_.end() && !page.sessions.empty()) page.next_cursor = page.sessions.back().id;
  }
  done(std::move(page));
}

void MemoryStore::PurgeDeadAsync(std::string_view /*cursor*/, std::size_t /*limit*/,
                                 ResultCallback<PurgePage> done) {
  const TimePoint now = clock_.Now();
  PurgePage page;
  {
    std::lock_guard lock(mu_);
    std::vector<std::string> dead;
    for (const auto& [id, s] : sessions_) {
      ++page.examined;
      if (!LiveLocked(s, now)) dead.push_back(id);
    }
    for (const std::string& id : dead) EraseLocked(id);
    page.deleted = dead.size();
  }
  done(std::move(page));
}

}  // namespace sessionkit::testing
