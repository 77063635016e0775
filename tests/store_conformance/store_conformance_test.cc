// The conformance cases every SessionStore backend runs (see store_conformance.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/store_conformance/store_conformance.h"
#include "testing/session_factory.h"

namespace sessionkit::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

std::vector<std::string> IdsOf(const std::vector<Session>& sessions) {
  std::vector<std::string> ids;
  for (const Session& s : sessions) ids.push_back(s.id);
  return ids;
}

void ExpectSameFields(const Session& got, const Session& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.user_id, want.user_id);
  EXPECT_EQ(got.user_id_is_number, want.user_id_is_number);
  EXPECT_EQ(got.username, want.username);
  EXPECT_EQ(got.purpose, want.purpose);
  EXPECT_EQ(got.ip_address, want.ip_address);
  EXPECT_EQ(got.user_agent, want.user_agent);
  EXPECT_EQ(got.device_id, want.device_id);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.expires_at, want.expires_at);
  EXPECT_EQ(got.last_seen, want.last_seen);
}

// --- insert and get ----------------------------------------------------------------

TEST_P(StoreConformanceTest, InsertThenGetRoundTripsEveryField) {
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now());
  auto evicted = store().Insert(s);
  ASSERT_TRUE(evicted.ok()) << evicted.status().ToString();
  EXPECT_THAT(*evicted, IsEmpty());

  auto got = store().Get(s.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameFields(*got, s);
  EXPECT_FALSE(got->raw.empty()) << "a record read from a store keeps its bytes";
  auto reparsed = DecodeSession(got->raw);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  EXPECT_EQ(reparsed->id, s.id);
}

TEST_P(StoreConformanceTest, NumericUserIdKeepsItsType) {
  Session s = MakeTestSession(TestSessionId(1), "42", now());
  s.user_id_is_number = true;
  ASSERT_TRUE(store().Insert(s).ok());

  auto got = store().Get(s.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->user_id, "42");
  EXPECT_TRUE(got->user_id_is_number);
  auto listed = store().ListForUser("42");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_THAT(IdsOf(*listed), ElementsAre(s.id));
}

TEST_P(StoreConformanceTest, InsertDuplicateIdIsConflictAndKeepsTheOriginal) {
  const Session first = MakeTestSession(TestSessionId(1), "user-a", now());
  ASSERT_TRUE(store().Insert(first).ok());
  Session second = MakeTestSession(TestSessionId(1), "user-b", now(), hours(5));
  second.username = "intruder";

  SK_EXPECT_CODE(store().Insert(second).status(), Code::kConflict);
  auto got = store().Get(first.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameFields(*got, first);
  auto listed = store().ListForUser("user-b");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(*listed, IsEmpty());
}

TEST_P(StoreConformanceTest, GetUnknownIdIsNotFound) {
  SK_EXPECT_CODE(store().Get(TestSessionId(404)).status(), Code::kNotFound);
  ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(1), "user-a", now())).ok());
  SK_EXPECT_CODE(store().Get(TestSessionId(404)).status(), Code::kNotFound);
}

TEST_P(StoreConformanceTest, InsertingAnAlreadyDeadSessionIsInvalidArgument) {
  const Session past = MakeTestSession(TestSessionId(1), "user-a", now() - hours(2), hours(1));
  SK_EXPECT_CODE(store().Insert(past).status(), Code::kInvalidArgument);
  // Dead at exactly expires_at, too.
  const Session ends_now = MakeTestSession(TestSessionId(2), "user-a", now() - hours(1), hours(1));
  SK_EXPECT_CODE(store().Insert(ends_now).status(), Code::kInvalidArgument);

  SK_EXPECT_CODE(store().Get(past.id).status(), Code::kNotFound);
  SK_EXPECT_CODE(store().Get(ends_now.id).status(), Code::kNotFound);
  auto count = store().Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0u);
}

// --- expiry --------------------------------------------------------------------------

TEST_P(StoreConformanceTest, GetPastExpiresAtIsExpiredOnceThenNotFound) {
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), minutes(10));
  ASSERT_TRUE(store().Insert(s).ok());

  clock().Advance(minutes(10) - seconds(1));
  EXPECT_TRUE(store().Get(s.id).ok()) << "still live one second before expires_at";

  clock().Advance(seconds(1));  // now == expires_at: dead
  SK_EXPECT_CODE(store().Get(s.id).status(), Code::kExpired);
  SK_EXPECT_CODE(store().Get(s.id).status(), Code::kNotFound);
}

