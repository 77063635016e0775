// UserStore: the server's users (sessionkit::UserStore on SQLite), in a `users` table of the embedded SQLite database.
//
// The file is the one of DATABASE_URL; the session store may keep its own `sessions`
// table in it, but UserStore uses only `users` and its own connections. Columns: id
// (UUID v4 text), username and email (UNIQUE COLLATE NOCASE: matched and kept unique
// ignoring ASCII case), password_hash, role (default "user"), is_premium,
// is_email_verified, created_at (RFC 3339 UTC).
//
// Errors: NotFound (no such user), Conflict ("username already taken" / "email already
// registered"), Unavailable (any SQLite failure, including a lock held past the busy
// timeout). Messages never contain a password or hash.
//
// Thread-safe: a few connections, each behind its own mutex; a call takes a free one.
// Calls are short local-file operations but may wait up to busy_timeout for a writer
// lock, so the server runs writes on the worker pool.
#ifndef SESSIONKIT_SERVER_USERS_USER_STORE_H_
#define SESSIONKIT_SERVER_USERS_USER_STORE_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/user_store.h"

namespace sessionkit::server {

struct UserStoreOptions {
  std::string path;  // the database file; created if missing
  std::chrono::milliseconds busy_timeout{5000};
  std::size_t connections = 2;
  const Clock* clock = nullptr;  // for created_at; nullptr = SystemClock()
};

class UserStore final : public sessionkit::UserStore {
 public:
  // Opens the file and creates the table if needed. Unavailable if it cannot.
  static Result<std::unique_ptr<UserStore>> Open(const UserStoreOptions& options);

  UserStore(const UserStore&) = delete;
  UserStore& operator=(const UserStore&) = delete;
  ~UserStore() override;

  Result<User> FindById(std::string_view id) override;
  // The login identifier: tried as a username, then as an email (both ignoring case).
  Result<User> FindByLogin(std::string_view identifier) override;
  // OK if neither is taken; else Conflict naming which one.
  Status CheckAvailable(std::string_view username, std::string_view email) override;
  // Inserts a user with a new UUID v4 and created_at = now; returns it.
  Result<User> Create(std::string_view username, std::string_view email,
                      std::string_view password_hash) override;
  Status UpdatePasswordHash(std::string_view id, std::string_view password_hash) override;
  Status Delete(std::string_view id) override;

 private:
  struct Connection;
  explicit UserStore(const UserStoreOptions& options);
  Connection& Acquire();

  const Clock& clock_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::atomic<std::size_t> next_{0};
};

// A random (version 4) UUID in lowercase text form.
std::string NewUuidV4();

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_USERS_USER_STORE_H_
