// The Lua scripts the session store runs on a Redis Cluster. Internal.
//
// Each script declares every key it touches and all of them are in one slot, so a
// cluster runs it on that slot's master as one atomic step (docs/redis.md, "Redis
// Cluster"). The single-slot ones (record or index alone) are the ordered steps used for
// sessions whose record and index live in different slots.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_SCRIPTS_H_
#define SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_SCRIPTS_H_

#include "src/store/redis/redis_client.h"

namespace sessionkit::internal {

// KEYS: session:<id>, user_sessions:<uid>, the user's cap lock (all in one slot)
// ARGV: as InsertScript
// -> as InsertScript, or {2} (nothing written) when the lock is held or an index member's
//    record is in another slot: the caller takes the locked, step-by-step path.
const RedisScript& ClusterInsertScript();

// KEYS: session:<id>. ARGV: record, ttl s, now s, now ns
// -> 0 if a live (or unreadable) record holds the id, else 1 (written).
const RedisScript& InsertRecordScript();

// KEYS: user_sessions:<uid>. ARGV: id, index ttl s -> 1 (SADD, TTL raised).
const RedisScript& IndexAddScript();

// KEYS: session:<id>. ARGV: record, ttl s, now s, now ns, the record as read ('' = any)
// -> as TouchScript, without the index.
const RedisScript& TouchRecordScript();

// KEYS: session:<id>. ARGV: the record as read -> 1 if it was still that and is deleted.
const RedisScript& DeleteRecordIfUnchangedScript();

// KEYS: session:<id>, user_sessions:<uid> (one slot). ARGV: id
// -> DEL's reply. A script rather than MULTI: during a slot migration a MULTI block
// cannot follow ASK (ASKING covers one command), a script can.
const RedisScript& DeleteRecordAndMemberScript();

// KEYS: a lock. ARGV: owner token -> 1 if it was ours and is released.
const RedisScript& UnlockScript();

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_SCRIPTS_H_
