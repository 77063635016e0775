// The Redis auth-state store against a real redis-server, beyond the conformance suite:
// the keys, fields and TTLs in Redis, records shaped like the Go peer's, a shared client,
// and failures (killed server, flushed script cache, keys of the wrong type).
#include "src/store/redis/redis_auth_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/redis_store.h"
#include "src/crypto/hex.h"
#include "src/crypto/sha256.h"
#include "src/store/redis/redis_keys.h"
#include "src/store/redis/redis_test_helpers.h"
#include "testing/redis_server.h"
#include "testing/session_factory.h"

namespace sessionkit {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using ::testing::UnorderedElementsAre;
using internal::MustFinish;
using sessionkit::testing::MakeTestSession;
using sessionkit::testing::RedisServer;
using sessionkit::testing::TestSessionId;

std::string TokenHash(int n) {
  return internal::HexLower(internal::AsBytes(internal::Sha256("token-" + std::to_string(n))));
}

std::int64_t Ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class RedisAuthStateTest : public ::testing::Test {
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
    o.command_timeout = 10s;  // sanitizer builds are slow; failure tests shorten it
    o.reconnect_backoff_min = 10ms;
    o.reconnect_backoff_max = 100ms;
    o.clock = &clock_;
    return o;
  }

  AuthStateStorePtr Open(const RedisStoreOptions& o) {
    auto store = OpenRedisAuthStateStore(o);
    if (!store.ok()) {
      ADD_FAILURE() << store.status().ToString();
      return nullptr;
    }
    return *store;
  }

  internal::RedisReply Redis(std::vector<std::string> args) {
    auto reply = server_->Command(args);
    if (!reply.ok()) {
      ADD_FAILURE() << args[0] << ": " << reply.status().ToString();
      return {};
    }
    return *reply;
  }

  std::map<std::string, std::string> Hash(const std::string& key) {
    std::map<std::string, std::string> out;
    const internal::RedisReply r = Redis({"HGETALL", key});
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) out[r.elements[i].str] = r.elements[i + 1].str;
    return out;
  }
  std::set<std::string> Members(const std::string& key) {
    std::set<std::string> out;
    for (const auto& m : Redis({"SMEMBERS", key}).elements) out.insert(m.str);
    return out;
  }
  std::int64_t Pttl(const std::string& key) { return Redis({"PTTL", key}).integer; }

  RefreshRecord Token(int n, const std::string& session_id, const std::string& user_id,
                      std::chrono::seconds ttl = 24h) {
    RefreshRecord r;
    r.token_hash = TokenHash(n);
    r.session_id = session_id;
    r.user_id = user_id;
    r.issued_at = clock_.Now();
    r.expires_at = clock_.Now() + ttl;
    return r;
  }

  // Polls until the store answers again (bounded).
  bool EventuallyUp(AuthStateStore& store) {
    for (int i = 0; i < 1000; ++i) {
      if (store.PeekFailures("probe", clock_.Now(), 1s).ok()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  ManualClock clock_;
  std::unique_ptr<RedisServer> server_;
};

// --- the bytes in Redis ------------------------------------------------------------------

TEST_F(RedisAuthStateTest, IssueWritesAHashWithItsTtlAndTheSessionsFamilySet) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->IssueRefresh(Token(1, TestSessionId(1), "user-a", 2h)).ok());

  const std::string key = "refresh_token:" + TokenHash(1);
  EXPECT_EQ(Hash(key), (std::map<std::string, std::string>{
                           {"session_id", TestSessionId(1)},
                           {"user_id", "user-a"},
                           {"issued_at", std::to_string(Ms(clock_.Now()))},
                           {"expires_at", std::to_string(Ms(clock_.Now() + 2h))}}));
  EXPECT_GT(Pttl(key), (2h - 60s) / 1ms);
  EXPECT_LE(Pttl(key), 2h / 1ms);
  const std::string family = "session_refresh:" + TestSessionId(1);
  EXPECT_THAT(Members(family), ElementsAre(TokenHash(1)));
  EXPECT_GE(Pttl(family), Pttl(key) - 1000);
  EXPECT_EQ(Redis({"DBSIZE"}).integer, 2) << "nothing else, and never the plain token";
}

