// Refresh tokens on a Redis Cluster as ordered single-key steps. See
// redis_cluster_auth_state.h.
#include "src/store/redis/redis_cluster_auth_state.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "src/store/redis/redis_auth_state.h"
#include "src/store/redis/redis_keys.h"

namespace sessionkit::internal {
namespace {

constexpr const char* kLive = R"lua(
local function live(expires_at, now)
  return not expires_at or tonumber(expires_at) > now
end
)lua";

// KEYS: refresh_token:<hash>. ARGV: sid, uid, issued, expires, ttl ms, now ms, '1' to
// refuse a live token under the hash. -> 1 stored, 0 taken.
constexpr const char* kStoreToken = R"lua(
if ARGV[7] == '1' and redis.call('EXISTS', KEYS[1]) == 1 and
   live(redis.call('HGET', KEYS[1], 'expires_at'), tonumber(ARGV[6])) then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'session_id', ARGV[1], 'user_id', ARGV[2], 'issued_at', ARGV[3],
           'expires_at', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
)lua";

// KEYS: refresh_token:<hash>. ARGV: now ms. -> 1 if a live token has the hash.
constexpr const char* kTokenTaken = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if live(redis.call('HGET', KEYS[1], 'expires_at'), tonumber(ARGV[1])) then return 1 end
return 0
)lua";

// KEYS: session_refresh:<sid>. ARGV: hash, ttl ms.
constexpr const char* kFamilyAdd = R"lua(
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
)lua";

// KEYS: refresh_token:<presented>. ARGV: successor, now ms, grace ms, '1' to spend
// (else only look).
// -> {'unknown'} | {'rotated', sid, uid} (rotated_at/next set now) | {'fresh', sid, uid}
//    (unspent, looking only) |
//    {'grace' | 'reused', sid, uid, rotated_at, next}. Nothing is deleted here.
constexpr const char* kSpend = R"lua(
local now = tonumber(ARGV[2])
local f = redis.call('HMGET', KEYS[1], 'session_id', 'user_id', 'expires_at', 'rotated_at', 'next')
local sid, uid, expires_at, rotated_at, nxt = f[1], f[2] or '', f[3], f[4], f[5] or ''
if not sid or not live(expires_at, now) then return {'unknown'} end
if not rotated_at then
  if ARGV[4] ~= '1' then return {'fresh', sid, uid} end
  redis.call('HSET', KEYS[1], 'rotated_at', ARGV[2], 'next', ARGV[1])
  return {'rotated', sid, uid}
end
if now - tonumber(rotated_at) <= tonumber(ARGV[3]) then
  return {'grace', sid, uid, rotated_at, nxt}
end
return {'reused', sid, uid, rotated_at, nxt}
)lua";

// KEYS: refresh_token:<hash>. ARGV: now ms. -> 1 if it was live and is deleted.
constexpr const char* kDeleteToken = R"lua(
local expires_at = redis.call('HGET', KEYS[1], 'expires_at')
if redis.call('DEL', KEYS[1]) == 1 and live(expires_at, tonumber(ARGV[1])) then return 1 end
return 0
)lua";

const RedisScript& Script(const char* body) {
  // One RedisScript per body, built on first use (the bodies are the constants above).
  static const RedisScript* store = new RedisScript(std::string(kLive) + kStoreToken);
  static const RedisScript* taken = new RedisScript(std::string(kLive) + kTokenTaken);
  static const RedisScript* family = new RedisScript(kFamilyAdd);
  static const RedisScript* spend = new RedisScript(std::string(kLive) + kSpend);
  static const RedisScript* del = new RedisScript(std::string(kLive) + kDeleteToken);
  if (body == kStoreToken) return *store;
  if (body == kTokenTaken) return *taken;
  if (body == kFamilyAdd) return *family;
  if (body == kSpend) return *spend;
  return *del;
}

RedisReply Text(std::string s) {
  RedisReply r;
  r.type = RedisReply::Type::kString;
  r.str = std::move(s);
  return r;
}

