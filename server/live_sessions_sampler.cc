#include "server/live_sessions_sampler.h"

namespace sessionkit::server {

LiveSessionsSampler::LiveSessionsSampler(SessionStore& store, Metrics& metrics,
                                         std::chrono::seconds interval)
    : store_(store),
      metrics_(metrics),
      interval_(interval),
      thread_([this](std::stop_token stop) { Run(stop); }) {}

LiveSessionsSampler::~LiveSessionsSampler() {
  thread_.request_stop();  // wakes the wait below
  thread_.join();
}

void LiveSessionsSampler::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Result<std::uint64_t> count = store_.Count();
    if (count.ok()) {
      metrics_.SetLiveSessions(*count);
    } else {
      metrics_.LiveSessionsSampleFailed();
    }
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, stop, interval_, [] { return false; });
  }
}

}  // namespace sessionkit::server
