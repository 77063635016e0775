// RedisStore against a real redis-server, beyond the conformance suite: the bytes and
// TTLs in Redis, records written by the Go services, index maintenance, concurrency,
// and failures (killed, slow, wrong password).
#include "sessionkit/redis_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "src/store/redis/redis_keys.h"
#include "src/store/redis/redis_test_helpers.h"
#include "testing/redis_server.h"
#include "testing/session_factory.h"

namespace sessionkit {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
using internal::MustFinish;
using sessionkit::testing::MakeTestSession;
using sessionkit::testing::RedisServer;
using sessionkit::testing::TestSessionId;

std::vector<std::string> IdsOf(const std::vector<Session>& sessions) {
  std::vector<std::string> ids;
  for (const Session& s : sessions) ids.push_back(s.id);
  return ids;
}


class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }

  void StartServer(RedisServer::Options options) {
    auto server = RedisServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  RedisStoreOptions Options() {
    RedisStoreOptions o;
    o.host = server_->host();
    o.port = server_->port();
    o.password = server_->password();
    o.command_timeout = 10s;  // sanitizer builds are slow; failure tests shorten it
    o.reconnect_backoff_min = 10ms;
    o.reconnect_backoff_max = 100ms;
    o.clock = &clock_;
    return o;
  }

  SessionStorePtr Open(const RedisStoreOptions& o) {
    auto store = OpenRedisStore(o);
    if (!store.ok()) {
      ADD_FAILURE() << store.status().ToString();
      return nullptr;
    }
    return *store;
  }

  internal::RedisReply Redis(std::vector<std::string> args, int db = 0) {
    auto reply = server_->Command(args, db);
    if (!reply.ok()) {
      ADD_FAILURE() << args[0] << ": " << reply.status().ToString();
      return {};
    }
    return *reply;
  }

  std::int64_t Ttl(const std::string& key) { return Redis({"TTL", key}).integer; }
  std::set<std::string> Members(const std::string& user) {
    std::set<std::string> out;
    for (const auto& m : Redis({"SMEMBERS", internal::IndexKey(user)}).elements) out.insert(m.str);
    return out;
  }

  // Polls until the store answers Ping again (bounded).
  bool EventuallyUp(SessionStore& store) {
    for (int i = 0; i < 1000; ++i) {
      if (store.Ping().ok()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  ManualClock clock_;
  std::unique_ptr<RedisServer> server_;
};

// --- the bytes in Redis --------------------------------------------------------------

TEST_F(RedisStoreTest, InsertWritesTheRecordAndIndexWithTheirTtls) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const Session s = MakeTestSession(TestSessionId(1), "user-a", clock_.Now(), 2h);
  ASSERT_TRUE(store->Insert(s).ok());

  const auto record = Redis({"GET", internal::SessionKey(s.id)});
  ASSERT_TRUE(record.is_string());
  EXPECT_EQ(record.str, EncodeSession(s));
  EXPECT_EQ(Redis({"TYPE", internal::IndexKey("user-a")}).str, "set");
  EXPECT_THAT(Members("user-a"), ElementsAre(s.id));

  // TTL = remaining lifetime (Redis rounds TTL to the nearest second; a few seconds of
  // margin below only absorb a slow machine).
  const std::int64_t ttl = Ttl(internal::SessionKey(s.id));
  EXPECT_LE(ttl, 7200);
  EXPECT_GT(ttl, 7200 - 5);
  EXPECT_GE(Ttl(internal::IndexKey("user-a")), ttl);
}

TEST_F(RedisStoreTest, TtlIsTheRemainingLifetimeRoundedUp) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  clock_.Advance(250ms);  // now is 0.25 s past a whole second
  Session s = MakeTestSession(TestSessionId(1), "user-a", clock_.Now(), 90s);
  s.expires_at = TimePoint(std::chrono::seconds(1737367200 + 91));  // 90.75 s left
  ASSERT_TRUE(store->Insert(s).ok());
  const std::int64_t pttl = Redis({"PTTL", internal::SessionKey(s.id)}).integer;
  EXPECT_LE(pttl, 91000) << "ceil(90.75 s) = 91 s";
  EXPECT_GT(pttl, 90000 - 5000);
  EXPECT_EQ(internal::TtlSeconds(s.expires_at, clock_.Now()), 91);
  EXPECT_EQ(internal::TtlSeconds(clock_.Now() + 1ms, clock_.Now()), 1);
  EXPECT_EQ(internal::TtlSeconds(clock_.Now() + 3s, clock_.Now()), 3);
}

TEST_F(RedisStoreTest, IndexTtlCoversTheLongestMemberAndNeverShrinks) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const Session short_one = MakeTestSession(TestSessionId(1), "u", clock_.Now(), 1h);
  const Session long_one = MakeTestSession(TestSessionId(2), "u", clock_.Now(), 5h);
  ASSERT_TRUE(store->Insert(long_one).ok());
  ASSERT_TRUE(store->Insert(short_one).ok());
  EXPECT_GE(Ttl(internal::IndexKey("u")), Ttl(internal::SessionKey(long_one.id)));

  // Touching the short one to a deadline beyond the long one raises the index TTL...
  auto current = store->Get(short_one.id);
  ASSERT_TRUE(current.ok());
  ASSERT_TRUE(store->Touch(*current, clock_.Now(), clock_.Now() + 10h).ok());
  const std::int64_t raised = Ttl(internal::IndexKey("u"));
  EXPECT_GE(raised, Ttl(internal::SessionKey(short_one.id)));
  EXPECT_GT(raised, 9 * 3600);
  // ...and touching it back to a short deadline does not lower it.
  current = store->Get(short_one.id);
  ASSERT_TRUE(current.ok());
  ASSERT_TRUE(store->Touch(*current, clock_.Now(), clock_.Now() + 1h).ok());
  EXPECT_GE(Ttl(internal::IndexKey("u")), raised - 5);
}

