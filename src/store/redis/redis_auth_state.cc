// RedisAuthStateStore (redis_auth_state.h): refresh tokens and login-failure windows as
// Lua scripts over the shared pipelined client. Each operation is one round trip.
#include "src/store/redis/redis_auth_state.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <new>
#include <utility>

#include "src/core/auth_state_rules.h"
#include "src/crypto/hex.h"
#include "src/crypto/random.h"
#include "src/store/redis/redis_cluster_auth_state.h"
#include "src/store/redis/redis_connect.h"
#include "src/store/redis/redis_keys.h"
#include "src/util/unix_millis.h"

namespace sessionkit {
namespace {

using internal::FromUnixMillis;
using internal::RedisClient;
using internal::RedisCommands;
using internal::RedisReply;
using internal::RedisScript;
using internal::ReplyStatus;
using internal::UnexpectedReply;
using internal::UnixMillisCeil;
using internal::UnixMillisFloor;

// Shared by the refresh scripts. Times are Unix ms as decimal strings; tonumber() keeps
// them exact (doubles hold integers up to 2^53). Records without expires_at (written by
// the Go peer) are governed by their TTL alone.
constexpr const char* kRefreshHelpers = R"lua(
local function live(expires_at, now)
  return not expires_at or tonumber(expires_at) > now
end

local function raise_pttl(key, want)
  if redis.call('PTTL', key) < want then redis.call('PEXPIRE', key, want) end
end

local function store_token(hash, sid, uid, issued, expires, ttl)
  local key = 'refresh_token:' .. hash
  redis.call('DEL', key)
  redis.call('HSET', key, 'session_id', sid, 'user_id', uid, 'issued_at', issued,
             'expires_at', expires)
  redis.call('PEXPIRE', key, ttl)
  local family = 'session_refresh:' .. sid
  redis.call('SADD', family, hash)
  raise_pttl(family, tonumber(ttl))
end

local function token_taken(hash, now)
  local key = 'refresh_token:' .. hash
  if redis.call('EXISTS', key) == 0 then return false end
  return live(redis.call('HGET', key, 'expires_at'), now)
end

-- Deletes every token of the session; returns how many were live.
local function delete_family(sid, now)
  local family = 'session_refresh:' .. sid
  local deleted = 0
  for _, hash in ipairs(redis.call('SMEMBERS', family)) do
    local key = 'refresh_token:' .. hash
    local expires_at = redis.call('HGET', key, 'expires_at')
    if redis.call('DEL', key) == 1 and live(expires_at, now) then deleted = deleted + 1 end
  end
  redis.call('DEL', family)
  return deleted
end
)lua";

// KEYS: refresh_token:<hash>. ARGV: hash, session_id, user_id, issued ms, expires ms,
// ttl ms, now ms. -> 1 stored, 0 a live token has the hash.
constexpr const char* kIssue = R"lua(
if token_taken(ARGV[1], tonumber(ARGV[7])) then return 0 end
store_token(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
return 1
)lua";

// KEYS: refresh_token:<presented>, refresh_token:<successor>.
// ARGV: presented, successor, now ms, grace ms, successor expires ms, successor ttl ms,
// most generations a replay follows.
// -> {'unknown'} | {'conflict'} | {outcome, session_id, user_id, rotated_at ms, hash,
//    generations} with outcome rotated | grace | reused; for grace, hash is the newest
//    live descendant (rotated_at: when it was created) or '' with generations 0.
constexpr const char* kRotate = R"lua(
local now = tonumber(ARGV[3])
local f = redis.call('HMGET', KEYS[1], 'session_id', 'user_id', 'expires_at', 'rotated_at', 'next')
local sid, uid, expires_at, rotated_at, nxt = f[1], f[2] or '', f[3], f[4], f[5] or ''
if not sid or not live(expires_at, now) then return {'unknown'} end
if not rotated_at then
  if token_taken(ARGV[2], now) then return {'conflict'} end
  store_token(ARGV[2], sid, uid, ARGV[3], ARGV[5], ARGV[6])
  redis.call('HSET', KEYS[1], 'rotated_at', ARGV[3], 'next', ARGV[2])
  return {'rotated', sid, uid, ARGV[3], ARGV[2], '1'}
end
if now - tonumber(rotated_at) <= tonumber(ARGV[4]) then
  -- The newest live descendant: follow `next` while the token is spent.
  local hash, at, generations = nxt, rotated_at, 1
  while true do
    local g = redis.call('HMGET', 'refresh_token:' .. hash, 'session_id', 'expires_at', 'rotated_at', 'next')
    if not g[1] or not live(g[2], now) then break end
    if not g[3] then return {'grace', sid, uid, at, hash, tostring(generations)} end
    if generations >= tonumber(ARGV[7]) or not g[4] then break end
    hash, at, generations = g[4], g[3], generations + 1
  end
  return {'grace', sid, uid, rotated_at, '', '0'}
end
redis.call('DEL', 'session:' .. sid)
if uid ~= '' then redis.call('SREM', 'user_sessions:' .. uid, sid) end
delete_family(sid, now)
redis.call('DEL', KEYS[1])
return {'reused', sid, uid, rotated_at, nxt, '1'}
)lua";

// KEYS: session_refresh:<session_id>. ARGV: session_id, now ms. -> live tokens deleted.
constexpr const char* kRevoke = R"lua(
return delete_family(ARGV[1], tonumber(ARGV[2]))
)lua";

