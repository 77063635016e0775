#include "server/metrics.h"

#include <fmt/format.h>

#include <iterator>

#include "server/process_metrics.h"
#include "sessionkit/redis_store.h"

namespace sessionkit::server {

std::size_t Metrics::StatusSlot(int status) noexcept {
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return i;
  }
  return kStatuses.size();
}

Metrics::Metrics(std::vector<std::string_view> route_labels)
    : labels_(std::move(route_labels)), routes_(new RouteSeries[labels_.size()]) {}

void Metrics::RecordRequest(RouteId route, int status, std::chrono::nanoseconds latency) noexcept {
  if (route >= labels_.size()) return;
  RouteSeries& series = routes_[route];
  Add(series.by_status[StatusSlot(status)]);
  double seconds = std::chrono::duration<double>(latency).count();
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  Add(series.buckets[bucket]);
  series.latency_ns_sum.fetch_add(static_cast<std::uint64_t>(latency.count()),
                                  std::memory_order_relaxed);
}

std::uint64_t Metrics::RequestsForTest(RouteId route, int status) const noexcept {
  if (route >= labels_.size()) return 0;
  return routes_[route].by_status[StatusSlot(status)].load();
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(4096);
  auto it = std::back_inserter(out);
  auto load = [](const Counter& c) { return c.load(std::memory_order_relaxed); };

  out += "# HELP sessionkit_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE sessionkit_http_requests_total counter\n";
  for (std::size_t r = 0; r < labels_.size(); ++r) {
    std::string_view label = labels_[r];
    for (std::size_t s = 0; s < kStatusSlots; ++s) {
      std::uint64_t n = load(routes_[r].by_status[s]);
      if (n == 0) continue;
      std::string status = s < kStatuses.size() ? std::to_string(kStatuses[s]) : "other";
      fmt::format_to(it, "sessionkit_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                     label, status, n);
    }
  }

  out += "# HELP sessionkit_http_request_duration_seconds Time from request parsed to response queued.\n";
  out += "# TYPE sessionkit_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < labels_.size(); ++r) {
    const RouteSeries& series = routes_[r];
    std::uint64_t cumulative = 0;
    std::array<std::uint64_t, kBucketSlots> counts{};
    for (std::size_t b = 0; b < kBucketSlots; ++b) counts[b] = load(series.buckets[b]);
    std::uint64_t total = 0;
    for (std::uint64_t c : counts) total += c;
    if (total == 0) continue;
    std::string_view label = labels_[r];
    for (std::size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += counts[b];
      fmt::format_to(it,
                     "sessionkit_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                     label, kBuckets[b], cumulative);
    }
    fmt::format_to(it,
                   "sessionkit_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                   label, total);
    fmt::format_to(it, "sessionkit_http_request_duration_seconds_sum{{route=\"{}\"}} {:.9f}\n",
                   label, static_cast<double>(load(series.latency_ns_sum)) / 1e9);
    fmt::format_to(it, "sessionkit_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                   label, total);
  }

  auto counter = [&](std::string_view name, std::string_view help, const Counter& c) {
    fmt::format_to(it, "# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, load(c));
  };
  counter("sessionkit_store_errors_total", "Requests answered 503 because the store was unreachable.",
          store_errors_);
  out += "# HELP sessionkit_logins_total Login attempts by result.\n";
  out += "# TYPE sessionkit_logins_total counter\n";
  fmt::format_to(it, "sessionkit_logins_total{{result=\"ok\"}} {}\n", load(logins_ok_));
  fmt::format_to(it, "sessionkit_logins_total{{result=\"failed\"}} {}\n", load(logins_failed_));
  fmt::format_to(it, "sessionkit_logins_total{{result=\"throttled\"}} {}\n",
                 load(logins_throttled_));
  out += "# HELP sessionkit_refresh_total Refresh-token presentations by outcome.\n";
  out += "# TYPE sessionkit_refresh_total counter\n";
  fmt::format_to(it, "sessionkit_refresh_total{{outcome=\"rotated\"}} {}\n", load(refresh_rotated_));
  fmt::format_to(it, "sessionkit_refresh_total{{outcome=\"grace_replay\"}} {}\n",
                 load(refresh_replayed_));
  fmt::format_to(it, "sessionkit_refresh_total{{outcome=\"reused\"}} {}\n", load(refresh_reused_));
  counter("sessionkit_sessions_created_total", "Sessions created by register and login.",
          sessions_created_);
  counter("sessionkit_auth_rejected_total", "Bearer-authenticated requests rejected with 401.",
          auth_rejected_);
  counter("sessionkit_busy_rejections_total",
          "Requests refused because the password worker queue was full.", busy_rejections_);
  fmt::format_to(it, "# HELP sessionkit_connections_open Open client connections.\n"
                     "# TYPE sessionkit_connections_open gauge\nsessionkit_connections_open {}\n",
                 http_.open_connections.load(std::memory_order_relaxed));
  fmt::format_to(it, "# HELP sessionkit_requests_in_flight Requests parsed and not yet answered.\n"
                     "# TYPE sessionkit_requests_in_flight gauge\nsessionkit_requests_in_flight {}\n",
                 http_.in_flight.load(std::memory_order_relaxed));
  if (live_sessions_sampled_.load(std::memory_order_acquire)) {
    fmt::format_to(it, "# HELP sessionkit_sessions_live Live sessions, as last counted by the "
                       "session store (sampled).\n"
                       "# TYPE sessionkit_sessions_live gauge\nsessionkit_sessions_live {}\n",
                   load(live_sessions_));
  }
  counter("sessionkit_sessions_live_sample_failures_total",
          "Live-session counts that failed (the store did not answer).",
          live_sessions_sample_failures_);
  fmt::format_to(it, "# HELP sessionkit_redis_reconnects_total Reconnection attempts of the "
                     "Redis connections (lost or refused, retried after backoff).\n"
                     "# TYPE sessionkit_redis_reconnects_total counter\n"
                     "sessionkit_redis_reconnects_total {}\n",
                 RedisReconnectAttempts());
  fmt::format_to(it, "# HELP sessionkit_mail_total Mail delivery attempts by outcome: sent, "
                     "retried (failed, rescheduled), given_up.\n"
                     "# TYPE sessionkit_mail_total counter\n"
                     "sessionkit_mail_total{{outcome=\"sent\"}} {}\n"
                     "sessionkit_mail_total{{outcome=\"retried\"}} {}\n"
                     "sessionkit_mail_total{{outcome=\"given_up\"}} {}\n",
                 load(mail_sent_), load(mail_retried_), load(mail_given_up_));
  if (mail_queue_sampled_.load(std::memory_order_acquire)) {
    fmt::format_to(it, "# HELP sessionkit_mail_queue_depth Mails in the queue, as last counted.\n"
                       "# TYPE sessionkit_mail_queue_depth gauge\nsessionkit_mail_queue_depth {}\n",
                   load(mail_queue_depth_));
  }
  store_.Render(out);
  AppendProcessMetrics(out);  // read from /proc now: nothing is kept between scrapes
  return out;
}

}  // namespace sessionkit::server
