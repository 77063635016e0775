// RedisStore benchmarks against a throwaway local redis-server (started by the binary):
//   BM_RedisGetBlocking           one caller, blocking Get: one round trip per call
//   BM_RedisGetBlocking/threads:N N callers on threads, blocking Get
//   BM_RedisGetPipelined/W        GetAsync with W calls in flight (W = 64: 64 concurrent
//                                 callers sharing the store's connections)
//   BM_RedisValidatePipelined/W   SessionManager::ValidateAsync (format check, GET, decode,
//                                 expiry and owner checks; no sliding write) with W in flight
//   BM_ClusterGetPipelined/W, BM_ClusterValidatePipelined/W  the same on a 3 + 3 Redis
//                                 Cluster (testing/redis_cluster.h; SESSIONKIT_BENCH_CLUSTER=0
//                                 skips it), its sessions spread over every master
// Each pipelined benchmark reports allocs_per_op: operator new calls per operation, the
// benchmark's own (its callbacks, the same for both stores) included; the difference
// between one Redis and the cluster is the cluster client's.
// After the benchmarks, the same server is measured with redis-benchmark
// (`-t get -c 64 -n 200000 -P 1` and `-P 16`) as the reference for the transport. Note
// that redis-benchmark's GET hits a missing key (a tiny reply), while the store reads a
// ~400-byte record and decodes its JSON.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sessionkit/redis_store.h"
#include "sessionkit/session_manager.h"
#include "testing/redis_cluster.h"
#include "testing/redis_server.h"
#include "testing/session_factory.h"

#include "allocation_counter.h"  // every operator new, counted (allocs_per_op)