RedisReply Verdict(std::initializer_list<std::string> parts) {
  RedisReply r;
  r.type = RedisReply::Type::kArray;
  for (const std::string& p : parts) r.elements.push_back(Text(p));
  return r;
}

bool Failed(const Result<RedisReply>& reply) { return !reply.ok() || reply->is_error(); }

// A grace replay that finds the successor missing retries this often, this long apart.
constexpr int kSuccessorWaits = 20;
constexpr auto kSuccessorWait = std::chrono::milliseconds(5);

// Follows `next` from `hash` for a grace replay, as kRotate's loop does.
void FollowChain(std::shared_ptr<RedisCommands> client, std::string sid, std::string uid, std::string first_rotated,
                 std::string hash, std::string at, int generations, int max_generations, std::int64_t now_ms,
                 ReplyCallback done, int waits_left = kSuccessorWaits) {
  auto give_up = [&] { done(Verdict({"grace", sid, uid, first_rotated, "", "0"})); };
  if (hash.empty()) return give_up();
  const std::string key = RefreshTokenKey(hash);
  RedisCommands* raw = client.get();
  raw->Command({"HMGET", key, "session_id", "expires_at", "rotated_at", "next"},
               [client = std::move(client), sid, uid, first_rotated, hash, at, generations, max_generations, now_ms,
                waits_left, done = std::move(done)](Result<RedisReply> reply) mutable {
                 if (Failed(reply)) return done(std::move(reply));
                 auto give_up = [&] { done(Verdict({"grace", sid, uid, first_rotated, "", "0"})); };
                 if (!reply->is_array() || reply->elements.size() != 4) return give_up();
                 const auto& g = reply->elements;
                 if (g[0].is_nil()) {
                   // The direct successor may still be on its way from the racer that
                   // spent the token (spend, then store): wait a little for it.
                   if (generations == 1 && waits_left > 0) {
                     RedisCommands* c = client.get();
                     return c->After(kSuccessorWait, [=, client = std::move(client), done = std::move(done)]() mutable {
                       FollowChain(std::move(client), sid, uid, first_rotated, hash, at, generations, max_generations,
                                   now_ms, std::move(done), waits_left - 1);
                     });
                   }
                   return give_up();
                 }
                 if (!g[1].is_nil() && std::strtoll(g[1].str.c_str(), nullptr, 10) <= now_ms) return give_up();
                 if (g[2].is_nil()) {
                   return done(Verdict({"grace", sid, uid, at, hash, std::to_string(generations)}));
                 }
                 if (generations >= max_generations || g[3].is_nil() || g[3].str.empty()) return give_up();
                 FollowChain(std::move(client), sid, uid, first_rotated, g[3].str, g[2].str, generations + 1,
                             max_generations, now_ms, std::move(done), 0);
               });
}

}  // namespace

std::string ClusterLoginFailuresKey(std::string_view key) {
  return std::string(kLoginFailuresKeyPrefix).append("{login_failures}:").append(key);
}

void ClusterIssueRefresh(std::shared_ptr<RedisCommands> client, std::string hash, std::string session_id,
                         std::string user_id, std::string issued_ms, std::string expires_ms, std::string ttl_ms,
                         std::string now_ms, ReplyCallback done) {
  RedisCommands* raw = client.get();
  raw->Eval(Script(kStoreToken), {RefreshTokenKey(hash)},
            {session_id, std::move(user_id), std::move(issued_ms), std::move(expires_ms), ttl_ms, std::move(now_ms),
             "1"},
            [client = std::move(client), hash, session_id, ttl_ms, done = std::move(done)](
                Result<RedisReply> stored) mutable {
              if (Failed(stored) || !stored->is_integer() || stored->integer != 1) return done(std::move(stored));
              // Token first, then its family entry (a token outside its family is still
              // refused once its session is gone).
              client->Eval(Script(kFamilyAdd), {RefreshFamilyKey(session_id)}, {hash, ttl_ms},
                           [stored = std::move(stored), done = std::move(done)](Result<RedisReply> added) mutable {
                             if (Failed(added)) return done(std::move(added));
                             done(std::move(stored));
                           });
            });
}

