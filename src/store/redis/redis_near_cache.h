// The opt-in near-cache of session records on one Redis (SESSION_CACHE=tracking). Internal.
//
// SessionNearCache is one event loop's cache: session records by id, each kept at most
// `max_staleness` after the Redis read that filled it (by the injected clock) and never
// served at or past its expires_at. A fill is a two-step ticket: BeginFill before the GET
// is sent, Fill when its reply comes; an Erase/Clear in between (an invalidation that
// arrived first) cancels the fill, so a reply older than an invalidation is never
// cached. With tracking off (no invalidation channel) nothing is filled. At most
// `max_entries` records: a fill beyond that drops the whole cache first. Not
// thread-safe: one loop's thread only.
//
// OpenNearCachedSessionStore wraps the Redis session store of OpenRedisStoresOnLoops:
// each loop gets a SessionNearCache and a subscriber connection of its own that runs
// `CLIENT TRACKING on REDIRECT <its own id> BCAST PREFIX session:` and then
// `SUBSCRIBE __redis__:invalidate` (RESP2). In BCAST mode Redis reports every change of a
// `session:` key, by any client, to that subscriber whichever connection read the key,
// so the data connections need no tracking of their own. An invalidation drops that
// key's entry on that loop; a flush (nil payload) drops the loop's cache. The subscriber
// PINGs every max_staleness / 4 (10..500 ms) and a PING unanswered within the Redis
// command timeout closes it. When the subscriber closes (killed, Redis gone, PING
// unanswered) the loop's cache is dropped and not filled again until a new subscriber
// has tracking on; a data command that fails Unavailable drops it too. Get hits only on
// a loop's thread (any other caller goes to Redis); a write through this store (touch,
// delete, delete-all, an insert's evictions) drops the entries concerned: its own loop's
// at once, and every loop's before its callback runs. Cache off = this store is not
// built at all. Thread-safe as SessionStore requires; each cache is touched only on its
// own loop's thread.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_NEAR_CACHE_H_
#define SESSIONKIT_STORE_REDIS_REDIS_NEAR_CACHE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/redis_store.h"
#include "sessionkit/result.h"
#include "sessionkit/session.h"
#include "sessionkit/session_store.h"

namespace sessionkit::internal {

class SessionNearCache {
 public:
  SessionNearCache(std::chrono::nanoseconds max_staleness, std::size_t max_entries);

  // The cached record of `id` if it may still be served at `now`; nullptr otherwise (an
  // entry past its staleness cap or its expires_at is dropped). Valid until the next
  // call on this cache.
  const Session* Find(std::string_view id, TimePoint now);
  // Before a GET of `id`: the ticket its reply must present to Fill; 0 = do not fill
  // (tracking is off).
  std::uint64_t BeginFill(std::string_view id);
  // Caches `s`, read by a GET sent at `read_at`, if the ticket is still `id`'s latest and
  // nothing dropped it meanwhile. True if cached.
  bool Fill(std::string_view id, std::uint64_t ticket, const Session& s, TimePoint read_at);
  void Erase(std::string_view id);
  // Every entry of `user_id`, and every fill in flight (its user is not known yet).
  void EraseUser(std::string_view user_id);
  void Clear();
  // Off: Clear() and refuse fills until on again.
  void SetTracking(bool on);
  bool tracking() const noexcept { return tracking_; }
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    Session session;
    TimePoint read_at{};
    std::uint64_t ticket = 0;  // the latest fill's; 0 once filled
    bool filled = false;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  const std::chrono::nanoseconds max_staleness_;
  const std::size_t max_entries_;
  bool tracking_ = false;
  std::uint64_t next_ticket_ = 0;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

struct NearCacheOptions {
  std::chrono::milliseconds max_staleness{2000};
  std::size_t max_entries_per_loop = 65536;
};

// What a loop's cache has done so far (tests, benchmarks); read from any thread.
struct NearCacheCounters {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t drops = 0;       // whole-cache drops (subscriber lost, flush, data failure)
  bool tracking = false;         // the loop's subscriber has tracking on now
};

// Wraps `inner` (a Redis session store on `loops`, one Redis, never a cluster) with the
// near-cache; the subscribers connect with `redis`'s address, password, db and timeouts.
// InvalidArgument for no loop, a cluster, a null store, or max_staleness outside
// 1..60000 ms.
Result<SessionStorePtr> OpenNearCachedSessionStore(
    SessionStorePtr inner, const RedisStoreOptions& redis, const NearCacheOptions& options,
    std::vector<boost::asio::io_context*> loops);

// Counters of the i-th loop of a store OpenNearCachedSessionStore made (all zero for any
// other store or loop). For tests and benchmarks.
NearCacheCounters NearCacheCountersOf(const SessionStore& store, std::size_t loop);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_NEAR_CACHE_H_
