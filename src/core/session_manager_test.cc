#include "sessionkit/session_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "sessionkit/sqlite_store.h"
#include "testing/memory_store.h"
#include "testing/temp_dir.h"

namespace sessionkit {
namespace {

using namespace std::chrono_literals;
using testing::CountingStore;
using testing::MemoryStore;

class SessionManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen({}); }

  void Reopen(ManagerOptions options) {
    options.clock = &clock_;
    memory_ = std::make_shared<MemoryStore>(&clock_);
    store_ = std::make_shared<CountingStore>(memory_);
    auto m = SessionManager::Open(options, store_);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    manager_ = std::move(m).value();
  }

  Session MustCreate(std::string user = "u1", std::string ip = "203.0.113.7",
                     std::string ua = "Mozilla/5.0") {
    NewSession n;
    n.user_id = std::move(user);
    n.username = "alice";
    n.ip_address = std::move(ip);
    n.user_agent = std::move(ua);
    auto created = manager_->Create(std::move(n));
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->session : Session{};
  }

  Result<Validation> Check(const Session& s, std::string_view user = {}, std::string_view ip = {},
                           std::string_view ua = {}) {
    return manager_->Validate({.session_id = s.id, .expected_user_id = user, .ip_address = ip,
                               .user_agent = ua});
  }

  ManualClock clock_;
  std::shared_ptr<MemoryStore> memory_;
  std::shared_ptr<CountingStore> store_;
  std::unique_ptr<SessionManager> manager_;
};