// KEYS: login_failures:<key>. ARGV: now ms, cutoff ms, member, window ms.
// -> {count, oldest score}. The TTL covers the newest member (another server's clock
// may run ahead) plus the window.
constexpr const char* kRecordFailure = R"lua(
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
local newest = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
local ahead = math.max(0, newest - tonumber(ARGV[1]))
redis.call('PEXPIRE', KEYS[1], string.format('%d', tonumber(ARGV[4]) + ahead))
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {redis.call('ZCARD', KEYS[1]), oldest[2]}
)lua";

// KEYS: login_failures:<key>. ARGV: cutoff ms. -> {count, oldest score} or {0}.
constexpr const char* kPeekFailures = R"lua(
local from = '(' .. ARGV[1]
local count = redis.call('ZCOUNT', KEYS[1], from, '+inf')
if count == 0 then return {0} end
local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
return {count, oldest[2]}
)lua";

// KEYS: login_failures:<key>, one per attempt key. ARGV: now ms, cutoff ms, member,
// window ms, then each key's limit. -> {granted 0|1, then per key: count, oldest score}.
// Every key is trimmed and checked before any is written, so a refused attempt counts
// nowhere; a granted one adds the same member to every key.
constexpr const char* kReserveAttempt = R"lua(
local granted = 1
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[2])
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[4 + i]) then granted = 0 end
end
local out = {granted}
for i = 1, #KEYS do
  if granted == 1 then
    redis.call('ZADD', KEYS[i], ARGV[1], ARGV[3])
    local newest = tonumber(redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')[2])
    local ahead = math.max(0, newest - tonumber(ARGV[1]))
    redis.call('PEXPIRE', KEYS[i], string.format('%d', tonumber(ARGV[4]) + ahead))
  end
  local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  out[#out + 1] = redis.call('ZCARD', KEYS[i])
  out[#out + 1] = oldest[2] or '0'
end
return out
)lua";

const RedisScript& IssueScript() {
  static const RedisScript* script = new RedisScript(std::string(kRefreshHelpers) + kIssue);
  return *script;
}
const RedisScript& RotateScript() {
  static const RedisScript* script = new RedisScript(std::string(kRefreshHelpers) + kRotate);
  return *script;
}
const RedisScript& RevokeScript() {
  static const RedisScript* script = new RedisScript(std::string(kRefreshHelpers) + kRevoke);
  return *script;
}
const RedisScript& RecordFailureScript() {
  static const RedisScript* script = new RedisScript(kRecordFailure);
  return *script;
}
const RedisScript& ReserveAttemptScript() {
  static const RedisScript* script = new RedisScript(kReserveAttempt);
  return *script;
}
const RedisScript& PeekFailuresScript() {
  static const RedisScript* script = new RedisScript(kPeekFailures);
  return *script;
}

// A decimal integer (or a score Redis printed as a double) -> int64.
bool ParseMillis(std::string_view text, std::int64_t& out) {
  if (text.empty() || text.size() > 40) return false;
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value) || std::fabs(value) > 9.0e15) {
    return false;
  }
  out = std::llround(value);
  return true;
}

std::string Millis(std::int64_t ms) { return std::to_string(ms); }

// {count, oldest score} or {0}.
Result<FailureWindow> ParseWindow(const Result<RedisReply>& reply, std::string_view what) {
  if (Status st = ReplyStatus(reply, what); !st.ok()) return st;
  const RedisReply& r = *reply;
  if (!r.is_array() || r.elements.empty() || !r.elements[0].is_integer() || r.elements[0].integer < 0) {
    return UnexpectedReply(what, r);
  }
  FailureWindow out;
  out.count = static_cast<std::uint64_t>(r.elements[0].integer);
  if (out.count == 0) return out;
  std::int64_t oldest_ms = 0;
  if (r.elements.size() < 2 || !ParseMillis(r.elements[1].str, oldest_ms)) return UnexpectedReply(what, r);
  out.oldest = FromUnixMillis(oldest_ms);
  return out;
}

// --- pending second factor: one script each. Times in Unix ms; `live` as above.
// KEYS: mfa_token:<hash>. ARGV: user_id, expires ms, ttl ms, now ms -> 1 stored, 0 taken.
constexpr const char* kMfaPut = R"lua(
local expires_at = redis.call('HGET', KEYS[1], 'expires_at')
if expires_at and tonumber(expires_at) > tonumber(ARGV[4]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'user_id', ARGV[1], 'expires_at', ARGV[2], 'failures', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
)lua";
// ARGV: now ms, max failures -> failures after this one, or -1 when not live.
constexpr const char* kMfaCountFailure = R"lua(
local expires_at = redis.call('HGET', KEYS[1], 'expires_at')
if not expires_at or tonumber(expires_at) <= tonumber(ARGV[1]) then return -1 end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return failures
)lua";
// ARGV: now ms [, 1 to delete] -> {user_id, expires_at, failures} or nil when not live.
constexpr const char* kMfaRead = R"lua(
local v = redis.call('HMGET', KEYS[1], 'user_id', 'expires_at', 'failures')
if not v[1] or not v[2] or tonumber(v[2]) <= tonumber(ARGV[1]) then return false end
if ARGV[2] == '1' then redis.call('DEL', KEYS[1]) end
return {v[1], v[2], v[3] or '0'}
)lua";

const RedisScript& MfaPutScript() {
  static const RedisScript* script = new RedisScript(kMfaPut);
  return *script;
}
const RedisScript& MfaCountFailureScript() {
  static const RedisScript* script = new RedisScript(kMfaCountFailure);
  return *script;
}
const RedisScript& MfaReadScript() {
  static const RedisScript* script = new RedisScript(kMfaRead);
  return *script;
}

class RedisAuthStateStore final : public AuthStateStore {
 public:
  RedisAuthStateStore(const Clock& clock, std::shared_ptr<RedisCommands> client)
      : clock_(clock), client_(std::move(client)), cluster_(client_->IsCluster()) {}

