// The cost of the store-metrics decorator (server/store_metrics.h) on the verify path:
// a validation makes one session-store call (GetAsync; a Touch only past the touch
// interval), and the server wraps the store in InstrumentSessionStore.
//
// Measures GetAsync of one live session on the in-memory test store, bare and wrapped,
// per call, on 1 thread and on 2 threads at once (the server's event loops record into
// the same series: shared cache lines). Rounds interleave the variants (bare, wrapped,
// bare, wrapped ...); the figures are medians over the rounds. The difference is the
// decorator's cost per validation; docs/performance.md relates it to the server CPU of
// one verify request. Not a Google Benchmark program (it interleaves on purpose).
// Usage: store_metrics_bench [--rounds R] [--calls N]
//        store_metrics_bench --only bare|wrapped [--calls N]   (one thread, one pass: for
//        counting instructions under callgrind, immune to the machine's load)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/store_metrics.h"
#include "testing/memory_store.h"
#include "testing/session_factory.h"

namespace {

using sessionkit::Result;
using sessionkit::Session;
using sessionkit::SessionStore;
using sessionkit::SessionStorePtr;

// ns per GetAsync over `calls` calls on each of `threads` threads (wall time / calls per
// thread: with 2 threads on 2 cores, the per-thread cost including any contention).
double NanosPerCall(SessionStore& store, const std::string& id, int calls, int threads) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<double> per_thread(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::uint64_t found = 0;
      auto done = [&found](Result<Session> s) { found += s.ok() ? 1 : 0; };
      for (int i = 0; i < 1000; ++i) store.GetAsync(id, done);  // warm up
      ready.fetch_add(1);
      while (!go.load()) {
      }
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < calls; ++i) store.GetAsync(id, done);
      const auto end = std::chrono::steady_clock::now();
      if (found != static_cast<std::uint64_t>(calls) + 1000) std::abort();
      per_thread[static_cast<std::size_t>(t)] =
          std::chrono::duration<double, std::nano>(end - start).count() / calls;
    });
  }
  while (ready.load() < threads) {
  }
  go.store(true);
  for (std::thread& t : pool) t.join();
  double sum = 0;
  for (double x : per_thread) sum += x;
  return sum / threads;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 9;
  int calls = 200000;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") {
      rounds = std::atoi(argv[i + 1]);
    } else if (flag == "--calls") {
      calls = std::atoi(argv[i + 1]);
    } else if (flag == "--only") {
      only = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: store_metrics_bench [--rounds R] [--calls N] [--only bare|wrapped]\n");
      return 2;
    }
  }
  auto inner = std::make_shared<sessionkit::testing::MemoryStore>();
  const Session s = sessionkit::testing::MakeTestSession(sessionkit::testing::TestSessionId(1), "42",
                                                         std::chrono::system_clock::now());
  if (!inner->Insert(s).ok()) return 1;
  sessionkit::server::StoreMetrics metrics;
  SessionStorePtr wrapped = sessionkit::server::InstrumentSessionStore(inner, metrics);

  if (!only.empty()) {
    // On this thread, no spinning: the instruction count is the calls' (plus start-up).
    SessionStore& store = only == "bare" ? static_cast<SessionStore&>(*inner) : *wrapped;
    std::uint64_t found = 0;
    for (int i = 0; i < calls; ++i) store.GetAsync(s.id, [&found](Result<Session> r) { found += r.ok(); });
    std::printf("%s: %llu calls\n", only.c_str(), static_cast<unsigned long long>(found));
    return found == static_cast<std::uint64_t>(calls) ? 0 : 1;
  }
  std::printf("GetAsync on the in-memory store, ns per call, median of %d interleaved rounds "
              "of %d calls\n", rounds, calls);
  std::printf("%-8s %10s %10s %10s\n", "threads", "bare", "wrapped", "decorator");
  for (int threads : {1, 2}) {
    std::vector<double> bare, instrumented, diff;
    for (int r = 0; r < rounds; ++r) {
      const double b = NanosPerCall(*inner, s.id, calls, threads);
      const double w = NanosPerCall(*wrapped, s.id, calls, threads);
      bare.push_back(b);
      instrumented.push_back(w);
      diff.push_back(w - b);
    }
    std::printf("%-8d %10.1f %10.1f %10.1f\n", threads, Median(bare), Median(instrumented),
                Median(diff));
  }
  return 0;
}
