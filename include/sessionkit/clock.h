// Clock: where sessionkit reads "now". Inject a ManualClock in tests instead of sleeping.
//
// Every component that makes a time decision (expiry, sliding, token exp/iat, purges)
// takes a `const Clock*`; nullptr means SystemClock(). Both implementations are
// thread-safe. One operation reads the clock once and uses that instant throughout.
#ifndef SESSIONKIT_CLOCK_H_
#define SESSIONKIT_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sessionkit {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const noexcept = 0;
};

// The process-wide wall clock (std::chrono::system_clock). Never destroyed.
const Clock& SystemClock() noexcept;

// Returns *clock, or SystemClock() when clock is nullptr.
inline const Clock& ClockOrSystem(const Clock* clock) noexcept {
  return clock != nullptr ? *clock : SystemClock();
}

// A clock that moves only when told to. Starts at `start` (default 2025-01-20T10:00:00Z).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint(std::chrono::seconds(1737367200)))
      : ns_(ToNs(start)) {}

  TimePoint Now() const noexcept override {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::nanoseconds(ns_.load(std::memory_order_acquire))));
  }
  void Set(TimePoint t) noexcept { ns_.store(ToNs(t), std::memory_order_release); }
  void Advance(std::chrono::nanoseconds d) noexcept {
    ns_.fetch_add(d.count(), std::memory_order_acq_rel);
  }

 private:
  static std::int64_t ToNs(TimePoint t) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }
  std::atomic<std::int64_t> ns_;
};

}  // namespace sessionkit

#endif  // SESSIONKIT_CLOCK_H_