TEST_P(StoreConformanceTest, DeadSessionsAreInvisibleToListCountAndScan) {
  const Session short_lived = MakeTestSession(TestSessionId(1), "user-a", now(), minutes(5));
  const Session long_lived = MakeTestSession(TestSessionId(2), "user-a", now(), hours(1));
  ASSERT_TRUE(store().Insert(short_lived).ok());
  ASSERT_TRUE(store().Insert(long_lived).ok());
  clock().Advance(minutes(6));

  auto listed = store().ListForUser("user-a");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_THAT(IdsOf(*listed), ElementsAre(long_lived.id));
  auto count = store().Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1u);
  auto page = store().Scan("", 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_THAT(IdsOf(page->sessions), ElementsAre(long_lived.id));
}

// --- admin purge -----------------------------------------------------------------------

// Every page of a purge from the start; the sums of its pages.
PurgePage PurgeAll(SessionStore& store, std::size_t limit) {
  PurgePage total;
  std::string cursor;
  for (int pages = 0; pages < 100000; ++pages) {
    Result<PurgePage> page = store.PurgeDead(cursor, limit);
    if (!page.ok()) {
      ADD_FAILURE() << page.status().ToString();
      return total;
    }
    total.examined += page->examined;
    total.deleted += page->deleted;
    cursor = page->next_cursor;
    if (cursor.empty()) return total;
  }
  ADD_FAILURE() << "the purge never ended";
  return total;
}

TEST_P(StoreConformanceTest, PurgeDeletesDeadRecordsWithTheirIndexEntriesAndKeepsLiveOnes) {
  std::vector<Session> live;
  for (int i = 0; i < 7; ++i) {
    const Session dying = MakeTestSession(TestSessionId(100 + i), i % 2 ? "user-a" : "user-b", now(), minutes(5));
    ASSERT_TRUE(store().Insert(dying).ok());
    live.push_back(MakeTestSession(TestSessionId(200 + i), i % 2 ? "user-a" : "user-c", now(), hours(1)));
    ASSERT_TRUE(store().Insert(live.back()).ok());
  }
  clock().Advance(minutes(6));

  const PurgePage purged = PurgeAll(store(), 3);  // small pages: the walk takes several
  EXPECT_EQ(purged.deleted, 7u);
  EXPECT_GE(purged.examined, 7u);
  for (int i = 0; i < 7; ++i) {
    // NotFound, not Expired: deleted by the purge, not left for a read to find dead.
    SK_EXPECT_CODE(store().Get(TestSessionId(100 + i)).status(), Code::kNotFound);
  }
  for (const Session& s : live) EXPECT_TRUE(store().Get(s.id).ok()) << s.id;
  auto count = store().Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 7u);
  auto listed = store().ListForUser("user-b");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(*listed, IsEmpty());
  EXPECT_EQ(PurgeAll(store(), 100).deleted, 0u) << "nothing left to purge";
}

TEST_P(StoreConformanceTest, PurgeNeverDeletesASessionSlidPastItsOldDeadline) {
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), minutes(5));
  ASSERT_TRUE(store().Insert(s).ok());
  clock().Advance(minutes(4));
  auto current = store().Get(s.id);
  ASSERT_TRUE(current.ok());
  ASSERT_TRUE(store().Touch(*current, now(), now() + hours(1)).ok());
  clock().Advance(minutes(2));  // past the first deadline, within the slid one
  EXPECT_EQ(PurgeAll(store(), 10).deleted, 0u);
  EXPECT_TRUE(store().Get(s.id).ok());
}

// --- touch ---------------------------------------------------------------------------

TEST_P(StoreConformanceTest, TouchUpdatesLastSeenAndExpiresAtOnly) {
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), hours(1));
  ASSERT_TRUE(store().Insert(s).ok());
  auto current = store().Get(s.id);
  ASSERT_TRUE(current.ok());

  clock().Advance(minutes(30));
  const TimePoint last_seen = now();
  const TimePoint expires_at = now() + hours(2);
  SK_ASSERT_OK(store().Touch(*current, last_seen, expires_at));

  auto got = store().Get(s.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  Session want = s;
  want.last_seen = last_seen;
  want.expires_at = expires_at;
  ExpectSameFields(*got, want);

  // The new deadline is the one that counts: alive past the old one, dead at the new.
  clock().Advance(hours(1));
  EXPECT_TRUE(store().Get(s.id).ok());
  clock().Advance(hours(1));
  SK_EXPECT_CODE(store().Get(s.id).status(), Code::kExpired);
}