TEST_F(RedisStoreTest, APersistentIndexGetsATtl) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const Session s = MakeTestSession(TestSessionId(1), "u", clock_.Now(), 1h);
  Redis({"SADD", internal::IndexKey("u"), "sess_from_another_service"});
  ASSERT_EQ(Ttl(internal::IndexKey("u")), -1);
  ASSERT_TRUE(store->Insert(s).ok());
  EXPECT_GT(Ttl(internal::IndexKey("u")), 0) << "never persistent";
}

// --- records written by the Go services ---------------------------------------------

// The Go session package marshals time.Time with nanoseconds and offsets, and imported
// users have numeric ids; unknown fields belong to whoever wrote them.
const char kGoRecordTemplate[] =
    R"({"id":"ID","user_id":90071992547409931,"username":"gopher","purpose":"login",)"
    R"("ip_address":"2001:db8::1","user_agent":"Go-http-client/2.0","device_id":"fp_abcdefabcdef",)"
    R"("created_at":"2025-01-20T11:00:00.123456789+01:00","expires_at":"2025-01-20T12:00:00.5Z",)"
    R"("last_seen":"2025-01-20T10:00:00.123456789Z","tenant":{"plan":"gold","seats":[1,2.5e3,null]},)"
    R"("note":"caf\u00e9 \"quoted\"","mfa":true})";

std::string GoRecord(const std::string& id) {
  std::string json = kGoRecordTemplate;
  json.replace(json.find("ID"), 2, id);
  return json;
}

TEST_F(RedisStoreTest, ReadsAndTouchesARecordWrittenByAGoService) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const std::string id = TestSessionId(7);
  const std::string original = GoRecord(id);
  // Written the way the Go login service does: the record only, no index entry.
  Redis({"SET", internal::SessionKey(id), original, "EX", "7200"});

  auto current = store->Get(id);
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  EXPECT_EQ(current->user_id, "90071992547409931") << "digits kept exactly (beyond a double)";
  EXPECT_TRUE(current->user_id_is_number);
  EXPECT_EQ(current->created_at, TimePoint(std::chrono::seconds(1737367200)) + 123456789ns);
  EXPECT_EQ(current->expires_at, TimePoint(std::chrono::seconds(1737367200 + 7200)) + 500ms);
  EXPECT_EQ(current->raw, original);

  clock_.Advance(10min);
  const TimePoint last_seen = clock_.Now();
  const TimePoint expires_at = clock_.Now() + 3h;
  ASSERT_TRUE(store->Touch(*current, last_seen, expires_at).ok());

  const std::string stored = Redis({"GET", internal::SessionKey(id)}).str;
  auto expected = RewriteSessionTimes(original, last_seen, expires_at);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(stored, *expected) << "only last_seen and expires_at change";
  EXPECT_THAT(stored, HasSubstr(R"("user_id":90071992547409931,)"));
  EXPECT_THAT(stored, HasSubstr(R"("created_at":"2025-01-20T11:00:00.123456789+01:00")"));
  EXPECT_THAT(stored, HasSubstr(R"("tenant":{"plan":"gold","seats":[1,2.5e3,null]},)"
                                R"("note":"caf\u00e9 \"quoted\"","mfa":true})"));
  const std::int64_t ttl = Ttl(internal::SessionKey(id));
  EXPECT_LE(ttl, 3 * 3600);
  EXPECT_GT(ttl, 3 * 3600 - 5);

  // The touch put the session into its user's index, so listing finds it.
  EXPECT_THAT(Members("90071992547409931"), ElementsAre(id));
  EXPECT_GE(Ttl(internal::IndexKey("90071992547409931")), ttl);
  auto listed = store->ListForUser("90071992547409931");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_THAT(IdsOf(*listed), ElementsAre(id));
}

