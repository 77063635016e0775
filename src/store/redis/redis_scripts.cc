// Lua sources of the store's scripts. See redis_scripts.h for their contracts.
#include "src/store/redis/redis_scripts.h"

#include <string>

namespace sessionkit::internal {
namespace {

// Shared helpers, prepended to the scripts that look at record times.
//   utc(s)      RFC 3339 text -> {seconds since epoch, nanoseconds}, or nil
//   earlier(a,b) a < b on such pairs
//   alive(raw)  true / false (by ARGV now) / nil (not a readable record), and the record
constexpr const char* kTimeHelpers = R"lua(
local function days_since_epoch(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local year_of_era = y - era * 400
  local shifted_month = (m + 9) % 12
  local day_of_year = math.floor((153 * shifted_month + 2) / 5) + d - 1
  local day_of_era = year_of_era * 365 + math.floor(year_of_era / 4)
                     - math.floor(year_of_era / 100) + day_of_year
  return era * 146097 + day_of_era - 719468
end

local function utc(s)
  if type(s) ~= 'string' then return nil end
  local y, mo, d, h, mi, sec, frac, zone = string.match(s,
    '^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$')
  if not y then return nil end
  local t = days_since_epoch(tonumber(y), tonumber(mo), tonumber(d)) * 86400
            + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec)
  local nanos = 0
  if frac ~= '' then
    local digits = string.sub(frac, 2, 10)
    if digits == '' then return nil end
    nanos = tonumber(digits .. string.rep('0', 9 - #digits))
  end
  if zone ~= 'Z' and zone ~= 'z' then
    local sign, zh, zm = string.match(zone, '^([+-])(%d%d):(%d%d)$')
    if not sign then return nil end
    local offset = tonumber(zh) * 3600 + tonumber(zm) * 60
    if sign == '+' then t = t - offset else t = t + offset end
  end
  return {t, nanos}
end

local function earlier(a, b)
  return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
end

local function alive(raw, now)
  local ok, rec = pcall(cjson.decode, raw)
  if not ok or type(rec) ~= 'table' then return nil end
  local expires = utc(rec['expires_at'])
  if not expires then return nil end
  return earlier(now, expires), rec
end

local function raise_ttl(key, want)
  if redis.call('TTL', key) < want then redis.call('EXPIRE', key, want) end
end
)lua";

// insert_with_cap(now, members): InsertScript's work once the id is known to be free:
// the cap (members: the index's members, read here when nil), the record and its index
// entry. KEYS and ARGV as InsertScript's. Shared with the cluster's insert.
constexpr const char* kInsertHelper = R"lua(
local function insert_with_cap(now, members)
  local evicted = {1}
  local cap = tonumber(ARGV[5])
  if cap > 0 then
    local live = {}
    for _, id in ipairs(members or redis.call('SMEMBERS', KEYS[2])) do
      if id ~= ARGV[3] then
        local key = 'session:' .. id
        local raw = redis.call('GET', key)
        if not raw then
          redis.call('SREM', KEYS[2], id)
        else
          local is_alive, rec = alive(raw, now)
          if is_alive then
            live[#live + 1] = {id = id, created = utc(rec['created_at']) or {0, 0}}
          elseif is_alive == false then
            redis.call('DEL', key)
            redis.call('SREM', KEYS[2], id)
          end
        end
      end
    end
    table.sort(live, function(a, b)
      if a.created[1] ~= b.created[1] or a.created[2] ~= b.created[2] then
        return earlier(a.created, b.created)
      end
      return a.id < b.id
    end)
    for i = 1, #live - (cap - 1) do
      redis.call('DEL', 'session:' .. live[i].id)
      redis.call('SREM', KEYS[2], live[i].id)
      evicted[#evicted + 1] = live[i].id
    end
  end

  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  raise_ttl(KEYS[2], tonumber(ARGV[4]))
  return evicted
end
)lua";

constexpr const char* kInsert = R"lua(
local now = {tonumber(ARGV[6]), tonumber(ARGV[7])}
local existing = redis.call('GET', KEYS[1])
if existing and alive(existing, now) ~= false then return {0} end
return insert_with_cap(now, nil)
)lua";

constexpr const char* kTouch = R"lua(
local now = {tonumber(ARGV[5]), tonumber(ARGV[6])}
local raw = redis.call('GET', KEYS[1])
if not raw or alive(raw, now) ~= true then return 0 end
if ARGV[7] ~= '' and raw ~= ARGV[7] then return 2 end
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'XX') then return 0 end
redis.call('SADD', KEYS[2], ARGV[3])
raise_ttl(KEYS[2], tonumber(ARGV[4]))
return 1
)lua";

constexpr const char* kDeleteIfUnchanged = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
)lua";

// A record is the user's when its id is the one it is stored under and its user_id is
// the index's user (a string, or a number as the Go peer writes it: compared as numbers,
// exact up to 2^53).
constexpr const char* kDeleteBatch = R"lua(
local uid = ARGV[2]
local function mine(raw, id)
  local ok, rec = pcall(cjson.decode, raw)
  if not ok or type(rec) ~= 'table' or rec['id'] ~= id then return false end
  local owner = rec['user_id']
  if type(owner) == 'string' then return owner == uid end
  return type(owner) == 'number' and owner == tonumber(uid)
end
local deleted = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local key = 'session:' .. id
  local raw = redis.call('GET', key)
  if not raw then
    redis.call('SREM', KEYS[1], id)
  elseif id ~= ARGV[1] then
    if mine(raw, id) then
      redis.call('DEL', key)
      deleted[#deleted + 1] = raw
    end
    redis.call('SREM', KEYS[1], id)
  end
end
return deleted
)lua";

}  // namespace

const char* ScriptTimeHelpers() { return kTimeHelpers; }

const char* ScriptInsertHelper() { return kInsertHelper; }

const RedisScript& InsertScript() {
  static const RedisScript* script = new RedisScript(std::string(kTimeHelpers) + kInsertHelper + kInsert);
  return *script;
}

const RedisScript& TouchScript() {
  static const RedisScript* script = new RedisScript(std::string(kTimeHelpers) + kTouch);
  return *script;
}

const RedisScript& DeleteIfUnchangedScript() {
  static const RedisScript* script = new RedisScript(kDeleteIfUnchanged);
  return *script;
}

const RedisScript& DeleteBatchScript() {
  static const RedisScript* script = new RedisScript(kDeleteBatch);
  return *script;
}

}  // namespace sessionkit::internal