TEST_P(StoreConformanceTest, TouchPreservesUnknownFieldsOfAForeignRecord) {
  if (!harness().SupportsPutRaw()) GTEST_SKIP() << GetParam().name << " cannot plant raw records";
  ASSERT_EQ(now(), TimePoint(seconds(1737367200))) << "the record below is written for this start";
  const std::string id = TestSessionId(7);
  // As the Go services write it: numeric user_id, offsets, fields sessionkit never heard of.
  const std::string json =
      R"({"id":")" + id + R"(","user_id":42,"username":"legacy","purpose":"login",)"
      R"("ip_address":"198.51.100.4","user_agent":"Go-http-client/1.1",)"
      R"("created_at":"2025-01-20T17:00:00+07:00","expires_at":"2025-01-20T11:00:00.000Z",)"
      R"("last_seen":"2025-01-20T10:00:00Z","tenant":{"plan":"gold","flags":[1,2,3]},"mfa":true})";
  SK_ASSERT_OK(harness().PutRaw(id, "42", json, now() + hours(1)));

  auto current = store().Get(id);
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  EXPECT_EQ(current->user_id, "42");
  EXPECT_TRUE(current->user_id_is_number);
  EXPECT_EQ(current->username, "legacy");
  EXPECT_EQ(current->created_at, now());
  EXPECT_EQ(current->expires_at, now() + hours(1));
  auto listed = store().ListForUser("42");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(IdsOf(*listed), ElementsAre(id));

  clock().Advance(minutes(5));
  SK_ASSERT_OK(store().Touch(*current, now(), now() + hours(2)));

  auto touched = store().Get(id);
  ASSERT_TRUE(touched.ok()) << touched.status().ToString();
  EXPECT_EQ(touched->last_seen, now());
  EXPECT_EQ(touched->expires_at, now() + hours(2));
  EXPECT_EQ(touched->user_id, "42");
  EXPECT_TRUE(touched->user_id_is_number);
  EXPECT_THAT(touched->raw, HasSubstr(R"("user_id":42,)"));
  EXPECT_THAT(touched->raw, HasSubstr(R"("tenant":{"plan":"gold","flags":[1,2,3]},"mfa":true)"));
  EXPECT_THAT(touched->raw, HasSubstr(R"("created_at":"2025-01-20T17:00:00+07:00")"));
  EXPECT_THAT(touched->raw, HasSubstr(R"("user_agent":"Go-http-client/1.1")"));
}

TEST_P(StoreConformanceTest, TouchAddsLastSeenToAMinimalForeignRecord) {
  if (!harness().SupportsPutRaw()) GTEST_SKIP() << GetParam().name << " cannot plant raw records";
  ASSERT_EQ(now(), TimePoint(seconds(1737367200))) << "the record below is written for this start";
  const std::string id = TestSessionId(8);
  const std::string json = R"({"id":")" + id +
                           R"(","user_id":"u-1","created_at":"2025-01-20T10:00:00Z",)"
                           R"("expires_at":"2025-01-20T11:00:00Z"})";
  SK_ASSERT_OK(harness().PutRaw(id, "u-1", json, now() + hours(1)));
  auto current = store().Get(id);
  ASSERT_TRUE(current.ok()) << current.status().ToString();

  clock().Advance(minutes(1));
  SK_ASSERT_OK(store().Touch(*current, now(), now() + hours(1)));
  auto touched = store().Get(id);
  ASSERT_TRUE(touched.ok()) << touched.status().ToString();
  EXPECT_EQ(touched->last_seen, now());
  EXPECT_EQ(touched->expires_at, now() + hours(1));
  EXPECT_EQ(touched->user_id, "u-1");
}

TEST_P(StoreConformanceTest, TouchAfterDeleteIsNotFoundAndDoesNotResurrect) {
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now());
  ASSERT_TRUE(store().Insert(s).ok());
  auto current = store().Get(s.id);
  ASSERT_TRUE(current.ok());
  auto deleted = store().Delete(s.id);
  ASSERT_TRUE(deleted.ok());
  ASSERT_TRUE(*deleted);

  SK_EXPECT_CODE(store().Touch(*current, now(), now() + hours(1)), Code::kNotFound);
  SK_EXPECT_CODE(store().Get(s.id).status(), Code::kNotFound);
  auto listed = store().ListForUser("user-a");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(*listed, IsEmpty());
}