TEST_F(RedisStoreTest, CapOrdersGoRecordsByTheirExactCreationInstant) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  // Same second, told apart by offsets and fractions: c < b < a.
  const struct {
    std::string id, created;
  } records[] = {{TestSessionId(1), "2025-01-20T11:00:00.5+01:00"},
                 {TestSessionId(2), "2025-01-20T10:00:00.25Z"},
                 {TestSessionId(3), "2025-01-20T04:30:00.000000001-05:30"}};
  for (const auto& r : records) {
    const std::string json = R"({"id":")" + r.id + R"(","user_id":"u","created_at":")" + r.created +
                             R"(","expires_at":"2025-01-20T12:00:00Z"})";
    Redis({"SET", internal::SessionKey(r.id), json, "EX", "7200"});
    Redis({"SADD", internal::IndexKey("u"), r.id});
  }
  clock_.Advance(1min);
  auto evicted = store->Insert(MakeTestSession(TestSessionId(4), "u", clock_.Now()), 2);
  ASSERT_TRUE(evicted.ok()) << evicted.status().ToString();
  EXPECT_THAT(*evicted, ElementsAre(TestSessionId(3), TestSessionId(2)));
  EXPECT_THAT(Members("u"), UnorderedElementsAre(TestSessionId(1), TestSessionId(4)));
}

TEST_F(RedisStoreTest, AStoredRecordThatDoesNotParseIsMalformedAndLeftAlone) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const std::string id = TestSessionId(5);
  Redis({"SET", internal::SessionKey(id), "{not json", "EX", "600"});
  Redis({"SADD", internal::IndexKey("u"), id});
  EXPECT_EQ(store->Get(id).status().code(), Code::kMalformed);
  auto listed = store->ListForUser("u");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(*listed, IsEmpty());
  auto count = store->Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0u);
  // An unreadable record under the id blocks a new insert rather than being overwritten.
  EXPECT_EQ(store->Insert(MakeTestSession(id, "u", clock_.Now())).status().code(), Code::kConflict);
  EXPECT_EQ(Redis({"GET", internal::SessionKey(id)}).str, "{not json");
}

// Issue 10: the store does not trust the record. One stored under another id's key (a
// copy, a planted record) is corrupt: never served, listed or scanned.
TEST_F(RedisStoreTest, ARecordWhoseIdIsNotItsKeysIsNeverServed) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const Session real = MakeTestSession(TestSessionId(1), "u", clock_.Now());
  const std::string planted_id = TestSessionId(2);
  Redis({"SET", internal::SessionKey(planted_id), EncodeSession(real), "EX", "600"});
  Redis({"SADD", internal::IndexKey("u"), planted_id});
  EXPECT_EQ(store->Get(planted_id).status().code(), Code::kMalformed);
  auto listed = store->ListForUser("u");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_THAT(*listed, IsEmpty());
  auto page = store->Scan("", 100);
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->sessions, IsEmpty());
  EXPECT_EQ(Redis({"GET", internal::SessionKey(planted_id)}).str, EncodeSession(real));  // left alone
}

TEST_F(RedisStoreTest, RevokeAllLeavesAnotherUsersRecordAndPrunesItsMember) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const Session mine = MakeTestSession(TestSessionId(1), "victim", clock_.Now());
  const Session theirs = MakeTestSession(TestSessionId(2), "bystander", clock_.Now());
  Session numeric = MakeTestSession(TestSessionId(3), "42", clock_.Now());
  numeric.user_id_is_number = true;  // written as the Go services do: "user_id":42
  ASSERT_TRUE(store->Insert(mine).ok());
  ASSERT_TRUE(store->Insert(theirs).ok());
  ASSERT_TRUE(store->Insert(numeric).ok());
  // A member of the victim's index that names the bystander's session.
  Redis({"SADD", internal::IndexKey("victim"), theirs.id});
  auto revoked = store->DeleteAllForUser("victim");
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(*revoked, 1u);
  EXPECT_TRUE(store->Get(theirs.id).ok()) << "another user's session survives";
  EXPECT_EQ(store->Get(mine.id).status().code(), Code::kNotFound);
  EXPECT_THAT(Members("victim"), IsEmpty());
  EXPECT_THAT(Members("bystander"), ElementsAre(theirs.id));
  // A numeric user_id (as the Go services write it) is still its owner's.
  ASSERT_NE(Redis({"GET", internal::SessionKey(numeric.id)}).str.find("\"user_id\":42"),
            std::string::npos);
  auto numeric_revoked = store->DeleteAllForUser("42");
  ASSERT_TRUE(numeric_revoked.ok()) << numeric_revoked.status().ToString();
  EXPECT_EQ(*numeric_revoked, 1u);
}

TEST_F(RedisStoreTest, ATouchNeverOverwritesAFieldChangedSinceTheRead) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const Session s = MakeTestSession(TestSessionId(1), "u", clock_.Now());
  ASSERT_TRUE(store->Insert(s).ok());
  auto read = store->Get(s.id);
  ASSERT_TRUE(read.ok());
  // Another service changes a field between our read and our slide.
  std::string changed = read->raw;
  const std::size_t at = changed.find("\"user_agent\"");
  ASSERT_NE(at, std::string::npos) << changed;
  changed.insert(at, "\"role\":\"admin-set-by-go\",");
  Redis({"SET", internal::SessionKey(s.id), changed, "EX", "600"});
  clock_.Advance(1min);
  const Status touched = store->Touch(*read, clock_.Now(), clock_.Now() + 1h);
  EXPECT_EQ(touched.code(), Code::kConflict) << touched.ToString();
  EXPECT_EQ(Redis({"GET", internal::SessionKey(s.id)}).str, changed) << "not overwritten";
  // A fresh read slides as usual.
  auto again = store->Get(s.id);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(store->Touch(*again, clock_.Now(), clock_.Now() + 1h).ok());
}

