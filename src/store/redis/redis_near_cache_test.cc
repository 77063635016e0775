// The near-cache: the per-loop structure (staleness cap, expires_at, fill tickets against
// invalidations, tracking off, bound), and the store on a real redis-server on event
// loops (hit, invalidation by another client, the cap by the injected clock, a killed
// subscriber, writes through the store, refusals).
#include "src/store/redis/redis_near_cache.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sessionkit/redis_store.h"
#include "sessionkit/session_manager.h"
#include "testing/redis_server.h"
#include "testing/session_factory.h"

namespace sessionkit::internal {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using sessionkit::testing::MakeTestSession;
using sessionkit::testing::RedisServer;
using sessionkit::testing::TestSessionId;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1737367200));

Session SessionOf(std::uint64_t n, std::string user = "7", std::chrono::seconds ttl = 1h) {
  return MakeTestSession(TestSessionId(n), std::move(user), kT0, ttl);
}

// --- the structure ------------------------------------------------------------------

TEST(SessionNearCacheTest, AFilledRecordIsServedUntilItsStalenessCapThenDropped) {
  SessionNearCache cache(2000ms, 100);
  cache.SetTracking(true);
  const Session s = SessionOf(1);
  const std::uint64_t ticket = cache.BeginFill(s.id);
  ASSERT_NE(ticket, 0u);
  EXPECT_EQ(cache.Find(s.id, kT0), nullptr) << "a fill in flight is not a hit";
  ASSERT_TRUE(cache.Fill(s.id, ticket, s, kT0));
  const Session* hit = cache.Find(s.id, kT0 + 1999ms);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->user_id, "7");
  EXPECT_EQ(cache.Find(s.id, kT0 + 2000ms), nullptr) << "served at most the cap after the read";
  EXPECT_EQ(cache.size(), 0u) << "and dropped then";
}

TEST(SessionNearCacheTest, NeverServedAtOrPastExpiresAt) {
  SessionNearCache cache(60000ms, 100);
  cache.SetTracking(true);
  const Session s = SessionOf(1, "7", 1s);  // expires at kT0 + 1 s
  ASSERT_TRUE(cache.Fill(s.id, cache.BeginFill(s.id), s, kT0));
  EXPECT_NE(cache.Find(s.id, kT0 + 999ms), nullptr);
  EXPECT_EQ(cache.Find(s.id, kT0 + 1s), nullptr);
}

TEST(SessionNearCacheTest, AClockThatWentBackDropsTheEntry) {
  SessionNearCache cache(2000ms, 100);
  cache.SetTracking(true);
  const Session s = SessionOf(1);
  ASSERT_TRUE(cache.Fill(s.id, cache.BeginFill(s.id), s, kT0));
  EXPECT_EQ(cache.Find(s.id, kT0 - 1ms), nullptr);
}

TEST(SessionNearCacheTest, AnInvalidationBeforeTheReplyCancelsTheFill) {
  SessionNearCache cache(2000ms, 100);
  cache.SetTracking(true);
  const Session s = SessionOf(1);
  const std::uint64_t ticket = cache.BeginFill(s.id);
  cache.Erase(s.id);  // the invalidation came in before the GET's reply
  EXPECT_FALSE(cache.Fill(s.id, ticket, s, kT0));
  EXPECT_EQ(cache.Find(s.id, kT0), nullptr);

  const std::uint64_t again = cache.BeginFill(s.id);
  cache.Clear();  // a whole-cache drop cancels fills in flight too
  EXPECT_FALSE(cache.Fill(s.id, again, s, kT0));
}

TEST(SessionNearCacheTest, OnlyTheLatestFillOfAKeyIsTaken) {
  SessionNearCache cache(2000ms, 100);
  cache.SetTracking(true);
  const Session s = SessionOf(1);
  const std::uint64_t first = cache.BeginFill(s.id);
  cache.Erase(s.id);  // invalidated while the first GET was out...
  const std::uint64_t second = cache.BeginFill(s.id);  // ...and a second GET sent after
  EXPECT_FALSE(cache.Fill(s.id, first, s, kT0)) << "the first reply may predate the change";
  EXPECT_TRUE(cache.Fill(s.id, second, s, kT0));
  EXPECT_FALSE(cache.Fill(s.id, second, s, kT0)) << "a ticket fills once";
}

