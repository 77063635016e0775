// UserStore: the accounts an application logs in (API.md §6), behind one interface.
//
// A user has a server-made id (UUID v4 text), a username and an email that are each
// unique ignoring ASCII case ("Alice" and "ALICE" are the same name), a password hash
// (argon2id or bcrypt, made by the caller; the store never sees a password), a role, two
// flags and its creation time. Usernames and emails are kept as given and matched
// ignoring ASCII case. The embedded backend is the SQLite one (sqlite_store.h); the
// conformance suite (tests/user_store_conformance) is the contract a new backend runs.
//
// Errors, the same for every backend: NotFound (no such user), Conflict with the message
// "username already taken" or "email already registered" (a taken name wins when both
// are taken), Unavailable for any database failure (down, locked past its timeout,
// unreadable). Messages never contain a password hash. Nothing throws.
//
// Blocking calls: they may wait on a disk lock or the network. Never call them on an
// event loop; a server runs them on its worker pool. Implementations are thread-safe,
// and several store objects (several servers) may share one database: uniqueness is
// enforced by the database, so of two racing registrations of a name exactly one wins.
#ifndef SESSIONKIT_USER_STORE_H_
#define SESSIONKIT_USER_STORE_H_

#include <cstdint>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/result.h"
#include "sessionkit/status.h"
#include "sessionkit/two_factor.h"

namespace sessionkit {

struct User {
  std::string id;             // UUID v4 text for users created here
  std::string username;
  std::string email;
  std::string password_hash;  // argon2id or bcrypt; never logged, never in a response
  std::string role = "user";
  bool is_premium = false;
  bool is_email_verified = false;
  std::string created_at;     // RFC 3339 UTC
  // API.md §11: a disabled user cannot log in (403 account_disabled) or refresh (401).
  bool disabled = false;
};

// Blocking calls: they may wait on a disk lock or the network. Never call them on an event loop;
// the server runs them on its worker pool. Thread-safe.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // NotFound if no user has this id.
  virtual Result<User> FindById(std::string_view id) = 0;
  // The login identifier: tried as a username, then as an email (both ignoring ASCII case).
  virtual Result<User> FindByLogin(std::string_view identifier) = 0;
  // OK if neither is taken; else Conflict naming which one.
  virtual Status CheckAvailable(std::string_view username, std::string_view email) = 0;
  // Inserts a user with a new UUID v4 and created_at = now; returns it. Conflict naming
  // which one is taken (checked atomically with the insert).
  virtual Result<User> Create(std::string_view username, std::string_view email,
                              std::string_view password_hash) = 0;
  // Replaces the hash (a rehash on login, a password change). NotFound if no such user.
  virtual Status UpdatePasswordHash(std::string_view id, std::string_view password_hash) = 0;
  // Removes the user; OK whether or not it existed.
  virtual Status Delete(std::string_view id) = 0;

  // --- second factor (API.md §9) ---
  // One enrolment per user (sessionkit/two_factor.h), deleted with the user. A store
  // that keeps no enrolments (the read-only external schema) keeps these defaults:
  // SupportsTwoFactor() false, GetTwoFactor NotFound (2FA off), writes InvalidArgument.
  // Several servers may share the database: every check-and-write is one statement.