  void IssueRefreshAsync(const RefreshRecord& record, StatusCallback done) override;
  void GetRefreshAsync(std::string_view token_hash, ResultCallback<RefreshRecord> done) override;
  void RotateRefreshAsync(const RotateRequest& request,
                          ResultCallback<RefreshRotation> done) override;
  void RevokeRefreshForSessionAsync(std::string_view session_id,
                                    ResultCallback<std::uint64_t> done) override;
  void RecordFailureAsync(std::string_view key, TimePoint now, std::chrono::milliseconds window,
                          ResultCallback<FailureWindow> done) override;
  void PeekFailuresAsync(std::string_view key, TimePoint now, std::chrono::milliseconds window,
                         ResultCallback<FailureWindow> done) override;
  void ResetFailuresAsync(std::string_view key, StatusCallback done) override;
  void ReserveAttemptAsync(const std::vector<AttemptKey>& keys, TimePoint now,
                           std::chrono::milliseconds window,
                           ResultCallback<AttemptReservation> done) override;
  void ReleaseAttemptAsync(std::string_view key, std::string_view ticket,
                           StatusCallback done) override;
  void PutMfaTokenAsync(const MfaTokenRecord& record, TimePoint now, StatusCallback done) override;
  void GetMfaTokenAsync(std::string_view token_hash, TimePoint now,
                        ResultCallback<MfaTokenRecord> done) override;
  void CountMfaFailureAsync(std::string_view token_hash, TimePoint now, std::uint32_t max_failures,
                            ResultCallback<std::uint32_t> done) override;
  void TakeMfaTokenAsync(std::string_view token_hash, TimePoint now,
                         ResultCallback<MfaTokenRecord> done) override;
  void PutEmailTokenAsync(const EmailTokenRecord& record, TimePoint now,
                          StatusCallback done) override;
  void TakeEmailTokenAsync(std::string_view token_hash, EmailTokenPurpose purpose, TimePoint now,
                           ResultCallback<EmailTokenRecord> done) override;
  void EnqueueMailAsync(const QueuedMail& mail, StatusCallback done) override;
  void ClaimMailAsync(TimePoint now, std::chrono::milliseconds lease_for,
                      std::string_view lease_id, ResultCallback<QueuedMail> done) override;
  void FinishMailAsync(std::string_view id, std::string_view lease, StatusCallback done) override;
  void RetryMailAsync(std::string_view id, std::string_view lease, TimePoint due_at,
                      StatusCallback done) override;
  void CountMailAsync(ResultCallback<std::uint64_t> done) override;

 private:
  void ReadMfaToken(std::string_view token_hash, TimePoint now, bool take,
                    ResultCallback<MfaTokenRecord> done);
  // On a cluster the failure windows share one hash tag (redis_cluster_auth_state.h).
  std::string FailuresKey(std::string_view key) const {
    return cluster_ ? internal::ClusterLoginFailuresKey(key) : internal::LoginFailuresKey(key);
  }

  const Clock& clock_;
  const std::shared_ptr<RedisCommands> client_;
  const bool cluster_;
};

// --- refresh tokens -------------------------------------------------------------------

void RedisAuthStateStore::IssueRefreshAsync(const RefreshRecord& record, StatusCallback done) {
  const TimePoint now = clock_.Now();
  if (Status st = internal::CheckIssue(record, now); !st.ok()) return done(st);
  const std::int64_t now_ms = UnixMillisFloor(now);
  const std::int64_t expires_ms = UnixMillisCeil(record.expires_at);
  auto on_issued = [done = std::move(done)](Result<RedisReply> reply) {
                  if (Status st = ReplyStatus(reply, "redis issue refresh"); !st.ok()) return done(st);
                  if (!reply->is_integer()) return done(UnexpectedReply("redis issue refresh", *reply));
                  if (reply->integer == 0) return done(Status::Conflict("a live refresh token has this hash"));
                  done(Status::Ok());
                };
  if (cluster_) {
    return internal::ClusterIssueRefresh(client_, record.token_hash, record.session_id, record.user_id,
                                         Millis(UnixMillisFloor(record.issued_at)), Millis(expires_ms),
                                         Millis(std::max<std::int64_t>(1, expires_ms - now_ms)), Millis(now_ms),
                                         std::move(on_issued));
  }
  client_->Eval(IssueScript(), {internal::RefreshTokenKey(record.token_hash)},
                {record.token_hash, record.session_id, record.user_id,
                 Millis(UnixMillisFloor(record.issued_at)), Millis(expires_ms),
                 Millis(std::max<std::int64_t>(1, expires_ms - now_ms)), Millis(now_ms)},
                std::move(on_issued));
}

