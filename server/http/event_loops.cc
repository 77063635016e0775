#include "server/http/event_loops.h"

namespace sessionkit::server {

namespace net = boost::asio;

EventLoops::EventLoops(unsigned count) {
  if (count == 0) count = 1;
  loops_.reserve(count);
  work_.reserve(count);
  deadlines_.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    // Hint 1: one thread runs this loop, so handlers it posts to itself are queued
    // thread-locally (no reactor wake-up).
    loops_.push_back(std::make_unique<net::io_context>(1));
    deadlines_.push_back(std::make_unique<DeadlineSweep>(*loops_.back()));
    work_.push_back(net::make_work_guard(*loops_.back()));
  }
}

EventLoops::~EventLoops() {
  Stop();
  Join();
  work_.clear();
  // The deadline sweeps go next, then the loops (members in reverse order), with
  // whatever is still queued on them.
}

std::size_t EventLoops::NextIndex() noexcept {
  return next_.fetch_add(1, std::memory_order_relaxed) % loops_.size();
}

std::vector<net::io_context*> EventLoops::contexts() const {
  std::vector<net::io_context*> out;
  out.reserve(loops_.size());
  for (const auto& loop : loops_) out.push_back(loop.get());
  return out;
}

void EventLoops::Start() {
  if (!threads_.empty()) return;
  threads_.reserve(loops_.size());
  for (const auto& loop : loops_) threads_.emplace_back([loop = loop.get()] { loop->run(); });
}

void EventLoops::Stop() {
  for (const auto& loop : loops_) loop->stop();
}

void EventLoops::Join() {
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace sessionkit::server
