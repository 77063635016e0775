// RedisStore: SessionStore on Redis with the Go services' key layout (API.md §2-3).
//
// Every operation is a short chain of asynchronous commands on the shared pipelined
// client; no thread blocks on Redis. Writes that must be atomic (insert with the cap,
// touch, conditional delete, delete-all) are Lua scripts; see docs/redis.md for each
// operation's reasoning. Time decisions use the injected clock, never Redis' clock.
// Operations that chain a second command hold a reference to the store, so a store
// released while such a chain runs is destroyed when the chain completes.
#include "sessionkit/redis_store.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <atomic>
#include <memory>
#include <mutex>
#include <new>
#include <utility>

#include "src/store/redis/redis_client.h"
#include "src/store/redis/redis_cluster_scripts.h"
#include "src/store/redis/redis_cluster_slots.h"
#include "src/store/redis/redis_connect.h"
#include "src/store/redis/redis_keys.h"
#include "src/store/redis/redis_scripts.h"

namespace sessionkit {
namespace {

using internal::IndexKey;
using internal::RedisClient;
using internal::RedisCommands;
using internal::RedisReply;
using internal::ReplyStatus;
using internal::SessionKey;
using internal::UnexpectedReply;

constexpr int kGetRetries = 1;               // re-reads after losing a race with a rewrite
constexpr std::size_t kCountBatch = 1000;    // SCAN COUNT for Count()
constexpr std::size_t kMaxScanLimit = 10000;
constexpr std::uint64_t kScanNodeSlots = 64;  // cluster scan cursors: masters per cursor

std::vector<std::string_view> Views(const std::vector<std::string>& strings) {
  return {strings.begin(), strings.end()};
}

bool IsDecimal(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class RedisStore final : public SessionStore, public std::enable_shared_from_this<RedisStore> {
 public:
  RedisStore(const Clock& clock, std::shared_ptr<RedisCommands> client, int wait_replicas = 0,
             std::chrono::milliseconds wait_timeout = {})
      : clock_(clock),
        client_(std::move(client)),
        cluster_(client_->IsCluster()),
        wait_replicas_(wait_replicas),
        wait_timeout_(wait_timeout) {}

  // On a cluster: an id whose record shares the slot of the user's index, so that the
  // session's writes are single scripts (docs/redis.md, "Redis Cluster").
  Result<std::string> NewSessionIdFor(std::string_view user_id) override {
    if (!cluster_) return NewSessionId();
    return internal::NewSessionIdInSlot(internal::KeySlot(IndexKey(user_id)));
  }

  void InsertAsync(const Session& s, std::uint32_t max_per_user,
                   ResultCallback<std::vector<std::string>> done) override;
  void GetAsync(std::string_view session_id, ResultCallback<Session> done) override;
  void TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                  StatusCallback done) override;
  void DeleteAsync(std::string_view session_id, ResultCallback<bool> done) override;
  void DeleteAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                             ResultCallback<std::uint64_t> done) override;
  void ListForUserAsync(std::string_view user_id, ResultCallback<std::vector<Session>> done) override;
  void CountAsync(ResultCallback<std::uint64_t> done) override;
  void ScanAsync(std::string_view cursor, std::size_t limit, ResultCallback<ScanPage> done) override;
  void PingAsync(StatusCallback done) override;
  void PurgeDeadAsync(std::string_view cursor, std::size_t limit, ResultCallback<PurgePage> done) override;

 private:
  void GetAttempt(std::string id, int retries, ResultCallback<Session> done);
  // Handles one batch of index ids and calls `next` (OK to go on, else the error).
  using BatchVisitor = std::function<void(std::vector<std::string> ids, StatusCallback next)>;
  // SSCAN of the user's index from `cursor`, handing `visit` batches of at most
  // kUserBatch ids one after another; `done` once the scan is complete or a batch failed.
  void WalkIndex(std::string index, std::string cursor, std::shared_ptr<BatchVisitor> visit,
                 StatusCallback done);
  void VisitBatches(std::string index, std::string next_cursor, std::vector<std::string> ids,
                    std::size_t from, std::shared_ptr<BatchVisitor> visit, StatusCallback done);
  // MGET of one batch; the live records that are the user's (pruning as it goes).
  void ListRecords(std::string user_id, std::vector<std::string> ids,
                   ResultCallback<std::vector<Session>> done);
  // Removes index members whose key is gone and deletes records seen dead, then
  // calls `then` (cleanup failures are not the caller's: the listing stays right).
  void Prune(const std::string& user_id, std::vector<std::string> missing,
             std::vector<std::pair<std::string, std::string>> dead, std::function<void()> then);
  // SCAN one step from `cursor` (on a cluster the cursor names the master too), then
  // MGET of the keys found: the next cursor ("0" at the end), the keys, their values
  // (nil where deleted since; an empty array when no key was found).
  struct RawPage {
    std::string next;
    std::vector<std::string> keys;
    RedisReply values;
  };
  void ScanRaw(std::string cursor, std::size_t count, std::function<void(Result<RawPage>)> done);
  // SCAN one step from `cursor`, then MGET the keys found; live records only.
  void ScanStep(std::string cursor, std::size_t count,
                std::function<void(Result<std::pair<std::string, std::vector<Session>>>)> done);
  void CountFrom(std::string cursor, std::uint64_t counted, ResultCallback<std::uint64_t> done);

  // --- Redis Cluster (docs/redis.md) -------------------------------------------------
  // True when the record of `id` and the index of `user_id` are in one slot (always on
  // a single Redis).
  bool SameSlot(std::string_view id, std::string_view user_id) const {
    return !cluster_ || internal::KeySlot(SessionKey(id)) == internal::KeySlot(IndexKey(user_id));
  }
  void InsertOnCluster(const Session& s, std::uint32_t max_per_user, ResultCallback<std::vector<std::string>> done);
  struct LockedInsert;
  void LockedInsertStep(std::shared_ptr<LockedInsert> run, int step);
  // DeleteIfUnchangedScript, or on a cluster with the two keys in different slots: the
  // record (if unchanged), then the index member. The reply is the script's.
  void DeleteIfUnchanged(const std::string& id, const std::string& user_id, std::string raw,
                         std::function<void(Result<RedisReply>)> done);
  // MGET on one Redis; one GET per key on a cluster, assembled into MGET's reply.
  void MultiGet(std::vector<std::string> keys, std::function<void(Result<RedisReply>)> done);
  // One batch of DeleteAllForUser on a cluster: the ids in the index's slot in one
  // script, the others record first, then index member.
  void DeleteBatchOnCluster(std::shared_ptr<std::atomic<std::uint64_t>> live, std::string user, std::string keep,
                            std::vector<std::string> ids, StatusCallback next);