void RedisAuthStateStore::GetRefreshAsync(std::string_view token_hash,
                                          ResultCallback<RefreshRecord> done) {
  if (!internal::IsTokenHash(token_hash)) {
    return done(Status::InvalidArgument("token_hash is not 64 lowercase hex"));
  }
  const TimePoint now = clock_.Now();
  const std::string key = internal::RefreshTokenKey(token_hash);
  client_->Pipeline(
      {{"HGETALL", key}, {"PTTL", key}},
      [hash = std::string(token_hash), now, done = std::move(done)](Result<std::vector<RedisReply>> replies) {
        constexpr std::string_view kWhat = "redis get refresh";
        if (!replies.ok()) return done(replies.status());
        if (replies->size() != 2) return done(Status::Internal("redis get refresh: reply count"));
        for (const RedisReply& r : *replies) {
          if (r.is_error()) return done(internal::StatusFromErrorReply(r, kWhat));
        }
        const RedisReply& fields = (*replies)[0];
        if (!fields.is_array() || fields.elements.size() % 2 != 0) return done(UnexpectedReply(kWhat, fields));
        if (fields.elements.empty()) return done(Status::NotFound("no such refresh token"));
        RefreshRecord out;
        out.token_hash = hash;
        bool has_expiry = false;
        for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
          const std::string& name = fields.elements[i].str;
          const std::string& value = fields.elements[i + 1].str;
          std::int64_t ms = 0;
          if (name == "session_id") {
            out.session_id = value;
          } else if (name == "user_id") {
            out.user_id = value;
          } else if (name == "next") {
            out.successor_hash = value;
          } else if (name == "issued_at" || name == "expires_at" || name == "rotated_at") {
            if (!ParseMillis(value, ms)) return done(UnexpectedReply(kWhat, fields));
            if (name == "issued_at") {
              out.issued_at = FromUnixMillis(ms);
            } else if (name == "expires_at") {
              out.expires_at = FromUnixMillis(ms);
              has_expiry = true;
            } else {
              out.rotated_at = FromUnixMillis(ms);
              out.state = RefreshState::kSpent;
            }
          }
        }
        if (!has_expiry) {  // a Go-written record: its TTL is its life
          const RedisReply& pttl = (*replies)[1];
          if (!pttl.is_integer()) return done(UnexpectedReply(kWhat, pttl));
          if (pttl.integer == -2) return done(Status::NotFound("no such refresh token"));  // gone since
          // -1: no TTL at all, so nothing but a delete ends it.
          out.expires_at = pttl.integer >= 0 ? now + std::chrono::milliseconds(pttl.integer)
                                             : TimePoint::max();
        }
        if (out.session_id.empty() || !(now < out.expires_at)) {
          return done(Status::NotFound("no such refresh token"));
        }
        done(std::move(out));
      });
}

void RedisAuthStateStore::RotateRefreshAsync(const RotateRequest& request,
                                             ResultCallback<RefreshRotation> done) {
  if (Status st = internal::CheckRotate(request); !st.ok()) return done(st);
  const std::int64_t now_ms = UnixMillisFloor(request.now);
  const std::int64_t expires_ms = UnixMillisCeil(request.successor_expires_at);
  auto on_rotated = [done = std::move(done)](Result<RedisReply> reply) {
        constexpr std::string_view kWhat = "redis rotate refresh";
        if (Status st = ReplyStatus(reply, kWhat); !st.ok()) return done(st);
        const RedisReply& r = *reply;
        if (!r.is_array() || r.elements.empty()) return done(UnexpectedReply(kWhat, r));
        const std::string& verdict = r.elements[0].str;
        if (verdict == "unknown") return done(Status::NotFound("no such refresh token"));
        if (verdict == "conflict") return done(Status::Conflict("a live refresh token has the successor's hash"));
        RefreshRotation out;
        if (verdict == "rotated") {
          out.outcome = RotateOutcome::kRotated;
        } else if (verdict == "grace") {
          out.outcome = RotateOutcome::kGraceReplay;
        } else if (verdict == "reused") {
          out.outcome = RotateOutcome::kReused;
        } else {
          return done(UnexpectedReply(kWhat, r));
        }
        std::int64_t rotated_ms = 0;
        std::int64_t generations = 0;
        if (r.elements.size() != 6 || !ParseMillis(r.elements[3].str, rotated_ms) ||
            !ParseMillis(r.elements[5].str, generations) || generations < 0 ||
            generations > kMaxReplayGenerations) {
          return done(UnexpectedReply(kWhat, r));
        }
        out.generations = static_cast<std::uint32_t>(generations);
        out.session_id = r.elements[1].str;
        out.user_id = r.elements[2].str;
        out.rotated_at = FromUnixMillis(rotated_ms);
        out.successor_hash = r.elements[4].str;
        done(std::move(out));
      };
  if (cluster_) {
    return internal::ClusterRotateRefresh(client_, std::string(request.presented_hash),
                                          std::string(request.successor_hash), now_ms, request.grace.count(),
                                          expires_ms, std::max<std::int64_t>(1, expires_ms - now_ms),
                                          static_cast<int>(kMaxReplayGenerations), std::move(on_rotated));
  }
  client_->Eval(
      RotateScript(),
      {internal::RefreshTokenKey(request.presented_hash), internal::RefreshTokenKey(request.successor_hash)},
      {std::string(request.presented_hash), std::string(request.successor_hash), Millis(now_ms),
       Millis(request.grace.count()), Millis(expires_ms),
       Millis(std::max<std::int64_t>(1, expires_ms - now_ms)), std::to_string(kMaxReplayGenerations)},
      std::move(on_rotated));
}

void RedisAuthStateStore::RevokeRefreshForSessionAsync(std::string_view session_id,
                                                       ResultCallback<std::uint64_t> done) {
  const std::string now_ms = Millis(UnixMillisFloor(clock_.Now()));
  auto on_revoked = [done = std::move(done)](Result<RedisReply> reply) {
                  if (Status st = ReplyStatus(reply, "redis revoke refresh"); !st.ok()) return done(st);
                  if (!reply->is_integer() || reply->integer < 0) {
                    return done(UnexpectedReply("redis revoke refresh", *reply));
                  }
                  done(static_cast<std::uint64_t>(reply->integer));
                };
  if (cluster_) {
    return internal::ClusterRevokeRefresh(client_, std::string(session_id), UnixMillisFloor(clock_.Now()),
                                          std::move(on_revoked));
  }
  client_->Eval(RevokeScript(), {internal::RefreshFamilyKey(session_id)}, {std::string(session_id), now_ms},
                std::move(on_revoked));
}

