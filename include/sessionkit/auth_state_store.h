// AuthStateStore: account-security state kept beside the sessions (API.md §5-6).
//
// Refresh tokens. Only the SHA-256 of a token is stored (`token_hash`, 64 lowercase hex),
// bound to one session. RotateRefresh spends a token and stores its successor in one
// atomic step, so when several servers race on the same token exactly one rotates it and
// the others (within `grace`) are told the successor that won: a spent token presented
// again within `grace` of its rotation is a replay (kGraceReplay, with the original
// rotation time and successor); later it is reuse (kReused): in that same atomic step the
// store deletes the session (record and user-index entry) and every refresh token of it,
// so the revoke holds even if the caller crashes right after. A grace replay hands out
// the newest live descendant, not a successor that is itself spent already: a tab that
// lost a race and replays late still gets the token the line is at, so its next refresh
// is no reuse (see RotateRefreshAsync).
//
// Failed logins. A sliding window per opaque key ("id:<identifier>", "ip:<addr>"):
// RecordFailure adds one failure at `now` and returns the window after it; PeekFailures
// reads it. A window counts the failures with time > now - window and reports the oldest,
// so a caller can answer Retry-After = oldest + window - now. Failures older than the
// window are trimmed as the key is written, and purged in bounded batches otherwise.
// ReserveAttempt is the race-free gate before a password check: in one atomic step it
// checks every key against its limit and, only when all are under, counts one failure
// for each (the attempt is presumed wrong until proven right); so N concurrent attempts
// at a key with room for k get exactly k grants, from any number of servers. A success
// (or an attempt never judged) takes its failure back with ReleaseAttempt.
//
// Conventions are those of session_store.h: every *Async callback runs exactly once,
// inline (SQLite) or on the Redis client's I/O thread (see redis_store.h); string_views are copied before
// the call returns; blocking wrappers are for tools and tests, never for an I/O thread.
// Times are kept at millisecond precision (issued_at, rotated_at and failure times
// rounded down, expires_at rounded up). A token is live while now < expires_at; an
// expired one is NotFound, spent or not. Errors: InvalidArgument for malformed input (a
// hash that is not 64 lowercase hex, a malformed session id, an empty key, a
// non-positive window, a negative grace, an expires_at not in the future), Conflict when
// a live token already has the hash, Unavailable for any I/O failure; nothing throws.
//
// Implementations are thread-safe, and several store objects (several servers) may share
// one database file or one Redis: every check-and-write is one transaction or one script.
#ifndef SESSIONKIT_AUTH_STATE_STORE_H_
#define SESSIONKIT_AUTH_STATE_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/clock.h"
#include "sessionkit/result.h"
#include "sessionkit/session_store.h"
#include "sessionkit/status.h"