// Issue 10: per-user work is bounded. A user with 3,000 sessions is listed and revoked in
// batches: no single command names more than about 1,000 keys, and revoke-all is not one
// script over every member.
TEST_F(RedisStoreTest, AUserWithThousandsOfSessionsIsHandledInBoundedBatches) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  constexpr int kSessions = 3000;
  const std::string index = internal::IndexKey("many");
  std::vector<std::string> mset = {"MSET"};
  std::vector<std::string> sadd = {"SADD", index};
  for (int i = 1; i <= kSessions; ++i) {
    const Session s = MakeTestSession(TestSessionId(i), "many", clock_.Now());
    mset.push_back(internal::SessionKey(s.id));
    mset.push_back(EncodeSession(s));
    sadd.push_back(s.id);
  }
  Redis(mset);
  Redis(sadd);
  Redis({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  Redis({"CONFIG", "SET", "slowlog-max-len", "100000"});
  Redis({"SLOWLOG", "RESET"});
  Redis({"CONFIG", "RESETSTAT"});

  auto listed = store->ListForUser("many");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), static_cast<std::size_t>(kSessions));
  auto revoked = store->DeleteAllForUser("many");
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(*revoked, static_cast<std::uint64_t>(kSessions));
  EXPECT_EQ(Redis({"EXISTS", index}).integer, 0);
  EXPECT_EQ(Redis({"DBSIZE"}).integer, 0);

  // Every command's argument count (SLOWLOG keeps 32 and says how many more).
  std::size_t largest = 0;
  for (const auto& entry : Redis({"SLOWLOG", "GET", "100000"}).elements) {
    ASSERT_GE(entry.elements.size(), 4u);
    const auto& args = entry.elements[3].elements;
    std::size_t n = args.size();
    int more = 0;
    if (!args.empty() && std::sscanf(args.back().str.c_str(), "... (%d more arguments)", &more) == 1) {
      n = args.size() - 1 + static_cast<std::size_t>(more);
    }
    largest = std::max(largest, n);
  }
  EXPECT_GT(largest, 100u) << "batches are used";
  EXPECT_LE(largest, 1010u) << "a single command over ~1,000 keys";
  // Revoke-all ran one script per batch, not one script over all 3,000 members.
  const std::string stats = Redis({"INFO", "commandstats"}).str;
  const std::size_t evalsha = stats.find("cmdstat_evalsha:calls=");
  ASSERT_NE(evalsha, std::string::npos) << stats;
  EXPECT_GE(std::stoi(stats.substr(evalsha + 22)), kSessions / 500) << stats;
}

TEST_F(RedisStoreTest, KeysOfTheWrongTypeAreInternalErrors) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  Redis({"HSET", internal::SessionKey(TestSessionId(1)), "f", "v"});
  EXPECT_EQ(store->Get(TestSessionId(1)).status().code(), Code::kInternal);
  Redis({"SET", internal::IndexKey("u"), "not a set"});
  auto inserted = store->Insert(MakeTestSession(TestSessionId(2), "u", clock_.Now()));
  EXPECT_EQ(inserted.status().code(), Code::kInternal) << inserted.status().ToString();
  EXPECT_EQ(store->ListForUser("u").status().code(), Code::kInternal);
}

// --- expiry and the index -----------------------------------------------------------

TEST_F(RedisStoreTest, GetOfADeadRecordDeletesItAndItsIndexEntry) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const Session s = MakeTestSession(TestSessionId(1), "u", clock_.Now(), 10min);
  const Session other = MakeTestSession(TestSessionId(2), "u", clock_.Now(), 1h);
  ASSERT_TRUE(store->Insert(s).ok());
  ASSERT_TRUE(store->Insert(other).ok());
  clock_.Advance(10min);  // dead by the store's clock; Redis' TTL has not run out
  ASSERT_EQ(Redis({"EXISTS", internal::SessionKey(s.id)}).integer, 1);

  EXPECT_EQ(store->Get(s.id).status().code(), Code::kExpired);
  EXPECT_EQ(Redis({"EXISTS", internal::SessionKey(s.id)}).integer, 0);
  EXPECT_THAT(Members("u"), ElementsAre(other.id));
}