// --- login failures -------------------------------------------------------------------

void RedisAuthStateStore::RecordFailureAsync(std::string_view key, TimePoint now,
                                             std::chrono::milliseconds window,
                                             ResultCallback<FailureWindow> done) {
  if (Status st = internal::CheckFailureWindow(key, window); !st.ok()) return done(st);
  // Two failures in one millisecond (from any server) must both count: unique members.
  Result<std::string> nonce = internal::RandomBytes(8);
  if (!nonce.ok()) return done(nonce.status());
  const std::int64_t now_ms = UnixMillisFloor(now);
  std::string member = Millis(now_ms) + ":" + internal::HexLower(*nonce);
  client_->Eval(RecordFailureScript(), {FailuresKey(key)},
                {Millis(now_ms), Millis(now_ms - window.count()), std::move(member), Millis(window.count())},
                [done = std::move(done)](Result<RedisReply> reply) {
                  done(ParseWindow(reply, "redis record login failure"));
                });
}

void RedisAuthStateStore::PeekFailuresAsync(std::string_view key, TimePoint now,
                                            std::chrono::milliseconds window,
                                            ResultCallback<FailureWindow> done) {
  if (Status st = internal::CheckFailureWindow(key, window); !st.ok()) return done(st);
  client_->Eval(PeekFailuresScript(), {FailuresKey(key)},
                {Millis(UnixMillisFloor(now) - window.count())}, [done = std::move(done)](Result<RedisReply> reply) {
                  done(ParseWindow(reply, "redis peek login failures"));
                });
}

void RedisAuthStateStore::ResetFailuresAsync(std::string_view key, StatusCallback done) {
  if (Status st = internal::CheckFailureKey(key); !st.ok()) return done(st);
  client_->Command({"DEL", FailuresKey(key)}, [done = std::move(done)](Result<RedisReply> reply) {
    if (Status st = ReplyStatus(reply, "redis reset login failures"); !st.ok()) return done(st);
    if (!reply->is_integer()) return done(UnexpectedReply("redis reset login failures", *reply));
    done(Status::Ok());
  });
}

// A ticket is the member the reservation added: "<now ms>:<16 hex>".
bool IsReservationMember(std::string_view ticket) {
  const std::size_t colon = ticket.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 20) return false;
  const std::string_view digits = ticket.substr(0, colon);
  const std::string_view nonce = ticket.substr(colon + 1);
  return digits.find_first_not_of("-0123456789") == std::string_view::npos && nonce.size() == 16 &&
         nonce.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void RedisAuthStateStore::ReserveAttemptAsync(const std::vector<AttemptKey>& keys, TimePoint now,
                                              std::chrono::milliseconds window,
                                              ResultCallback<AttemptReservation> done) {
  if (Status st = internal::CheckAttemptKeys(keys, window); !st.ok()) return done(st);
  Result<std::string> nonce = internal::RandomBytes(8);
  if (!nonce.ok()) return done(nonce.status());
  const std::int64_t now_ms = UnixMillisFloor(now);
  std::string member = Millis(now_ms) + ":" + internal::HexLower(*nonce);
  std::vector<std::string> redis_keys;
  std::vector<std::string> args = {Millis(now_ms), Millis(now_ms - window.count()), member,
                                   Millis(window.count())};
  for (const AttemptKey& k : keys) {
    redis_keys.push_back(FailuresKey(k.key));
    args.push_back(std::to_string(k.limit));
  }
  client_->Eval(ReserveAttemptScript(), std::move(redis_keys), std::move(args),
                [member = std::move(member), n = keys.size(),
                 done = std::move(done)](Result<RedisReply> reply) mutable {
                  constexpr std::string_view kWhat = "redis reserve login attempt";
                  if (Status st = ReplyStatus(reply, kWhat); !st.ok()) return done(st);
                  const RedisReply& r = *reply;
                  if (!r.is_array() || r.elements.size() != 1 + 2 * n || !r.elements[0].is_integer()) {
                    return done(UnexpectedReply(kWhat, r));
                  }
                  AttemptReservation out;
                  out.granted = r.elements[0].integer == 1;
                  for (std::size_t i = 0; i < n; ++i) {
                    const RedisReply& count = r.elements[1 + 2 * i];
                    std::int64_t oldest_ms = 0;
                    if (!count.is_integer() || count.integer < 0 ||
                        !ParseMillis(r.elements[2 + 2 * i].str, oldest_ms)) {
                      return done(UnexpectedReply(kWhat, r));
                    }
                    FailureWindow w;
                    w.count = static_cast<std::uint64_t>(count.integer);
                    if (w.count > 0) w.oldest = FromUnixMillis(oldest_ms);
                    out.windows.push_back(w);
                  }
                  if (out.granted) out.ticket = std::move(member);
                  done(std::move(out));
                });
}

void RedisAuthStateStore::ReleaseAttemptAsync(std::string_view key, std::string_view ticket,
                                              StatusCallback done) {
  if (Status st = internal::CheckFailureKey(key); !st.ok()) return done(st);
  if (!IsReservationMember(ticket)) return done(Status::InvalidArgument("not a reservation ticket"));
  client_->Command({"ZREM", FailuresKey(key), ticket},
                   [done = std::move(done)](Result<RedisReply> reply) {
                     if (Status st = ReplyStatus(reply, "redis release login attempt"); !st.ok()) {
                       return done(st);
                     }
                     if (!reply->is_integer()) {
                       return done(UnexpectedReply("redis release login attempt", *reply));
                     }
                     done(Status::Ok());
                   });
}