namespace sessionkit {

enum class RefreshState : std::uint8_t {
  kActive,  // may be rotated once
  kSpent,   // rotated: rotated_at and successor_hash are set
};

struct RefreshRecord {
  std::string token_hash;      // SHA-256 of the plain token, 64 lowercase hex
  std::string session_id;      // the session the token refreshes
  std::string user_id;         // the session's user_id, as text
  TimePoint issued_at{};
  TimePoint expires_at{};      // dead at or after this instant
  RefreshState state = RefreshState::kActive;
  TimePoint rotated_at{};      // kSpent only
  std::string successor_hash;  // kSpent only
};

enum class RotateOutcome : std::uint8_t {
  kRotated,      // it was active: now spent, and the successor is stored (active)
  kGraceReplay,  // spent at most `grace` ago: hand out the line's newest live token
  kReused,       // spent longer ago: theft signal; the session and its tokens are gone
};

// Stable lowercase name ("rotated", "grace_replay", "reused").
std::string_view RotateOutcomeName(RotateOutcome outcome) noexcept;

// The views must stay valid until RotateRefreshAsync returns (they are copied by then).
struct RotateRequest {
  std::string_view presented_hash;  // hash of the token the client sent
  std::string_view successor_hash;  // hash of the successor the caller derived
  TimePoint now{};                  // the caller's one clock reading for this request
  std::chrono::milliseconds grace{10'000};  // REFRESH_REUSE_GRACE_SECONDS; >= 0
  TimePoint successor_expires_at{};         // > now
};

struct RefreshRotation {
  RotateOutcome outcome = RotateOutcome::kRotated;
  std::string session_id;
  std::string user_id;
  // When the presented token was spent: `now` (ms precision) for kRotated, the first
  // rotation's time for kGraceReplay and kReused. A caller re-signing the access token
  // of a grace replay uses it as iat, so both answers are byte-identical.
  TimePoint rotated_at{};
  // The successor stored at that rotation (for kRotated, the one passed in). For
  // kGraceReplay the newest live descendant: the stored successor if it is still active,
  // else the first active token down the chain of successors (each one's `next`), and
  // rotated_at is then the time of the rotation that created it. Empty when the chain
  // breaks (a link gone) or runs past kMaxReplayGenerations: the caller answers so that
  // the client logs in again, without a theft verdict.
  std::string successor_hash;
  // How many rotations successor_hash is after the presented token (1 = its own
  // successor; a caller deriving successors re-derives that many times); 0 when empty.
  std::uint32_t generations = 1;
};

// How far a grace replay follows the chain of successors.
inline constexpr std::uint32_t kMaxReplayGenerations = 8;

struct FailureWindow {
  std::uint64_t count = 0;  // failures with time > now - window
  TimePoint oldest{};       // the earliest of them; the epoch when count == 0
};

// One key of a ReserveAttempt and the failures in the window that refuse an attempt.
// The view must stay valid until ReserveAttemptAsync returns.
struct AttemptKey {
  std::string_view key;
  std::uint32_t limit = 1;  // > 0
};

struct AttemptReservation {
  bool granted = false;
  // Granted: names the failure counted for this attempt in every key (ReleaseAttempt).
  std::string ticket;
  // Per key, in the order given: the window after the reservation (granted) or as found
  // (refused; a key with count >= its limit is one that refused).
  std::vector<FailureWindow> windows;
};

// A login waiting for its second factor (API.md §9): the mfa_token the client holds is
// 256 random bits; the store keeps only its SHA-256 (64 lowercase hex), bound to the user.
struct MfaTokenRecord {
  std::string token_hash;
  std::string user_id;
  TimePoint expires_at{};      // dead at or after this instant (300 s after the password)
  std::uint32_t failures = 0;  // wrong codes so far
};

// --- email (API.md §13) ---
// A link mailed to a user: the client holds 256 random bits (base64url); the store keeps
// only the SHA-256 (64 lowercase hex).
enum class EmailTokenPurpose : std::uint8_t {
  kVerifyEmail = 1,    // 24 h; proves the address
  kResetPassword = 2,  // 30 min; only the user's newest one is live
};

struct EmailTokenRecord {
  std::string token_hash;
  std::string user_id;
  EmailTokenPurpose purpose = EmailTokenPurpose::kVerifyEmail;
  TimePoint expires_at{};  // dead at or after this instant
};

// One message of the durable mail queue.
struct QueuedMail {
  std::string id;         // caller-made, 1-64 of [0-9a-z]; unique
  std::string recipient;  // the envelope recipient (an address)
  std::string message;    // the whole RFC 5322 message, CRLF line ends, ready to send
  TimePoint enqueued_at{};
  TimePoint due_at{};          // not attempted before this
  std::uint32_t attempts = 0;  // claims so far, the current one included
  std::string lease;           // the current claim's id (ClaimMail); empty when unclaimed
};

class AuthStateStore {
 public:
  virtual ~AuthStateStore() = default;

  // --- refresh tokens (API.md §5) ---

  // Stores `record` as an active token (its state, rotated_at and successor_hash are
  // ignored) with TTL = expires_at - now (store clock). Conflict if a live token has the
  // hash; InvalidArgument if expires_at is not in the future.
  virtual void IssueRefreshAsync(const RefreshRecord& record, StatusCallback done) = 0;

  // The token as stored. NotFound if unknown or expired (store clock).
  virtual void GetRefreshAsync(std::string_view token_hash, ResultCallback<RefreshRecord> done) = 0;