void ClusterRevokeRefresh(std::shared_ptr<RedisCommands> client, std::string session_id, std::int64_t now_ms,
                          ReplyCallback done) {
  const std::string family = RefreshFamilyKey(session_id);
  RedisCommands* raw = client.get();
  raw->Command({"SMEMBERS", family}, [client = std::move(client), family, now_ms,
                                      done = std::move(done)](Result<RedisReply> members) mutable {
    if (Failed(members)) return done(std::move(members));
    if (!members->is_array()) return done(std::move(members));
    struct Join {
      std::atomic<std::size_t> remaining{0};
      std::atomic<std::int64_t> live{0};
      std::atomic<bool> failed{false};
      Result<RedisReply> failure = Status::Ok();
      std::mutex mu;
    };
    auto join = std::make_shared<Join>();
    join->remaining = members->elements.size() + 1;
    auto finish = [client, family, join, done = std::move(done)]() mutable {
      if (join->failed) return done(std::move(join->failure));
      // The family last: a crash midway leaves it to list the tokens still to delete.
      client->Command({"DEL", family}, [join, done = std::move(done)](Result<RedisReply> del) mutable {
        if (Failed(del)) return done(std::move(del));
        done(RedisReply::Integer(join->live.load()));
      });
    };
    auto step = std::make_shared<std::function<void()>>([join, finish = std::move(finish)]() mutable {
      if (join->remaining.fetch_sub(1) == 1) finish();
    });
    const std::string now_text = std::to_string(now_ms);
    for (const RedisReply& member : members->elements) {
      client->Eval(Script(kDeleteToken), {RefreshTokenKey(member.str)}, {now_text},
                   [join, step](Result<RedisReply> deleted) {
                     if (Failed(deleted)) {
                       std::lock_guard<std::mutex> lock(join->mu);
                       if (!join->failed.exchange(true)) join->failure = std::move(deleted);
                     } else if (deleted->is_integer() && deleted->integer == 1) {
                       join->live.fetch_add(1);
                     }
                     (*step)();
                   });
    }
    (*step)();
  });
}

namespace {

// What follows the spend script's verdict (rotated, grace or reused).
void AfterSpend(std::shared_ptr<RedisCommands> client, Result<RedisReply> spent, std::string presented,
                std::string successor, std::int64_t now_ms, std::int64_t expires_ms, std::int64_t ttl_ms,
                int max_generations, ReplyCallback done) {
  if (Failed(spent) || !spent->is_array() || spent->elements.empty()) return done(std::move(spent));
  const std::string verdict = spent->elements[0].str;
  if (verdict == "unknown" || spent->elements.size() < 3) return done(std::move(spent));
  const std::string now_text = std::to_string(now_ms);
  const std::string sid = spent->elements[1].str;
  const std::string uid = spent->elements[2].str;
  if (verdict == "rotated") {
    // Store the successor, then its family entry.
    return ClusterIssueRefresh(client, successor, sid, uid, now_text, std::to_string(expires_ms),
                               std::to_string(ttl_ms), now_text,
                               [=, done = std::move(done)](Result<RedisReply> stored) mutable {
                                 if (Failed(stored)) return done(std::move(stored));
                                 if (!stored->is_integer() || stored->integer != 1) {
                                   return done(Verdict({"conflict"}));
                                 }
                                 done(Verdict({"rotated", sid, uid, now_text, successor, "1"}));
                               });
  }
  if (spent->elements.size() < 5) return done(std::move(spent));
  const std::string rotated_at = spent->elements[3].str;
  const std::string next = spent->elements[4].str;
  if (verdict == "grace") {
    return FollowChain(client, sid, uid, rotated_at, next, rotated_at, 1, max_generations, now_ms, std::move(done));
  }
  // Reuse: the session first (record, then index member), then the family, then the
  // presented token.
  RedisCommands* raw = client.get();
  raw->Command({"DEL", SessionKey(sid)}, [=, client = std::move(client),
                                         done = std::move(done)](Result<RedisReply> del) mutable {
    if (Failed(del)) return done(std::move(del));
    auto revoke = [=, client = client, done = std::move(done)]() mutable {
      ClusterRevokeRefresh(client, sid, now_ms,
                           [=, client = client, done = std::move(done)](Result<RedisReply> revoked) mutable {
                             if (Failed(revoked)) return done(std::move(revoked));
                             client->Command({"DEL", RefreshTokenKey(presented)},
                                             [=, done = std::move(done)](Result<RedisReply> gone) mutable {
                                               if (Failed(gone)) return done(std::move(gone));
                                               done(Verdict({"reused", sid, uid, rotated_at, next, "1"}));
                                             });
                           });
    };
    if (uid.empty()) return revoke();
    client->Command({"SREM", IndexKey(uid), sid}, [revoke = std::move(revoke)](Result<RedisReply>) mutable {
      revoke();  // a member left behind is pruned by the next list
    });
  });
}

}  // namespace

