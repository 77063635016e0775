// SessionManager benchmarks on the embedded SQLite store: create, validate without a
// sliding write (inside the touch interval) and validate with one (interval 0).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "sessionkit/session_manager.h"
#include "sessionkit/sqlite_store.h"

namespace {

using namespace sessionkit;

struct Fixture {
  explicit Fixture(std::chrono::seconds touch_interval, int sessions) {
    dir = std::filesystem::temp_directory_path() /
          ("sessionkit-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir);
    store = OpenSqliteStore({.path = (dir / "bench.db").string()}).value();
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
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  static inline int counter = 0;
  std::filesystem::path dir;
  SessionStorePtr store;
  std::unique_ptr<SessionManager> manager;
  std::vector<std::string> ids;
};

void BM_Create(benchmark::State& state) {
  Fixture f(std::chrono::seconds(60), 0);
  int i = 0;
  for (auto _ : state) {
    auto c = f.manager->Create({.user_id = "user" + std::to_string(i++ % 100)});
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Create);

void ValidateLoop(benchmark::State& state, std::chrono::seconds touch_interval) {
  Fixture f(touch_interval, 1000);
  std::size_t i = 0;
  for (auto _ : state) {
    auto v = f.manager->Validate({.session_id = f.ids[i++ % f.ids.size()],
                                  .ip_address = "203.0.113.7",
                                  .user_agent = "Mozilla/5.0 (X11; Linux x86_64)"});
    if (!v.ok()) state.SkipWithError(v.status().ToString().c_str());
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ValidateNoTouch(benchmark::State& state) { ValidateLoop(state, std::chrono::seconds(3600)); }
BENCHMARK(BM_ValidateNoTouch);

void BM_ValidateWithTouch(benchmark::State& state) { ValidateLoop(state, std::chrono::seconds(0)); }
BENCHMARK(BM_ValidateWithTouch);

}  // namespace

BENCHMARK_MAIN();
