#include "ctl/session_stats.h"

#include <algorithm>

namespace sessionkit::ctl {
namespace {

// Most first, then by name.
std::vector<std::pair<std::string, std::uint64_t>> Ranked(
    const std::vector<std::string>& names, const std::vector<std::uint64_t>& counts,
    std::size_t limit) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (counts[i] > 0) out.emplace_back(names[i], counts[i]);
  }
  auto order = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  if (out.size() > limit) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(limit), out.end(), order);
    out.resize(limit);
  } else {
    std::sort(out.begin(), out.end(), order);
  }
  return out;
}

}  // namespace

std::uint32_t SessionStatsCollector::Intern(std::vector<std::string>& names,
                                            std::unordered_map<std::string, std::uint32_t>& index,
                                            const std::string& name) {
  auto [it, inserted] = index.try_emplace(name, static_cast<std::uint32_t>(names.size()));
  if (inserted) names.push_back(name);
  return it->second;
}

void SessionStatsCollector::Add(const Session& s) {
  const std::uint32_t user = Intern(users_, user_index_, s.user_id);
  const std::uint32_t purpose = Intern(purposes_, purpose_index_, s.purpose);
  auto [it, inserted] = sessions_.try_emplace(s.id, Entry{user, purpose, s.expires_at});
  if (!inserted) it->second = Entry{user, purpose, std::max(it->second.expires_at, s.expires_at)};
}

SessionStats SessionStatsCollector::Finish(TimePoint end, std::size_t top) const {
  std::vector<std::uint64_t> per_user(users_.size()), per_purpose(purposes_.size());
  SessionStats stats;
  for (const auto& [id, entry] : sessions_) {
    if (entry.expires_at <= end) continue;  // died during the walk
    ++stats.total;
    ++per_user[entry.user];
    ++per_purpose[entry.purpose];
  }
  stats.by_purpose = Ranked(purposes_, per_purpose, purposes_.size());
  stats.top_users = Ranked(users_, per_user, top);
  return stats;
}

}  // namespace sessionkit::ctl
