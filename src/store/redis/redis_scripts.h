// The Lua scripts of the Redis store (API.md §2-3). Internal.
//
// Each script runs atomically on one Redis (Redis executes scripts one at a time).
// Times are decided by the store's clock, never Redis': "now" is passed in as ARGV
// (whole seconds since the epoch and nanoseconds), and records' RFC 3339 times are
// parsed in Lua (offsets and fractions included) and compared as (seconds, nanos).
// See docs/redis.md for what each script guarantees and how it maps to Redis Cluster.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_SCRIPTS_H_
#define SESSIONKIT_STORE_REDIS_REDIS_SCRIPTS_H_

#include <cstddef>

#include "src/store/redis/redis_client.h"

namespace sessionkit::internal {

// KEYS: session:<id>, user_sessions:<uid>
// ARGV: record, ttl s, id, index ttl s, cap (0 = none), now s, now ns
// -> {0} if a live (or unreadable) record holds the id, else {1, evicted ids...}
//    (oldest created_at first, ties: smaller id).
const RedisScript& InsertScript();

// KEYS: session:<id>, user_sessions:<uid>
// ARGV: record, ttl s, id, index ttl s, now s, now ns, the record as read ('' = any)
// -> 1 if rewritten (SET XX), 0 if the key is gone or its record is dead, 2 (nothing
//    written) if the stored bytes are no longer the ones read: another writer changed a
//    field since, and a slide must not overwrite it (compare-and-set).
const RedisScript& TouchScript();

// KEYS: session:<id>, user_sessions:<uid>
// ARGV: the record as read, id
// -> 1 if the key still held exactly that record and was deleted (with its index
//    entry), else 0. Used to delete a record seen dead without racing a rewrite.
const RedisScript& DeleteIfUnchangedScript();

// KEYS: user_sessions:<uid>
// ARGV: id to keep ("" = none), uid, then a batch of the index's ids (at most
// kUserBatch; the caller walks the index with SSCAN)
// -> the records deleted (raw JSON), for the caller to count the live ones. Each id
//    leaves the index (the kept one only if its key is gone); its record is deleted only
//    if it is the user's (its id is the key's, its user_id the index's user): a member
//    pointing at another user's record is pruned, the record left alone.
const RedisScript& DeleteBatchScript();

// The Lua helpers the scripts above share (utc, earlier, alive, raise_ttl), for the
// cluster's scripts (redis_cluster_scripts.h) to prepend too.
const char* ScriptTimeHelpers();
// insert_with_cap(now, members): InsertScript's cap and write (after ScriptTimeHelpers),
// for the cluster's insert to run after its own checks.
const char* ScriptInsertHelper();

// Most ids per batch of a per-user operation (SSCAN COUNT, MGET, a delete script): no
// single Redis call touches more than about this many keys, whatever the user holds.
inline constexpr std::size_t kUserBatch = 500;

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_SCRIPTS_H_