// --- pending second factor -----------------------------------------------------------

void RedisAuthStateStore::PutMfaTokenAsync(const MfaTokenRecord& record, TimePoint now,
                                           StatusCallback done) {
  if (Status st = internal::CheckMfaPut(record, now); !st.ok()) return done(st);
  const std::int64_t now_ms = UnixMillisFloor(now);
  const std::int64_t expires_ms = UnixMillisCeil(record.expires_at);
  client_->Eval(MfaPutScript(), {internal::MfaTokenKey(record.token_hash)},
                {record.user_id, Millis(expires_ms),
                 Millis(std::max<std::int64_t>(1, expires_ms - now_ms)), Millis(now_ms)},
                [done = std::move(done)](Result<RedisReply> reply) {
                  constexpr std::string_view kWhat = "redis store mfa token";
                  if (Status st = ReplyStatus(reply, kWhat); !st.ok()) return done(st);
                  if (!reply->is_integer()) return done(UnexpectedReply(kWhat, *reply));
                  if (reply->integer == 0) return done(Status::Conflict("a live mfa token has this hash"));
                  done(Status::Ok());
                });
}

void RedisAuthStateStore::ReadMfaToken(std::string_view token_hash, TimePoint now, bool take,
                                       ResultCallback<MfaTokenRecord> done) {
  if (!internal::IsTokenHash(token_hash)) return done(Status::InvalidArgument("not a token hash"));
  client_->Eval(MfaReadScript(), {internal::MfaTokenKey(token_hash)},
                {Millis(UnixMillisFloor(now)), take ? "1" : "0"},
                [hash = std::string(token_hash), done = std::move(done)](Result<RedisReply> reply) {
                  constexpr std::string_view kWhat = "redis read mfa token";
                  if (Status st = ReplyStatus(reply, kWhat); !st.ok()) return done(st);
                  if (reply->is_nil()) return done(Status::NotFound("no such mfa token"));
                  std::int64_t expires_ms = 0;
                  std::int64_t failures = 0;
                  if (!reply->is_array() || reply->elements.size() != 3 ||
                      !ParseMillis(reply->elements[1].str, expires_ms) ||
                      !ParseMillis(reply->elements[2].str, failures) || failures < 0) {
                    return done(UnexpectedReply(kWhat, *reply));
                  }
                  MfaTokenRecord out;
                  out.token_hash = hash;
                  out.user_id = reply->elements[0].str;
                  out.expires_at = FromUnixMillis(expires_ms);
                  out.failures = static_cast<std::uint32_t>(failures);
                  done(std::move(out));
                });
}

void RedisAuthStateStore::GetMfaTokenAsync(std::string_view token_hash, TimePoint now,
                                           ResultCallback<MfaTokenRecord> done) {
  ReadMfaToken(token_hash, now, /*take=*/false, std::move(done));
}

void RedisAuthStateStore::TakeMfaTokenAsync(std::string_view token_hash, TimePoint now,
                                            ResultCallback<MfaTokenRecord> done) {
  ReadMfaToken(token_hash, now, /*take=*/true, std::move(done));
}

void RedisAuthStateStore::CountMfaFailureAsync(std::string_view token_hash, TimePoint now,
                                               std::uint32_t max_failures,
                                               ResultCallback<std::uint32_t> done) {
  if (!internal::IsTokenHash(token_hash)) return done(Status::InvalidArgument("not a token hash"));
  client_->Eval(MfaCountFailureScript(), {internal::MfaTokenKey(token_hash)},
                {Millis(UnixMillisFloor(now)), std::to_string(max_failures)},
                [done = std::move(done)](Result<RedisReply> reply) {
                  constexpr std::string_view kWhat = "redis count mfa failure";
                  if (Status st = ReplyStatus(reply, kWhat); !st.ok()) return done(st);
                  if (!reply->is_integer()) return done(UnexpectedReply(kWhat, *reply));
                  if (reply->integer < 0) return done(Status::NotFound("no such mfa token"));
                  done(static_cast<std::uint32_t>(reply->integer));
                });
}


// --- email tokens and the mail queue (API.md §13) ------------------------------------
// Keys sessionkit alone owns, all under one hash tag so that every script below names
// its keys and runs in one slot on a Redis Cluster too (mail is rare: one slot is plenty):
//   sessionkit_email:{sessionkit_email}:tokens   hash token_hash -> "purpose|expires ms|user_id"
//   sessionkit_email:{sessionkit_email}:expiry   zset token_hash, score = expires ms
//   sessionkit_email:{sessionkit_email}:reset    hash user_id -> the newest reset token_hash
//   sessionkit_email:{sessionkit_email}:due      zset mail id, score = due ms
//   sessionkit_email:{sessionkit_email}:message  hash mail id -> the message
//   sessionkit_email:{sessionkit_email}:meta     hash mail id -> "enqueued ms|attempts|lease|recipient"
// Dead tokens are trimmed (64 at most) by each put. Every operation is one script.

std::vector<std::string> EmailTokenKeys() {
  return {"sessionkit_email:{sessionkit_email}:tokens", "sessionkit_email:{sessionkit_email}:expiry",
          "sessionkit_email:{sessionkit_email}:reset"};
}
std::vector<std::string> MailKeys() {
  return {"sessionkit_email:{sessionkit_email}:due", "sessionkit_email:{sessionkit_email}:message",
          "sessionkit_email:{sessionkit_email}:meta"};
}