TEST_F(RedisStoreTest, PurgeDeletesDeadRecordsThatCarryNoTtl) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  // Planted by hand or by another service: no TTL on the records nor on the index.
  const std::string dead_id = TestSessionId(1), live_id = TestSessionId(2), go_id = TestSessionId(3);
  Redis({"SET", internal::SessionKey(dead_id),
         EncodeSession(MakeTestSession(dead_id, "u", clock_.Now(), 10min))});
  Redis({"SET", internal::SessionKey(live_id),
         EncodeSession(MakeTestSession(live_id, "u", clock_.Now(), 1h))});
  Redis({"SET", internal::SessionKey(go_id), GoRecord(go_id)});  // expires 12:00:00.5Z
  Redis({"SADD", internal::IndexKey("u"), dead_id, live_id});
  Redis({"SADD", internal::IndexKey("90071992547409931"), go_id});
  Redis({"SET", "session:not-a-record", "{oops"});  // not ours to judge: left alone
  clock_.Advance(30min);
  ASSERT_EQ(Ttl(internal::SessionKey(dead_id)), -1);

  auto page = store->PurgeDead("", 100);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->deleted, 1u);
  EXPECT_EQ(page->examined, 4u);
  EXPECT_TRUE(page->next_cursor.empty());
  EXPECT_EQ(Redis({"EXISTS", internal::SessionKey(dead_id)}).integer, 0);
  EXPECT_THAT(Members("u"), ElementsAre(live_id));
  EXPECT_EQ(Redis({"EXISTS", internal::SessionKey(go_id)}).integer, 1) << "live until 12:00";
  EXPECT_EQ(Redis({"EXISTS", "session:not-a-record"}).integer, 1);

  clock_.Advance(2h);  // 12:30: the Go record is dead too
  page = store->PurgeDead("", 100);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->deleted, 2u);
  EXPECT_EQ(Redis({"EXISTS", internal::SessionKey(go_id)}).integer, 0);
  EXPECT_THAT(Members("90071992547409931"), IsEmpty()) << "a numeric user's index entry goes too";
  EXPECT_THAT(Members("u"), IsEmpty());
}

// A clock that runs `action` once, inside the first Now() after Arm(): the store reads
// the time right after reading the records of a page, so the action lands between the
// read and the delete.
class InterposingClock final : public Clock {
 public:
  explicit InterposingClock(const ManualClock& base) : base_(base) {}
  void Arm(std::function<void()> action) {
    action_ = std::move(action);
    armed_ = true;
  }
  TimePoint Now() const noexcept override {
    if (armed_.exchange(false)) action_();
    return base_.Now();
  }

 private:
  const ManualClock& base_;
  std::function<void()> action_;
  mutable std::atomic<bool> armed_{false};
};

TEST_F(RedisStoreTest, PurgeKeepsARecordRewrittenBetweenItsReadAndItsDelete) {
  InterposingClock clock(clock_);
  RedisStoreOptions options = Options();
  options.clock = &clock;
  auto store = Open(options);
  ASSERT_TRUE(store);
  const Session s = MakeTestSession(TestSessionId(1), "u", clock_.Now(), 10min);
  ASSERT_TRUE(store->Insert(s).ok());
  clock_.Advance(11min);
  // Another server slides the session after the purge read it dead.
  auto slid = RewriteSessionTimes(EncodeSession(s), clock_.Now(), clock_.Now() + 1h);
  ASSERT_TRUE(slid.ok());
  clock.Arm([&] { Redis({"SET", internal::SessionKey(s.id), *slid, "EX", "3600"}); });

  auto page = store->PurgeDead("", 100);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->deleted, 0u) << "compare-and-delete: the rewritten record is not the one read";
  EXPECT_EQ(Redis({"GET", internal::SessionKey(s.id)}).str, *slid);
  EXPECT_THAT(Members("u"), ElementsAre(s.id));
  EXPECT_TRUE(store->Get(s.id).ok());
}

TEST_F(RedisStoreTest, ListPrunesMembersWithoutRecordsAndDeletesDeadOnes) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const Session live = MakeTestSession(TestSessionId(1), "u", clock_.Now(), 1h);
  const Session dying = MakeTestSession(TestSessionId(2), "u", clock_.Now(), 1min);
  ASSERT_TRUE(store->Insert(live).ok());
  ASSERT_TRUE(store->Insert(dying).ok());
  Redis({"SADD", internal::IndexKey("u"), TestSessionId(3), TestSessionId(4)});  // no records
  clock_.Advance(2min);

  auto listed = store->ListForUser("u");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_THAT(IdsOf(*listed), ElementsAre(live.id));
  EXPECT_THAT(Members("u"), ElementsAre(live.id));
  EXPECT_EQ(Redis({"EXISTS", internal::SessionKey(dying.id)}).integer, 0);
}

TEST_F(RedisStoreTest, DeleteAllPrunesTheIndexIncludingAGoneKeptMember) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(i), "u", clock_.Now())).ok());
  Redis({"SADD", internal::IndexKey("u"), TestSessionId(9)});  // its record is gone

  auto revoked = store->DeleteAllForUser("u", TestSessionId(9));
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(*revoked, 3u);
  EXPECT_EQ(Redis({"EXISTS", internal::IndexKey("u")}).integer, 0) << "nothing left to index";

  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(4), "u", clock_.Now())).ok());
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(5), "u", clock_.Now())).ok());
  auto kept = store->DeleteAllForUser("u", TestSessionId(5));
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, 1u);
  EXPECT_THAT(Members("u"), ElementsAre(TestSessionId(5)));
}

