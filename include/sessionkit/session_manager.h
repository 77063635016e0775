// SessionManager: the session policy of API.md §2-3 on top of any SessionStore.
//
// create   -> a new `sess_` id, times from the clock, idle/absolute deadline, per-user cap.
// validate -> id format check before any lookup, then store lookup, expiry (idle and
//             absolute), user match, IP/User-Agent binding policy, throttled sliding write.
// revoke, revoke-all-for-user, list-for-user (live only, newest created_at first).
//
// Every operation has an *Async form (callback invoked exactly once, inline or on the
// store's thread; see session_store.h) and a blocking form for simple programs.
// Thread-safe; holds no lock. The manager must outlive the operations it started
// (destroy it only after its callers have drained).
#ifndef SESSIONKIT_SESSION_MANAGER_H_
#define SESSIONKIT_SESSION_MANAGER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/session.h"
#include "sessionkit/session_store.h"

namespace sessionkit {

enum class BindingPolicy : std::uint8_t {
  kWarn,    // accept drifted IP / User-Agent and report it (Validation flags)
  kStrict,  // refuse with BindingMismatch
};

struct ManagerOptions {
  // Idle timeout that activity slides forward (SESSION_TTL_HOURS). Must be > 0.
  std::chrono::seconds idle_timeout{48 * 3600};
  // Absolute lifetime from created_at that nothing extends (SESSION_MAX_LIFETIME_HOURS).
  // Must be > 0. expires_at = min(last_seen + idle, created_at + absolute).
  std::chrono::seconds absolute_lifetime{720 * 3600};
  // A validation rewrites the record only when now - last_seen >= touch_interval
  // (SESSION_TOUCH_INTERVAL_SECONDS). 0 = every validation writes.
  std::chrono::seconds touch_interval{60};
  // What IP / User-Agent drift from the record does (SESSION_BINDING).
  BindingPolicy binding = BindingPolicy::kWarn;
  // Live sessions per user; a new one beyond the cap evicts the oldest (0 = unlimited).
  std::uint32_t max_sessions_per_user = 0;
  // nullptr = SystemClock(). Not owned; must outlive the manager.
  const Clock* clock = nullptr;
};

struct NewSession {
  std::string user_id;
  bool user_id_is_number = false;  // write user_id as a JSON number (imported numeric ids)
  std::string username;
  std::string purpose = "login";
  std::string ip_address;
  std::string user_agent;
  std::string device_id;  // empty: derived from user_agent (DeriveDeviceId)
  int aal = 1;            // 2: made through the second factor (API.md §9)
};

struct ValidateRequest {
  std::string_view session_id;
  std::string_view expected_user_id;  // empty: any user
  std::string_view ip_address;        // empty: not checked
  std::string_view user_agent;        // empty: not checked
};

struct Validation {
  Session session;                  // times updated by the sliding write, if one happened
                                    // (`raw` stays the record as read)
  bool ip_changed = false;          // drift seen (policy warn); for the caller to log
  bool user_agent_changed = false;
  bool touched = false;             // a sliding write was made
};

struct CreatedSession {
  Session session;
  std::vector<std::string> evicted;  // ids removed by the per-user cap
};

class SessionManager {
 public:
  // InvalidArgument for non-positive timeouts or a null store.
  static Result<std::unique_ptr<SessionManager>> Open(const ManagerOptions& options,
                                                      SessionStorePtr store);

  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;
  ~SessionManager();

  void CreateAsync(NewSession request, ResultCallback<CreatedSession> done);

  // Errors: Malformed (id format; no lookup made), NotFound, Expired, WrongUser,
  // BindingMismatch (strict policy), Unavailable.
  void ValidateAsync(const ValidateRequest& request, ResultCallback<Validation> done);

  // true if a live session was deleted. Malformed for a bad id (no lookup made).
  void RevokeAsync(std::string_view session_id, ResultCallback<bool> done);

  // Deletes all of the user's sessions except keep_session_id (may be empty); returns
  // the number of live sessions deleted.
  void RevokeAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                             ResultCallback<std::uint64_t> done);

  // Live sessions, newest created_at first (ties: smaller id first).
  void ListForUserAsync(std::string_view user_id, ResultCallback<std::vector<Session>> done);

  // Blocking forms.
  Result<CreatedSession> Create(NewSession request);
  Result<Validation> Validate(const ValidateRequest& request);
  Result<bool> Revoke(std::string_view session_id);
  Result<std::uint64_t> RevokeAllForUser(std::string_view user_id,
                                         std::string_view keep_session_id = {});
  Result<std::vector<Session>> ListForUser(std::string_view user_id);

  const ManagerOptions& options() const noexcept { return options_; }
  SessionStore& store() const noexcept { return *store_; }

  // The deadline of a session: min(last_seen + idle, created_at + absolute).
  TimePoint DeadlineFor(TimePoint created_at, TimePoint last_seen) const noexcept;

 private:
  SessionManager(const ManagerOptions& options, SessionStorePtr store);
  // The throttled sliding write of a validation that passed every check.
  void Slide(Validation v, TimePoint now, ResultCallback<Validation> done);

  ManagerOptions options_;
  const Clock& clock_;
  SessionStorePtr store_;
};

}  // namespace sessionkit

#endif  // SESSIONKIT_SESSION_MANAGER_H_