  // Atomically: active -> spent + successor stored active (same session and user, issued
  // at `now`) -> kRotated; spent within grace -> kGraceReplay (with the newest live
  // descendant, see RefreshRotation; nothing changes); spent later -> kReused and
  // the session (record and index entry) and all its refresh tokens deleted. NotFound if
  // the presented token is unknown or expired at `now`. Conflict (nothing changed) if a
  // live token already has successor_hash.
  virtual void RotateRefreshAsync(const RotateRequest& request,
                                  ResultCallback<RefreshRotation> done) = 0;

  // Deletes every refresh token of the session (cleanup at logout; tokens of a deleted
  // session are refused anyway by the caller's session check). Returns how many of
  // them were live.
  virtual void RevokeRefreshForSessionAsync(std::string_view session_id,
                                            ResultCallback<std::uint64_t> done) = 0;

  // --- failed logins (API.md §6) ---

  // Adds one failure for `key` at `now`, trims the key's failures at or before
  // now - window, and returns the window including the new failure. One round trip.
  virtual void RecordFailureAsync(std::string_view key, TimePoint now,
                                  std::chrono::milliseconds window,
                                  ResultCallback<FailureWindow> done) = 0;

  // The window at `now` without changing anything. One round trip.
  virtual void PeekFailuresAsync(std::string_view key, TimePoint now,
                                 std::chrono::milliseconds window,
                                 ResultCallback<FailureWindow> done) = 0;

  // Forgets every failure of `key` (a successful login resets its identifier).
  virtual void ResetFailuresAsync(std::string_view key, StatusCallback done) = 0;

  // Atomically (one script / one transaction for all `keys`): trims each key's window;
  // if any key holds >= its limit failures, refuses and counts nothing; else adds one
  // failure at `now` to every key and grants. 1 to 4 keys, each non-empty with limit > 0,
  // else InvalidArgument. One round trip.
  virtual void ReserveAttemptAsync(const std::vector<AttemptKey>& keys, TimePoint now,
                                   std::chrono::milliseconds window,
                                   ResultCallback<AttemptReservation> done) = 0;

  // Removes the failure that the reservation named by `ticket` counted for `key` (a
  // no-op if it is gone already: trimmed or reset). InvalidArgument for an empty key or
  // a ticket this store never hands out.
  virtual void ReleaseAttemptAsync(std::string_view key, std::string_view ticket,
                                   StatusCallback done) = 0;

  // --- pending second factor (API.md §9) ---
  // Appended; a store that does not implement them answers Internal. `now` is the
  // caller's clock reading; a token is live while now < expires_at. InvalidArgument for a
  // hash that is not 64 lowercase hex, an empty user id or an expires_at not after now.

  // Stores a pending login (failures 0) with TTL = expires_at - now. Conflict if a live
  // token has the hash.
  virtual void PutMfaTokenAsync(const MfaTokenRecord& record, TimePoint now, StatusCallback done);
  // The live token. NotFound if unknown, expired or taken.
  virtual void GetMfaTokenAsync(std::string_view token_hash, TimePoint now,
                                ResultCallback<MfaTokenRecord> done);
  // Atomically counts one wrong code and returns the failures after it; the token that
  // reaches `max_failures` is deleted in the same step (it dies). NotFound if not live.
  virtual void CountMfaFailureAsync(std::string_view token_hash, TimePoint now,
                                    std::uint32_t max_failures, ResultCallback<std::uint32_t> done);
  // Atomically reads and deletes the live token: single use, so of two racing takes
  // exactly one gets it. NotFound if unknown, expired or taken already.
  virtual void TakeMfaTokenAsync(std::string_view token_hash, TimePoint now,
                                 ResultCallback<MfaTokenRecord> done);


  // --- email tokens and the mail queue (API.md §13) ---
  // Appended; a store that does not implement them answers Internal. `now` is the
  // caller's clock reading; a token is live while now < expires_at. InvalidArgument for a
  // hash that is not 64 lowercase hex, an empty user id, an expires_at not after now, a
  // bad mail id or lease, an empty recipient or message.