TEST_F(SessionManagerTest, OpenRejectsBadOptions) {
  EXPECT_EQ(SessionManager::Open({}, nullptr).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(SessionManager::Open({.idle_timeout = 0s}, store_).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(SessionManager::Open({.absolute_lifetime = -1s}, store_).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(SessionManager::Open({.touch_interval = -1s}, store_).status().code(),
            Code::kInvalidArgument);
}

TEST_F(SessionManagerTest, CreateFillsTheRecord) {
  Session s = MustCreate("u1", "::1", "curl/8.0");
  EXPECT_TRUE(IsWellFormedSessionId(s.id));
  EXPECT_EQ(s.user_id, "u1");
  EXPECT_EQ(s.purpose, "login");
  EXPECT_EQ(s.ip_address, "::1");
  EXPECT_EQ(s.device_id, DeriveDeviceId("", "curl/8.0"));
  EXPECT_EQ(s.created_at, clock_.Now());
  EXPECT_EQ(s.last_seen, s.created_at);
  EXPECT_EQ(s.expires_at, s.created_at + 48h);
}

TEST_F(SessionManagerTest, CreateKeepsAValidDeviceHeaderAndRejectsEmptyUser) {
  auto created = manager_->Create({.user_id = "u1", .user_agent = "ua", .device_id = "phone-1"});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->session.device_id, "phone-1");
  EXPECT_EQ(manager_->Create({}).status().code(), Code::kInvalidArgument);
}

TEST_F(SessionManagerTest, CreateTruncatesToWholeSecondsAsStored) {
  clock_.Advance(1500ms);
  Session s = MustCreate();
  EXPECT_EQ(s.created_at, std::chrono::floor<std::chrono::seconds>(clock_.Now()));
  auto back = store_->Get(s.id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->created_at, s.created_at);
}

TEST_F(SessionManagerTest, ValidateReturnsTheSession) {
  Session s = MustCreate();
  auto v = Check(s, "u1", "203.0.113.7", "Mozilla/5.0");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->session.id, s.id);
  EXPECT_FALSE(v->ip_changed);
  EXPECT_FALSE(v->user_agent_changed);
  EXPECT_FALSE(v->touched);
}

TEST_F(SessionManagerTest, MalformedIdIsRejectedBeforeAnyLookup) {
  for (std::string_view bad : {"", "sess_", "sess_ABC", "token", " sess_0", "SESS_"}) {
    auto v = manager_->Validate({.session_id = bad});
    EXPECT_EQ(v.status().code(), Code::kMalformed) << bad;
  }
  std::string upper = "sess_" + std::string(64, 'A');
  EXPECT_EQ(manager_->Validate({.session_id = upper}).status().code(), Code::kMalformed);
  EXPECT_EQ(manager_->Revoke("nope").status().code(), Code::kMalformed);
  EXPECT_EQ(store_->counts().get, 0);
  EXPECT_EQ(store_->counts().del, 0);
}

TEST_F(SessionManagerTest, UnknownIdIsNotFound) {
  auto v = manager_->Validate({.session_id = "sess_" + std::string(64, 'a')});
  EXPECT_EQ(v.status().code(), Code::kNotFound);
}

TEST_F(SessionManagerTest, AfterRevokeValidateIsNotFound) {
  Session s = MustCreate();
  auto revoked = manager_->Revoke(s.id);
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(*revoked);
  EXPECT_EQ(Check(s).status().code(), Code::kNotFound);
  auto again = manager_->Revoke(s.id);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST_F(SessionManagerTest, RevokeAllKillsOnlyThatUsersSessions) {
  Session a1 = MustCreate("alice"), a2 = MustCreate("alice"), a3 = MustCreate("alice");
  Session b1 = MustCreate("bob");
  auto n = manager_->RevokeAllForUser("alice");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  for (const Session* s : {&a1, &a2, &a3}) EXPECT_EQ(Check(*s).status().code(), Code::kNotFound);
  EXPECT_TRUE(Check(b1).ok());
  EXPECT_EQ(manager_->RevokeAllForUser("").status().code(), Code::kInvalidArgument);
}

TEST_F(SessionManagerTest, RevokeAllCanKeepTheCurrentSession) {
  Session keep = MustCreate("alice"), other = MustCreate("alice");
  auto n = manager_->RevokeAllForUser("alice", keep.id);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_TRUE(Check(keep).ok());
  EXPECT_EQ(Check(other).status().code(), Code::kNotFound);
}

TEST_F(SessionManagerTest, IdleTimeoutExpiresAnUntouchedSession) {
  Session s = MustCreate();
  clock_.Advance(48h - 1s);
  EXPECT_TRUE(Check(s).ok());
  clock_.Advance(48h);
  EXPECT_EQ(Check(s).status().code(), Code::kExpired);
  EXPECT_EQ(Check(s).status().code(), Code::kNotFound);  // and it was deleted
}

TEST_F(SessionManagerTest, ActivitySlidesTheIdleDeadline) {
  Session s = MustCreate();
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(47h);
    auto v = Check(s);
    ASSERT_TRUE(v.ok()) << i << " " << v.status().ToString();
    EXPECT_TRUE(v->touched);
    EXPECT_EQ(v->session.expires_at, clock_.Now() + 48h);
  }
}

TEST_F(SessionManagerTest, NoSessionOutlivesItsAbsoluteLifetimeHoweverOftenTouched) {
  Reopen({.idle_timeout = 2h, .absolute_lifetime = 10h, .touch_interval = 0s});
  Session s = MustCreate();
  const TimePoint end = s.created_at + 10h;
  while (clock_.Now() < end) {
    auto v = Check(s);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_LE(v->session.expires_at, end);
    clock_.Advance(30min);
  }
  EXPECT_EQ(Check(s).status().code(), Code::kExpired);
}

TEST_F(SessionManagerTest, AbsoluteLifetimeAppliesToRecordsWithALaterExpiry) {
  // A record written elsewhere with a far expires_at still dies at created + absolute.
  Reopen({.idle_timeout = 1000h, .absolute_lifetime = 1h});
  Session s = MustCreate();
  clock_.Advance(1h);
  EXPECT_EQ(Check(s).status().code(), Code::kExpired);
}

TEST_F(SessionManagerTest, ATouchInsideTheIntervalWritesNothing) {
  Session s = MustCreate();
  const int writes_after_create = store_->counts().writes();
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(5s);  // 50 s in all, under the 60 s interval
    ASSERT_TRUE(Check(s).ok());
  }
  EXPECT_EQ(store_->counts().writes(), writes_after_create);
  EXPECT_EQ(store_->counts().touch, 0);
  clock_.Advance(10s);  // now 60 s after last_seen
  auto v = Check(s);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->touched);
  EXPECT_EQ(store_->counts().touch, 1);
  ASSERT_TRUE(Check(s).ok());  // the interval restarts from the write
  EXPECT_EQ(store_->counts().touch, 1);
}

TEST_F(SessionManagerTest, TheSlideIsPersisted) {
  Session s = MustCreate();
  clock_.Advance(2h);
  ASSERT_TRUE(Check(s).ok());
  auto stored = store_->Get(s.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->last_seen, clock_.Now());
  EXPECT_EQ(stored->expires_at, clock_.Now() + 48h);
}