TEST_F(RedisAuthStateTest, RotateMarksTheTokenAndStoresTheSuccessorWithItsOwnTtl) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->IssueRefresh(Token(1, TestSessionId(1), "u", 1h)).ok());
  const std::string presented = TokenHash(1);
  const std::string successor = TokenHash(2);
  auto rotated = store->RotateRefresh({.presented_hash = presented,
                                       .successor_hash = successor,
                                       .now = clock_.Now(),
                                       .grace = 10s,
                                       .successor_expires_at = clock_.Now() + 48h});
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();

  auto spent = Hash("refresh_token:" + presented);
  EXPECT_EQ(spent["rotated_at"], std::to_string(Ms(clock_.Now())));
  EXPECT_EQ(spent["next"], successor);
  EXPECT_LE(Pttl("refresh_token:" + presented), (1h / 1ms)) << "a spent token keeps its own expiry";
  EXPECT_GT(Pttl("refresh_token:" + successor), (47h / 1ms));
  const std::string family = "session_refresh:" + TestSessionId(1);
  EXPECT_THAT(Members(family), UnorderedElementsAre(presented, successor));
  EXPECT_GT(Pttl(family), (47h / 1ms)) << "raised to the longest-lived member's";
}

TEST_F(RedisAuthStateTest, ReuseDeletesTheSessionKeyIndexMemberAndFamilyInOneScript) {
  auto sessions = OpenRedisStore(Options());
  ASSERT_TRUE(sessions.ok());
  auto store = Open(Options());
  ASSERT_TRUE(store);
  ASSERT_TRUE((*sessions)->Insert(MakeTestSession(TestSessionId(1), "42", clock_.Now(), 48h)).ok());
  ASSERT_TRUE((*sessions)->Insert(MakeTestSession(TestSessionId(2), "42", clock_.Now(), 48h)).ok());
  ASSERT_TRUE(store->IssueRefresh(Token(1, TestSessionId(1), "42")).ok());
  const std::string presented = TokenHash(1);
  const std::string successor = TokenHash(2);
  RotateRequest request{.presented_hash = presented,
                        .successor_hash = successor,
                        .now = clock_.Now(),
                        .grace = 10s,
                        .successor_expires_at = clock_.Now() + 24h};
  ASSERT_TRUE(store->RotateRefresh(request).ok());
  clock_.Advance(11s);
  request.now = clock_.Now();
  auto reused = store->RotateRefresh(request);
  ASSERT_TRUE(reused.ok()) << reused.status().ToString();
  EXPECT_EQ(reused->outcome, RotateOutcome::kReused);

  EXPECT_EQ(Redis({"EXISTS", internal::SessionKey(TestSessionId(1))}).integer, 0);
  EXPECT_THAT(Members(internal::IndexKey("42")), ElementsAre(TestSessionId(2)));
  EXPECT_EQ(Redis({"EXISTS", "refresh_token:" + presented, "refresh_token:" + successor,
                   "session_refresh:" + TestSessionId(1)})
                .integer,
            0);
}

TEST_F(RedisAuthStateTest, FailuresAreASortedSetOfMillisecondsExpiringWithTheWindow) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->RecordFailure("id:alice", clock_.Now(), 900s).ok());
  ASSERT_TRUE(store->RecordFailure("id:alice", clock_.Now(), 900s).ok());

  const std::string key = "login_failures:id:alice";
  const internal::RedisReply members = Redis({"ZRANGE", key, "0", "-1", "WITHSCORES"});
  ASSERT_EQ(members.elements.size(), 4u);
  const std::string ms = std::to_string(Ms(clock_.Now()));
  for (std::size_t i = 0; i < 4; i += 2) {
    EXPECT_THAT(members.elements[i].str, MatchesRegex(ms + ":[0-9a-f]{16}"));
    EXPECT_EQ(members.elements[i + 1].str, ms);
  }
  EXPECT_NE(members.elements[0].str, members.elements[2].str);
  EXPECT_GT(Pttl(key), (900s - 60s) / 1ms);
  EXPECT_LE(Pttl(key), 900s / 1ms);

  // The window's old members are trimmed by the next record, not only hidden.
  clock_.Advance(901s);
  ASSERT_TRUE(store->RecordFailure("id:alice", clock_.Now(), 900s).ok());
  EXPECT_EQ(Redis({"ZCARD", key}).integer, 1);
  ASSERT_TRUE(store->ResetFailures("id:alice").ok());
  EXPECT_EQ(Redis({"EXISTS", key}).integer, 0);
}

