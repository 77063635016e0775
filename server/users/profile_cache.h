// ProfileCache: the public part of users — id, username, email, role, is_premium, as
// GET /api/users/me shows them — kept in memory per thread for `ttl`.
//
// /me is a hot route, and without this every call is a SQLite read transaction on the
// I/O thread (two fcntl lock calls on the WAL index and a B-tree lookup, ~4 µs of the
// ~20 µs a /me costs). The cached fields change through no API route (there is no
// rename or role change, and a password change touches only the hash), so an entry can
// go stale only through an edit made outside the server, and then for at most `ttl`. A
// user absent from the database (a session imported from another service) is cached as
// absent too. Sessions are never cached: /me still validates against the store.
// The password hash is never kept: never use this for anything that needs it.
//
// Errors: those of UserStore::FindById (NotFound, Unavailable); only found and
// not-found answers are cached.
// Thread safety: thread-safe without a lock: each thread keeps its own entries (at most
// max_entries per thread; when full, expired ones are dropped, then all). Entries of a
// destroyed cache stay in other threads' memory until those threads end (bounded, and
// there is one cache per server).
#ifndef SESSIONKIT_SERVER_USERS_PROFILE_CACHE_H_
#define SESSIONKIT_SERVER_USERS_PROFILE_CACHE_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/users/user_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/result.h"

namespace sessionkit::server {

class ProfileCache {
 public:
  // `users` and `clock` (nullptr = SystemClock()) must outlive the cache.
  ProfileCache(UserStore& users, const Clock* clock, std::chrono::seconds ttl,
               std::size_t max_entries = 10000);
  ProfileCache(const ProfileCache&) = delete;
  ProfileCache& operator=(const ProfileCache&) = delete;

  // The user without its password hash (password_hash is empty).
  Result<User> Find(std::string_view id);

  // Lookups that went to the database, on any thread (tests, metrics).
  std::uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }

 private:
  UserStore& users_;
  const Clock& clock_;
  const std::chrono::seconds ttl_;
  const std::size_t max_entries_;
  const std::uint64_t instance_;  // keys this cache's entries in each thread's table
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_USERS_PROFILE_CACHE_H_