  // A new session's write: Eval, then WAIT when wait_replicas_ > 0.
  void EvalDurable(const internal::RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                   internal::ReplyCallback done) {
    if (wait_replicas_ > 0) {
      return client_->EvalAndWait(script, std::move(keys), std::move(args), wait_replicas_, wait_timeout_,
                                  std::move(done));
    }
    client_->Eval(script, std::move(keys), std::move(args), std::move(done));
  }

  const Clock& clock_;
  const std::shared_ptr<RedisCommands> client_;
  const bool cluster_;
  const int wait_replicas_;
  const std::chrono::milliseconds wait_timeout_;
};

// --- insert ------------------------------------------------------------------------

void RedisStore::InsertAsync(const Session& s, std::uint32_t max_per_user,
                             ResultCallback<std::vector<std::string>> done) {
  const TimePoint now = clock_.Now();
  if (!IsWellFormedSessionId(s.id)) return done(Status::InvalidArgument("malformed session id"));
  if (s.user_id.empty()) return done(Status::InvalidArgument("session has no user_id"));
  if (!(now < s.expires_at)) {
    return done(Status::InvalidArgument("session is already past its expires_at"));
  }
  if (cluster_) return InsertOnCluster(s, max_per_user, std::move(done));
  const std::int64_t ttl = internal::TtlSeconds(s.expires_at, now);
  const internal::UnixParts at = internal::SplitUnix(now);
  EvalDurable(internal::InsertScript(), {SessionKey(s.id), IndexKey(s.user_id)},
              {EncodeSession(s), std::to_string(ttl), s.id,
               std::to_string(ttl + internal::kIndexTtlSlack.count()), std::to_string(max_per_user),
               at.seconds, at.nanos},
                [done = std::move(done)](Result<RedisReply> reply) {
                  if (Status st = ReplyStatus(reply, "redis insert"); !st.ok()) return done(st);
                  const RedisReply& r = *reply;
                  if (!r.is_array() || r.elements.empty() || !r.elements[0].is_integer()) {
                    return done(UnexpectedReply("redis insert", r));
                  }
                  if (r.elements[0].integer == 0) return done(Status::Conflict("session id exists"));
                  std::vector<std::string> evicted;
                  for (std::size_t i = 1; i < r.elements.size(); ++i) evicted.push_back(r.elements[i].str);
                  done(std::move(evicted));
                });
}

// --- get ---------------------------------------------------------------------------

void RedisStore::GetAsync(std::string_view session_id, ResultCallback<Session> done) {
  GetAttempt(std::string(session_id), kGetRetries, std::move(done));
}

void RedisStore::GetAttempt(std::string id, int retries, ResultCallback<Session> done) {
  // The hot path: the key is built in this thread's buffer (Command encodes it at once).
  thread_local std::string key;
  key.assign(internal::kSessionKeyPrefix).append(id);
  client_->Command({"GET", key}, [self = shared_from_this(), id = std::move(id), retries,
                                  done = std::move(done)](Result<RedisReply> reply) mutable {
    if (Status st = ReplyStatus(reply, "redis GET"); !st.ok()) return done(st);
    if (reply->is_nil()) return done(Status::NotFound("no such session"));
    if (!reply->is_string()) return done(UnexpectedReply("redis GET", *reply));
    Result<Session> session = DecodeSession(reply->str);
    // A record whose id is not its key's is corrupt (or planted): never served.
    if (!session.ok() || session->id != id) {
      return done(Status::Malformed("redis: the stored record for " + ShortSessionId(id) +
                                    " is not a valid session"));
    }
    if (self->clock_.Now() < session->expires_at) return done(std::move(session));

    // Dead by our clock: delete it with its index entry, unless it was rewritten since.
    const std::string user_id = session->user_id;
    std::string raw = std::move(session->raw);
    RedisStore* store = self.get();
    store->DeleteIfUnchanged(
        id, user_id, std::move(raw),
        [self = std::move(self), id, retries, done = std::move(done)](Result<RedisReply> deleted) mutable {
          if (Status st = ReplyStatus(deleted, "redis delete of an expired session"); !st.ok()) return done(st);
          if (deleted->is_integer() && deleted->integer == 1) return done(Status::Expired("session expired"));
          if (retries > 0) return self->GetAttempt(std::move(id), retries - 1, std::move(done));
          done(Status::NotFound("no such session"));
        });
  });
}

// --- touch -------------------------------------------------------------------------

void RedisStore::TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                            StatusCallback done) {
  const TimePoint now = clock_.Now();
  if (!(now < expires_at)) return done(Status::InvalidArgument("new expires_at is not in the future"));
  std::string record;
  if (current.raw.empty()) {  // not read from a store: write the fields as given
    Session fresh = current;
    fresh.last_seen = last_seen;
    fresh.expires_at = expires_at;
    record = EncodeSession(fresh);
  } else {
    Result<std::string> rewritten = RewriteSessionTimes(current.raw, last_seen, expires_at);
    if (!rewritten.ok()) return done(rewritten.status());
    record = std::move(rewritten).value();
  }
  const std::int64_t ttl = internal::TtlSeconds(expires_at, now);
  const internal::UnixParts at = internal::SplitUnix(now);
  if (!SameSlot(current.id, current.user_id)) {
    // Record first (the compare-and-set that prevents resurrection), then the index.
    client_->Eval(internal::TouchRecordScript(), {SessionKey(current.id)},
                  {std::move(record), std::to_string(ttl), at.seconds, at.nanos, current.raw},
                  [self = shared_from_this(), id = current.id, user_id = current.user_id,
                   index_ttl = std::to_string(ttl + internal::kIndexTtlSlack.count()),
                   done = std::move(done)](Result<RedisReply> reply) mutable {
                    if (Status st = ReplyStatus(reply, "redis touch"); !st.ok()) return done(st);
                    if (!reply->is_integer()) return done(UnexpectedReply("redis touch", *reply));
                    if (reply->integer == 0) return done(Status::NotFound("no such session"));
                    if (reply->integer == 2) {
                      return done(Status::Conflict("the session changed since it was read; not slid"));
                    }
                    // The slide happened; a failed index update is repaired by the next one.
                    self->client_->Eval(internal::IndexAddScript(), {IndexKey(user_id)}, {id, index_ttl},
                                        [done = std::move(done)](Result<RedisReply>) { done(Status::Ok()); });
                  });
    return;
  }
  client_->Eval(internal::TouchScript(), {SessionKey(current.id), IndexKey(current.user_id)},
                {std::move(record), std::to_string(ttl), current.id,
                 std::to_string(ttl + internal::kIndexTtlSlack.count()), at.seconds, at.nanos,
                 current.raw},
                [done = std::move(done)](Result<RedisReply> reply) {
                  if (Status st = ReplyStatus(reply, "redis touch"); !st.ok()) return done(st);
                  if (!reply->is_integer()) return done(UnexpectedReply("redis touch", *reply));
                  if (reply->integer == 0) return done(Status::NotFound("no such session"));
                  if (reply->integer == 2) {
                    return done(Status::Conflict("the session changed since it was read; not slid"));
                  }
                  done(Status::Ok());
                });
}

