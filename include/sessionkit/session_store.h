// SessionStore: where sessions live (embedded SQLite, Redis, ...). API.md §2-3.
//
// The interface is asynchronous: each *Async method takes a completion callback that
// is invoked exactly once, either inline before the call returns (the SQLite store,
// whose work is a local file access) or later on the Redis client's I/O thread (the
// Redis store, whose round trips never block the caller: the client's own thread, or
// the application's event loop that sent the command, see redis_store.h). A callback
// must be quick and must not call the blocking wrappers of the same store (that can
// deadlock the store's I/O thread); to chain work, call another *Async method. string_view arguments are copied
// before the *Async call returns. Callbacks may be invoked on any thread.
//
// Blocking wrappers (Get, Insert, ...) wait for the callback and are for simple
// programs, tools and tests; never call them on a server's I/O thread.
//
// Semantics every implementation keeps (the conformance suite checks them):
// - A record is served only under its own id: one whose `id` differs from the key it is
//   stored under is treated as corrupt (Malformed on Get, skipped by List/Scan).
// - A record is live while store-clock now < expires_at. Get of a record past its
//   expires_at returns Expired once and deletes it (with its index entry); after that,
//   NotFound. List/Count/Scan never return dead records.
// - The backing TTL equals the remaining lifetime: ceil(expires_at - now).
// - Touch never resurrects a session deleted meanwhile (NotFound instead).
// - Any I/O failure comes back as Unavailable; nothing throws; nothing hangs past the
//   store's configured timeout.
//
// Implementations are thread-safe.
#ifndef SESSIONKIT_SESSION_STORE_H_
#define SESSIONKIT_SESSION_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/session.h"
#include "sessionkit/status.h"

namespace sessionkit {

template <class T>
using ResultCallback = std::function<void(Result<T>)>;
using StatusCallback = std::function<void(Status)>;

// One page of an admin iteration. An empty next_cursor means the iteration is complete.
struct ScanPage {
  std::vector<Session> sessions;
  std::string next_cursor;
};

// One page of an admin purge (SessionStore::PurgeDeadAsync).
struct PurgePage {
  std::uint64_t examined = 0;  // records looked at (SQLite: only the dead ones, by index)
  std::uint64_t deleted = 0;   // dead records deleted, each with its user-index entry
  std::string next_cursor;     // empty: the walk is complete
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // A fresh session id (API.md §1) for a new session of `user_id`; SessionManager draws
  // every new id here. The default is NewSessionId(); a store may pick among well-formed
  // ids one that suits its layout (on Redis Cluster: one whose record shares its slot
  // with the user's index, docs/redis.md).
  virtual Result<std::string> NewSessionIdFor(std::string_view /*user_id*/) { return NewSessionId(); }

  // Stores a new session `s` (s.raw ignored; the record is EncodeSession(s)) with
  // TTL = remaining lifetime, and adds it to its user's index. Conflict if the id
  // exists. With max_per_user > 0, atomically evicts the user's oldest live sessions
  // (by created_at, ties: smaller id) so that at most max_per_user remain, the new one
  // included; the callback gets the evicted ids. InvalidArgument if s is already dead.
  virtual void InsertAsync(const Session& s, std::uint32_t max_per_user,
                           ResultCallback<std::vector<std::string>> done) = 0;

  // The live record. NotFound if absent; Expired (and deleted) if past expires_at.
  virtual void GetAsync(std::string_view session_id, ResultCallback<Session> done) = 0;

  // Sliding write: sets last_seen and expires_at of `current` (a record returned by Get,
  // whose raw bytes are preserved otherwise) and the TTL together. NotFound if the
  // session was deleted meanwhile; never recreates it. Keeps the user index's TTL up
  // and re-adds the id to it if missing. A store shared with other writers (Redis) may
  // answer Conflict, writing nothing, when the record changed since `current` was read:
  // a slide never overwrites another writer's field (the caller just does not slide).
  virtual void TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                          StatusCallback done) = 0;

  // Deletes one session and its index entry. true if a live record was deleted.
  virtual void DeleteAsync(std::string_view session_id, ResultCallback<bool> done) = 0;

  // Deletes every session of `user_id` except `keep_session_id` (may be empty), prunes
  // the index, returns how many live sessions were deleted. Only the user's records are
  // deleted (an index entry naming another user's record is pruned, the record kept).
  // Work is bounded per call to the backend (Redis: batches, see docs/redis.md), so it
  // is atomic per batch, not across a user with very many sessions.
  virtual void DeleteAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                                     ResultCallback<std::uint64_t> done) = 0;

  // The user's live sessions, in no particular order.
  virtual void ListForUserAsync(std::string_view user_id,
                                ResultCallback<std::vector<Session>> done) = 0;

  // Admin: number of live sessions (may be approximate under concurrent writes).
  virtual void CountAsync(ResultCallback<std::uint64_t> done) = 0;

  // Admin: iterate all live sessions, about `limit` per page. Start with cursor "".
  // A session present for the whole iteration is returned at least once.
  virtual void ScanAsync(std::string_view cursor, std::size_t limit,
                         ResultCallback<ScanPage> done) = 0;

  // Reachability check (healthz). OK or Unavailable.
  virtual void PingAsync(StatusCallback done) = 0;

  // --- blocking wrappers (see the header comment) ---
  Result<std::vector<std::string>> Insert(const Session& s, std::uint32_t max_per_user = 0);
  Result<Session> Get(std::string_view session_id);
  Status Touch(const Session& current, TimePoint last_seen, TimePoint expires_at);
  Result<bool> Delete(std::string_view session_id);
  Result<std::uint64_t> DeleteAllForUser(std::string_view user_id,
                                         std::string_view keep_session_id = {});
  Result<std::vector<Session>> ListForUser(std::string_view user_id);
  Result<std::uint64_t> Count();
  Result<ScanPage> Scan(std::string_view cursor, std::size_t limit);
  Status Ping();

  // Admin (sessionkit-ctl `sessions purge`): one bounded step of deleting dead records,
  // those past their expires_at by the store clock whatever their backing TTL says (a
  // record written by another service or by hand may carry a longer TTL, or none), each
  // with its user-index entry. Start with cursor "" and pass next_cursor back until it
  // comes back empty; a page looks at about `limit` records. Each delete is a
  // compare-and-delete of the record as read: one rewritten meanwhile (a slide) is kept.
  // Records that do not parse, or are not stored under their own id, are left alone.
  // The default answers InvalidArgument ("cannot purge"): a decorator must forward it.
  virtual void PurgeDeadAsync(std::string_view cursor, std::size_t limit,
                              ResultCallback<PurgePage> done);
  Result<PurgePage> PurgeDead(std::string_view cursor, std::size_t limit);
};

using SessionStorePtr = std::shared_ptr<SessionStore>;

}  // namespace sessionkit

#endif  // SESSIONKIT_SESSION_STORE_H_