TEST_F(RedisStoreTest, DeleteRemovesTheIndexEntryOfANumericUser) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  Session s = MakeTestSession(TestSessionId(1), "90071992547409931", clock_.Now());
  s.user_id_is_number = true;
  ASSERT_TRUE(store->Insert(s).ok());
  EXPECT_THAT(Members("90071992547409931"), ElementsAre(s.id));
  auto deleted = store->Delete(s.id);
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  EXPECT_EQ(Redis({"EXISTS", internal::IndexKey("90071992547409931")}).integer, 0);
}

TEST_F(RedisStoreTest, CountAndScanSkipKeysThatAreNotSessions) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(1), "u", clock_.Now())).ok());
  Redis({"SET", "session:not-a-record", "hello"});
  Redis({"SET", "sessions_other_app", "x"});
  Redis({"SET", "refresh_token:abc", "x"});
  auto count = store->Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1u);
  EXPECT_EQ(store->Scan("not-a-cursor", 10).status().code(), Code::kInvalidArgument);
}

TEST_F(RedisStoreTest, ScriptsSurviveAFlushedScriptCache) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(1), "u", clock_.Now())).ok());
  Redis({"SCRIPT", "FLUSH"});
  ASSERT_TRUE(store->Insert(MakeTestSession(TestSessionId(2), "u", clock_.Now()), 5).ok());
  auto listed = store->ListForUser("u");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 2u);
}

// --- concurrency --------------------------------------------------------------------

TEST_F(RedisStoreTest, EightThreadsCreatingAndRevokingLoseNothing) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  std::vector<std::vector<std::string>> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread owns one user and revokes every third session it made; all threads
      // also share user "shared", where each keeps only what it inserted last.
      const std::string user = "user-" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        const Session s = MakeTestSession(TestSessionId(t * 1000 + i), user, clock_.Now());
        if (auto r = store->Insert(s); !r.ok()) errors[t].push_back("insert " + r.status().ToString());
        if (i % 3 == 0) {
          auto d = store->Delete(s.id);
          if (!d.ok() || !*d) errors[t].push_back("delete " + d.status().ToString());
        }
        const Session shared = MakeTestSession(TestSessionId(900000 + t * 1000 + i), "shared", clock_.Now());
        if (auto r = store->Insert(shared); !r.ok()) errors[t].push_back("insert " + r.status().ToString());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_THAT(errors[t], IsEmpty()) << "thread " << t;

  for (int t = 0; t < kThreads; ++t) {
    std::vector<std::string> want;
    for (int i = 0; i < kPerThread; ++i) {
      if (i % 3 != 0) want.push_back(TestSessionId(t * 1000 + i));
    }
    const std::string user = "user-" + std::to_string(t);
    auto listed = store->ListForUser(user);
    ASSERT_TRUE(listed.ok());
    EXPECT_THAT(IdsOf(*listed), UnorderedElementsAreArray(want)) << user;
    const auto members = Members(user);
    EXPECT_EQ(std::vector<std::string>(members.begin(), members.end()).size(), want.size());
  }
  auto revoked = store->DeleteAllForUser("shared");
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(*revoked, static_cast<std::uint64_t>(kThreads * kPerThread));
  auto count = store->Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, static_cast<std::uint64_t>(kThreads * (kPerThread - kPerThread / 3)));
}