namespace {

using namespace sessionkit;
using sessionkit::testing::RedisCluster;
using sessionkit::testing::RedisServer;

constexpr int kSessions = 1000;

struct Shared {
  std::unique_ptr<RedisServer> server;
  SessionStorePtr store;
  std::unique_ptr<SessionManager> manager;
  std::vector<std::string> ids;
};

Shared* g_shared = nullptr;
Shared* g_cluster = nullptr;  // null when the cluster is skipped

void BM_RedisGetBlocking(benchmark::State& state) {
  SessionStore& store = *g_shared->store;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    auto s = store.Get(g_shared->ids[i++ % g_shared->ids.size()]);
    if (!s.ok()) {
      state.SkipWithError(s.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RedisGetBlocking)->UseRealTime();
BENCHMARK(BM_RedisGetBlocking)->Threads(8)->UseRealTime();
BENCHMARK(BM_RedisGetBlocking)->Threads(64)->UseRealTime();

// One asynchronous operation on the n-th id; calls done(ok) exactly once.
using AsyncOp = std::function<void(std::size_t n, std::function<void(bool)> done)>;

// Keeps `window` operations in flight until `total` have completed: each completion
// starts the next one, as a server's many concurrent requests do.
class Window {
 public:
  Window(AsyncOp op, std::size_t window, std::size_t total)
      : op_(std::move(op)), window_(window), total_(total) {}

  bool Run() {
    for (std::size_t i = 0; i < window_ && i < total_; ++i) Issue();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return completed_ == total_; });
    return failures_ == 0;
  }

 private:
  void Issue() {
    const std::size_t n = issued_.fetch_add(1);
    if (n >= total_) return;
    op_(n, [this](bool ok) {
      if (!ok) failures_.fetch_add(1);
      Issue();  // the next call from the same "caller"
      std::lock_guard<std::mutex> lock(mu_);
      if (++completed_ == total_) cv_.notify_one();
    });
  }

  const AsyncOp op_;
  const std::size_t window_;
  const std::size_t total_;
  std::atomic<std::size_t> issued_{0};
  std::atomic<std::size_t> failures_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t completed_ = 0;
};

void RunWindowed(benchmark::State& state, const AsyncOp& op) {
  const auto window = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kPerIteration = 20000;
  const std::uint64_t allocations_before = g_allocations.load();
  for (auto _ : state) {
    Window w(op, window, kPerIteration);
    if (!w.Run()) {
      state.SkipWithError("an asynchronous call failed");
      break;
    }
  }
  const auto ops = state.iterations() * static_cast<std::int64_t>(kPerIteration);
  state.SetItemsProcessed(ops);
  state.counters["allocs_per_op"] =
      static_cast<double>(g_allocations.load() - allocations_before) / static_cast<double>(std::max<std::int64_t>(ops, 1));
}

void GetPipelined(benchmark::State& state, Shared* shared) {
  if (shared == nullptr) return state.SkipWithError("no cluster (SESSIONKIT_BENCH_CLUSTER=0)");
  RunWindowed(state, [shared](std::size_t n, std::function<void(bool)> done) {
    shared->store->GetAsync(shared->ids[n % shared->ids.size()],
                            [done = std::move(done)](Result<Session> r) { done(r.ok()); });
  });
}

void ValidatePipelined(benchmark::State& state, Shared* shared) {
  if (shared == nullptr) return state.SkipWithError("no cluster (SESSIONKIT_BENCH_CLUSTER=0)");
  RunWindowed(state, [shared](std::size_t n, std::function<void(bool)> done) {
    const std::string& id = shared->ids[n % shared->ids.size()];
    shared->manager->ValidateAsync({.session_id = id},
                                   [done = std::move(done)](Result<Validation> v) { done(v.ok()); });
  });
}

void BM_RedisGetPipelined(benchmark::State& state) { GetPipelined(state, g_shared); }
BENCHMARK(BM_RedisGetPipelined)->Arg(1)->Arg(16)->Arg(64)->Arg(256)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RedisValidatePipelined(benchmark::State& state) { ValidatePipelined(state, g_shared); }
BENCHMARK(BM_RedisValidatePipelined)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_ClusterGetPipelined(benchmark::State& state) { GetPipelined(state, g_cluster); }
BENCHMARK(BM_ClusterGetPipelined)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_ClusterValidatePipelined(benchmark::State& state) { ValidatePipelined(state, g_cluster); }
BENCHMARK(BM_ClusterValidatePipelined)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

// Opens the store on `options`, its manager, and kSessions sessions of 100 users.
bool Seed(Shared& shared, const RedisStoreOptions& options) {
  auto store = OpenRedisStore(options);
  if (!store.ok()) {
    std::fprintf(stderr, "OpenRedisStore: %s\n", store.status().ToString().c_str());
    return false;
  }
  shared.store = *store;
  // A touch interval longer than the run: validations read, they do not write.
  shared.manager = SessionManager::Open({.touch_interval = std::chrono::hours(24)}, shared.store).value();
  const TimePoint now = SystemClock().Now();
  for (int i = 0; i < kSessions; ++i) {
    Session s = testing::MakeTestSession(testing::TestSessionId(i + 1), "user" + std::to_string(i % 100),
                                         std::chrono::time_point_cast<std::chrono::seconds>(now));
    if (auto r = shared.store->Insert(s); !r.ok()) {
      std::fprintf(stderr, "seeding: %s\n", r.status().ToString().c_str());
      return false;
    }
    shared.ids.push_back(s.id);
  }
  return true;
}

// Runs redis-benchmark against the same server and prints its summary lines.
void RunRedisBenchmark(const RedisServer& server, int pipeline) {
  Result<std::string> binary = RedisServer::FindBinary("redis-benchmark");
  if (!binary.ok()) {
    std::fprintf(stderr, "redis-benchmark: %s\n", binary.status().ToString().c_str());
    return;
  }
  const std::string command = *binary + " -h " + server.host() + " -p " + std::to_string(server.port()) +
                              " -t get -c 64 -n 200000 -P " + std::to_string(pipeline) + " -q 2>&1";
  std::printf("redis-benchmark -t get -c 64 -n 200000 -P %d:\n", pipeline);
  std::fflush(stdout);
  FILE* out = ::popen(command.c_str(), "r");
  if (out == nullptr) return;
  char line[4096];
  while (std::fgets(line, sizeof line, out) != nullptr) {
    std::string text(line);
    // -q redraws progress with '\r'; keep what follows the last one.
    const std::size_t cr = text.rfind('\r');
    if (cr != std::string::npos) text = text.substr(cr + 1);
    if (!text.empty() && text != "\n") std::printf("  %s", text.c_str());
  }
  ::pclose(out);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  auto server = RedisServer::Start();
  if (!server.ok()) {
    std::fprintf(stderr, "cannot start redis-server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  Shared shared;
  shared.server = std::move(*server);
  RedisStoreOptions options;
  options.host = shared.server->host();
  options.port = shared.server->port();
  if (!Seed(shared, options)) return 1;
  g_shared = &shared;

  std::unique_ptr<RedisCluster> cluster;
  Shared on_cluster;
  if (const char* skip = std::getenv("SESSIONKIT_BENCH_CLUSTER"); skip == nullptr || std::string(skip) != "0") {
    auto started = RedisCluster::Start();
    if (!started.ok()) {
      std::fprintf(stderr, "cannot start the redis cluster: %s\n", started.status().ToString().c_str());
      return 1;
    }
    cluster = std::move(*started);
    RedisStoreOptions cluster_options;
    cluster_options.cluster_nodes = cluster->Seeds();
    if (!Seed(on_cluster, cluster_options)) return 1;
    g_cluster = &on_cluster;
  }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  RunRedisBenchmark(*shared.server, 1);
  RunRedisBenchmark(*shared.server, 16);
  g_shared = nullptr;
  g_cluster = nullptr;
  return 0;
}
