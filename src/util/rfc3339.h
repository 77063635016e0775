// RFC 3339 timestamps as the session record (API.md §2) carries them.
//
// Formatting writes UTC, whole seconds and `Z`: "2025-01-20T10:00:00Z", always 20 bytes.
// Sub-second parts are truncated toward the past (floor), also before 1970.
//
// Parsing accepts any RFC 3339 `date-time` (section 5.6): `T` or `t` between date and
// time, `Z`/`z` or a `+hh:mm`/`-hh:mm` offset (`-00:00` is UTC), and a fraction of any
// length (Go writes nanoseconds: "2025-01-20T10:00:00.123456789+07:00"). Digits past the
// clock's resolution (nanoseconds) are dropped, i.e. truncated toward the past. Every
// field is range-checked: year 0001..9999, month, day within that month (leap years
// included), hour 00..23, minute and second 00..59, offset hours 00..23 and minutes
// 00..59. A leap second (`:60`) is rejected, as Go's time.Parse and Python's
// datetime.fromisoformat reject it; no writer we share records with produces one. An
// instant outside what TimePoint can hold (about 1677..2262 for a nanosecond clock) is
// rejected too. Errors are Code::kMalformed with a message naming the problem and its
// byte offset, never the input itself.
//
// Pure functions on std::chrono calendar types (no timegm, locale or strptime):
// thread-safe, no allocation except the returned string or error message.
#ifndef SESSIONKIT_UTIL_RFC3339_H_
#define SESSIONKIT_UTIL_RFC3339_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"

namespace sessionkit::internal {

// Length of a formatted time: "YYYY-MM-DDTHH:MM:SSZ".
inline constexpr std::size_t kRfc3339Length = 20;

// Writes exactly kRfc3339Length bytes to `out` (no terminating NUL). Instants outside
// years 0001..9999 (impossible with a 64-bit nanosecond clock) are clamped to the ends.
void WriteRfc3339(TimePoint t, char* out) noexcept;

// The same as a string.
std::string FormatRfc3339(TimePoint t);

// Parses an RFC 3339 date-time; see the file comment for what is accepted.
Result<TimePoint> ParseRfc3339(std::string_view text);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_UTIL_RFC3339_H_