TEST_P(StoreConformanceTest, TouchAfterExpiryIsNotFoundAndDoesNotResurrect) {
  const Session s = MakeTestSession(TestSessionId(1), "user-a", now(), minutes(10));
  ASSERT_TRUE(store().Insert(s).ok());
  auto current = store().Get(s.id);
  ASSERT_TRUE(current.ok());

  clock().Advance(minutes(11));
  SK_EXPECT_CODE(store().Touch(*current, now(), now() + hours(1)), Code::kNotFound);
  auto after = store().Get(s.id);
  ASSERT_FALSE(after.ok()) << "a touch must not bring a dead session back";
  EXPECT_TRUE(after.status().IsNotFound() || after.status().IsExpired()) << after.status().ToString();
}

// --- delete --------------------------------------------------------------------------

TEST_P(StoreConformanceTest, DeleteIsTrueOnlyForALiveSession) {
  const Session live = MakeTestSession(TestSessionId(1), "user-a", now(), hours(1));
  const Session dying = MakeTestSession(TestSessionId(2), "user-a", now(), minutes(1));
  ASSERT_TRUE(store().Insert(live).ok());
  ASSERT_TRUE(store().Insert(dying).ok());

  auto first = store().Delete(live.id);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  auto again = store().Delete(live.id);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto unknown = store().Delete(TestSessionId(404));
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(*unknown);

  clock().Advance(minutes(2));
  auto dead = store().Delete(dying.id);
  ASSERT_TRUE(dead.ok());
  EXPECT_FALSE(*dead) << "a dead session was not live";
  SK_EXPECT_CODE(store().Get(dying.id).status(), Code::kNotFound);
  SK_EXPECT_CODE(store().Get(live.id).status(), Code::kNotFound);
}

TEST_P(StoreConformanceTest, DeleteAllForUserCountsLiveSessionsKeepsOneAndSparesOthers) {
  const Session a1 = MakeTestSession(TestSessionId(1), "user-a", now());
  const Session a2 = MakeTestSession(TestSessionId(2), "user-a", now());
  const Session a3 = MakeTestSession(TestSessionId(3), "user-a", now());
  const Session a_dying = MakeTestSession(TestSessionId(4), "user-a", now(), minutes(1));
  const Session b1 = MakeTestSession(TestSessionId(5), "user-b", now());
  const Session b2 = MakeTestSession(TestSessionId(6), "user-b", now());
  for (const Session* s : {&a1, &a2, &a3, &a_dying, &b1, &b2}) ASSERT_TRUE(store().Insert(*s).ok());
  clock().Advance(minutes(2));

  auto revoked = store().DeleteAllForUser("user-a", a2.id);
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(*revoked, 2u) << "a1 and a3; the kept one and the dead one do not count";

  auto a = store().ListForUser("user-a");
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(IdsOf(*a), ElementsAre(a2.id));
  EXPECT_TRUE(store().Get(a2.id).ok());
  SK_EXPECT_CODE(store().Get(a1.id).status(), Code::kNotFound);
  SK_EXPECT_CODE(store().Get(a3.id).status(), Code::kNotFound);
  auto b = store().ListForUser("user-b");
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(IdsOf(*b), UnorderedElementsAre(b1.id, b2.id));
}

TEST_P(StoreConformanceTest, DeleteAllForUserWithoutKeepDeletesEverySession) {
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(i), "user-a", now())).ok());
  }
  auto revoked = store().DeleteAllForUser("user-a");
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(*revoked, 3u);
  auto again = store().DeleteAllForUser("user-a");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
  auto none = store().DeleteAllForUser("nobody");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  auto count = store().Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0u);
}

