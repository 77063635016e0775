#include "sessionkit/clock.h"

namespace sessionkit {
namespace {

class WallClock final : public Clock {
 public:
  TimePoint Now() const noexcept override { return std::chrono::system_clock::now(); }
};

}  // namespace

const Clock& SystemClock() noexcept {
  static const WallClock* const clock = new WallClock();  // never destroyed
  return *clock;
}

}  // namespace sessionkit
