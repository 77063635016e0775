// `sessionkit-ctl sessions stats` (API.md §11): live sessions in total, by purpose, and
// the users with the most, from a walk over the store's admin scan (SessionStore::Scan:
// on Redis SCAN + MGET in bounded batches, never KEYS).
//
// Exactness while the walk runs. A scan may return a session more than once (Redis SCAN
// does when the keyspace is rehashed) and pages are filtered for liveness each at their
// own instant. So the collector keeps each id once and, at Finish(end), counts the ids
// whose expires_at is after `end`, the instant the walk ended. Every session that exists
// for the whole walk is returned at least once (the scan's guarantee), so the result is
// exactly the sessions live at `end` among those that existed when the walk began:
// sessions that expire during the walk are never counted, whether or not their page came
// before their expiry. Sessions created or revoked while the walk runs may or may not be
// counted (as with any online count).
//
// Memory: one entry per distinct session (its user, purpose and deadline).
// Thread safety: none; one walk, one thread.
#ifndef SESSIONKIT_CTL_SESSION_STATS_H_
#define SESSIONKIT_CTL_SESSION_STATS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/session.h"

namespace sessionkit::ctl {

struct SessionStats {
  std::uint64_t total = 0;
  std::vector<std::pair<std::string, std::uint64_t>> by_purpose;  // most first, then name
  std::vector<std::pair<std::string, std::uint64_t>> top_users;   // most first, then id
};

class SessionStatsCollector {
 public:
  void Add(const Session& session);
  // Distinct ids seen so far (progress).
  std::size_t seen() const noexcept { return sessions_.size(); }
  // The statistics of the sessions live at `end`, with at most `top` users.
  SessionStats Finish(TimePoint end, std::size_t top) const;

 private:
  struct Entry {
    std::uint32_t user;     // index into users_
    std::uint32_t purpose;  // index into purposes_
    TimePoint expires_at;
  };
  std::uint32_t Intern(std::vector<std::string>& names,
                       std::unordered_map<std::string, std::uint32_t>& index,
                       const std::string& name);

  std::unordered_map<std::string, Entry> sessions_;
  std::vector<std::string> users_;
  std::unordered_map<std::string, std::uint32_t> user_index_;
  std::vector<std::string> purposes_;
  std::unordered_map<std::string, std::uint32_t> purpose_index_;
};

}  // namespace sessionkit::ctl

#endif  // SESSIONKIT_CTL_SESSION_STATS_H_