// --- delete ------------------------------------------------------------------------

// GET first (the index key needs the record's user_id, whose digits Lua's cjson could
// round), then DEL + SREM in one MULTI.
void RedisStore::DeleteAsync(std::string_view session_id, ResultCallback<bool> done) {
  std::string id(session_id);
  const std::string key = SessionKey(id);
  client_->Command({"GET", key}, [self = shared_from_this(), id = std::move(id),
                                  done = std::move(done)](Result<RedisReply> reply) mutable {
    if (Status st = ReplyStatus(reply, "redis GET"); !st.ok()) return done(st);
    if (reply->is_nil()) return done(false);
    if (!reply->is_string()) return done(UnexpectedReply("redis GET", *reply));
    Result<Session> session = DecodeSession(reply->str);
    const bool live = session.ok() && session->id == id && self->clock_.Now() < session->expires_at;
    const std::string key = SessionKey(id);
    auto on_deleted = [done = std::move(done), live](Result<std::vector<RedisReply>> replies) {
      if (!replies.ok()) return done(replies.status());
      const RedisReply& last = replies->back();
      if (Status st = ReplyStatus(last, "redis delete"); !st.ok()) return done(st);
      const RedisReply* del = &last;  // DEL alone, or EXEC's [DEL, SREM]
      if (last.is_array() && !last.elements.empty()) del = &last.elements[0];
      if (del->is_error()) return done(internal::StatusFromErrorReply(*del, "redis DEL"));
      done(live && del->is_integer() && del->integer == 1);
    };
    if (!session.ok() || session->user_id.empty() || session->id != id) {
      self->client_->Pipeline({{"DEL", key}}, std::move(on_deleted));
      return;
    }
    const std::string index = IndexKey(session->user_id);
    if (!self->SameSlot(id, session->user_id)) {
      // Record first, then the index member (a member without a record is pruned later).
      self->client_->Pipeline({{"DEL", key}}, [self, index, id, on_deleted = std::move(on_deleted)](
                                                  Result<std::vector<RedisReply>> replies) mutable {
        if (!replies.ok() || replies->back().is_error()) return on_deleted(std::move(replies));
        self->client_->Command({"SREM", index, id},
                               [replies = std::move(replies), on_deleted = std::move(on_deleted)](
                                   Result<RedisReply> srem) mutable {
                                 if (Status st = ReplyStatus(srem, "redis SREM"); !st.ok()) return on_deleted(st);
                                 on_deleted(std::move(replies));
                               });
      });
      return;
    }
    if (self->cluster_) {
      self->client_->Eval(internal::DeleteRecordAndMemberScript(), {key, index}, {id},
                          [on_deleted = std::move(on_deleted)](Result<RedisReply> reply) mutable {
                            if (!reply.ok()) return on_deleted(reply.status());
                            on_deleted(std::vector<RedisReply>{std::move(reply).value()});
                          });
      return;
    }
    self->client_->Pipeline({{"MULTI"}, {"DEL", key}, {"SREM", index, id}, {"EXEC"}}, std::move(on_deleted));
  });
}

