// ProfileCache: the public part of users — id, username, email, role, is_premium, as
// GET /api/users/me shows them — kept in memory per thread for `ttl`.
//
// /me is a hot route, and without this every call is a read of the user database (with
// SQLite: a read transaction, two fcntl lock calls on the WAL index and a B-tree lookup,
// ~4 µs of the ~20 µs a /me costs; with a networked database, a round trip). The cached
// fields change through no API route (there is no rename or role change, and a password
// change touches only the hash), so an entry can go stale only through an edit made
// outside the server, and then for at most `ttl`. A user absent from the database (a
// session imported from another service) is cached as absent too. Sessions are never
// cached: /me still validates against the store. The password hash is never kept: never
// use this for anything that needs it.
//
// Two ways in. An event loop, which must never wait on the user database, asks Cached():
// it answers from this thread's entries without blocking or allocating, or says kMiss;
// the loop then hands a PendingLoad (made here by PrepareLoad) to a worker thread, whose
// Run() reads the database and leaves the answer for the thread that prepared it: that
// thread's next Cached() of the id finds it. Find() does both on the calling thread
// (tools, tests; it blocks on a miss).
//
// Errors: those of UserStore::FindById (NotFound, Unavailable); only found and
// not-found answers are cached.
// Thread safety: thread-safe; a hit takes no lock: each thread keeps its own entries (at
// most max_entries per thread; when full, expired ones are dropped, then all). Answers
// loaded for a thread wait in its mailbox (a mutex, taken only on a miss) until that
// thread next misses. Entries of a destroyed cache stay in other threads' memory until
// those threads end (bounded, and there is one cache per server).
#ifndef SESSIONKIT_SERVER_USERS_PROFILE_CACHE_H_
#define SESSIONKIT_SERVER_USERS_PROFILE_CACHE_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/user_store.h"

namespace sessionkit::server {

class ProfileCache {
 public:
  // What this thread's entries say of an id.
  enum class Hit : std::uint8_t {
    kFound,   // cached: the profile is at hand
    kAbsent,  // cached as not in the database
    kMiss,    // unknown or expired here: load it (PrepareLoad)
  };

  struct Mailbox;  // answers loaded for one thread (profile_cache.cc)

  // The slow half of a miss: made on the thread that missed, run on a worker.
  class PendingLoad {
   public:
    // Reads the user database (blocking), leaves a found or not-found answer for the
    // preparing thread, and returns the user without its hash (or the error).
    Result<User> Run();

   private:
    friend class ProfileCache;
    PendingLoad(ProfileCache& cache, std::string_view id, std::shared_ptr<Mailbox> mailbox);
    ProfileCache* cache_;
    std::string id_;
    std::shared_ptr<Mailbox> mailbox_;
  };

  // `users` and `clock` (nullptr = SystemClock()) must outlive the cache and every
  // PendingLoad made from it.
  ProfileCache(UserStore& users, const Clock* clock, std::chrono::seconds ttl,
               std::size_t max_entries = 10000);
  ProfileCache(const ProfileCache&) = delete;
  ProfileCache& operator=(const ProfileCache&) = delete;

  // Never blocks; allocates nothing on a hit. For kFound, `*user` points at this
  // thread's entry (password_hash empty), valid until this thread's next call on the cache.
  Hit Cached(std::string_view id, const User*& user);

  // For a kMiss on this thread: the lookup to run elsewhere. Allocates (a miss only).
  PendingLoad PrepareLoad(std::string_view id);

  // Cached(), else the database read on this thread (blocking; never on an event loop).
  // The user without its password hash (password_hash is empty).
  Result<User> Find(std::string_view id);

  // Lookups that went to the database, on any thread (tests, metrics).
  std::uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }

  // Every thread's entries are stale from now on (their next Cached() misses): a cached
  // field changed through the API (an email verified, API.md §13). Rare; never blocks.
  void ForgetAll() noexcept { generation_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  // FindById with the hash dropped; counts a miss.
  Result<User> Load(std::string_view id);

  UserStore& users_;
  const Clock& clock_;
  const std::chrono::seconds ttl_;
  const std::size_t max_entries_;
  const std::uint64_t instance_;  // keys this cache's entries in each thread's table
  std::atomic<std::uint64_t> misses_{0};
  // Bumped by ForgetAll; an entry made under another generation is stale.
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_USERS_PROFILE_CACHE_H_
