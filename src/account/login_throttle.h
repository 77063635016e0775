// Login throttling (API.md §6, last paragraph) over the AuthStateStore's failure windows.
//
// Failed logins are counted per identifier (as typed, lowercased: key "id:<identifier>")
// and per client IP (key "ip:<address>", an IPv6 client's /64) over a sliding window. Before a password is
// checked, Check peeks both windows: a key at or past its limit refuses the attempt with
// Retry-After = the seconds until its oldest failure leaves the window (rounded up, at
// least 1; the largest of the refusing keys). A refused attempt is not counted. After a
// wrong password (or an unknown user -- the same path) RecordFailure adds one failure to
// both keys; after a success, ResetIdentifier forgets the identifier's failures (the
// IP's stay). A limit of 0 turns that key's throttling off.
//
// Check and RecordFailure are separate round trips, so attempts racing past the last
// free slot can overshoot a limit by at most the number in flight; the next check sees
// them all. With Redis, every server shares the windows.
//
// Errors: whatever the store reports (Unavailable -> the caller answers 503).
// Callbacks run inline (SQLite) or on the store's thread (Redis).
// Thread safety: stateless; any thread.
#ifndef SESSIONKIT_SRC_ACCOUNT_LOGIN_THROTTLE_H_
#define SESSIONKIT_SRC_ACCOUNT_LOGIN_THROTTLE_H_

#include <chrono>
#include <cstdint>
#include <functional>
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

// 0: the attempt may go on; > 0: refuse it with this Retry-After.
using ThrottleCallback = std::function<void(Result<std::int64_t>)>;

class LoginThrottle {
 public:
  LoginThrottle(AuthStateStore& store, LoginLimits limits) : store_(store), limits_(limits) {}

  void CheckAsync(std::string id_key, std::string ip_key, TimePoint now,
                  ThrottleCallback done) const;
  void RecordFailureAsync(std::string id_key, std::string ip_key, TimePoint now,
                          StatusCallback done) const;
  void ResetIdentifierAsync(std::string_view id_key, StatusCallback done) const;

  const LoginLimits& limits() const noexcept { return limits_; }

 private:
  AuthStateStore& store_;
  LoginLimits limits_;
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_SRC_ACCOUNT_LOGIN_THROTTLE_H_