  virtual bool SupportsTwoFactor() const { return false; }
  // NotFound if the user has no enrolment (pending or confirmed).
  virtual Result<TwoFactorEnrolment> GetTwoFactor(std::string_view user_id);
  // Stores a pending enrolment (not confirmed, last_step -1, no recovery codes),
  // replacing an earlier pending one. Conflict if a confirmed one exists.
  virtual Status PutPendingTwoFactor(std::string_view user_id, std::string_view key_id,
                                     std::string_view sealed_secret);
  // Pending -> confirmed, with last_step = `step` and the recovery code hashes, only if
  // the pending enrolment still holds `sealed_secret` (a setup replaced meanwhile, or a
  // second confirm, is Conflict and changes nothing).
  virtual Status ConfirmTwoFactor(std::string_view user_id, std::string_view sealed_secret,
                                  std::int64_t step,
                                  const std::vector<std::string>& recovery_code_hashes);
  // Compare-and-set: last_step = step where the enrolment is confirmed and last_step < step.
  // true: the code of `step` is accepted, once; false: that step or a later one was
  // accepted already (a replay, from any server), or there is no confirmed enrolment.
  virtual Result<bool> AdvanceTwoFactorStep(std::string_view user_id, std::int64_t step);
  // Spends one unused recovery code of a confirmed enrolment (a compare-and-set on the
  // list). `left`: codes still unused after it. used=false if the hash is not among them.
  struct RecoveryCodeUse {
    bool used = false;
    std::uint32_t left = 0;
  };
  virtual Result<RecoveryCodeUse> UseRecoveryCode(std::string_view user_id,
                                                  std::string_view code_hash);
  // Replaces every recovery code of a confirmed enrolment. NotFound if none is confirmed.
  virtual Status ReplaceRecoveryCodes(std::string_view user_id,
                                      const std::vector<std::string>& recovery_code_hashes);
  // Removes the enrolment (2FA off, codes gone); OK whether or not there was one.
  virtual Status DeleteTwoFactor(std::string_view user_id);
  // --- administration (sessionkit-ctl, API.md §11) ---
  // A store that does not own its users (a read-only external schema) keeps these
  // defaults: InvalidArgument("user store is read-only").
  //
  // Inserts `user` with every field as given (an import): an empty id gets a new UUID
  // v4, an empty created_at now. Conflict as Create, or "id already taken". Returns it.
  virtual Result<User> Insert(const User& user);
  // Up to `limit` users (hashes included; the caller drops them) ordered by username
  // ignoring ASCII case, those after `after_username` ("" = from the first).
  virtual Result<std::vector<User>> List(std::string_view after_username, std::size_t limit);
  // Sets or clears `disabled`. NotFound if no such user.
  virtual Status SetDisabled(std::string_view id, bool disabled);
  // Sets the role (carried by tokens issued afterwards). NotFound if no such user.
  virtual Status SetRole(std::string_view id, std::string_view role);

  // --- email (API.md §13) ---
  // Sets or clears is_email_verified (a verification link was followed). NotFound if no
  // such user; a read-only store keeps the default: InvalidArgument("user store is read-only").
  virtual Status SetEmailVerified(std::string_view id, bool verified);
};

// The defaults: a store without second-factor tables.
inline Result<TwoFactorEnrolment> UserStore::GetTwoFactor(std::string_view) {
  return Status::NotFound("this user store keeps no second factor");
}
inline Status UserStore::PutPendingTwoFactor(std::string_view, std::string_view,
                                             std::string_view) {
  return Status::InvalidArgument("this user store keeps no second factor");
}
inline Status UserStore::ConfirmTwoFactor(std::string_view, std::string_view, std::int64_t,
                                          const std::vector<std::string>&) {
  return Status::InvalidArgument("this user store keeps no second factor");
}
inline Result<bool> UserStore::AdvanceTwoFactorStep(std::string_view, std::int64_t) {
  return Status::InvalidArgument("this user store keeps no second factor");
}
inline Result<UserStore::RecoveryCodeUse> UserStore::UseRecoveryCode(std::string_view,
                                                                     std::string_view) {
  return Status::InvalidArgument("this user store keeps no second factor");
}
inline Status UserStore::ReplaceRecoveryCodes(std::string_view,
                                              const std::vector<std::string>&) {
  return Status::InvalidArgument("this user store keeps no second factor");
}
inline Status UserStore::DeleteTwoFactor(std::string_view) { return Status::Ok(); }

using UserStorePtr = std::shared_ptr<UserStore>;

}  // namespace sessionkit

#endif  // SESSIONKIT_USER_STORE_H_
