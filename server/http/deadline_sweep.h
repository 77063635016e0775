// DeadlineSweep: the read and write deadlines of one event loop's connections, enforced
// by one coarse periodic timer instead of a timer armed and cancelled around every socket
// operation.
//
// A connection sets a deadline (DeadlineIn) before each read or write it starts and
// clears it while its handler runs; the sweep wakes every tick, and a connection whose
// deadline has passed is told so (Connection::OnDeadlineCheck cancels its socket
// operation, which then ends the connection). A deadline fires between `timeout` and
// `timeout` + 2 ticks after it was set, never earlier: the sweep's clock is read once
// per tick, and DeadlineIn adds a tick to make up for that clock's age. The tick is the
// shortest timeout any watched connection asked for divided by 8, between 5 ms and
// 250 ms (with the default 10 s header timeout: 250 ms, four wake-ups a second per loop,
// and none while the loop has no connection).
//
// Per request this costs two stores of a time point and no clock read, lock, timer-queue
// operation or extra handler, where a per-operation timer cost all of those three times
// over (measured in docs/performance.md).
//
// Thread safety: everything runs on the loop's own thread (Watch from a connection's
// first handler, the ticks on the loop). A connection destroyed on another thread (its
// last reference released by a password worker) simply stops being found: the sweep
// holds weak references and drops the dead ones as it passes them. The sweep must be
// destroyed before its io_context and after the loop's thread has stopped (EventLoops
// owns one per loop for that).
#ifndef SESSIONKIT_SERVER_HTTP_DEADLINE_SWEEP_H_
#define SESSIONKIT_SERVER_HTTP_DEADLINE_SWEEP_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

namespace sessionkit::server {

class Connection;

class DeadlineSweep {
 public:
  using Clock = std::chrono::steady_clock;

  explicit DeadlineSweep(boost::asio::io_context& loop);
  DeadlineSweep(const DeadlineSweep&) = delete;
  DeadlineSweep& operator=(const DeadlineSweep&) = delete;

  // Loop thread only. The connection is checked at every tick until it is destroyed;
  // `shortest_timeout` is the shortest deadline it will ask for (sets the tick).
  void Watch(const std::shared_ptr<Connection>& connection,
             std::chrono::milliseconds shortest_timeout);

  // The deadline for an operation allowed `timeout` from now.
  Clock::time_point DeadlineIn(std::chrono::milliseconds timeout) const noexcept {
    return now_ + timeout + tick_;
  }

  std::size_t watched() const noexcept { return watched_.size(); }  // for tests

 private:
  void Arm();
  void OnTick();

  boost::asio::steady_timer timer_;
  std::vector<std::weak_ptr<Connection>> watched_;
  Clock::time_point now_;  // read at the last tick (or at the last Watch)
  std::chrono::milliseconds tick_{250};
  bool armed_ = false;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_DEADLINE_SWEEP_H_
