// Key names and time arithmetic of the Redis store (API.md §2-3). Internal.
//
// session:<id> holds the record; user_sessions:<user_id> the set of the user's ids.
// A record's TTL is its remaining lifetime rounded up to whole seconds (at least 1);
// the index keeps kIndexTtlSlack more than its longest member. Pure functions.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_KEYS_H_
#define SESSIONKIT_STORE_REDIS_REDIS_KEYS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sessionkit/clock.h"

namespace sessionkit::internal {

inline constexpr std::string_view kSessionKeyPrefix = "session:";
inline constexpr std::string_view kIndexKeyPrefix = "user_sessions:";
inline constexpr std::string_view kSessionKeyPattern = "session:*";
// The Go services use the same margin, so whichever writes last leaves the same TTL.
inline constexpr std::chrono::seconds kIndexTtlSlack{300};

inline std::string SessionKey(std::string_view id) { return std::string(kSessionKeyPrefix).append(id); }
inline std::string IndexKey(std::string_view user_id) { return std::string(kIndexKeyPrefix).append(user_id); }

// ceil(expires_at - now) in seconds, at least 1.
std::int64_t TtlSeconds(TimePoint expires_at, TimePoint now);

// Whole seconds since the epoch (floor) and the nanoseconds past them, as decimal text:
// how scripts receive "now".
struct UnixParts {
  std::string seconds;
  std::string nanos;
};
UnixParts SplitUnix(TimePoint t);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_KEYS_H_