// ARGV: hash, user_id, purpose, expires ms, now ms -> 1 stored, 0 a live token has the hash.
constexpr const char* kEmailTokenPut = R"lua(
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[5], 'LIMIT', 0, 64)
for _, h in ipairs(dead) do
  local v = redis.call('HGET', KEYS[1], h)
  if v then
    local p, e, u = string.match(v, '^(%d+)|(%d+)|(.*)$')
    if p == '2' and redis.call('HGET', KEYS[3], u) == h then redis.call('HDEL', KEYS[3], u) end
  end
  redis.call('HDEL', KEYS[1], h)
  redis.call('ZREM', KEYS[2], h)
end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local e = string.match(cur, '^%d+|(%d+)|')
  if e and tonumber(e) > tonumber(ARGV[5]) then return 0 end
end
if ARGV[3] == '2' then
  local old = redis.call('HGET', KEYS[3], ARGV[2])
  if old then
    redis.call('HDEL', KEYS[1], old)
    redis.call('ZREM', KEYS[2], old)
  end
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
)lua";
// ARGV: hash, purpose, now ms -> {user_id, expires ms}, or nil when not live / other purpose.
constexpr const char* kEmailTokenTake = R"lua(
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return false end
local p, e, u = string.match(v, '^(%d+)|(%d+)|(.*)$')
if p ~= ARGV[2] or tonumber(e) <= tonumber(ARGV[3]) then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if p == '2' and redis.call('HGET', KEYS[3], u) == ARGV[1] then redis.call('HDEL', KEYS[3], u) end
return {u, e}
)lua";
// ARGV: id, recipient, message, enqueued ms, due ms -> 1 queued, 0 the id is queued.
constexpr const char* kMailEnqueue = R"lua(
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4] .. '|0||' .. ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[1])
return 1
)lua";
// ARGV: now ms, new due ms, lease -> {id, recipient, message, enqueued, due, attempts} or nil.
constexpr const char* kMailClaim = R"lua(
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #ids == 0 then return false end
local id = ids[1]
local meta = redis.call('HGET', KEYS[3], id)
local msg = redis.call('HGET', KEYS[2], id)
local enq, att, rcpt
if meta then enq, att, rcpt = string.match(meta, '^(%d+)|(%d+)|[0-9a-z]*|(.*)$') end
if not msg or not enq then
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  return false
end
att = tostring(tonumber(att) + 1)
redis.call('HSET', KEYS[3], id, enq .. '|' .. att .. '|' .. ARGV[3] .. '|' .. rcpt)
redis.call('ZADD', KEYS[1], ARGV[2], id)
return {id, rcpt, msg, enq, ARGV[2], att}
)lua";
// ARGV: id, lease [, due ms] -> 1 done (finished, or rescheduled with a due), 0 not under lease.
constexpr const char* kMailSettle = R"lua(
local meta = redis.call('HGET', KEYS[3], ARGV[1])
if not meta then return 0 end
if string.match(meta, '^%d+|%d+|([0-9a-z]*)|') ~= ARGV[2] then return 0 end
if ARGV[3] then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
end
return 1
)lua";

const RedisScript& EmailScript(int which) {
  static const RedisScript* scripts[] = {
      new RedisScript(kEmailTokenPut), new RedisScript(kEmailTokenTake),
      new RedisScript(kMailEnqueue), new RedisScript(kMailClaim), new RedisScript(kMailSettle)};
  return *scripts[which];
}
enum EmailScriptIndex { kPutToken = 0, kTakeToken, kEnqueue, kClaim, kSettle };

// OK for integer 1, `refused` for 0.
void SettleReply(Result<RedisReply> reply, std::string_view what, Status refused,
                 const StatusCallback& done) {
  if (Status st = ReplyStatus(reply, what); !st.ok()) return done(st);
  if (!reply->is_integer()) return done(UnexpectedReply(what, *reply));
  done(reply->integer == 1 ? Status::Ok() : std::move(refused));
}

void RedisAuthStateStore::PutEmailTokenAsync(const EmailTokenRecord& record, TimePoint now,
                                             StatusCallback done) {
  if (Status st = internal::CheckEmailTokenPut(record, now); !st.ok()) return done(st);
  client_->Eval(EmailScript(kPutToken), EmailTokenKeys(),
                {record.token_hash, record.user_id,
                 std::to_string(static_cast<int>(record.purpose)),
                 Millis(UnixMillisCeil(record.expires_at)), Millis(UnixMillisFloor(now))},
                [done = std::move(done)](Result<RedisReply> reply) {
                  SettleReply(std::move(reply), "redis put email token",
                              Status::Conflict("a live email token has this hash"), done);
                });
}

void RedisAuthStateStore::TakeEmailTokenAsync(std::string_view token_hash,
                                              EmailTokenPurpose purpose, TimePoint now,
                                              ResultCallback<EmailTokenRecord> done) {
  if (!internal::IsTokenHash(token_hash)) return done(Status::InvalidArgument("not a token hash"));
  client_->Eval(EmailScript(kTakeToken), EmailTokenKeys(),
                {std::string(token_hash), std::to_string(static_cast<int>(purpose)),
                 Millis(UnixMillisFloor(now))},
                [hash = std::string(token_hash), purpose,
                 done = std::move(done)](Result<RedisReply> reply) {
                  constexpr std::string_view kWhat = "redis take email token";
                  if (Status st = ReplyStatus(reply, kWhat); !st.ok()) return done(st);
                  if (reply->is_nil()) return done(Status::NotFound("no such email token"));
                  std::int64_t expires_ms = 0;
                  if (!reply->is_array() || reply->elements.size() != 2 ||
                      !ParseMillis(reply->elements[1].str, expires_ms)) {
                    return done(UnexpectedReply(kWhat, *reply));
                  }
                  EmailTokenRecord out;
                  out.token_hash = hash;
                  out.user_id = reply->elements[0].str;
                  out.purpose = purpose;
                  out.expires_at = FromUnixMillis(expires_ms);
                  done(std::move(out));
                });
}