// --- list ----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, ListForUserReturnsOnlyThatUsersLiveSessions) {
  const Session a1 = MakeTestSession(TestSessionId(1), "user-a", now());
  const Session a2 = MakeTestSession(TestSessionId(2), "user-a", now());
  const Session a_dying = MakeTestSession(TestSessionId(3), "user-a", now(), minutes(1));
  const Session b1 = MakeTestSession(TestSessionId(4), "user-b", now());
  for (const Session* s : {&a1, &a2, &a_dying, &b1}) ASSERT_TRUE(store().Insert(*s).ok());
  clock().Advance(minutes(1));

  auto a = store().ListForUser("user-a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_THAT(IdsOf(*a), UnorderedElementsAre(a1.id, a2.id));
  for (const Session& s : *a) {
    ExpectSameFields(s, s.id == a1.id ? a1 : a2);
    EXPECT_FALSE(s.raw.empty());
  }
  auto nobody = store().ListForUser("user-c");
  ASSERT_TRUE(nobody.ok());
  EXPECT_THAT(*nobody, IsEmpty());
}

// --- per-user cap --------------------------------------------------------------------

TEST_P(StoreConformanceTest, CapKeepsTheNewestAndEvictsOldestFirstSmallerIdOnTies) {
  constexpr std::uint32_t kCap = 3;
  auto insert = [&](std::uint64_t n) {
    return store().Insert(MakeTestSession(TestSessionId(n), "user-a", now()), kCap);
  };
  auto r1 = insert(1);
  clock().Advance(seconds(1));
  auto r3 = insert(3);  // r3 and r2 share created_at; 2 has the smaller id
  auto r2 = insert(2);
  for (auto* r : {&r1, &r3, &r2}) {
    ASSERT_TRUE(r->ok()) << r->status().ToString();
    EXPECT_THAT(r->value(), IsEmpty()) << "nothing to evict below the cap";
  }
  clock().Advance(seconds(1));
  auto r4 = insert(4);
  ASSERT_TRUE(r4.ok()) << r4.status().ToString();
  EXPECT_THAT(*r4, ElementsAre(TestSessionId(1)));
  clock().Advance(seconds(1));
  auto r5 = insert(5);
  ASSERT_TRUE(r5.ok()) << r5.status().ToString();
  EXPECT_THAT(*r5, ElementsAre(TestSessionId(2))) << "tie on created_at: smaller id goes first";

  auto listed = store().ListForUser("user-a");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(IdsOf(*listed),
              UnorderedElementsAre(TestSessionId(3), TestSessionId(4), TestSessionId(5)));
  SK_EXPECT_CODE(store().Get(TestSessionId(1)).status(), Code::kNotFound);
  SK_EXPECT_CODE(store().Get(TestSessionId(2)).status(), Code::kNotFound);
}

TEST_P(StoreConformanceTest, CapCountsOnlyLiveSessionsOfTheSameUser) {
  ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(1), "user-a", now(), minutes(1))).ok());
  ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(2), "user-a", now(), minutes(1))).ok());
  ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(3), "user-b", now())).ok());
  ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(4), "user-a", now())).ok());
  clock().Advance(minutes(2));  // 1 and 2 are dead now

  auto r = store().Insert(MakeTestSession(TestSessionId(5), "user-a", now()), 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(*r, IsEmpty()) << "live: 4 and the new 5, within the cap of 2";
  auto r6 = store().Insert(MakeTestSession(TestSessionId(6), "user-a", now()), 2);
  ASSERT_TRUE(r6.ok()) << r6.status().ToString();
  EXPECT_THAT(*r6, ElementsAre(TestSessionId(4)));
  EXPECT_TRUE(store().Get(TestSessionId(3)).ok()) << "another user's session is never evicted";
}

TEST_P(StoreConformanceTest, CapOfOneKeepsOnlyTheNewSession) {
  ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(1), "user-a", now())).ok());
  ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(2), "user-a", now())).ok());
  clock().Advance(seconds(1));
  auto r = store().Insert(MakeTestSession(TestSessionId(3), "user-a", now()), 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(*r, ElementsAre(TestSessionId(1), TestSessionId(2)));
  auto listed = store().ListForUser("user-a");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(IdsOf(*listed), ElementsAre(TestSessionId(3)));
}

// --- admin ---------------------------------------------------------------------------

TEST_P(StoreConformanceTest, CountCountsLiveSessions) {
  auto empty = store().Count();
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, 0u);
  for (int i = 1; i <= 4; ++i) {
    const auto ttl = i == 4 ? minutes(1) : hours(1);
    ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(i), "user-" + std::to_string(i % 2), now(), ttl)).ok());
  }
  auto four = store().Count();
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(*four, 4u);
  clock().Advance(minutes(1));
  auto three = store().Count();
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(*three, 3u);
  ASSERT_TRUE(store().Delete(TestSessionId(1)).ok());
  auto two = store().Count();
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, 2u);
}