TEST_F(RedisAuthStateTest, TtlCoversAFailureRecordedByAServerWhoseClockRunsAhead) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->RecordFailure("ip:a", clock_.Now() + 30s, 60s).ok());
  ASSERT_TRUE(store->RecordFailure("ip:a", clock_.Now(), 60s).ok());
  EXPECT_GT(Pttl("login_failures:ip:a"), (60s + 20s) / 1ms);
}

// --- records written by the Go peer --------------------------------------------------------

TEST_F(RedisAuthStateTest, AGoWrittenTokenWithoutTimesRotatesUnderItsTtl) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const std::string key = "refresh_token:" + TokenHash(1);
  Redis({"HSET", key, "session_id", TestSessionId(1), "user_id", "90071992547409931"});
  Redis({"PEXPIRE", key, "3600000"});

  auto got = store->GetRefresh(TokenHash(1));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->user_id, "90071992547409931");
  EXPECT_GT(got->expires_at, clock_.Now() + 59min);
  EXPECT_LE(got->expires_at, clock_.Now() + 60min);

  const std::string presented = TokenHash(1);
  const std::string successor = TokenHash(2);
  auto rotated = store->RotateRefresh({.presented_hash = presented,
                                       .successor_hash = successor,
                                       .now = clock_.Now(),
                                       .grace = 10s,
                                       .successor_expires_at = clock_.Now() + 24h});
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(rotated->user_id, "90071992547409931") << "digits kept: no JSON number rounding";
}

TEST_F(RedisAuthStateTest, AGoWrittenSpentTokenReplaysItsSuccessor) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  const std::string key = "refresh_token:" + TokenHash(1);
  const std::string rotated_ms = std::to_string(Ms(clock_.Now() - 3s));
  Redis({"HSET", key, "session_id", TestSessionId(1), "user_id", "7", "rotated_at", rotated_ms, "ip",
         "203.0.113.7", "next", TokenHash(2)});
  Redis({"PEXPIRE", key, "3600000"});
  // Its successor, active (a replay hands out only a live descendant).
  const std::string next_key = "refresh_token:" + TokenHash(2);
  Redis({"HSET", next_key, "session_id", TestSessionId(1), "user_id", "7"});
  Redis({"PEXPIRE", next_key, "3600000"});
  const std::string presented = TokenHash(1);
  const std::string successor = TokenHash(2);
  auto replay = store->RotateRefresh({.presented_hash = presented,
                                      .successor_hash = successor,
                                      .now = clock_.Now(),
                                      .grace = 10s,
                                      .successor_expires_at = clock_.Now() + 24h});
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(replay->outcome, RotateOutcome::kGraceReplay);
  EXPECT_EQ(replay->rotated_at, clock_.Now() - 3s);
  EXPECT_EQ(replay->successor_hash, TokenHash(2));
}

// --- the client ------------------------------------------------------------------------

TEST_F(RedisAuthStateTest, TheStoreCanShareAClient) {
  EXPECT_EQ(internal::OpenRedisAuthStateStoreOn(nullptr, &clock_).status().code(),
            Code::kInvalidArgument);
  internal::RedisClientOptions o;
  o.host = server_->host();
  o.port = server_->port();
  o.command_timeout = 10s;
  auto client = internal::RedisClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  std::shared_ptr<internal::RedisClient> shared = std::move(client).value();
  shared->WaitForFirstAttempts(2s);
  auto a = internal::OpenRedisAuthStateStoreOn(shared, &clock_);
  auto b = internal::OpenRedisAuthStateStoreOn(shared, &clock_);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->RecordFailure("k", clock_.Now(), 60s).ok());
  auto seen = (*b)->PeekFailures("k", clock_.Now(), 60s);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->count, 1u);
  a->reset();
  EXPECT_TRUE((*b)->PeekFailures("k", clock_.Now(), 60s).ok()) << "the client outlives one store";
}