TEST_F(SessionManagerTest, WrongUserIsRefused) {
  Session s = MustCreate("u1");
  EXPECT_EQ(Check(s, "u2").status().code(), Code::kWrongUser);
  EXPECT_TRUE(Check(s, "u1").ok());
}

TEST_F(SessionManagerTest, NumericUserIdsCompareAsStrings) {
  auto created = manager_->Create({.user_id = "42", .user_id_is_number = true});
  ASSERT_TRUE(created.ok());
  auto v = manager_->Validate({.session_id = created->session.id, .expected_user_id = "42"});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->session.user_id_is_number);
}

TEST_F(SessionManagerTest, BindingWarnAcceptsAndReportsDrift) {
  Session s = MustCreate("u1", "203.0.113.7", "Mozilla/5.0");
  auto v = Check(s, "u1", "198.51.100.1", "curl/8.0");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ip_changed);
  EXPECT_TRUE(v->user_agent_changed);
  auto unchecked = Check(s, "u1", "", "");  // nothing to compare
  ASSERT_TRUE(unchecked.ok());
  EXPECT_FALSE(unchecked->ip_changed);
}

TEST_F(SessionManagerTest, BindingStrictRefusesDrift) {
  Reopen({.binding = BindingPolicy::kStrict});
  Session s = MustCreate("u1", "203.0.113.7", "Mozilla/5.0");
  EXPECT_EQ(Check(s, "u1", "198.51.100.1", "Mozilla/5.0").status().code(), Code::kBindingMismatch);
  EXPECT_EQ(Check(s, "u1", "203.0.113.7", "curl/8.0").status().code(), Code::kBindingMismatch);
  EXPECT_TRUE(Check(s, "u1", "203.0.113.7", "Mozilla/5.0").ok());
}

// A User-Agent that is not UTF-8 (Latin-1 "café") is stored through the record's JSON as
// U+FFFD; the same header presented again is the same client, not a drift (issue 10).
TEST(SessionManagerBindingTest, NonUtf8UserAgentMatchesItsStoredCopy) {
  testing::TempDir dir;
  ManualClock clock;
  auto store = OpenSqliteStore({.path = dir.File("sessions.db"), .clock = &clock});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto manager = SessionManager::Open({.binding = BindingPolicy::kStrict, .clock = &clock},
                                      *store);
  ASSERT_TRUE(manager.ok()) << manager.status().ToString();
  const std::string latin1_ua = "Mozilla/5.0 (caf\xe9; \xff)";
  NewSession n;
  n.user_id = "u1";
  n.ip_address = "203.0.113.7";
  n.user_agent = latin1_ua;
  auto created = (*manager)->Create(std::move(n));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  for (int request = 0; request < 3; ++request) {
    auto v = (*manager)->Validate({.session_id = created->session.id, .ip_address = "203.0.113.7",
                                   .user_agent = latin1_ua});
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_FALSE(v->user_agent_changed);
  }
  // Another User-Agent is still a drift, even one differing only in the invalid bytes'
  // places, and a literal U+FFFD equals what the store kept.
  EXPECT_EQ((*manager)->Validate({.session_id = created->session.id, .ip_address = "203.0.113.7",
                                  .user_agent = "Mozilla/5.0 (cafe; \xff)"})
                .status().code(),
            Code::kBindingMismatch);
  EXPECT_TRUE((*manager)->Validate({.session_id = created->session.id,
                                    .ip_address = "203.0.113.7",
                                    .user_agent = "Mozilla/5.0 (caf\xef\xbf\xbd; \xff)"})
                  .ok());
}

TEST_F(SessionManagerTest, ListIsLiveOnlyNewestFirst) {
  Session old = MustCreate("alice");
  clock_.Advance(10s);
  Session mid = MustCreate("alice");
  clock_.Advance(10s);
  Session young = MustCreate("alice");
  MustCreate("bob");
  ASSERT_TRUE(manager_->Revoke(mid.id).ok());
  auto list = manager_->ListForUser("alice");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, young.id);
  EXPECT_EQ((*list)[1].id, old.id);
  clock_.Advance(48h - 15s);  // `old` is past its idle deadline, `young` is not
  list = manager_->ListForUser("alice");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, young.id);
}