// The index is walked with SSCAN and handled in batches of at most kUserBatch ids, each
// batch one script (docs/redis.md: atomic per batch, not across batches).
void RedisStore::DeleteAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                                       ResultCallback<std::uint64_t> done) {
  struct Run {
    std::string user;
    std::string keep;
    std::atomic<std::uint64_t> live{0};
  };
  auto run = std::make_shared<Run>();
  run->user = std::string(user_id);
  run->keep = std::string(keep_session_id);
  auto visit = std::make_shared<BatchVisitor>(
      [self = shared_from_this(), run](std::vector<std::string> ids, StatusCallback next) {
        std::vector<std::string> args = {run->keep, run->user};
        args.insert(args.end(), std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
        RedisStore* store = self.get();
        if (store->cluster_) {
          auto live = std::shared_ptr<std::atomic<std::uint64_t>>(run, &run->live);
          return store->DeleteBatchOnCluster(std::move(live), run->user, run->keep,
                                             std::vector<std::string>(args.begin() + 2, args.end()), std::move(next));
        }
        store->client_->Eval(
            internal::DeleteBatchScript(), {IndexKey(run->user)}, std::move(args),
            [self, run, next = std::move(next)](Result<RedisReply> reply) {
              if (Status st = ReplyStatus(reply, "redis delete-all"); !st.ok()) return next(st);
              if (!reply->is_array()) return next(UnexpectedReply("redis delete-all", *reply));
              const TimePoint now = self->clock_.Now();
              for (const RedisReply& raw : reply->elements) {
                Result<Session> s = DecodeSession(raw.str);
                if (s.ok() && now < s->expires_at) run->live.fetch_add(1);
              }
              next(Status::Ok());
            });
      });
  WalkIndex(IndexKey(run->user), "0", std::move(visit),
            [run, done = std::move(done)](Status st) {
              if (!st.ok()) return done(st);
              done(run->live.load());
            });
}

// --- list --------------------------------------------------------------------------

void RedisStore::ListForUserAsync(std::string_view user_id, ResultCallback<std::vector<Session>> done) {
  struct Run {
    std::string user;
    std::vector<Session> live;  // batches run one after another: no lock needed
  };
  auto run = std::make_shared<Run>();
  run->user = std::string(user_id);
  auto visit = std::make_shared<BatchVisitor>(
      [self = shared_from_this(), run](std::vector<std::string> ids, StatusCallback next) {
        self->ListRecords(run->user, std::move(ids),
                          [run, next = std::move(next)](Result<std::vector<Session>> batch) {
                            if (!batch.ok()) return next(batch.status());
                            for (Session& s : *batch) run->live.push_back(std::move(s));
                            next(Status::Ok());
                          });
      });
  WalkIndex(IndexKey(run->user), "0", std::move(visit), [run, done = std::move(done)](Status st) {
    if (!st.ok()) return done(st);
    done(std::move(run->live));
  });
}

void RedisStore::WalkIndex(std::string index, std::string cursor, std::shared_ptr<BatchVisitor> visit,
                           StatusCallback done) {
  static const std::string kCount = std::to_string(internal::kUserBatch);
  const std::string key = index;
  client_->Command({"SSCAN", key, cursor, "COUNT", kCount},
                   [self = shared_from_this(), index = std::move(index), visit = std::move(visit),
                    done = std::move(done)](Result<RedisReply> reply) mutable {
                     if (Status st = ReplyStatus(reply, "redis SSCAN"); !st.ok()) return done(st);
                     RedisReply& r = *reply;
                     if (!r.is_array() || r.elements.size() != 2 || !r.elements[1].is_array()) {
                       return done(UnexpectedReply("redis SSCAN", r));
                     }
                     std::vector<std::string> ids;
                     ids.reserve(r.elements[1].elements.size());
                     for (RedisReply& member : r.elements[1].elements) ids.push_back(std::move(member.str));
                     RedisStore* store = self.get();
                     store->VisitBatches(std::move(index), std::move(r.elements[0].str), std::move(ids), 0,
                                         std::move(visit), std::move(done));
                   });
}

void RedisStore::VisitBatches(std::string index, std::string next_cursor, std::vector<std::string> ids,
                              std::size_t from, std::shared_ptr<BatchVisitor> visit, StatusCallback done) {
  if (from >= ids.size()) {
    if (next_cursor == "0") return done(Status::Ok());
    return WalkIndex(std::move(index), std::move(next_cursor), std::move(visit), std::move(done));
  }
  const std::size_t to = std::min(from + internal::kUserBatch, ids.size());
  std::vector<std::string> batch(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                 ids.begin() + static_cast<std::ptrdiff_t>(to));
  BatchVisitor& visitor = *visit;
  visitor(std::move(batch), [self = shared_from_this(), index = std::move(index),
                             next_cursor = std::move(next_cursor), ids = std::move(ids), to, visit,
                             done = std::move(done)](Status st) mutable {
    if (!st.ok()) return done(st);
    RedisStore* store = self.get();
    store->VisitBatches(std::move(index), std::move(next_cursor), std::move(ids), to, std::move(visit),
                        std::move(done));
  });
}

void RedisStore::ListRecords(std::string user_id, std::vector<std::string> ids,
                             ResultCallback<std::vector<Session>> done) {
  std::vector<std::string> keys;
  for (const std::string& id : ids) keys.push_back(SessionKey(id));
  MultiGet(std::move(keys), [self = shared_from_this(), user_id = std::move(user_id), ids = std::move(ids),
                             done = std::move(done)](Result<RedisReply> reply) mutable {
    if (Status st = ReplyStatus(reply, "redis MGET"); !st.ok()) return done(st);
    if (!reply->is_array() || reply->elements.size() != ids.size()) return done(UnexpectedReply("redis MGET", *reply));
    const TimePoint now = self->clock_.Now();
    std::vector<Session> live;
    std::vector<std::string> missing;
    std::vector<std::pair<std::string, std::string>> dead;  // id, record as read
    for (std::size_t i = 0; i < ids.size(); ++i) {
      RedisReply& value = reply->elements[i];
      if (value.is_nil()) {
        missing.push_back(ids[i]);
        continue;
      }
      Result<Session> s = DecodeSession(value.str);
      // Not ours to judge (unreadable, another user's, or not the id it is stored under):
      // left alone, never listed.
      if (!s.ok() || s->user_id != user_id || s->id != ids[i]) continue;
      if (!(now < s->expires_at)) {
        dead.emplace_back(ids[i], std::move(value.str));
        continue;
      }
      live.push_back(std::move(s).value());
    }
    if (missing.empty() && dead.empty()) return done(std::move(live));
    RedisStore* store = self.get();
    store->Prune(user_id, std::move(missing), std::move(dead),
                 [live = std::move(live), done = std::move(done)]() mutable { done(std::move(live)); });
  });
}

void RedisStore::Prune(const std::string& user_id, std::vector<std::string> missing,
                       std::vector<std::pair<std::string, std::string>> dead, std::function<void()> then) {
  struct Join {
    std::atomic<std::size_t> remaining;
    std::function<void()> then;
  };
  auto join = std::make_shared<Join>();
  join->remaining = dead.size() + (missing.empty() ? 0 : 1);
  join->then = std::move(then);
  auto step = [join] {
    if (join->remaining.fetch_sub(1) == 1) join->then();
  };
  const std::string index = IndexKey(user_id);
  if (!missing.empty()) {
    std::vector<std::string> args = {"SREM", index};
    args.insert(args.end(), missing.begin(), missing.end());
    client_->Command(Views(args), [step](Result<RedisReply>) { step(); });
  }
  for (auto& [id, raw] : dead) {
    DeleteIfUnchanged(id, user_id, std::move(raw), [step](Result<RedisReply>) { step(); });
  }
}

// --- admin -------------------------------------------------------------------------

void RedisStore::ScanRaw(std::string cursor, std::size_t count, std::function<void(Result<RawPage>)> done) {
  const std::string count_text = std::to_string(count);
  // On a cluster the cursor names the master too: redis cursor * kScanNodeSlots + the
  // master's place in the scan order (masters by their lowest slot).
  std::size_t node = 0;
  if (cluster_) {
    const std::uint64_t combined = std::strtoull(cursor.c_str(), nullptr, 10);
    node = static_cast<std::size_t>(combined % kScanNodeSlots);
    cursor = std::to_string(combined / kScanNodeSlots);
    const std::size_t masters = client_->ScanNodes();
    if (masters == 0) return done(Status::Unavailable("redis cluster: no slot map yet"));
    if (node >= masters) return done(RawPage{"0", {}, {}});
  }
  auto on_scan = [self = shared_from_this(), node, done = std::move(done)](Result<RedisReply> reply) mutable {
    if (Status st = ReplyStatus(reply, "redis SCAN"); !st.ok()) return done(st);
    RedisReply& r = *reply;
    if (!r.is_array() || r.elements.size() != 2 || !r.elements[1].is_array()) {
      return done(UnexpectedReply("redis SCAN", r));
    }
    RawPage page;
    page.next = r.elements[0].str;
    if (self->cluster_) {
      const std::uint64_t redis_next = std::strtoull(page.next.c_str(), nullptr, 10);
      if (redis_next != 0) {
        page.next = std::to_string(redis_next * kScanNodeSlots + node);
      } else {
        page.next = node + 1 < self->client_->ScanNodes() ? std::to_string(node + 1) : "0";
      }
    }
    for (RedisReply& key : r.elements[1].elements) page.keys.push_back(std::move(key.str));
    if (page.keys.empty()) return done(std::move(page));
    RedisStore* store = self.get();
    std::vector<std::string> keys = page.keys;
    store->MultiGet(std::move(keys), [page = std::move(page), done = std::move(done)](
                                         Result<RedisReply> values) mutable {
      if (Status st = ReplyStatus(values, "redis MGET"); !st.ok()) return done(st);
      if (!values->is_array() || values->elements.size() != page.keys.size()) {
        return done(UnexpectedReply("redis MGET", *values));
      }
      page.values = std::move(values).value();
      done(std::move(page));
    });
  };
  const std::vector<std::string_view> scan = {"SCAN", cursor, "MATCH", internal::kSessionKeyPattern, "COUNT",
                                              count_text};
  if (cluster_) {
    client_->CommandOnNode(node, scan, std::move(on_scan));
  } else {
    client_->Command(scan, std::move(on_scan));
  }
}

// The session a scanned value holds, if it is one stored under its own key.
Result<Session> RecordUnderItsKey(std::string_view key, const RedisReply& value) {
  if (!value.is_string()) return Status::NotFound("deleted since the SCAN");
  Result<Session> s = DecodeSession(value.str);
  if (!s.ok()) return s.status();
  if (key.size() != internal::kSessionKeyPrefix.size() + s->id.size() ||
      key.substr(internal::kSessionKeyPrefix.size()) != s->id) {
    return Status::Malformed("not stored under its own id");
  }
  return s;
}

void RedisStore::ScanStep(std::string cursor, std::size_t count,
                          std::function<void(Result<std::pair<std::string, std::vector<Session>>>)> done) {
  ScanRaw(std::move(cursor), count, [self = shared_from_this(), done = std::move(done)](Result<RawPage> page) {
    using Page = std::pair<std::string, std::vector<Session>>;
    if (!page.ok()) return done(page.status());
    const TimePoint now = self->clock_.Now();
    std::vector<Session> live;
    for (std::size_t i = 0; i < page->keys.size(); ++i) {
      Result<Session> s = RecordUnderItsKey(page->keys[i], page->values.elements[i]);
      if (s.ok() && now < s->expires_at) live.push_back(std::move(s).value());
    }
    done(Page{std::move(page->next), std::move(live)});
  });
}

void RedisStore::CountAsync(ResultCallback<std::uint64_t> done) { CountFrom("0", 0, std::move(done)); }

void RedisStore::CountFrom(std::string cursor, std::uint64_t counted, ResultCallback<std::uint64_t> done) {
  ScanStep(std::move(cursor), kCountBatch,
           [self = shared_from_this(), counted, done = std::move(done)](
               Result<std::pair<std::string, std::vector<Session>>> page) mutable {
             if (!page.ok()) return done(page.status());
             const std::uint64_t total = counted + page->second.size();
             if (page->first == "0") return done(total);
             self->CountFrom(std::move(page->first), total, std::move(done));
           });
}

void RedisStore::ScanAsync(std::string_view cursor, std::size_t limit, ResultCallback<ScanPage> done) {
  std::string start = cursor.empty() ? "0" : std::string(cursor);
  if (!IsDecimal(start)) return done(Status::InvalidArgument("malformed scan cursor"));
  const std::size_t count = std::clamp<std::size_t>(limit, 1, kMaxScanLimit);
  ScanStep(std::move(start), count,
           [self = shared_from_this(), count, done = std::move(done)](
               Result<std::pair<std::string, std::vector<Session>>> page) mutable {
             if (!page.ok()) return done(page.status());
             // On a cluster a master's last step is often empty: go on to the next master
             // instead of handing out an empty page (an empty cluster ends at once).
             if (self->cluster_ && page->second.empty() && page->first != "0") {
               return self->ScanAsync(page->first, count, std::move(done));
             }
             ScanPage out;
             out.sessions = std::move(page->second);
             if (page->first != "0") out.next_cursor = std::move(page->first);
             done(std::move(out));
           });
}

void RedisStore::PingAsync(StatusCallback done) {
  client_->Command({"PING"}, [done = std::move(done)](Result<RedisReply> reply) {
    if (Status st = ReplyStatus(reply, "redis PING"); !st.ok()) return done(st);
    if (!reply->is_status("PONG")) return done(UnexpectedReply("redis PING", *reply));
    done(Status::Ok());
  });
}


// --- Redis Cluster -----------------------------------------------------------------

namespace {

// Runs `then` once `count` steps have each called the returned function (at once for 0).
std::function<void()> JoinAfter(std::size_t count, std::function<void()> then) {
  if (count == 0) {
    then();
    return [] {};
  }
  struct Join {
    std::atomic<std::size_t> remaining;
    std::function<void()> then;
  };
  auto join = std::make_shared<Join>();
  join->remaining = count;
  join->then = std::move(then);
  return [join] {
    if (join->remaining.fetch_sub(1) == 1) join->then();
  };
}

// The user's cap lock, in the slot of the user's index ("{tag}" hashes to that slot).
std::string CapLockKey(std::string_view user_id) {
  const int slot = internal::KeySlot(IndexKey(user_id));
  return "sessionkit:cap:{" + internal::SlotTag(slot) + "}:" + std::string(user_id);
}

constexpr auto kCapLockTtl = std::chrono::milliseconds(5000);
constexpr auto kCapLockWait = std::chrono::milliseconds(3000);

}  // namespace

struct RedisStore::LockedInsert {
  std::string id, user_id, record, lock_key, token;
  std::int64_t ttl = 0;
  std::uint32_t cap = 0;
  TimePoint now;
  std::chrono::steady_clock::time_point lock_deadline{};
  std::chrono::milliseconds lock_backoff{1};
  std::vector<std::pair<TimePoint, std::string>> live;  // created_at, id
  std::vector<std::string> missing;
  std::vector<std::pair<std::string, std::string>> dead;  // id, record as read
  std::vector<std::string> evicted;
  Status failure = Status::Ok();
  ResultCallback<std::vector<std::string>> done;
};

void RedisStore::MultiGet(std::vector<std::string> keys, std::function<void(Result<RedisReply>)> done) {
  if (!cluster_) {
    std::vector<std::string_view> args = {"MGET"};
    args.insert(args.end(), keys.begin(), keys.end());
    return client_->Command(args, std::move(done));
  }
  struct Gather {
    std::mutex mu;
    RedisReply array;
    Status failure = Status::Ok();
    std::function<void(Result<RedisReply>)> done;
  };
  auto gather = std::make_shared<Gather>();
  gather->array.type = RedisReply::Type::kArray;
  gather->array.elements.resize(keys.size());
  gather->done = std::move(done);
  auto step = JoinAfter(keys.size(), [gather] {
    if (!gather->failure.ok()) return gather->done(gather->failure);
    gather->done(std::move(gather->array));
  });
  for (std::size_t i = 0; i < keys.size(); ++i) {
    client_->Command({"GET", keys[i]}, [gather, i, step](Result<RedisReply> reply) {
      {
        std::lock_guard<std::mutex> lock(gather->mu);
        if (Status st = ReplyStatus(reply, "redis GET"); !st.ok()) {
          if (gather->failure.ok()) gather->failure = st;
        } else {
          gather->array.elements[i] = std::move(reply).value();
        }
      }
      step();
    });
  }
}

void RedisStore::DeleteIfUnchanged(const std::string& id, const std::string& user_id, std::string raw,
                                   std::function<void(Result<RedisReply>)> done) {
  if (SameSlot(id, user_id)) {
    return client_->Eval(internal::DeleteIfUnchangedScript(), {SessionKey(id), IndexKey(user_id)},
                         {std::move(raw), id}, std::move(done));
  }
  client_->Eval(internal::DeleteRecordIfUnchangedScript(), {SessionKey(id)}, {std::move(raw)},
                [self = shared_from_this(), id, user_id, done = std::move(done)](Result<RedisReply> reply) mutable {
                  if (!reply.ok() || !reply->is_integer() || reply->integer != 1) return done(std::move(reply));
                  self->client_->Command({"SREM", IndexKey(user_id), id},
                                         [reply = std::move(reply), done = std::move(done)](Result<RedisReply>) mutable {
                                           done(std::move(reply));
                                         });
                });
}

void RedisStore::DeleteBatchOnCluster(std::shared_ptr<std::atomic<std::uint64_t>> live, std::string user,
                                      std::string keep, std::vector<std::string> ids, StatusCallback next) {
  const int index_slot = internal::KeySlot(IndexKey(user));
  std::vector<std::string> here = {keep, user};  // the script's ARGV
  std::vector<std::string> elsewhere;
  for (std::string& id : ids) {
    (internal::KeySlot(SessionKey(id)) == index_slot ? here : elsewhere).push_back(std::move(id));
  }
  struct Batch {
    std::mutex mu;
    Status failure = Status::Ok();
    void Fail(Status st) {
      std::lock_guard<std::mutex> lock(mu);
      if (failure.ok()) failure = std::move(st);
    }
  };
  auto batch = std::make_shared<Batch>();
  const bool run_script = here.size() > 2;
  auto step = JoinAfter(elsewhere.size() + (run_script ? 1 : 0), [batch, next = std::move(next)] {
    next(batch->failure);
  });
  if (run_script) {
    client_->Eval(internal::DeleteBatchScript(), {IndexKey(user)}, std::move(here),
                  [self = shared_from_this(), live, batch, step](Result<RedisReply> reply) {
                    if (Status st = ReplyStatus(reply, "redis delete-all"); !st.ok()) {
                      batch->Fail(st);
                    } else if (!reply->is_array()) {
                      batch->Fail(UnexpectedReply("redis delete-all", *reply));
                    } else {
                      const TimePoint now = self->clock_.Now();
                      for (const RedisReply& raw : reply->elements) {
                        Result<Session> s = DecodeSession(raw.str);
                        if (s.ok() && now < s->expires_at) live->fetch_add(1);
                      }
                    }
                    step();
                  });
  }
  // Records in other slots: read, delete the user's own (if unchanged), then drop the
  // member. The kept id stays unless its record is gone, as in the script.
  for (std::string& id : elsewhere) {
    client_->Command({"GET", SessionKey(id)}, [self = shared_from_this(), live, batch, step, user, keep,
                                               id](Result<RedisReply> reply) {
      if (Status st = ReplyStatus(reply, "redis GET"); !st.ok()) {
        batch->Fail(st);
        return step();
      }
      auto drop_member = [self, batch, step, user, id] {
        self->client_->Command({"SREM", IndexKey(user), id}, [batch, step](Result<RedisReply> srem) {
          if (Status st = ReplyStatus(srem, "redis SREM"); !st.ok()) batch->Fail(st);
          step();
        });
      };
      if (reply->is_nil()) return drop_member();
      if (id == keep) return step();
      Result<Session> s = DecodeSession(reply->str);
      if (!s.ok() || s->id != id || s->user_id != user) return drop_member();
      const bool alive = self->clock_.Now() < s->expires_at;
      // The owner was checked on the record read; a slide since changed only its times.
      self->client_->Command({"DEL", SessionKey(id)}, [live, batch, step, alive, drop_member](Result<RedisReply> deleted) {
        if (Status st = ReplyStatus(deleted, "redis delete-all"); !st.ok()) {
          batch->Fail(st);  // the member stays with its record for the next attempt
          return step();
        }
        if (deleted->is_integer() && deleted->integer == 1 && alive) live->fetch_add(1);
        drop_member();
      });
    });
  }
}

// The insert on a cluster. A session whose record shares its index's slot (every id
// sessionkit draws, NewSessionIdFor) is one script, as on one Redis, unless that script
// sees members in other slots or the user's cap lock held: then, and for ids drawn
// elsewhere, the locked path below.
void RedisStore::InsertOnCluster(const Session& s, std::uint32_t max_per_user,
                                 ResultCallback<std::vector<std::string>> done) {
  const TimePoint now = clock_.Now();
  auto run = std::make_shared<LockedInsert>();
  run->id = s.id;
  run->user_id = s.user_id;
  run->record = EncodeSession(s);
  run->ttl = internal::TtlSeconds(s.expires_at, now);
  run->cap = max_per_user;
  run->now = now;
  run->lock_key = CapLockKey(s.user_id);
  run->done = std::move(done);
  if (!SameSlot(s.id, s.user_id)) return LockedInsertStep(std::move(run), 0);
  const internal::UnixParts at = internal::SplitUnix(now);
  EvalDurable(internal::ClusterInsertScript(), {SessionKey(s.id), IndexKey(s.user_id), run->lock_key},
                {run->record, std::to_string(run->ttl), s.id,
                 std::to_string(run->ttl + internal::kIndexTtlSlack.count()), std::to_string(max_per_user),
                 at.seconds, at.nanos},
                [self = shared_from_this(), run](Result<RedisReply> reply) mutable {
                  if (Status st = ReplyStatus(reply, "redis insert"); !st.ok()) return run->done(st);
                  const RedisReply& r = *reply;
                  if (!r.is_array() || r.elements.empty() || !r.elements[0].is_integer()) {
                    return run->done(UnexpectedReply("redis insert", r));
                  }
                  if (r.elements[0].integer == 0) return run->done(Status::Conflict("session id exists"));
                  if (r.elements[0].integer == 2) return self->LockedInsertStep(std::move(run), 0);
                  std::vector<std::string> evicted;
                  for (std::size_t i = 1; i < r.elements.size(); ++i) evicted.push_back(r.elements[i].str);
                  run->done(std::move(evicted));
                });
}

// Steps: 0 take the lock, 1 read the index and its records, 2 write the record,
// 3 evict and prune (record, then member), 4 index the new id, 5 release and answer.
void RedisStore::LockedInsertStep(std::shared_ptr<LockedInsert> run, int step) {
  auto self = shared_from_this();
  auto fail = [self, run](Status st) {
    run->failure = std::move(st);
    self->LockedInsertStep(run, 5);
  };
  switch (step) {
    case 0: {
      if (run->token.empty()) {
        Result<std::string> token = NewSessionId();  // any unguessable text
        if (!token.ok()) return run->done(token.status());
        run->token = std::move(token).value();
        run->lock_deadline = std::chrono::steady_clock::now() + kCapLockWait;
      }
      const std::string px = std::to_string(kCapLockTtl.count());
      client_->Command({"SET", run->lock_key, run->token, "NX", "PX", px}, [self, run](Result<RedisReply> reply) {
        if (Status st = ReplyStatus(reply, "redis cap lock"); !st.ok()) return run->done(st);
        if (reply->is_status("OK")) return self->LockedInsertStep(run, 1);
        if (std::chrono::steady_clock::now() >= run->lock_deadline) {
          return run->done(Status::Unavailable("redis: the user's session cap lock stayed busy"));
        }
        const auto wait = run->lock_backoff;
        run->lock_backoff = std::min(run->lock_backoff * 2, std::chrono::milliseconds(20));
        self->client_->After(wait, [self, run] { self->LockedInsertStep(run, 0); });
      });
      return;
    }
    case 1: {
      if (run->cap == 0) return LockedInsertStep(run, 2);
      client_->Command({"SMEMBERS", IndexKey(run->user_id)}, [self, run, fail](Result<RedisReply> reply) {
        if (Status st = ReplyStatus(reply, "redis SMEMBERS"); !st.ok()) return fail(st);
        if (!reply->is_array()) return fail(UnexpectedReply("redis SMEMBERS", *reply));
        std::vector<std::string> ids, keys;
        for (RedisReply& m : reply->elements) {
          if (m.str == run->id) continue;
          keys.push_back(SessionKey(m.str));
          ids.push_back(std::move(m.str));
        }
        self->MultiGet(std::move(keys), [self, run, fail, ids = std::move(ids)](Result<RedisReply> values) {
          if (Status st = ReplyStatus(values, "redis GET"); !st.ok()) return fail(st);
          for (std::size_t i = 0; i < ids.size() && i < values->elements.size(); ++i) {
            RedisReply& value = values->elements[i];
            if (value.is_nil()) {
              run->missing.push_back(ids[i]);
              continue;
            }
            Result<Session> s = DecodeSession(value.str);
            if (!s.ok()) continue;  // unreadable: neither counted nor removed, as in the script
            if (run->now < s->expires_at) {
              run->live.emplace_back(s->created_at, ids[i]);
            } else {
              run->dead.emplace_back(ids[i], std::move(value.str));
            }
          }
          self->LockedInsertStep(run, 2);
        });
      });
      return;
    }
    case 2: {
      const internal::UnixParts at = internal::SplitUnix(run->now);
      EvalDurable(internal::InsertRecordScript(), {SessionKey(run->id)},
                    {run->record, std::to_string(run->ttl), at.seconds, at.nanos},
                    [self, run, fail](Result<RedisReply> reply) {
                      if (Status st = ReplyStatus(reply, "redis insert"); !st.ok()) return fail(st);
                      if (!reply->is_integer()) return fail(UnexpectedReply("redis insert", *reply));
                      if (reply->integer == 0) return fail(Status::Conflict("session id exists"));
                      self->LockedInsertStep(run, 3);
                    });
      return;
    }
    case 3: {
      std::sort(run->live.begin(), run->live.end());
      if (run->cap > 0 && run->live.size() + 1 > run->cap) {
        const std::size_t excess = run->live.size() + 1 - run->cap;
        for (std::size_t i = 0; i < excess; ++i) run->evicted.push_back(run->live[i].second);
      }
      const std::string index = IndexKey(run->user_id);
      auto next = JoinAfter(run->evicted.size() + run->dead.size() + (run->missing.empty() ? 0 : 1),
                            [self, run] { self->LockedInsertStep(run, 4); });
      for (const std::string& id : run->evicted) {
        client_->Command({"DEL", SessionKey(id)}, [self, index, id, next](Result<RedisReply>) {
          self->client_->Command({"SREM", index, id}, [next](Result<RedisReply>) { next(); });
        });
      }
      for (auto& [id, raw] : run->dead) {
        DeleteIfUnchanged(id, run->user_id, std::move(raw), [next](Result<RedisReply>) { next(); });
      }
      if (!run->missing.empty()) {
        std::vector<std::string_view> args = {"SREM", index};
        args.insert(args.end(), run->missing.begin(), run->missing.end());
        client_->Command(args, [next](Result<RedisReply>) { next(); });
      }
      return;
    }
    case 4: {
      EvalDurable(internal::IndexAddScript(), {IndexKey(run->user_id)},
                  {run->id, std::to_string(run->ttl + internal::kIndexTtlSlack.count())},
                    [self, run, fail](Result<RedisReply> reply) {
                      if (Status st = ReplyStatus(reply, "redis index"); !st.ok()) return fail(st);
                      self->LockedInsertStep(run, 5);
                    });
      return;
    }
    default: {
      client_->Eval(internal::UnlockScript(), {run->lock_key}, {run->token}, [run](Result<RedisReply>) {
        if (!run->failure.ok()) return run->done(run->failure);
        run->done(std::move(run->evicted));
      });
      return;
    }
  }
}

// --- admin purge -------------------------------------------------------------------

// One SCAN step; each record seen dead by the store clock is deleted if it still holds
// the bytes read (DeleteIfUnchanged: with its index entry, record first on a cluster
// when the two are in different slots). On a cluster an empty step of one master goes
// on to the next one, as ScanAsync does.
void RedisStore::PurgeDeadAsync(std::string_view cursor, std::size_t limit, ResultCallback<PurgePage> done) {
  std::string start = cursor.empty() ? "0" : std::string(cursor);
  if (!IsDecimal(start)) return done(Status::InvalidArgument("malformed purge cursor"));
  const std::size_t count = std::clamp<std::size_t>(limit, 1, kMaxScanLimit);
  ScanRaw(std::move(start), count, [self = shared_from_this(), count, done = std::move(done)](
                                       Result<RawPage> page) mutable {
    if (!page.ok()) return done(page.status());
    if (self->cluster_ && page->keys.empty() && page->next != "0") {
      return self->PurgeDeadAsync(page->next, count, std::move(done));
    }
    struct Run {
      PurgePage result;
      std::atomic<std::uint64_t> deleted{0};
      std::mutex mu;
      Status failure = Status::Ok();
      ResultCallback<PurgePage> done;
    };
    auto run = std::make_shared<Run>();
    run->result.examined = page->keys.size();
    if (page->next != "0") run->result.next_cursor = std::move(page->next);
    run->done = std::move(done);
    const TimePoint now = self->clock_.Now();
    std::vector<std::pair<Session, std::string>> dead;  // the record, its bytes as read
    for (std::size_t i = 0; i < page->keys.size(); ++i) {
      Result<Session> s = RecordUnderItsKey(page->keys[i], page->values.elements[i]);
      if (!s.ok() || now < s->expires_at) continue;
      std::string raw = std::move(page->values.elements[i].str);
      dead.emplace_back(std::move(s).value(), std::move(raw));
    }
    auto step = JoinAfter(dead.size(), [run] {
      if (!run->failure.ok()) return run->done(run->failure);
      run->result.deleted = run->deleted.load();
      run->done(std::move(run->result));
    });
    for (auto& [session, raw] : dead) {
      self->DeleteIfUnchanged(session.id, session.user_id, std::move(raw), [run, step](Result<RedisReply> reply) {
        if (Status st = ReplyStatus(reply, "redis purge"); !st.ok()) {
          std::lock_guard<std::mutex> lock(run->mu);
          if (run->failure.ok()) run->failure = std::move(st);
        } else if (reply->is_integer() && reply->integer == 1) {
          run->deleted.fetch_add(1);
        }
        step();
      });
    }
  });
}
}  // namespace

