#include "server/http/deadline_sweep.h"

#include <algorithm>

#include "server/http/connection.h"

namespace sessionkit::server {

namespace {
constexpr std::chrono::milliseconds kFinestTick{5};
constexpr std::chrono::milliseconds kCoarsestTick{250};
}  // namespace

DeadlineSweep::DeadlineSweep(boost::asio::io_context& loop)
    : timer_(loop), now_(Clock::now()) {}

void DeadlineSweep::Watch(const std::shared_ptr<Connection>& connection,
                          std::chrono::milliseconds shortest_timeout) {
  tick_ = std::clamp(std::min(tick_, shortest_timeout / 8), kFinestTick, kCoarsestTick);
  now_ = Clock::now();  // a connection's first deadline is set right after this
  watched_.push_back(connection);
  if (!armed_) Arm();
}

void DeadlineSweep::Arm() {
  armed_ = true;
  timer_.expires_after(tick_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    armed_ = false;
    if (!ec) OnTick();
  });
}

void DeadlineSweep::OnTick() {
  now_ = Clock::now();
  // Keep the live connections (in order), check each, drop the destroyed ones.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < watched_.size(); ++i) {
    std::shared_ptr<Connection> connection = watched_[i].lock();
    if (!connection) continue;
    connection->OnDeadlineCheck(now_);
    if (kept != i) watched_[kept] = std::move(watched_[i]);
    ++kept;
  }
  watched_.resize(kept);
  if (!watched_.empty()) Arm();
}

}  // namespace sessionkit::server