// --- failures --------------------------------------------------------------------------

TEST_F(RedisAuthStateTest, AFlushedScriptCacheIsReloaded) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->IssueRefresh(Token(1, TestSessionId(1), "u")).ok());
  Redis({"SCRIPT", "FLUSH"});
  const std::string presented = TokenHash(1);
  const std::string successor = TokenHash(2);
  auto rotated = store->RotateRefresh({.presented_hash = presented,
                                       .successor_hash = successor,
                                       .now = clock_.Now(),
                                       .grace = 10s,
                                       .successor_expires_at = clock_.Now() + 24h});
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->outcome, RotateOutcome::kRotated);
  Redis({"SCRIPT", "FLUSH"});
  EXPECT_TRUE(store->RecordFailure("k", clock_.Now(), 60s).ok());
}

TEST_F(RedisAuthStateTest, AKeyOfTheWrongTypeIsInternalNotACrash) {
  auto store = Open(Options());
  ASSERT_TRUE(store);
  Redis({"SET", "refresh_token:" + TokenHash(1), "not a hash"});
  Redis({"SET", "login_failures:k", "not a zset"});
  EXPECT_EQ(store->GetRefresh(TokenHash(1)).status().code(), Code::kInternal);
  const std::string presented = TokenHash(1);
  const std::string successor = TokenHash(2);
  EXPECT_EQ(store->RotateRefresh({.presented_hash = presented,
                                  .successor_hash = successor,
                                  .now = clock_.Now(),
                                  .grace = 10s,
                                  .successor_expires_at = clock_.Now() + 24h})
                .status()
                .code(),
            Code::kInternal);
  EXPECT_EQ(store->RecordFailure("k", clock_.Now(), 60s).status().code(), Code::kInternal);
  EXPECT_EQ(store->PeekFailures("k", clock_.Now(), 60s).status().code(), Code::kInternal);
}

TEST_F(RedisAuthStateTest, KilledRedisMeansUnavailableAndARestartHealsTheSameStore) {
  RedisStoreOptions o = Options();
  o.command_timeout = 300ms;
  auto store = Open(o);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->IssueRefresh(Token(1, TestSessionId(1), "u")).ok());

  ASSERT_TRUE(server_->Kill().ok());
  const std::string presented = TokenHash(1);
  const std::string successor = TokenHash(2);
  const RotateRequest request{.presented_hash = presented,
                              .successor_hash = successor,
                              .now = clock_.Now(),
                              .grace = 10s,
                              .successor_expires_at = clock_.Now() + 24h};
  MustFinish(
      [&] {
        EXPECT_TRUE(store->IssueRefresh(Token(3, TestSessionId(1), "u")).IsUnavailable());
        EXPECT_TRUE(store->GetRefresh(presented).status().IsUnavailable());
        EXPECT_TRUE(store->RotateRefresh(request).status().IsUnavailable());
        EXPECT_TRUE(store->RevokeRefreshForSession(TestSessionId(1)).status().IsUnavailable());
        EXPECT_TRUE(store->RecordFailure("k", clock_.Now(), 60s).status().IsUnavailable());
        EXPECT_TRUE(store->PeekFailures("k", clock_.Now(), 60s).status().IsUnavailable());
        EXPECT_TRUE(store->ResetFailures("k").IsUnavailable());
      },
      "calls to a killed redis");

  ASSERT_TRUE(server_->Restart().ok());  // empty: persistence is off
  ASSERT_TRUE(EventuallyUp(*store));
  ASSERT_TRUE(store->IssueRefresh(Token(1, TestSessionId(1), "u")).ok());
  auto rotated = store->RotateRefresh(request);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->outcome, RotateOutcome::kRotated);
}

}  // namespace
}  // namespace sessionkit