TEST_F(RedisStoreTest, ConcurrentAsyncCallersArePipelined) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const Session s = MakeTestSession(TestSessionId(1), "u", clock_.Now());
  ASSERT_TRUE(store->Insert(s).ok());
  constexpr int kCalls = 2000;
  std::atomic<int> ok{0};
  std::atomic<int> seen{0};
  std::promise<void> all;
  for (int i = 0; i < kCalls; ++i) {
    store->GetAsync(i % 2 == 0 ? s.id : TestSessionId(2), [&, i](Result<Session> r) {
      if (i % 2 == 0 ? (r.ok() && r->id == s.id) : r.status().IsNotFound()) ok.fetch_add(1);
      if (seen.fetch_add(1) + 1 == kCalls) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(60s), std::future_status::ready);
  EXPECT_EQ(ok.load(), kCalls);
}

// --- failures -----------------------------------------------------------------------

TEST_F(RedisStoreTest, KilledRedisMeansUnavailableAndARestartHealsTheSameStore) {
  RedisStoreOptions o = Options();
  o.command_timeout = 300ms;
  auto store = Open(o);
  ASSERT_TRUE(store);
  const Session s = MakeTestSession(TestSessionId(1), "u", clock_.Now());
  ASSERT_TRUE(store->Insert(s).ok());

  ASSERT_TRUE(server_->Kill().ok());
  MustFinish(
      [&] {
        EXPECT_TRUE(store->Get(s.id).status().IsUnavailable());
        EXPECT_TRUE(store->Insert(MakeTestSession(TestSessionId(2), "u", clock_.Now())).status().IsUnavailable());
        auto current = s;
        EXPECT_TRUE(store->Touch(current, clock_.Now(), clock_.Now() + 1h).IsUnavailable());
        EXPECT_TRUE(store->Delete(s.id).status().IsUnavailable());
        EXPECT_TRUE(store->DeleteAllForUser("u").status().IsUnavailable());
        EXPECT_TRUE(store->ListForUser("u").status().IsUnavailable());
        EXPECT_TRUE(store->Count().status().IsUnavailable());
        EXPECT_TRUE(store->Scan("", 10).status().IsUnavailable());
        EXPECT_TRUE(store->Ping().IsUnavailable());
      },
      "calls to a killed redis");

  ASSERT_TRUE(server_->Restart().ok());  // empty: persistence is off
  ASSERT_TRUE(EventuallyUp(*store));
  ASSERT_TRUE(store->Insert(s).ok());
  EXPECT_TRUE(store->Get(s.id).ok());
}

TEST_F(RedisStoreTest, KillDuringLoadFailsEveryCallOnce) {
  RedisStoreOptions o = Options();
  o.command_timeout = 500ms;
  auto store = Open(o);
  ASSERT_TRUE(store);
  constexpr int kThreads = 8;
  std::atomic<bool> stop{false};
  std::atomic<int> other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        auto r = store->Insert(MakeTestSession(TestSessionId(t * 1000000 + i), "u", clock_.Now()));
        if (!r.ok() && !r.status().IsUnavailable()) other_errors.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(100ms);  // let the load run (not a timing assertion)
  ASSERT_TRUE(server_->Kill().ok());
  std::this_thread::sleep_for(100ms);
  stop.store(true);
  MustFinish(
      [&] {
        for (auto& th : threads) th.join();
      },
      "callers of a killed redis");
  EXPECT_EQ(other_errors.load(), 0);
}

TEST_F(RedisStoreTest, SlowRedisIsUnavailableWithinTheCommandTimeout) {
  RedisStoreOptions o = Options();
  o.command_timeout = 200ms;
  auto store = Open(o);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Ping().ok());
  Redis({"CLIENT", "PAUSE", "1500", "ALL"});
  auto slow = store->Get(TestSessionId(1));
  EXPECT_TRUE(slow.status().IsUnavailable()) << slow.status().ToString();
  EXPECT_TRUE(EventuallyUp(*store));
}

TEST_F(RedisStoreTest, DownAtOpenIsNotAnError) {
  const int port = server_->port();
  ASSERT_TRUE(server_->Kill().ok());
  RedisStoreOptions o = Options();
  o.connect_timeout = 200ms;
  auto store = Open(o);
  ASSERT_TRUE(store);
  const Status down = store->Ping();
  EXPECT_TRUE(down.IsUnavailable()) << down.ToString();
  EXPECT_THAT(down.message(), HasSubstr(std::to_string(port)));
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_TRUE(EventuallyUp(*store));
}

TEST_F(RedisStoreTest, PasswordAndDatabase) {
  StartServer({.password = "correct horse battery"});
  RedisStoreOptions o = Options();
  o.db = 3;
  auto store = Open(o);
  ASSERT_TRUE(store);
  const Session s = MakeTestSession(TestSessionId(1), "u", clock_.Now());
  ASSERT_TRUE(store->Insert(s).ok());
  EXPECT_EQ(Redis({"EXISTS", internal::SessionKey(s.id)}, 3).integer, 1);
  EXPECT_EQ(Redis({"EXISTS", internal::SessionKey(s.id)}, 0).integer, 0);
  EXPECT_TRUE(store->Get(s.id).ok());

  o.password = "wrong battery staple";
  o.connect_timeout = 500ms;
  auto denied = Open(o);
  ASSERT_TRUE(denied);
  const Status status = denied->Get(s.id).status();
  EXPECT_TRUE(status.IsUnavailable()) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("AUTH"));
  EXPECT_THAT(status.message(), Not(HasSubstr("battery")));
}

TEST_F(RedisStoreTest, StoreReleasedWithCallsInFlightCompletesThem) {
  RedisStoreOptions o = Options();
  o.command_timeout = 300ms;
  auto store = Open(o);
  ASSERT_TRUE(store);
  Redis({"CLIENT", "PAUSE", "1000", "ALL"});
  constexpr int kCalls = 20;
  std::atomic<int> calls{0};
  std::promise<void> all;
  for (int i = 0; i < kCalls; ++i) {
    store->ListForUserAsync("u", [&](Result<std::vector<Session>> r) {
      EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
      if (calls.fetch_add(1) + 1 == kCalls) all.set_value();
    });
  }
  store.reset();
  ASSERT_EQ(all.get_future().wait_for(60s), std::future_status::ready);
  EXPECT_EQ(calls.load(), kCalls);
}

// --- options and addresses ----------------------------------------------------------

