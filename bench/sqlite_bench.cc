// The embedded store's read path: SessionManager::Validate (blocking, one caller, no
// sliding write) and SqliteStore::Get with the read cache on and off, and what the
// cache's coherence check costs against the alternative, PRAGMA data_version (which
// opens a read transaction: two fcntl locks on the WAL index).
// ValidateWithWrites: the same Validate while another thread commits a touch of another
// session at a steady rate, through the same store (own commits, which keep the other
// cache entries) or through a second store on the file (the way every commit was treated
// before: the whole cache emptied); counters give the cache's hit rate and the writes done.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "sessionkit/session_manager.h"
#include "sessionkit/sqlite_store.h"
#include "src/store/sqlite/sqlite_store.h"
#include "src/store/sqlite/wal_change_watch.h"

namespace {

using namespace sessionkit;

struct Fixture {
  explicit Fixture(std::size_t cache_entries) {
    dir = std::filesystem::temp_directory_path() /
          ("sessionkit-sqlite-bench-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter++));
    std::filesystem::create_directories(dir);
    path = (dir / "bench.db").string();
    store = SqliteStore::Open({.path = path, .read_cache_entries = cache_entries}).value();
    manager = SessionManager::Open({.touch_interval = std::chrono::hours(1)}, store).value();
    for (int i = 0; i < 1000; ++i) {
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
  std::string path;
  std::shared_ptr<SqliteStore> store;
  std::unique_ptr<SessionManager> manager;
  std::vector<std::string> ids;
};

void BM_SqliteValidateNoTouch(benchmark::State& state) {
  Fixture f(static_cast<std::size_t>(state.range(0)));
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

void BM_SqliteGetAsync(benchmark::State& state) {
  Fixture f(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    f.store->GetAsync(f.ids[i++ % f.ids.size()], [&](Result<Session> s) {
      if (!s.ok()) state.SkipWithError(s.status().ToString().c_str());
      benchmark::DoNotOptimize(s);
    });
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_WalVersionRead(benchmark::State& state) {
  Fixture f(0);
  auto watch = internal::WalChangeWatch::Open(f.path, std::chrono::milliseconds(1000)).value();
  for (auto _ : state) benchmark::DoNotOptimize(watch->Read());
}

void BM_PragmaDataVersion(benchmark::State& state) {
  Fixture f(0);
  sqlite3* db = nullptr;
  sqlite3_open_v2(f.path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &stmt, nullptr);
  for (auto _ : state) {
    if (sqlite3_step(stmt) != SQLITE_ROW) state.SkipWithError("data_version failed");
    benchmark::DoNotOptimize(sqlite3_column_int64(stmt, 0));
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
}

// The write path's cost: a sliding touch (read + rewrite of one session), blocking, alone.
void BM_SqliteTouch(benchmark::State& state) {
  Fixture f(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& id = f.ids[i++ % f.ids.size()];
    Result<Session> current = f.store->Get(id);
    if (!current.ok()) state.SkipWithError(current.status().ToString().c_str());
    const TimePoint now = std::chrono::system_clock::now();
    if (!f.store->Touch(*current, now, now + std::chrono::hours(2)).ok()) {
      state.SkipWithError("touch failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// range(0): 1 = the writer uses the validating store (own commits), 0 = a second store on
// the same file (another writer, as every commit counted before). range(1): writes per s.
void BM_SqliteValidateWithWrites(benchmark::State& state) {
  Fixture f(8192);
  const bool own_commits = state.range(0) == 1;
  const auto period = std::chrono::microseconds(1'000'000 / state.range(1));
  std::shared_ptr<SqliteStore> writer_store =
      own_commits ? f.store
                  : SqliteStore::Open({.path = f.path, .read_cache_entries = 0}).value();
  const std::size_t validated = f.ids.size() / 2;  // the writer touches the other half
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> writes{0};
  std::thread writer([&] {
    auto next = std::chrono::steady_clock::now();
    std::size_t i = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      next += period;
      std::this_thread::sleep_until(next);
      const std::string& id = f.ids[validated + i++ % (f.ids.size() - validated)];
      Result<Session> current = writer_store->Get(id);
      if (!current.ok()) continue;
      const TimePoint now = std::chrono::system_clock::now();
      if (writer_store->Touch(*current, now, now + std::chrono::hours(2)).ok()) ++writes;
    }
  });
  const auto stats_before = f.store->read_cache_stats();
  const auto start = std::chrono::steady_clock::now();
  std::size_t i = 0;
  for (auto _ : state) {
    auto v = f.manager->Validate({.session_id = f.ids[i++ % validated],
                                  .ip_address = "203.0.113.7",
                                  .user_agent = "Mozilla/5.0 (X11; Linux x86_64)"});
    if (!v.ok()) state.SkipWithError(v.status().ToString().c_str());
    benchmark::DoNotOptimize(v);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  writer.join();
  const auto stats_after = f.store->read_cache_stats();
  const double lookups = static_cast<double>(stats_after.lookups - stats_before.lookups);
  const double hits = static_cast<double>(stats_after.hits - stats_before.hits);
  state.counters["hit_rate"] = lookups > 0 ? hits / lookups : 0;
  state.counters["writes_per_s"] = seconds > 0 ? static_cast<double>(writes.load()) / seconds : 0;
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_SqliteValidateNoTouch)->ArgName("cache")->Arg(0)->Arg(8192)->UseRealTime();
BENCHMARK(BM_SqliteGetAsync)->ArgName("cache")->Arg(0)->Arg(8192)->UseRealTime();
BENCHMARK(BM_SqliteTouch)->ArgName("cache")->Arg(0)->Arg(8192)->UseRealTime();
BENCHMARK(BM_SqliteValidateWithWrites)
    ->ArgNames({"own", "writes_per_s"})
    ->Args({0, 200})
    ->Args({1, 200})
    ->Args({0, 2000})
    ->Args({1, 2000})
    ->UseRealTime();
BENCHMARK(BM_WalVersionRead);
BENCHMARK(BM_PragmaDataVersion);

}  // namespace

BENCHMARK_MAIN();