TEST(SessionNearCacheTest, NothingIsFilledWithoutTrackingAndTrackingOffDropsAll) {
  SessionNearCache cache(2000ms, 100);
  const Session s = SessionOf(1);
  EXPECT_EQ(cache.BeginFill(s.id), 0u);
  EXPECT_FALSE(cache.Fill(s.id, 0, s, kT0));
  cache.SetTracking(true);
  ASSERT_TRUE(cache.Fill(s.id, cache.BeginFill(s.id), s, kT0));
  const std::uint64_t pending = cache.BeginFill(TestSessionId(2));
  cache.SetTracking(false);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Find(s.id, kT0), nullptr);
  cache.SetTracking(true);
  EXPECT_FALSE(cache.Fill(TestSessionId(2), pending, SessionOf(2), kT0));
}

TEST(SessionNearCacheTest, EraseUserDropsTheUsersEntriesAndFillsInFlight) {
  SessionNearCache cache(2000ms, 100);
  cache.SetTracking(true);
  const Session a = SessionOf(1, "7"), b = SessionOf(2, "8");
  ASSERT_TRUE(cache.Fill(a.id, cache.BeginFill(a.id), a, kT0));
  ASSERT_TRUE(cache.Fill(b.id, cache.BeginFill(b.id), b, kT0));
  const std::uint64_t pending = cache.BeginFill(TestSessionId(3));
  cache.EraseUser("7");
  EXPECT_EQ(cache.Find(a.id, kT0), nullptr);
  EXPECT_NE(cache.Find(b.id, kT0), nullptr);
  EXPECT_FALSE(cache.Fill(TestSessionId(3), pending, SessionOf(3, "7"), kT0));
}

TEST(SessionNearCacheTest, SizeIsBounded) {
  SessionNearCache cache(2000ms, 3);
  cache.SetTracking(true);
  for (std::uint64_t i = 1; i <= 10; ++i) {
    const Session s = SessionOf(i);
    ASSERT_TRUE(cache.Fill(s.id, cache.BeginFill(s.id), s, kT0));
    EXPECT_LE(cache.size(), 3u);
  }
}

// --- the store on a real Redis --------------------------------------------------------

