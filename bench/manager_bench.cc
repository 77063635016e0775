// SessionManager benchmarks on both stores: create, validate without a sliding write
// (inside the touch interval), validate with one (interval 0), and -- the server's
// situation -- validation throughput with 64 ValidateAsync calls in flight at once.
// The Redis rows start a throwaway redis-server on a free loopback port.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "sessionkit/redis_store.h"
#include "sessionkit/session_manager.h"
#include "sessionkit/sqlite_store.h"
#include "testing/redis_server.h"

namespace {

using namespace sessionkit;

enum Backend : int { kSqlite = 0, kRedis = 1 };

testing::RedisServer& SharedRedis() {
  static std::unique_ptr<testing::RedisServer> server = testing::RedisServer::Start().value();
  return *server;
}

struct Fixture {
  Fixture(Backend backend, std::chrono::seconds touch_interval, int sessions) {
    if (backend == kSqlite) {
      dir = std::filesystem::temp_directory_path() /
            ("sessionkit-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
      std::filesystem::create_directories(dir);
      store = OpenSqliteStore({.path = (dir / "bench.db").string()}).value();
    } else {
      testing::RedisServer& redis = SharedRedis();
      redis.Command({"FLUSHALL"}).IgnoreError();
      store = OpenRedisStore({.host = redis.host(), .port = redis.port()}).value();
      // The store connects in the background; wait until it answers.
      for (int i = 0; i < 200 && !store->Ping().ok(); ++i) ::usleep(10'000);
    }
    manager = SessionManager::Open({.touch_interval = touch_interval}, store).value();
    for (int i = 0; i < sessions; ++i) {
      ids.push_back(manager->Create({.user_id = "user" + std::to_string(i % 100),
                                     .ip_address = "203.0.113.7",
                                     .user_agent = "Mozilla/5.0 (X11; Linux x86_64)"})
                        .value()
                        .session.id);
    }
  }
  ~Fixture() {
    manager.reset();
    store.reset();
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }

  ValidateRequest Request(std::size_t i) const {
    return {.session_id = ids[i % ids.size()],
            .ip_address = "203.0.113.7",
            .user_agent = "Mozilla/5.0 (X11; Linux x86_64)"};
  }

  static inline int counter = 0;
  std::filesystem::path dir;
  SessionStorePtr store;
  std::unique_ptr<SessionManager> manager;
  std::vector<std::string> ids;
};

void BM_Create(benchmark::State& state) {
  Fixture f(static_cast<Backend>(state.range(0)), std::chrono::seconds(60), 0);
  int i = 0;
  for (auto _ : state) {
    auto c = f.manager->Create({.user_id = "user" + std::to_string(i++ % 100)});
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}

void ValidateLoop(benchmark::State& state, std::chrono::seconds touch_interval) {
  Fixture f(static_cast<Backend>(state.range(0)), touch_interval, 1000);
  std::size_t i = 0;
  for (auto _ : state) {
    auto v = f.manager->Validate(f.Request(i++));
    if (!v.ok()) state.SkipWithError(v.status().ToString().c_str());
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ValidateNoTouch(benchmark::State& state) { ValidateLoop(state, std::chrono::hours(1)); }
void BM_ValidateWithTouch(benchmark::State& state) { ValidateLoop(state, std::chrono::seconds(0)); }

// Keeps `window` validations in flight: each completion starts the next one, as a
// server with many concurrent requests does. Items/s is the validation throughput.
void BM_ValidateConcurrent(benchmark::State& state) {
  Fixture f(static_cast<Backend>(state.range(0)), std::chrono::hours(1), 1000);
  const int window = static_cast<int>(state.range(1));
  constexpr int kPerIteration = 20000;
  std::atomic<int> failures{0};
  for (auto _ : state) {
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<int> started{0};
    int finished = 0;
    std::function<void()> start_one = [&] {
      const int n = started.fetch_add(1);
      if (n >= kPerIteration) return;
      f.manager->ValidateAsync(f.Request(static_cast<std::size_t>(n)), [&](Result<Validation> v) {
        if (!v.ok()) ++failures;
        start_one();
        std::lock_guard lock(mu);
        if (++finished == kPerIteration) cv.notify_one();
      });
    };
    for (int i = 0; i < window; ++i) start_one();
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return finished == kPerIteration; });
  }
  if (failures > 0) state.SkipWithError("validations failed");
  state.SetItemsProcessed(state.iterations() * kPerIteration);
}

BENCHMARK(BM_Create)->ArgName("redis")->Arg(kSqlite)->Arg(kRedis)->UseRealTime();
BENCHMARK(BM_ValidateNoTouch)->ArgName("redis")->Arg(kSqlite)->Arg(kRedis)->UseRealTime();
BENCHMARK(BM_ValidateWithTouch)->ArgName("redis")->Arg(kSqlite)->Arg(kRedis)->UseRealTime();
BENCHMARK(BM_ValidateConcurrent)
    ->ArgNames({"redis", "in_flight"})
    ->Args({kRedis, 1})
    ->Args({kRedis, 64})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
