// Metrics: counters and a latency histogram, rendered in the Prometheus text format.
//
// Recording is lock-free (relaxed atomics in fixed arrays indexed by route and status),
// so the hot path pays a few atomic increments and no lock. Render() reads the counters
// without stopping writers: a scrape may see one request counted in the status table
// and not yet in the histogram, which Prometheus tolerates.
//
// Series (all prefixed sessionkit_):
//   http_requests_total{route,status}           counter (only non-zero series)
//   http_request_duration_seconds{route}        histogram
//   store_errors_total                          requests answered 503 (store down)
//   logins_total{result="ok"|"failed"|"throttled"}  counter
//   refresh_total{outcome="rotated"|"grace_replay"|"reused"}  counter
//   sessions_created_total, auth_rejected_total, busy_rejections_total  counters
//   connections_open, requests_in_flight        gauges (kept by the HTTP layer in
//                                               http_gauges(), read here)
// redis_reconnects_total (RedisReconnectAttempts()), sessions_live (gauge, sampled: server/live_sessions_sampler.h),
// sessions_live_sample_failures_total, and the standard process_* series (server/process_metrics.h), read at render time;
// the store calls' latency and failures by operation (server/store_metrics.h, kept in
// store_metrics()).
// Routes are the ids of a Router (router.h) and their labels come from its table; an id
// outside the labels given at construction is not counted.
// Thread safety: every method may be called from any thread.
#ifndef SESSIONKIT_SERVER_METRICS_H_
#define SESSIONKIT_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/http_handler.h"
#include "server/router.h"
#include "server/store_metrics.h"

namespace sessionkit::server {

class Metrics {
 public:
  // HTTP statuses with a series of their own; anything else is counted as "other".
  static constexpr std::array<int, 13> kStatuses = {200, 201, 204, 400, 401, 404, 405,
                                                    408, 409, 413, 429, 500, 503};
  // Histogram bucket upper bounds in seconds (+Inf implied).
  static constexpr std::array<double, 15> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.25,   0.5,     1.0,    2.5,   5.0};

  // No per-route series (tests of the other counters).
  Metrics() = default;
  // One series per label; route id i is labels[i] (Router::labels()). The labels' text
  // must outlive the Metrics (the route table's literals do).
  explicit Metrics(std::vector<std::string_view> route_labels);

  void RecordRequest(RouteId route, int status, std::chrono::nanoseconds latency) noexcept;
  void StoreError() noexcept { Add(store_errors_); }
  void LoginOk() noexcept { Add(logins_ok_); }
  void LoginFailed() noexcept { Add(logins_failed_); }
  void LoginThrottled() noexcept { Add(logins_throttled_); }
  void RefreshRotated() noexcept { Add(refresh_rotated_); }
  void RefreshReplayed() noexcept { Add(refresh_replayed_); }
  void RefreshReused() noexcept { Add(refresh_reused_); }
  void SessionCreated() noexcept { Add(sessions_created_); }
  void AuthRejected() noexcept { Add(auth_rejected_); }
  void BusyRejected() noexcept { Add(busy_rejections_); }
  // Open connections and requests in flight: the HTTP server counts them here.
  HttpGauges& http_gauges() noexcept { return http_; }
  // Live sessions as last counted by the store (server/live_sessions_sampler.h); the
  // gauge is rendered only once a count has been taken.
  void SetLiveSessions(std::uint64_t n) noexcept {
    live_sessions_.store(n, std::memory_order_relaxed);
    live_sessions_sampled_.store(true, std::memory_order_release);
  }
  void LiveSessionsSampleFailed() noexcept { Add(live_sessions_sample_failures_); }
  // The mail queue (API.md §13, server/mail/mail_outbox.h): mails sent, attempts that
  // failed and were rescheduled, mails given up; the queue depth as last counted.
  void MailSent() noexcept { Add(mail_sent_); }
  void MailRetried() noexcept { Add(mail_retried_); }
  void MailGivenUp() noexcept { Add(mail_given_up_); }
  void SetMailQueueDepth(std::uint64_t n) noexcept {
    mail_queue_depth_.store(n, std::memory_order_relaxed);
    mail_queue_sampled_.store(true, std::memory_order_release);
  }
  // Store calls by operation: the instrumented stores record here.
  StoreMetrics& store_metrics() noexcept { return store_; }

  std::string Render() const;

  // For tests.
  std::uint64_t RequestsForTest(RouteId route, int status) const noexcept;
  std::uint64_t LoginsFailedForTest() const noexcept { return logins_failed_.load(); }
  std::uint64_t LoginsThrottledForTest() const noexcept { return logins_throttled_.load(); }
  std::uint64_t RefreshReusedForTest() const noexcept { return refresh_reused_.load(); }
  std::uint64_t StoreErrorsForTest() const noexcept { return store_errors_.load(); }

 private:
  using Counter = std::atomic<std::uint64_t>;
  static constexpr std::size_t kStatusSlots = kStatuses.size() + 1;  // + "other"
  static constexpr std::size_t kBucketSlots = kBuckets.size() + 1;   // + "+Inf"

  static void Add(Counter& c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }
  static std::size_t StatusSlot(int status) noexcept;

  struct RouteSeries {
    std::array<Counter, kStatusSlots> by_status{};
    std::array<Counter, kBucketSlots> buckets{};  // per bucket, not cumulative
    Counter latency_ns_sum{0};
  };

  std::vector<std::string_view> labels_;
  std::unique_ptr<RouteSeries[]> routes_;  // one per label
  Counter store_errors_{0};
  Counter logins_ok_{0};
  Counter logins_failed_{0};
  Counter logins_throttled_{0};
  Counter refresh_rotated_{0};
  Counter refresh_replayed_{0};
  Counter refresh_reused_{0};
  Counter sessions_created_{0};
  Counter auth_rejected_{0};
  Counter busy_rejections_{0};
  HttpGauges http_;
  StoreMetrics store_;
  Counter live_sessions_{0};
  std::atomic<bool> live_sessions_sampled_{false};
  Counter live_sessions_sample_failures_{0};
  Counter mail_sent_{0};
  Counter mail_retried_{0};
  Counter mail_given_up_{0};
  Counter mail_queue_depth_{0};
  std::atomic<bool> mail_queue_sampled_{false};
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_METRICS_H_
