// Unix milliseconds: how the stores keep times (SQLite columns, Redis hashes and scores).
//
// Floor for instants that must not move later (created_at, issued_at, "now"), ceil for
// deadlines that must not move earlier (expires_at), so a stored record never lives
// shorter than asked. Pure, thread-safe, no allocation.
#ifndef SESSIONKIT_UTIL_UNIX_MILLIS_H_
#define SESSIONKIT_UTIL_UNIX_MILLIS_H_

#include <chrono>
#include <cstdint>

#include "sessionkit/clock.h"

namespace sessionkit::internal {

inline std::int64_t UnixMillisFloor(TimePoint t) noexcept {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline std::int64_t UnixMillisCeil(TimePoint t) noexcept {
  return std::chrono::ceil<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline TimePoint FromUnixMillis(std::int64_t ms) noexcept {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_UTIL_UNIX_MILLIS_H_
