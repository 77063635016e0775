// UserStore: the accounts a server authenticates (API.md §6), behind an interface so
// that the account flows (account_service.h) work on any user database.
//
// Identifiers: `id` is the primary key; a login identifier is tried as a username, then
// as an email, both matched ignoring ASCII case, and usernames and emails are unique
// ignoring ASCII case.
//
// Errors: NotFound (no such user), Conflict ("username already taken" / "email already
// registered", from CheckAvailable and Create), Unavailable (the database failed or is
// unreachable). Messages never contain a password or a hash.
//
// Calls block (disk or network I/O): never make them on an event loop; the server runs
// them on its worker pool. Implementations are thread-safe.
#ifndef SESSIONKIT_USER_STORE_H_
#define SESSIONKIT_USER_STORE_H_

#include <memory>
#include <string>
#include <string_view>

#include "sessionkit/result.h"
#include "sessionkit/status.h"

namespace sessionkit {

struct User {
  std::string id;
  std::string username;
  std::string email;
  std::string password_hash;  // never logged, never in a response
  std::string role = "user";
  bool is_premium = false;
  bool is_email_verified = false;
  std::string created_at;     // RFC 3339 UTC
};

// Blocking calls: never call them on an event loop; the server runs them on its worker pool.
class UserStore {
 public:
  virtual ~UserStore() = default;
  virtual Result<User> FindById(std::string_view id) = 0;
  virtual Result<User> FindByLogin(std::string_view identifier) = 0;   // username, then email; ASCII case-insensitive
  virtual Status CheckAvailable(std::string_view username, std::string_view email) = 0;  // Conflict naming which
  virtual Result<User> Create(std::string_view username, std::string_view email, std::string_view password_hash) = 0;
  virtual Status UpdatePasswordHash(std::string_view id, std::string_view password_hash) = 0;
  virtual Status Delete(std::string_view id) = 0;
};
using UserStorePtr = std::shared_ptr<UserStore>;

}  // namespace sessionkit

#endif  // SESSIONKIT_USER_STORE_H_