TEST_F(SessionManagerTest, CapEvictsTheOldest) {
  Reopen({.max_sessions_per_user = 2});
  Session first = MustCreate("alice");
  clock_.Advance(1s);
  Session second = MustCreate("alice");
  clock_.Advance(1s);
  auto third = manager_->Create({.user_id = "alice"});
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->evicted.size(), 1u);
  EXPECT_EQ(third->evicted[0], first.id);
  EXPECT_EQ(Check(first).status().code(), Code::kNotFound);
  EXPECT_TRUE(Check(second).ok());
  EXPECT_TRUE(Check(third->session).ok());
}

TEST_F(SessionManagerTest, StoreDownIsUnavailable) {
  Session s = MustCreate();
  store_->set_down(true);
  EXPECT_EQ(Check(s).status().code(), Code::kUnavailable);
  EXPECT_EQ(manager_->Create({.user_id = "u1"}).status().code(), Code::kUnavailable);
  EXPECT_EQ(manager_->Revoke(s.id).status().code(), Code::kUnavailable);
  EXPECT_EQ(manager_->ListForUser("u1").status().code(), Code::kUnavailable);
  store_->set_down(false);
  EXPECT_TRUE(Check(s).ok());  // and it recovers
}

// A store that deletes the session right after it was read: a revoke racing a validation.
class RevokeAfterReadStore final : public SessionStore {
 public:
  explicit RevokeAfterReadStore(SessionStorePtr inner) : inner_(std::move(inner)) {}
  void InsertAsync(const Session& s, std::uint32_t m, ResultCallback<std::vector<std::string>> d) override {
    inner_->InsertAsync(s, m, std::move(d));
  }
  void GetAsync(std::string_view id, ResultCallback<Session> done) override {
    inner_->GetAsync(id, [this, done = std::move(done)](Result<Session> r) mutable {
      if (r.ok()) inner_->Delete(r->id).IgnoreError();
      done(std::move(r));
    });
  }
  void TouchAsync(const Session& c, TimePoint l, TimePoint e, StatusCallback d) override {
    inner_->TouchAsync(c, l, e, std::move(d));
  }
  void DeleteAsync(std::string_view id, ResultCallback<bool> d) override { inner_->DeleteAsync(id, std::move(d)); }
  void DeleteAllForUserAsync(std::string_view u, std::string_view k, ResultCallback<std::uint64_t> d) override {
    inner_->DeleteAllForUserAsync(u, k, std::move(d));
  }
  void ListForUserAsync(std::string_view u, ResultCallback<std::vector<Session>> d) override {
    inner_->ListForUserAsync(u, std::move(d));
  }
  void CountAsync(ResultCallback<std::uint64_t> d) override { inner_->CountAsync(std::move(d)); }
  void ScanAsync(std::string_view c, std::size_t l, ResultCallback<ScanPage> d) override {
    inner_->ScanAsync(c, l, std::move(d));
  }
  void PingAsync(StatusCallback d) override { inner_->PingAsync(std::move(d)); }

 private:
  SessionStorePtr inner_;
};

TEST_F(SessionManagerTest, ASlideNeverResurrectsARevokedSession) {
  auto racing = std::make_shared<RevokeAfterReadStore>(memory_);
  auto m = SessionManager::Open({.touch_interval = 0s, .clock = &clock_}, racing);
  ASSERT_TRUE(m.ok());
  Session s = MustCreate();
  EXPECT_EQ((*m)->Validate({.session_id = s.id}).status().code(), Code::kNotFound);
  EXPECT_EQ(memory_->Get(s.id).status().code(), Code::kNotFound);
}

TEST_F(SessionManagerTest, EightThreadsLoseNothing) {
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::vector<std::string>> kept(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string user = "user" + std::to_string(t % 3);
      for (int i = 0; i < kPerThread; ++i) {
        auto c = manager_->Create({.user_id = user});
        if (!c.ok()) { ++failures; continue; }
        if (!manager_->Validate({.session_id = c->session.id, .expected_user_id = user}).ok()) ++failures;
        if (i % 2 == 0) {
          auto r = manager_->Revoke(c->session.id);
          if (!r.ok() || !*r) ++failures;
          if (manager_->Validate({.session_id = c->session.id}).status().code() != Code::kNotFound) ++failures;
        } else {
          kept[t].push_back(c->session.id);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  std::size_t total = 0;
  for (const auto& ids : kept) {
    total += ids.size();
    for (const auto& id : ids) EXPECT_TRUE(manager_->Validate({.session_id = id}).ok()) << id;
  }
  auto count = store_->Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, total);
}

}  // namespace
}  // namespace sessionkit
