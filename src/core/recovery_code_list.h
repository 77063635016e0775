// The list of unused recovery-code hashes as the user stores keep it in one column:
// the hashes (64 lowercase hex each) joined with ',' -- so spending a code is one
// compare-and-set of that column (UPDATE ... WHERE recovery_codes = <as read>), the same
// statement on SQLite and MySQL.
//
// Pure functions; thread-safe.
#ifndef SESSIONKIT_SRC_CORE_RECOVERY_CODE_LIST_H_
#define SESSIONKIT_SRC_CORE_RECOVERY_CODE_LIST_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sessionkit::internal {

inline std::string JoinRecoveryCodeHashes(const std::vector<std::string>& hashes) {
  std::string out;
  for (const std::string& h : hashes) {
    if (!out.empty()) out.push_back(',');
    out += h;
  }
  return out;
}

inline std::vector<std::string> SplitRecoveryCodeHashes(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    if (comma != 0) out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// The list without the first occurrence of `hash`; nullopt if it is not there.
inline std::optional<std::vector<std::string>> WithoutRecoveryCodeHash(
    const std::vector<std::string>& hashes, std::string_view hash) {
  std::vector<std::string> rest;
  bool found = false;
  for (const std::string& h : hashes) {
    if (!found && h == hash) {
      found = true;
      continue;
    }
    rest.push_back(h);
  }
  if (!found) return std::nullopt;
  return rest;
}

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_CORE_RECOVERY_CODE_LIST_H_
