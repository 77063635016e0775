#include "src/store/redis/redis_keys.h"

#include <algorithm>

namespace sessionkit::internal {

std::int64_t TtlSeconds(TimePoint expires_at, TimePoint now) {
  const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(expires_at - now).count();
  constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
  if (ns <= 0) return 1;
  return std::max<std::int64_t>(1, ns / kNanosPerSecond + (ns % kNanosPerSecond != 0 ? 1 : 0));
}

UnixParts SplitUnix(TimePoint t) {
  const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
  std::int64_t seconds = ns / kNanosPerSecond;
  std::int64_t nanos = ns % kNanosPerSecond;
  if (nanos < 0) {  // floor for times before 1970
    nanos += kNanosPerSecond;
    --seconds;
  }
  return {std::to_string(seconds), std::to_string(nanos)};
}

}  // namespace sessionkit::internal