void RedisAuthStateStore::EnqueueMailAsync(const QueuedMail& mail, StatusCallback done) {
  if (Status st = internal::CheckMailEnqueue(mail); !st.ok()) return done(st);
  client_->Eval(EmailScript(kEnqueue), MailKeys(),
                {mail.id, mail.recipient, mail.message, Millis(UnixMillisFloor(mail.enqueued_at)),
                 Millis(UnixMillisFloor(mail.due_at))},
                [done = std::move(done)](Result<RedisReply> reply) {
                  SettleReply(std::move(reply), "redis enqueue mail",
                              Status::Conflict("a queued mail has this id"), done);
                });
}

void RedisAuthStateStore::ClaimMailAsync(TimePoint now, std::chrono::milliseconds lease_for,
                                         std::string_view lease_id,
                                         ResultCallback<QueuedMail> done) {
  if (!internal::IsMailId(lease_id)) {
    return done(Status::InvalidArgument("lease id is not 1-64 of [0-9a-z]"));
  }
  if (lease_for.count() <= 0) return done(Status::InvalidArgument("lease must be positive"));
  const std::int64_t now_ms = UnixMillisFloor(now);
  client_->Eval(EmailScript(kClaim), MailKeys(),
                {Millis(now_ms), Millis(now_ms + lease_for.count()), std::string(lease_id)},
                [lease = std::string(lease_id), done = std::move(done)](Result<RedisReply> reply) {
                  constexpr std::string_view kWhat = "redis claim mail";
                  if (Status st = ReplyStatus(reply, kWhat); !st.ok()) return done(st);
                  if (reply->is_nil()) return done(Status::NotFound("no mail is due"));
                  std::int64_t enqueued_ms = 0;
                  std::int64_t due_ms = 0;
                  std::int64_t attempts = 0;
                  if (!reply->is_array() || reply->elements.size() != 6 ||
                      !ParseMillis(reply->elements[3].str, enqueued_ms) ||
                      !ParseMillis(reply->elements[4].str, due_ms) ||
                      !ParseMillis(reply->elements[5].str, attempts) || attempts < 0) {
                    return done(UnexpectedReply(kWhat, *reply));
                  }
                  QueuedMail out;
                  out.id = std::move(reply->elements[0].str);
                  out.recipient = std::move(reply->elements[1].str);
                  out.message = std::move(reply->elements[2].str);
                  out.enqueued_at = FromUnixMillis(enqueued_ms);
                  out.due_at = FromUnixMillis(due_ms);
                  out.attempts = static_cast<std::uint32_t>(attempts);
                  out.lease = lease;
                  done(std::move(out));
                });
}

void RedisAuthStateStore::FinishMailAsync(std::string_view id, std::string_view lease,
                                          StatusCallback done) {
  if (!internal::IsMailId(id) || !internal::IsMailId(lease)) {
    return done(Status::InvalidArgument("mail id or lease is not 1-64 of [0-9a-z]"));
  }
  client_->Eval(EmailScript(kSettle), MailKeys(), {std::string(id), std::string(lease)},
                [done = std::move(done)](Result<RedisReply> reply) {
                  SettleReply(std::move(reply), "redis finish mail",
                              Status::NotFound("no such mail under this lease"), done);
                });
}

void RedisAuthStateStore::RetryMailAsync(std::string_view id, std::string_view lease,
                                         TimePoint due_at, StatusCallback done) {
  if (!internal::IsMailId(id) || !internal::IsMailId(lease)) {
    return done(Status::InvalidArgument("mail id or lease is not 1-64 of [0-9a-z]"));
  }
  client_->Eval(EmailScript(kSettle), MailKeys(),
                {std::string(id), std::string(lease), Millis(UnixMillisFloor(due_at))},
                [done = std::move(done)](Result<RedisReply> reply) {
                  SettleReply(std::move(reply), "redis retry mail",
                              Status::NotFound("no such mail under this lease"), done);
                });
}

void RedisAuthStateStore::CountMailAsync(ResultCallback<std::uint64_t> done) {
  client_->Command({"ZCARD", "sessionkit_email:{sessionkit_email}:due"},
                   [done = std::move(done)](Result<RedisReply> reply) {
                     constexpr std::string_view kWhat = "redis count mail";
                     if (Status st = ReplyStatus(reply, kWhat); !st.ok()) return done(st);
                     if (!reply->is_integer() || reply->integer < 0) {
                       return done(UnexpectedReply(kWhat, *reply));
                     }
                     done(static_cast<std::uint64_t>(reply->integer));
                   });
}

}  // namespace

namespace internal {

Result<AuthStateStorePtr> OpenRedisAuthStateStoreOn(std::shared_ptr<RedisCommands> client,
                                                    const Clock* clock) {
  if (client == nullptr) return Status::InvalidArgument("redis auth state: no client");
  try {
    return AuthStateStorePtr(std::make_shared<RedisAuthStateStore>(ClockOrSystem(clock), std::move(client)));
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory creating the redis auth-state store");
  }
}

}  // namespace internal

Result<AuthStateStorePtr> OpenRedisAuthStateStore(const RedisStoreOptions& options) {
  Result<std::shared_ptr<RedisCommands>> client = internal::ConnectRedisCommands(options, {});
  if (!client.ok()) return client.status();
  try {
    return internal::OpenRedisAuthStateStoreOn(std::move(client).value(), options.clock);
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory creating the redis auth-state store");
  }
}

}  // namespace sessionkit