TEST_P(StoreConformanceTest, ScanPagesThroughEveryLiveSessionExactlyOnce) {
  auto empty = store().Scan("", 2);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_THAT(empty->sessions, IsEmpty());
  EXPECT_EQ(empty->next_cursor, "");

  std::vector<std::string> live;
  for (int i = 1; i <= 7; ++i) {
    const Session s = MakeTestSession(TestSessionId(i * 11), "user-" + std::to_string(i % 3), now());
    ASSERT_TRUE(store().Insert(s).ok());
    live.push_back(s.id);
  }
  ASSERT_TRUE(store().Insert(MakeTestSession(TestSessionId(99), "user-x", now(), minutes(1))).ok());
  clock().Advance(minutes(1));

  std::map<std::string, int> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = store().Scan(cursor, 2);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const Session& s : page->sessions) {
      ++seen[s.id];
      EXPECT_FALSE(s.raw.empty());
    }
    cursor = page->next_cursor;
    ASSERT_LT(++pages, 100) << "the scan does not terminate";
  } while (!cursor.empty());

  std::vector<std::string> seen_ids;
  for (const auto& [id, times] : seen) {
    EXPECT_EQ(times, 1) << id << " returned " << times << " times";
    seen_ids.push_back(id);
  }
  EXPECT_THAT(seen_ids, UnorderedElementsAreArray(live));
}

TEST_P(StoreConformanceTest, PingIsOk) { SK_EXPECT_CODE(store().Ping(), Code::kOk); }

// --- concurrency ---------------------------------------------------------------------

TEST_P(StoreConformanceTest, EightThreadsInsertGetAndDeleteWithoutLosingAnything) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::vector<std::string>> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto& err = errors[t];
      const std::string user = "user-" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        const Session s = MakeTestSession(TestSessionId(t * 1000 + i), user, now());
        if (auto r = store().Insert(s); !r.ok()) err.push_back("insert: " + r.status().ToString());
        auto got = store().Get(s.id);
        if (!got.ok() || got->id != s.id) err.push_back("get: " + got.status().ToString());
        if (i % 2 == 0) {
          auto deleted = store().Delete(s.id);
          if (!deleted.ok() || !*deleted) err.push_back("delete: " + deleted.status().ToString());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_THAT(errors[t], IsEmpty()) << "thread " << t;

  auto count = store().Count();
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, static_cast<std::uint64_t>(kThreads * kPerThread / 2));
  for (int t = 0; t < kThreads; ++t) {
    auto listed = store().ListForUser("user-" + std::to_string(t));
    ASSERT_TRUE(listed.ok());
    std::vector<std::string> want;
    for (int i = 1; i < kPerThread; i += 2) want.push_back(TestSessionId(t * 1000 + i));
    EXPECT_THAT(IdsOf(*listed), UnorderedElementsAreArray(want)) << "user-" << t;
    for (int i = 0; i < kPerThread; i += 2) {
      SK_EXPECT_CODE(store().Get(TestSessionId(t * 1000 + i)).status(), Code::kNotFound);
    }
  }
}

TEST_P(StoreConformanceTest, ConcurrentInsertsForOneUserRespectTheCap) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  constexpr std::uint32_t kCap = 3;
  std::vector<std::vector<std::string>> evicted(kThreads), errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = store().Insert(MakeTestSession(TestSessionId(t * 100 + i), "shared", now()), kCap);
        if (!r.ok()) {
          errors[t].push_back(r.status().ToString());
          continue;
        }
        evicted[t].insert(evicted[t].end(), r->begin(), r->end());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_THAT(errors[t], IsEmpty()) << "thread " << t;

  auto listed = store().ListForUser("shared");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), kCap);
  std::multiset<std::string> accounted;
  for (const auto& ids : evicted) accounted.insert(ids.begin(), ids.end());
  for (const Session& s : *listed) accounted.insert(s.id);
  std::multiset<std::string> inserted;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) inserted.insert(TestSessionId(t * 100 + i));
  }
  EXPECT_EQ(accounted, inserted) << "every session is either kept or evicted exactly once";
}

}  // namespace
}  // namespace sessionkit::testing