void ClusterRotateRefresh(std::shared_ptr<RedisCommands> client, std::string presented, std::string successor,
                          std::int64_t now_ms, std::int64_t grace_ms, std::int64_t expires_ms, std::int64_t ttl_ms,
                          int max_generations, ReplyCallback done) {
  const std::string now_text = std::to_string(now_ms);
  const std::string grace_text = std::to_string(grace_ms);
  RedisCommands* raw = client.get();
  // 1. Look at the presented token.
  raw->Eval(Script(kSpend), {RefreshTokenKey(presented)}, {successor, now_text, grace_text, "0"},
            [=, client = std::move(client), done = std::move(done)](Result<RedisReply> seen) mutable {
              if (Failed(seen) || !seen->is_array() || seen->elements.empty() ||
                  seen->elements[0].str != "fresh") {
                return AfterSpend(std::move(client), std::move(seen), presented, successor, now_ms, expires_ms,
                                  ttl_ms, max_generations, std::move(done));
              }
              // 2. Unspent: the successor's hash must be free, as the one-Redis script checks.
              RedisCommands* c = client.get();
              c->Eval(Script(kTokenTaken), {RefreshTokenKey(successor)}, {now_text},
                      [=, client = std::move(client), done = std::move(done)](Result<RedisReply> taken) mutable {
                        if (Failed(taken)) return done(std::move(taken));
                        if (taken->is_integer() && taken->integer == 1) {
                          // Taken: by a racer who just spent the presented token (then
                          // its verdict, a grace replay), or truly by another token.
                          RedisCommands* again = client.get();
                          return again->Eval(
                              Script(kSpend), {RefreshTokenKey(presented)}, {successor, now_text, grace_text, "0"},
                              [=, client = std::move(client), done = std::move(done)](
                                  Result<RedisReply> seen) mutable {
                                if (!Failed(seen) && seen->is_array() && !seen->elements.empty() &&
                                    seen->elements[0].str == "fresh") {
                                  return done(Verdict({"conflict"}));
                                }
                                AfterSpend(std::move(client), std::move(seen), presented, successor, now_ms,
                                           expires_ms, ttl_ms, max_generations, std::move(done));
                              });
                        }
                        // 3. Spend it (a racer may have spent it meanwhile: then its verdict).
                        RedisCommands* c2 = client.get();
                        c2->Eval(Script(kSpend), {RefreshTokenKey(presented)}, {successor, now_text, grace_text, "1"},
                                 [=, client = std::move(client), done = std::move(done)](
                                     Result<RedisReply> spent) mutable {
                                   AfterSpend(std::move(client), std::move(spent), presented, successor, now_ms,
                                              expires_ms, ttl_ms, max_generations, std::move(done));
                                 });
                      });
            });
}

}  // namespace sessionkit::internal