Result<std::shared_ptr<SessionStore>> OpenRedisStore(const RedisStoreOptions& options) {
  if (options.near_cache) {
    return Status::InvalidArgument("the near-cache needs event loops: use OpenRedisStoresOnLoops");
  }
  Result<std::shared_ptr<RedisCommands>> client = internal::ConnectRedisCommands(options, {});
  if (!client.ok()) return client.status();
  return internal::OpenRedisStoreOn(std::move(client).value(), options.clock, options.wait_replicas,
                                    options.wait_timeout);
}

namespace internal {

Result<std::shared_ptr<SessionStore>> OpenRedisStoreOn(std::shared_ptr<RedisCommands> client,
                                                      const Clock* clock, int wait_replicas,
                                                      std::chrono::milliseconds wait_timeout) {
  if (wait_replicas < 0 || (wait_replicas > 0 && wait_timeout.count() <= 0)) {
    return Status::InvalidArgument("redis wait_replicas must be >= 0, with a wait_timeout > 0");
  }
  if (!client) return Status::InvalidArgument("redis store needs a client");
  try {
    return std::shared_ptr<SessionStore>(
        std::make_shared<RedisStore>(ClockOrSystem(clock), std::move(client), wait_replicas, wait_timeout));
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory creating the redis store");
  }
}

}  // namespace internal

}  // namespace sessionkit
