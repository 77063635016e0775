// Login throttling (API.md §6, last paragraph) over the AuthStateStore's failure windows.
//
// Failed logins are counted per identifier (as typed, lowercased: key "id:<identifier>")
// and per client IP (key "ip:<address>", an IPv6
// client's /64) over a sliding window. Before a password is
// checked, Reserve asks the store to reserve the attempt in one atomic step for both
// keys (AuthStateStore::ReserveAttempt): a key at or past its limit refuses it with
// Retry-After = the seconds until its oldest failure leaves the window (rounded up, at
// least 1; the largest of the refusing keys), and a refused attempt is not counted;
// otherwise one failure is counted for both keys at once, so concurrent attempts can
// never pass a limit (N racing guesses at a key with room for k: k are checked, the rest
// refused). A wrong password leaves the reservation as its failure. After a success,
// Succeeded forgets the identifier's failures and takes the IP's reservation back (the
// IP's earlier failures stay); an attempt never judged (queue full, user store down) is
// taken back from both with Release. A limit of 0 turns that key's throttling off.
// With Redis, every server shares the windows.
//
// Errors: whatever the store reports (Unavailable -> the caller answers 503).
// Callbacks run inline (SQLite) or on the store's thread (Redis).
// Thread safety: stateless; any thread.
#ifndef SESSIONKIT_SRC_ACCOUNT_LOGIN_THROTTLE_H_
#define SESSIONKIT_SRC_ACCOUNT_LOGIN_THROTTLE_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sessionkit/account_service.h"  // LoginLimits
#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/status.h"

namespace sessionkit::internal {

// "id:" + the identifier lowercased (ASCII). An identifier longer than 256 bytes (it
// cannot name a user) becomes "idh:" + SHA-256 hex of it, so keys stay bounded.
std::string IdentifierKey(std::string_view identifier);
// "ip:" + the client address; for IPv6, its /64 ("ip:2001:db8:1:2::/64"), since one
// subscriber holds a whole /64 and could otherwise spread guesses over its addresses.
// An IPv4-mapped IPv6 address counts as the IPv4 one; text that is no address, as is.
std::string IpKey(std::string_view client_ip);

// Whole seconds until `oldest` leaves a window of `window` at `now`, at least 1.
std::int64_t RetryAfterSeconds(TimePoint oldest, std::chrono::seconds window, TimePoint now);

// A reservation: refused when retry_after_seconds > 0; else `ticket` names the counted
// failure (empty when both limits are off: nothing was counted).
struct ThrottleReservation {
  std::int64_t retry_after_seconds = 0;
  std::string ticket;
};

class LoginThrottle {
 public:
  LoginThrottle(AuthStateStore& store, LoginLimits limits) : store_(store), limits_(limits) {}

  void ReserveAsync(const std::string& id_key, const std::string& ip_key, TimePoint now,
                    ResultCallback<ThrottleReservation> done) const;
  // The password was right: the identifier's failures reset, the IP's reservation released.
  void SucceededAsync(const std::string& id_key, std::string ip_key, std::string ticket,
                      StatusCallback done) const;
  // The attempt was never judged: the reservation released from both keys.
  void ReleaseAsync(const std::string& id_key, std::string ip_key, std::string ticket,
                    StatusCallback done) const;

  const LoginLimits& limits() const noexcept { return limits_; }

 private:
  AuthStateStore& store_;
  LoginLimits limits_;
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_ACCOUNT_LOGIN_THROTTLE_H_