class Loops {
 public:
  explicit Loops(int n) {
    for (int i = 0; i < n; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(asio::make_work_guard(*contexts_.back()));
    }
    for (auto& c : contexts_) threads_.emplace_back([ctx = c.get()] { ctx->run(); });
  }
  ~Loops() {
    for (auto& c : contexts_) c->stop();
    for (std::thread& t : threads_) t.join();
  }
  std::vector<asio::io_context*> pointers() const {
    std::vector<asio::io_context*> out;
    for (const auto& c : contexts_) out.push_back(c.get());
    return out;
  }
  // Calls f(callback) on loop i and waits for the callback's value.
  template <class T, class F>
  Result<T> On(int i, F f) {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    asio::post(*contexts_[i], [promise, f] { f([promise](Result<T> r) { promise->set_value(std::move(r)); }); });
    return promise->get_future().get();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

// Polls `predicate` every millisecond for at most 10 s (a liveness bound, not a timing).
template <class P>
bool Eventually(P predicate) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    if (predicate()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return predicate();
}

class NearCacheStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  RedisStoreOptions Options() {
    RedisStoreOptions o;
    o.host = server_->host();
    o.port = server_->port();
    o.connections = 1;
    o.command_timeout = 1000ms;
    o.reconnect_backoff_min = 10ms;
    o.reconnect_backoff_max = 50ms;
    o.clock = &clock_;
    o.near_cache = true;
    o.near_cache_max_staleness = 2000ms;
    return o;
  }

  SessionStorePtr Open(Loops& loops) {
    auto loop_pointers = loops.pointers();
    auto stores = OpenRedisStoresOnLoops(Options(), loop_pointers);
    EXPECT_TRUE(stores.ok()) << stores.status().ToString();
    if (!stores.ok()) return nullptr;
    EXPECT_TRUE(Eventually([&] {
      for (std::size_t i = 0; i < loop_pointers.size(); ++i) {
        if (!NearCacheCountersOf(*stores->sessions, i).tracking) return false;
      }
      return true;
    })) << "tracking never came on";
    return stores->sessions;
  }

  static Result<Session> GetOn(Loops& loops, int loop, const SessionStorePtr& store, const std::string& id) {
    return loops.On<Session>(loop, [store, id](auto cb) { store->GetAsync(id, std::move(cb)); });
  }

  // Reads `id` on the loop until a read is a hit: the invalidation of the session's own
  // insert may arrive after the first GET went out, and then rightly cancels its fill.
  static void Warm(Loops& loops, int loop, const SessionStorePtr& store, const std::string& id) {
    ASSERT_TRUE(Eventually([&] {
      const std::uint64_t before = NearCacheCountersOf(*store, loop).hits;
      EXPECT_TRUE(GetOn(loops, loop, store, id).ok());
      return NearCacheCountersOf(*store, loop).hits > before;
    })) << "never a hit on loop " << loop;
  }

  ManualClock clock_{kT0};
  std::unique_ptr<RedisServer> server_;
};

TEST_F(NearCacheStoreTest, ASecondGetOnTheLoopIsAHit) {
  Loops loops(2);
  SessionStorePtr store = Open(loops);
  ASSERT_TRUE(store);
  const Session s = SessionOf(1);
  ASSERT_TRUE(store->Insert(s).ok());
  Warm(loops, 0, store, s.id);
  const NearCacheCounters warm = NearCacheCountersOf(*store, 0);
  Result<Session> again = GetOn(loops, 0, store, s.id);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->user_id, s.user_id);
  EXPECT_EQ(again->raw.empty(), false) << "a hit returns the record as read, raw bytes too";
  EXPECT_EQ(NearCacheCountersOf(*store, 0).hits, warm.hits + 1);
  EXPECT_EQ(NearCacheCountersOf(*store, 0).misses, warm.misses);
  EXPECT_EQ(NearCacheCountersOf(*store, 1).hits, 0u) << "each loop has its own cache";
  EXPECT_GE(RedisNearCacheTotals().hits, warm.hits + 1) << "the process totals (/metrics) count them";
  // Off the loops: straight to Redis.
  ASSERT_TRUE(store->Get(s.id).ok());
  EXPECT_EQ(NearCacheCountersOf(*store, 0).hits, warm.hits + 1);
}

TEST_F(NearCacheStoreTest, ADeleteByAnotherClientIsRefusedOnceTheInvalidationArrived) {
  Loops loops(2);
  SessionStorePtr store = Open(loops);
  ASSERT_TRUE(store);
  const Session s = SessionOf(1);
  ASSERT_TRUE(store->Insert(s).ok());
  for (int l = 0; l < 2; ++l) Warm(loops, l, store, s.id);
  ASSERT_TRUE(server_->Command({"DEL", "session:" + s.id}).ok());
  // The clock stands still: only the invalidation can make these refuse.
  for (int l = 0; l < 2; ++l) {
    EXPECT_TRUE(Eventually([&] { return GetOn(loops, l, store, s.id).status().code() == Code::kNotFound; }))
        << "loop " << l << " kept serving a deleted session";
  }
}

TEST_F(NearCacheStoreTest, AnEntryIsReReadAfterTheCapByTheInjectedClock) {
  Loops loops(1);
  SessionStorePtr store = Open(loops);
  ASSERT_TRUE(store);
  const Session s = SessionOf(1);
  ASSERT_TRUE(store->Insert(s).ok());
  Warm(loops, 0, store, s.id);  // filled at the standing clock's kT0
  const NearCacheCounters warm = NearCacheCountersOf(*store, 0);
  clock_.Advance(1999ms);
  ASSERT_TRUE(GetOn(loops, 0, store, s.id).ok());
  EXPECT_EQ(NearCacheCountersOf(*store, 0).hits, warm.hits + 1);
  clock_.Advance(1ms);
  ASSERT_TRUE(GetOn(loops, 0, store, s.id).ok());
  EXPECT_EQ(NearCacheCountersOf(*store, 0).hits, warm.hits + 1) << "2000 ms after the read: read again";
  EXPECT_EQ(NearCacheCountersOf(*store, 0).misses, warm.misses + 1);
}