  // Stores a token with TTL = expires_at - now. A kResetPassword token kills every other
  // reset token of the same user in the same atomic step (only the newest is live).
  // Conflict if a live token has the hash.
  virtual void PutEmailTokenAsync(const EmailTokenRecord& record, TimePoint now,
                                  StatusCallback done);
  // Atomically reads and deletes the live token of `purpose`: single use, so of two
  // racing takes exactly one gets it. NotFound if unknown, expired, taken, killed by a
  // newer reset token, or of the other purpose (then it stays).
  virtual void TakeEmailTokenAsync(std::string_view token_hash, EmailTokenPurpose purpose,
                                   TimePoint now, ResultCallback<EmailTokenRecord> done);

  // Queues `mail` (its lease and attempts are ignored: unclaimed, 0), durably once done
  // is called with OK. Conflict if the id is queued already.
  virtual void EnqueueMailAsync(const QueuedMail& mail, StatusCallback done);
  // Atomically claims the queued message with the earliest due_at <= now (ties: smaller
  // id): its due_at becomes now + lease_for (a claimer that dies leaves a claim that runs
  // out, and the message is due again), attempts counts one more, and `lease_id` becomes
  // its lease. Of several claimers (any servers) exactly one gets a given claim.
  // NotFound when nothing is due.
  virtual void ClaimMailAsync(TimePoint now, std::chrono::milliseconds lease_for,
                              std::string_view lease_id, ResultCallback<QueuedMail> done);
  // Deletes the message if `lease` is still its lease (sent, or given up). NotFound if it
  // is gone or another claim took it over.
  virtual void FinishMailAsync(std::string_view id, std::string_view lease, StatusCallback done);
  // A failed attempt: due_at becomes `due_at` (the backoff) if `lease` is still its
  // lease. NotFound as FinishMail.
  virtual void RetryMailAsync(std::string_view id, std::string_view lease, TimePoint due_at,
                              StatusCallback done);
  // How many messages are queued (claimed or not).
  virtual void CountMailAsync(ResultCallback<std::uint64_t> done);

  // --- blocking wrappers (see session_store.h) ---
  Status IssueRefresh(const RefreshRecord& record);
  Result<RefreshRecord> GetRefresh(std::string_view token_hash);
  Result<RefreshRotation> RotateRefresh(const RotateRequest& request);
  Result<std::uint64_t> RevokeRefreshForSession(std::string_view session_id);
  Result<FailureWindow> RecordFailure(std::string_view key, TimePoint now,
                                      std::chrono::milliseconds window);
  Result<FailureWindow> PeekFailures(std::string_view key, TimePoint now,
                                     std::chrono::milliseconds window);
  Status ResetFailures(std::string_view key);
  Result<AttemptReservation> ReserveAttempt(const std::vector<AttemptKey>& keys, TimePoint now,
                                            std::chrono::milliseconds window);
  Status ReleaseAttempt(std::string_view key, std::string_view ticket);
  Status PutMfaToken(const MfaTokenRecord& record, TimePoint now);
  Result<MfaTokenRecord> GetMfaToken(std::string_view token_hash, TimePoint now);
  Result<std::uint32_t> CountMfaFailure(std::string_view token_hash, TimePoint now,
                                        std::uint32_t max_failures);
  Result<MfaTokenRecord> TakeMfaToken(std::string_view token_hash, TimePoint now);
  Status PutEmailToken(const EmailTokenRecord& record, TimePoint now);
  Result<EmailTokenRecord> TakeEmailToken(std::string_view token_hash, EmailTokenPurpose purpose,
                                          TimePoint now);
  Status EnqueueMail(const QueuedMail& mail);
  Result<QueuedMail> ClaimMail(TimePoint now, std::chrono::milliseconds lease_for,
                               std::string_view lease_id);
  Status FinishMail(std::string_view id, std::string_view lease);
  Status RetryMail(std::string_view id, std::string_view lease, TimePoint due_at);
  Result<std::uint64_t> CountMail();
};

using AuthStateStorePtr = std::shared_ptr<AuthStateStore>;

// The factories live in the backends' headers: OpenSqliteAuthStateStore in
// sessionkit/sqlite_store.h, OpenRedisAuthStateStore and OpenRedisStoresOnLoops in
// sessionkit/redis_store.h.

}  // namespace sessionkit

#endif  // SESSIONKIT_AUTH_STATE_STORE_H_
