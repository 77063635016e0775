// The Lua scripts of the Redis store (API.md §2-3). Internal.
//
// Each script runs atomically on one Redis (Redis executes scripts one at a time).
// Times are decided by the store's clock, never Redis': "now" is passed in as ARGV
// (whole seconds since the epoch and nanoseconds), and records' RFC 3339 times are
// parsed in Lua (offsets and fractions included) and compared as (seconds, nanos).
// See docs/redis.md for what each script guarantees and how it maps to Redis Cluster.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_SCRIPTS_H_
#define SESSIONKIT_STORE_REDIS_REDIS_SCRIPTS_H_

#include "src/store/redis/redis_client.h"

namespace sessionkit::internal {

// KEYS: session:<id>, user_sessions:<uid>
// ARGV: record, ttl s, id, index ttl s, cap (0 = none), now s, now ns
// -> {0} if a live (or unreadable) record holds the id, else {1, evicted ids...}
//    (oldest created_at first, ties: smaller id).
const RedisScript& InsertScript();

// KEYS: session:<id>, user_sessions:<uid>
// ARGV: record, ttl s, id, index ttl s, now s, now ns
// -> 1 if rewritten (SET XX), 0 if the key is gone or its record is dead.
const RedisScript& TouchScript();

// KEYS: session:<id>, user_sessions:<uid>
// ARGV: the record as read, id
// -> 1 if the key still held exactly that record and was deleted (with its index
//    entry), else 0. Used to delete a record seen dead without racing a rewrite.
const RedisScript& DeleteIfUnchangedScript();

// KEYS: user_sessions:<uid>
// ARGV: id to keep ("" = none)
// -> the records deleted (raw JSON), for the caller to count the live ones. Every
//    other member leaves the index; the kept one too if its key is gone.
const RedisScript& DeleteAllScript();

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_SCRIPTS_H_