TEST_F(NearCacheStoreTest, ExpiresAtIsEnforcedOnAHit) {
  Loops loops(1);
  RedisStoreOptions o = Options();
  o.near_cache_max_staleness = 60000ms;  // the cap is not what refuses here
  auto loop_pointers = loops.pointers();
  auto stores = OpenRedisStoresOnLoops(o, loop_pointers);
  ASSERT_TRUE(stores.ok()) << stores.status().ToString();
  SessionStorePtr store = stores->sessions;
  ASSERT_TRUE(Eventually([&] { return NearCacheCountersOf(*store, 0).tracking; }));
  const Session s = SessionOf(1, "7", 10s);
  ASSERT_TRUE(store->Insert(s).ok());
  Warm(loops, 0, store, s.id);
  const std::uint64_t hits = NearCacheCountersOf(*store, 0).hits;
  clock_.Advance(9s);
  ASSERT_TRUE(GetOn(loops, 0, store, s.id).ok());
  ASSERT_EQ(NearCacheCountersOf(*store, 0).hits, hits + 1);
  clock_.Advance(1s);
  EXPECT_EQ(GetOn(loops, 0, store, s.id).status().code(), Code::kExpired);
}

TEST_F(NearCacheStoreTest, AKilledSubscriberDropsTheCacheUntilTrackingIsBack) {
  Loops loops(1);
  SessionStorePtr store = Open(loops);
  ASSERT_TRUE(store);
  const Session s = SessionOf(1);
  ASSERT_TRUE(store->Insert(s).ok());
  Warm(loops, 0, store, s.id);
  ASSERT_TRUE(server_->Command({"CLIENT", "KILL", "TYPE", "pubsub"}).ok());
  // The drop is what makes the next read go to Redis (the cap is far: the clock stands).
  ASSERT_TRUE(Eventually([&] { return NearCacheCountersOf(*store, 0).drops >= 1; }));
  ASSERT_TRUE(server_->Command({"DEL", "session:" + s.id}).ok());  // its invalidation is lost
  EXPECT_EQ(GetOn(loops, 0, store, s.id).status().code(), Code::kNotFound);
  // Tracking comes back by itself, and the cache works again.
  ASSERT_TRUE(Eventually([&] { return NearCacheCountersOf(*store, 0).tracking; }));
  const Session t = SessionOf(2);
  ASSERT_TRUE(store->Insert(t).ok());
  Warm(loops, 0, store, t.id);
}

TEST_F(NearCacheStoreTest, APausedRedisDropsTheCacheWhenItsPingGoesUnanswered) {
  Loops loops(1);
  SessionStorePtr store = Open(loops);
  ASSERT_TRUE(store);
  const Session s = SessionOf(1);
  ASSERT_TRUE(store->Insert(s).ok());
  Warm(loops, 0, store, s.id);
  Result<RedisReply> info = server_->Command({"INFO", "server"});
  ASSERT_TRUE(info.ok());
  const std::size_t at = info->str.find("process_id:");
  ASSERT_NE(at, std::string::npos);
  const pid_t pid = static_cast<pid_t>(std::stol(info->str.substr(at + 11)));
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  // The clock stands still, so the cap cannot be what drops it: the unanswered PING is.
  const bool dropped = Eventually([&] {
    NearCacheCounters c = NearCacheCountersOf(*store, 0);
    return c.drops >= 1 && !c.tracking;
  });
  ::kill(pid, SIGCONT);
  EXPECT_TRUE(dropped);
  ASSERT_TRUE(Eventually([&] { return NearCacheCountersOf(*store, 0).tracking; }));
  const std::uint64_t hits = NearCacheCountersOf(*store, 0).hits;
  ASSERT_TRUE(GetOn(loops, 0, store, s.id).ok());
  EXPECT_EQ(NearCacheCountersOf(*store, 0).hits, hits) << "refilled from Redis, not served from before";
}

