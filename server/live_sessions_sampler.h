// LiveSessionsSampler: the number of live sessions for /metrics
// (sessionkit_sessions_live), counted by the session store on a thread of its own, at
// start and then every `interval`, never on a request's path.
//
// The count is SessionStore::Count(): SQLite counts the unexpired rows of its table
// (exact at that moment); Redis walks the session keys with SCAN in bounded batches and
// counts the live records (exact for a keyspace that does not change during the walk;
// sessions created or deleted meanwhile may or may not be counted). Each sample costs a
// full walk, which is why it is taken at most every `interval` (default 60 s; set
// LIVE_SESSIONS_SAMPLE_SECONDS higher for very large Redis keyspaces, 0 to turn it off).
// A failed count leaves the previous value and is counted in
// sessionkit_sessions_live_sample_failures_total.
//
// Thread safety: construct and destroy on one thread; the destructor stops the thread
// (waiting for a count in progress) and must run before the store is closed.
#ifndef SESSIONKIT_SERVER_LIVE_SESSIONS_SAMPLER_H_
#define SESSIONKIT_SERVER_LIVE_SESSIONS_SAMPLER_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/metrics.h"
#include "sessionkit/session_store.h"

namespace sessionkit::server {

class LiveSessionsSampler {
 public:
  // `store` and `metrics` must outlive the sampler. interval > 0.
  LiveSessionsSampler(SessionStore& store, Metrics& metrics, std::chrono::seconds interval);
  ~LiveSessionsSampler();
  LiveSessionsSampler(const LiveSessionsSampler&) = delete;
  LiveSessionsSampler& operator=(const LiveSessionsSampler&) = delete;

 private:
  void Run(std::stop_token stop);

  SessionStore& store_;
  Metrics& metrics_;
  const std::chrono::seconds interval_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: started once the members above exist
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_LIVE_SESSIONS_SAMPLER_H_
