// The embedded store's read path: SessionManager::Validate (blocking, one caller, no
// sliding write) and SqliteStore::Get with the read cache on and off, and what the
// cache's coherence check costs against the alternative, PRAGMA data_version (which
// opens a read transaction: two fcntl locks on the WAL index).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
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

BENCHMARK(BM_SqliteValidateNoTouch)->ArgName("cache")->Arg(0)->Arg(8192)->UseRealTime();
BENCHMARK(BM_SqliteGetAsync)->ArgName("cache")->Arg(0)->Arg(8192)->UseRealTime();
BENCHMARK(BM_WalVersionRead);
BENCHMARK(BM_PragmaDataVersion);

}  // namespace

BENCHMARK_MAIN();
