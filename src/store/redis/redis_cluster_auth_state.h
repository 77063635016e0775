// The refresh-token operations of the auth-state store on a Redis Cluster. Internal.
//
// `refresh_token:<hash>` keeps the Go peer's name (a token it issued rotates here), so a
// rotation's keys (the presented token, its successor, the family
// `session_refresh:<sid>`, and on reuse `session:`/`user_sessions:`) sit in different
// slots. Each function below runs the operation as ordered single-key steps and answers
// with exactly the reply the one-Redis script gives (redis_auth_state.cc parses both):
// - Issue: the token (refused if a live one has the hash), then its family entry.
// - Rotate: the successor must be free; the presented token is spent by one single-key
//   script that sets rotated_at/next only if unset (the race winner is whoever sets
//   them; a loser sees a grace replay or reuse, as on one Redis); then the successor is
//   stored and added to the family. A grace replay follows `next` key by key. Reuse
//   deletes the session record, its index member, the family's tokens and the family,
//   and the presented token last (so a crash midway leaves a token whose next
//   presentation is reuse again).
// - Revoke: each family member's token, then the family.
// Login-failure keys are sessionkit's alone: on a cluster they carry one hash tag
// (ClusterLoginFailuresKey), so ReserveAttempt's keys share a slot and stay one script.
//
// Thread-safe (state lives in the callbacks).
#ifndef SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_AUTH_STATE_H_
#define SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_AUTH_STATE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "src/store/redis/redis_client.h"

namespace sessionkit::internal {

// "login_failures:{login_failures}:<key>": every failure window in one slot.
std::string ClusterLoginFailuresKey(std::string_view key);

// As kIssue: integer 1 stored, 0 a live token has the hash.
void ClusterIssueRefresh(std::shared_ptr<RedisCommands> client, std::string hash, std::string session_id,
                         std::string user_id, std::string issued_ms, std::string expires_ms, std::string ttl_ms,
                         std::string now_ms, ReplyCallback done);

// As kRotate: {'unknown'} | {'conflict'} | {outcome, sid, uid, rotated_at, hash, generations}.
void ClusterRotateRefresh(std::shared_ptr<RedisCommands> client, std::string presented, std::string successor,
                          std::int64_t now_ms, std::int64_t grace_ms, std::int64_t expires_ms, std::int64_t ttl_ms,
                          int max_generations, ReplyCallback done);

// As kRevoke: integer, the live tokens deleted.
void ClusterRevokeRefresh(std::shared_ptr<RedisCommands> client, std::string session_id, std::int64_t now_ms,
                          ReplyCallback done);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_AUTH_STATE_H_