TEST_F(NearCacheStoreTest, ADeleteThroughTheStoreIsSeenByEveryLoopBeforeItReturns) {
  Loops loops(2);
  SessionStorePtr store = Open(loops);
  ASSERT_TRUE(store);
  const Session s = SessionOf(1), t = SessionOf(2);
  ASSERT_TRUE(store->Insert(s).ok());
  ASSERT_TRUE(store->Insert(t).ok());
  for (int l = 0; l < 2; ++l) {
    Warm(loops, l, store, s.id);
    Warm(loops, l, store, t.id);
  }
  ASSERT_TRUE(loops.On<bool>(0, [store, id = s.id](auto cb) { store->DeleteAsync(id, std::move(cb)); }).ok());
  EXPECT_EQ(GetOn(loops, 1, store, s.id).status().code(), Code::kNotFound) << "no wait for Redis's message";
  ASSERT_TRUE(loops.On<std::uint64_t>(1, [store](auto cb) { store->DeleteAllForUserAsync("7", "", std::move(cb)); })
                  .ok());
  EXPECT_EQ(GetOn(loops, 0, store, t.id).status().code(), Code::kNotFound);
}

TEST_F(NearCacheStoreTest, ATouchThroughTheStoreDropsTheEntrySoTheNextReadSeesTheSlide) {
  Loops loops(1);
  SessionStorePtr store = Open(loops);
  ASSERT_TRUE(store);
  const Session s = SessionOf(1);
  ASSERT_TRUE(store->Insert(s).ok());
  Result<Session> read = GetOn(loops, 0, store, s.id);
  ASSERT_TRUE(read.ok());
  const TimePoint slid = kT0 + 2h;
  Result<bool> touched = loops.On<bool>(0, [store, current = *read, slid](auto cb) {
    store->TouchAsync(current, kT0 + 1s, slid, [cb](Status st) {
      if (st.ok()) return cb(true);
      cb(std::move(st));
    });
  });
  ASSERT_TRUE(touched.ok()) << touched.status().ToString();
  Result<Session> after = GetOn(loops, 0, store, s.id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->expires_at, slid);
}

TEST_F(NearCacheStoreTest, AHitStillSlidesTheSessionOnTheTouchSchedule) {
  Loops loops(1);
  RedisStoreOptions o = Options();
  o.near_cache_max_staleness = 60000ms;
  auto loop_pointers = loops.pointers();
  auto stores = OpenRedisStoresOnLoops(o, loop_pointers);
  ASSERT_TRUE(stores.ok()) << stores.status().ToString();
  SessionStorePtr store = stores->sessions;
  ASSERT_TRUE(Eventually([&] { return NearCacheCountersOf(*store, 0).tracking; }));
  ManagerOptions mo;
  mo.touch_interval = 5s;
  mo.clock = &clock_;
  auto manager = SessionManager::Open(mo, store);
  ASSERT_TRUE(manager.ok());
  std::shared_ptr<SessionManager> shared_manager(std::move(*manager));
  NewSession request;
  request.user_id = "7";
  Result<CreatedSession> created = shared_manager->Create(request);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const std::string id = created->session.id;
  Warm(loops, 0, store, id);
  const std::uint64_t hits = NearCacheCountersOf(*store, 0).hits;

  clock_.Advance(5s);  // the touch is due; the cached entry is well inside its cap
  Result<Validation> validated = loops.On<Validation>(0, [shared_manager, id](auto cb) {
    shared_manager->ValidateAsync({.session_id = id}, std::move(cb));
  });
  ASSERT_TRUE(validated.ok()) << validated.status().ToString();
  EXPECT_EQ(NearCacheCountersOf(*store, 0).hits, hits + 1) << "served from the cache";
  EXPECT_TRUE(validated->touched) << "and slid all the same";
  Result<RedisReply> stored = server_->Command({"GET", "session:" + id});
  ASSERT_TRUE(stored.ok() && stored->is_string());
  Result<Session> record = DecodeSession(stored->str);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->last_seen, kT0 + 5s);
}

TEST_F(NearCacheStoreTest, Refusals) {
  Loops loops(1);
  RedisStoreOptions o = Options();
  o.cluster_nodes = {"127.0.0.1:1"};
  auto loop_pointers = loops.pointers();
  auto cluster = OpenRedisStoresOnLoops(o, loop_pointers);
  ASSERT_FALSE(cluster.ok());
  EXPECT_NE(cluster.status().message().find("not a Redis Cluster"), std::string::npos);
  EXPECT_EQ(OpenRedisStore(Options()).status().code(), Code::kInvalidArgument) << "no loops, no cache";
  RedisStoreOptions stale = Options();
  stale.near_cache_max_staleness = 0ms;
  EXPECT_EQ(OpenRedisStoresOnLoops(stale, loop_pointers).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sessionkit::internal
