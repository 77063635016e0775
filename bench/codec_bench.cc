// The session record codec on the request path: DecodeSession of a typical record
// (about 400 bytes with a browser User-Agent; the counter "bytes" says exactly),
// EncodeSession, RewriteSessionTimes, and the RFC 3339 helpers.
// Each benchmark also reports heap allocations per iteration (allocs/op), counted by
// the replaced global operator new below.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <string>

#include <benchmark/benchmark.h>

#include "sessionkit/session.h"
#include "src/util/rfc3339.h"

#include "allocation_counter.h"

namespace sessionkit {
namespace {

using std::chrono::seconds;

Session Typical() {
  Session s;
  s.id = "sess_3f9a0c1be27d4a56b8e0f1a2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6";
  s.user_id = "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";
  s.username = "alice";
  s.purpose = "login";
  s.ip_address = "203.0.113.7";
  s.user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Firefox/121.0";
  s.device_id = "fp_1a2b3c4d5e6f";
  s.created_at = TimePoint(seconds(1737367200));
  s.expires_at = s.created_at + std::chrono::hours(48);
  s.last_seen = s.created_at + seconds(600);
  return s;
}

// A record as another service may keep it: pretty-printed, with unknown fields.
const char kWithUnknownFields[] = R"({
  "id": "sess_3f9a0c1be27d4a56b8e0f1a2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6",
  "user_id": 42,
  "tenant": "acme",
  "meta": {"last_seen": "1999-01-01T00:00:00Z", "tags": ["a", "b"], "score": 1.5},
  "ip_address": "203.0.113.7",
  "user_agent": "Mozilla/5.0 (X11; Linux x86_64) caf\u00e9",
  "created_at": "2025-01-20T17:00:00.123456789+07:00",
  "expires_at": "2025-01-22T10:00:00.123456789Z"
})";

class AllocationCounter {
 public:
  explicit AllocationCounter(benchmark::State& state)
      : state_(state), start_(g_allocations.load(std::memory_order_relaxed)) {}
  ~AllocationCounter() {
    const auto n = g_allocations.load(std::memory_order_relaxed) - start_;
    state_.counters["allocs/op"] = benchmark::Counter(
        static_cast<double>(n), benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  std::uint64_t start_;
};

void BM_DecodeSession(benchmark::State& state) {
  const std::string json = EncodeSession(Typical());
  benchmark::DoNotOptimize(DecodeSession(json));  // warm the thread's parser
  state.counters["bytes"] = static_cast<double>(json.size());
  AllocationCounter allocs(state);
  for (auto _ : state) {
    auto s = DecodeSession(json);
    if (!s.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_DecodeSession);

void BM_DecodeSessionWithUnknownFields(benchmark::State& state) {
  const std::string json = kWithUnknownFields;
  benchmark::DoNotOptimize(DecodeSession(json));
  state.counters["bytes"] = static_cast<double>(json.size());
  AllocationCounter allocs(state);
  for (auto _ : state) {
    auto s = DecodeSession(json);
    if (!s.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_DecodeSessionWithUnknownFields);

void BM_EncodeSession(benchmark::State& state) {
  const Session s = Typical();
  AllocationCounter allocs(state);
  for (auto _ : state) {
    std::string json = EncodeSession(s);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_EncodeSession);

void BM_RewriteSessionTimes(benchmark::State& state) {
  const std::string json = EncodeSession(Typical());
  const TimePoint last_seen = TimePoint(seconds(1737370800));
  const TimePoint expires_at = last_seen + std::chrono::hours(48);
  benchmark::DoNotOptimize(RewriteSessionTimes(json, last_seen, expires_at));
  AllocationCounter allocs(state);
  for (auto _ : state) {
    auto out = RewriteSessionTimes(json, last_seen, expires_at);
    if (!out.ok()) state.SkipWithError("rewrite failed");
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_RewriteSessionTimes);

void BM_FormatRfc3339(benchmark::State& state) {
  TimePoint t = TimePoint(seconds(1737367200));
  char buf[internal::kRfc3339Length];
  for (auto _ : state) {
    internal::WriteRfc3339(t, buf);
    benchmark::DoNotOptimize(buf);
    t += seconds(3607);
  }
}
BENCHMARK(BM_FormatRfc3339);

void BM_ParseRfc3339(benchmark::State& state) {
  const std::string text = "2025-01-20T17:00:00.123456789+07:00";
  for (auto _ : state) {
    auto t = internal::ParseRfc3339(text);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_ParseRfc3339);

}  // namespace
}  // namespace sessionkit

BENCHMARK_MAIN();
