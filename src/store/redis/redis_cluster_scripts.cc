// Lua sources of the cluster scripts. See redis_cluster_scripts.h.
#include "src/store/redis/redis_cluster_scripts.h"

#include <string>

#include "src/store/redis/redis_scripts.h"

namespace sessionkit::internal {
namespace {

// key_slot(key): the cluster slot of a key (CRC16/XMODEM of its hash part, mod 16384),
// so the insert can tell which index members live in its own slot.
constexpr const char* kSlotHelper = R"lua(
local crc_table = {}
for i = 0, 255 do
  local crc = bit.lshift(i, 8)
  for _ = 1, 8 do
    if bit.band(crc, 0x8000) ~= 0 then
      crc = bit.bxor(bit.lshift(crc, 1), 0x1021)
    else
      crc = bit.lshift(crc, 1)
    end
    crc = bit.band(crc, 0xffff)
  end
  crc_table[i] = crc
end
local function key_slot(key)
  local part = key
  local open = string.find(key, '{', 1, true)
  if open then
    local close = string.find(key, '}', open + 1, true)
    if close and close > open + 1 then part = string.sub(key, open + 1, close - 1) end
  end
  local crc = 0
  for i = 1, #part do
    local index = bit.band(bit.bxor(bit.rshift(crc, 8), string.byte(part, i)), 0xff)
    crc = bit.band(bit.bxor(bit.lshift(crc, 8), crc_table[index]), 0xffff)
  end
  return crc % 16384
end
)lua";

// InsertScript with two refusals up front: the cap lock is held (a locked insert of this
// user is running), or, with a cap, a member's record is outside this slot.
constexpr const char* kClusterInsert = R"lua(
local now = {tonumber(ARGV[6]), tonumber(ARGV[7])}
if redis.call('EXISTS', KEYS[3]) == 1 then return {2} end
local existing = redis.call('GET', KEYS[1])
if existing and alive(existing, now) ~= false then return {0} end
local members = nil
if tonumber(ARGV[5]) > 0 then
  local my_slot = key_slot(KEYS[2])
  members = redis.call('SMEMBERS', KEYS[2])
  for _, id in ipairs(members) do
    if id ~= ARGV[3] and key_slot('session:' .. id) ~= my_slot then return {2} end
  end
end
return insert_with_cap(now, members)
)lua";

constexpr const char* kInsertRecord = R"lua(
local now = {tonumber(ARGV[3]), tonumber(ARGV[4])}
local existing = redis.call('GET', KEYS[1])
if existing and alive(existing, now) ~= false then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
)lua";

constexpr const char* kIndexAdd = R"lua(
redis.call('SADD', KEYS[1], ARGV[1])
raise_ttl(KEYS[1], tonumber(ARGV[2]))
return 1
)lua";

constexpr const char* kTouchRecord = R"lua(
local now = {tonumber(ARGV[3]), tonumber(ARGV[4])}
local raw = redis.call('GET', KEYS[1])
if not raw or alive(raw, now) ~= true then return 0 end
if ARGV[5] ~= '' and raw ~= ARGV[5] then return 2 end
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'XX') then return 0 end
return 1
)lua";

constexpr const char* kDeleteRecordIfUnchanged = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
)lua";

constexpr const char* kDeleteRecordAndMember = R"lua(
local deleted = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return deleted
)lua";

constexpr const char* kUnlock = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
)lua";

}  // namespace

const RedisScript& ClusterInsertScript() {
  static const RedisScript* script =
      new RedisScript(std::string(ScriptTimeHelpers()) + ScriptInsertHelper() + kSlotHelper + kClusterInsert);
  return *script;
}

const RedisScript& InsertRecordScript() {
  static const RedisScript* script = new RedisScript(std::string(ScriptTimeHelpers()) + kInsertRecord);
  return *script;
}

const RedisScript& IndexAddScript() {
  static const RedisScript* script = new RedisScript(std::string(ScriptTimeHelpers()) + kIndexAdd);
  return *script;
}

const RedisScript& TouchRecordScript() {
  static const RedisScript* script = new RedisScript(std::string(ScriptTimeHelpers()) + kTouchRecord);
  return *script;
}

const RedisScript& DeleteRecordIfUnchangedScript() {
  static const RedisScript* script = new RedisScript(kDeleteRecordIfUnchanged);
  return *script;
}

const RedisScript& DeleteRecordAndMemberScript() {
  static const RedisScript* script = new RedisScript(kDeleteRecordAndMember);
  return *script;
}

const RedisScript& UnlockScript() {
  static const RedisScript* script = new RedisScript(kUnlock);
  return *script;
}

}  // namespace sessionkit::internal