TEST(RedisStoreOptionsTest, BadOptionsAreInvalidArgument) {
  RedisStoreOptions o;
  o.connections = 0;
  EXPECT_EQ(OpenRedisStore(o).status().code(), Code::kInvalidArgument);
  o = {};
  o.db = -1;
  EXPECT_EQ(OpenRedisStore(o).status().code(), Code::kInvalidArgument);
  o = {};
  o.connect_timeout = 0ms;
  EXPECT_EQ(OpenRedisStore(o).status().code(), Code::kInvalidArgument);
}

TEST(ParseRedisAddressTest, AcceptsHostPortAndBracketedIpv6) {
  RedisStoreOptions o;
  ASSERT_TRUE(ParseRedisAddress("localhost:6380", o).ok());
  EXPECT_EQ(o.host, "localhost");
  EXPECT_EQ(o.port, 6380);
  ASSERT_TRUE(ParseRedisAddress("10.1.2.3:1", o).ok());
  EXPECT_EQ(o.host, "10.1.2.3");
  EXPECT_EQ(o.port, 1);
  ASSERT_TRUE(ParseRedisAddress("[::1]:65535", o).ok());
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 65535);
}

TEST(ParseRedisAddressTest, RejectsEverythingElseAndLeavesOptionsAlone) {
  for (const char* bad : {"", "localhost", "localhost:", ":6379", "host:0", "host:65536", "host:-1",
                          "host:+80", "host:6379x", "::1:6379", "[::1]", "[::1]6379", "[::1:6379",
                          "[]:6379", "ho st:6379", "host:6379\n", "host: 6379"}) {
    RedisStoreOptions o;
    o.host = "unchanged";
    o.port = 1234;
    const Status st = ParseRedisAddress(bad, o);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << "'" << bad << "'";
    EXPECT_EQ(o.host, "unchanged");
    EXPECT_EQ(o.port, 1234);
  }
}

// --- WAIT (RedisStoreOptions::wait_replicas) on one Redis with a replica --------------

TEST_F(RedisStoreTest, WaitReplicasOnOneRedisIsMetByItsReplicaAndRefusedWithout) {
  // A master that syncs its replica at once, and one replica of it.
  StartServer({.extra_args = {"--repl-diskless-sync-delay", "0"}});
  auto replica = RedisServer::Start(
      {.extra_args = {"--replicaof", server_->host(), std::to_string(server_->port())}});
  ASSERT_TRUE(replica.ok()) << replica.status().ToString();
  bool online = false;  // the replica's first sync (bounded poll, not a timing assertion)
  for (int i = 0; i < 2000 && !online; ++i) {
    online = Redis({"INFO", "replication"}).str.find("state=online") != std::string::npos;
    if (!online) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(online) << Redis({"INFO", "replication"}).str;

  RedisStoreOptions o = Options();
  o.wait_replicas = 1;
  o.wait_timeout = 5s;  // WAIT answers as soon as the replica acknowledges
  auto store = Open(o);
  ASSERT_TRUE(store);
  const Session s = MakeTestSession(TestSessionId(1), "user-a", clock_.Now());
  auto wait_calls = [&] {
    const std::string stats = Redis({"INFO", "commandstats"}).str;
    const std::size_t at = stats.find("cmdstat_wait:calls=");
    return at == std::string::npos ? 0 : std::stoll(stats.substr(at + 19));
  };
  ASSERT_TRUE(store->Insert(s).ok());
  // WAIT ran (twice when the script was not cached yet: behind the refused EVALSHA, and
  // behind the EVAL that followed it).
  const long long waited = wait_calls();
  EXPECT_GE(waited, 1);
  // Acknowledged means the replica has it.
  auto on_replica = (*replica)->Command({"GET", internal::SessionKey(s.id)});
  ASSERT_TRUE(on_replica.ok());
  EXPECT_EQ(on_replica->str, EncodeSession(s));
  // Only a new session waits: reads do not.
  ASSERT_TRUE(store->Get(s.id).ok());
  EXPECT_EQ(wait_calls(), waited);

  // Two replicas cannot be met: the insert is Unavailable (never acknowledged), though
  // the record was written (docs/redis.md says so).
  o.wait_replicas = 2;
  o.wait_timeout = 50ms;
  auto strict = Open(o);
  ASSERT_TRUE(strict);
  const Session t = MakeTestSession(TestSessionId(2), "user-a", clock_.Now());
  auto refused = strict->Insert(t);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable) << refused.status().ToString();
  EXPECT_THAT(refused.status().message(), HasSubstr("1 of 2 replicas"));
  EXPECT_TRUE(Redis({"GET", internal::SessionKey(t.id)}).is_string());

  // The replica gone: WAIT 1 is not met either.
  ASSERT_TRUE((*replica)->Kill().ok());
  o.wait_replicas = 1;
  auto alone = Open(o);
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->Insert(MakeTestSession(TestSessionId(3), "user-b", clock_.Now())).status().code(),
            Code::kUnavailable);

  // Bad options are refused at open.
  o.wait_timeout = 0ms;
  EXPECT_EQ(OpenRedisStore(o).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sessionkit
