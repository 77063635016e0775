// AccountService: the account flows of API.md §5-6 on SessionManager, AuthStateStore
// and UserStore -- register, login (with the login throttle), refresh-token rotation
// (grace replay, reuse detection) and password change (revoking the other sessions).
//
// It decides and returns an outcome per flow; it never speaks HTTP and never logs. An
// outcome carries a result the caller branches on plus the facts a caller reports
// (metrics, log lines), so the server's handlers only translate. Background tidy-ups
// whose failure changes no answer (dropping refresh tokens of evicted sessions, taking
// back a session whose refresh token could not be stored) are reported to `notices`.
//
// Threads. Every UserStore call and every password hash runs on the `blocking`
// executor it is given (the server's worker pool), never on the caller's thread: a
// refused submission (queue full, stopping) ends the flow with a kBusy result and the
// job is dropped. Store calls (SessionManager, AuthStateStore) are asynchronous. So an
// outcome callback runs exactly once, on a blocking-executor thread, on a store thread,
// or inline; it must be quick. One exception: when register has to remove the user it
// just created (no session could be issued) and the executor refuses that job, the
// delete runs on the completing thread rather than leave a half-registered user.
//
// Sessions issued here carry the claims of API.md §4 (AccessClaims, jwt.h): user fields
// from the UserStore (or, for a session of a user this database does not know, the
// session's own user_id and username), iat = now or the rotation time, exp = iat +
// access_token_lifetime. Refresh tokens: 43 base64url characters, stored as SHA-256; a
// successor is derived from the spent token with a key from `refresh_secret`, so every
// server sharing the secret answers a grace replay identically.
//
// Errors inside outcomes are Status values: Unavailable means a store was down (the
// server answers 503); Conflict from the UserStore names what is taken.
// Thread safety: all methods may be called from any thread concurrently. The service
// holds no lock and no per-request state; everything it is given must outlive it and
// the flows it started.
#ifndef SESSIONKIT_ACCOUNT_SERVICE_H_
#define SESSIONKIT_ACCOUNT_SERVICE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/jwt.h"
#include "sessionkit/password_hasher.h"
#include "sessionkit/result.h"
#include "sessionkit/session.h"
#include "sessionkit/session_manager.h"
#include "sessionkit/status.h"
#include "sessionkit/two_factor.h"
#include "sessionkit/user_store.h"

namespace sessionkit {

namespace internal {
class TotpSecretBox;
}  // namespace internal

// Runs `job` on a thread that may block (user database, password hashing). Returns
// false, without running the job, when it cannot take it (queue full, stopping).
using BlockingExecutor = std::function<bool(std::function<void()> job)>;

// Failed-login windows (API.md §6): a key at or past its limit refuses the attempt with
// Retry-After = seconds until its oldest failure leaves the window. 0 turns a key off.
struct LoginLimits {
  std::chrono::seconds window{900};       // LOGIN_FAILURE_WINDOW_SECONDS; > 0
  std::uint32_t max_per_identifier = 10;  // LOGIN_MAX_FAILURES_PER_IDENTIFIER; 0 = off
  std::uint32_t max_per_ip = 100;         // LOGIN_MAX_FAILURES_PER_IP; 0 = off
};

struct AccountOptions {
  // The secret the refresh-successor key is derived from (JWT_SECRET). Non-empty.
  std::string refresh_secret;
  std::chrono::seconds access_token_lifetime{48 * 3600};  // JWT_EXPIRED
  std::string issuer = "sessionkit";                      // JWT_ISSUER (iss)
  // A spent refresh token presented again within this is a replay, later reuse
  // (REFRESH_REUSE_GRACE_SECONDS). >= 0.
  std::chrono::seconds refresh_grace{10};
  LoginLimits login_limits;
  // Rehash a bcrypt or old-cost password at the next good login. Off when the users
  // belong to another system (a read-only external schema, API.md §10): their hashes
  // are verified and never rewritten.
  bool upgrade_password_hashes = true;
  const Clock* clock = nullptr;  // nullptr = SystemClock(); not owned
  // Second factor (API.md §9). Keys sealing TOTP secrets, the first one sealing, all
  // opening (TOTP_ENCRYPTION_KEYS); empty = DeriveTotpEncryptionKey(refresh_secret).
  // Keys derived from earlier JWT secrets may be listed after it to keep opening
  // secrets sealed before a JWT_SECRET rotation (docs/two-factor.md).
  std::vector<TotpEncryptionKey> totp_keys;
  std::chrono::seconds mfa_token_lifetime{300};  // a login waiting for its code
  std::uint32_t mfa_max_failures = 5;            // wrong codes that kill an mfa_token

  // Email (API.md §13): verification and recovery mails, queued in the AuthStateStore.
  struct Email {
    bool enabled = false;       // SMTP_URL set; off: every email flow answers kDisabled
    std::string public_origin;  // PUBLIC_ORIGIN: links are <origin>/account/...
    std::string mail_from;      // MAIL_FROM
    std::chrono::seconds verify_token_lifetime{24 * 3600};
    std::chrono::seconds reset_token_lifetime{30 * 60};
    std::chrono::seconds verify_request_interval{60};  // at most one verification mail per
  } email;
};

// A tidy-up that failed without changing any answer, for the caller to log.
struct AccountNotice {
  enum class Kind : std::uint8_t {
    kRefreshTokensNotDropped,  // tokens of a gone session stay until they expire
    kSessionWithoutRefreshToken,  // a session issued without its token could not be revoked
  };
  Kind kind;
  std::string session_id;
  Code code = Code::kOk;
};

// What the service uses. Not owned: each must outlive the service.
struct AccountDependencies {
  SessionManager* sessions = nullptr;
  AuthStateStore* auth_state = nullptr;
  UserStore* users = nullptr;
  const JwtCodec* jwt = nullptr;
  const PasswordHasher* hasher = nullptr;
  BlockingExecutor blocking;                          // required
  std::function<void(const AccountNotice&)> notices;  // optional
};

// What a session records about the client.
struct ClientInfo {
  std::string ip;
  std::string user_agent;
  std::string device_id;  // X-Device-Id; empty or unusable: derived from user_agent
};

// A session handed out by register or login. `session.id` is non-empty once the session
// was created, even when the flow then failed (the session has been revoked again).
struct IssuedSession {
  Session session;
  std::vector<std::string> evicted;  // ids removed by the per-user cap (tokens dropped)
  std::string access_token;
  std::string refresh_token;
};

// Which step of issuing a session failed (for the log): "session create",
// "refresh token" (the CSPRNG) or "refresh token store".
using IssueStep = std::string_view;

// --- register ---

struct RegisterRequest {
  std::string username;  // already checked against the input rules by the caller
  std::string email;
  std::string password;
  ClientInfo client;
};

enum class RegisterResult : std::uint8_t {
  kRegistered,      // user created, session issued
  kBusy,            // the blocking executor refused the job
  kUserStoreError,  // CheckAvailable / Create failed: `error` (Conflict names what is taken)
  kHashFailed,      // hashing failed (out of memory)
  kSessionFailed,   // no session (`error`, `failed_step`); the user was removed again
};

struct RegisterOutcome {
  RegisterResult result = RegisterResult::kRegistered;
  Status error;
  User user;            // once created (password_hash empty)
  IssueStep failed_step;
  IssuedSession issued;
};

// --- login ---

struct LoginRequest {
  std::string identifier;  // username or email, surrounding whitespace already trimmed
  std::string password;
  ClientInfo client;
};

enum class LoginResult : std::uint8_t {
  kLoggedIn,
  kInvalidCredentials,  // unknown user or wrong password (recorded as a failure)
  kThrottled,           // identifier or IP past its limit: `retry_after_seconds`
  kBusy,                // the blocking executor refused the job
  kStoreError,          // users, throttle or auth-state store failed: `error`
  kSessionFailed,       // the password was right, but no session (`error`, `failed_step`)
  // The password was right and the user has 2FA on: no session anywhere; `mfa_token`
  // (single use) and `mfa_expires_in` for the client to send with its code.
  kSecondFactorRequired,
  // The password was right but the account is disabled (API.md §11): no session. Told
  // only after the password check, so it reveals nothing to someone without it.
  kAccountDisabled,
};

enum class PasswordRejection : std::uint8_t { kNone, kUnknownUser, kWrongPassword };
enum class HashUpgrade : std::uint8_t { kNone, kUpgraded, kFailed };

struct LoginOutcome {
  LoginResult result = LoginResult::kLoggedIn;
  Status error;
  std::int64_t retry_after_seconds = 0;
  // Facts along the way, set whatever the final result:
  PasswordRejection rejection = PasswordRejection::kNone;  // a failed login was counted
  bool password_matched = false;  // a good login (counted before the session is issued)
  HashUpgrade upgrade = HashUpgrade::kNone;  // bcrypt/old-cost hash rehashed to argon2id
  Code upgrade_error = Code::kOk;            // kFailed: why
  Code throttle_reset_error = Code::kOk;     // the identifier's failures were not reset
  User user;                                 // once matched (password_hash empty)
  IssueStep failed_step;
  IssuedSession issued;
  std::string mfa_token;           // kSecondFactorRequired
  std::int64_t mfa_expires_in = 0;  // seconds
};

// --- refresh ---

enum class RefreshResult : std::uint8_t {
  kRotated,      // a fresh pair
  kGraceReplay,  // the same pair as the first rotation of this token
  kReused,       // spent longer ago than the grace: session and its tokens are revoked
  kInvalid,      // malformed, unknown, expired, or its session is not valid
  kBusy,         // the blocking executor refused the user lookup (the rotation stands)
  kStoreError,   // a store was down: `error` (Unavailable)
  kInternal,     // any other failure: `error`
};

enum class RefreshRefusal : std::uint8_t {
  kNone,
  kSuccessorConflict,  // a live token already had the successor's hash
  kReplayKeyChanged,   // the replay derives another successor (refresh_secret changed)
  kReplayLineGone,     // a replay whose chain of successors is gone or too long: log in
  kAccountDisabled,    // the session's user is disabled (API.md §11); the session is revoked
};

struct RefreshRequest {
  std::string refresh_token;
  std::string client_ip;
  std::string user_agent;
};

struct RefreshOutcome {
  RefreshResult result = RefreshResult::kInvalid;
  Status error;
  RefreshRefusal refusal = RefreshRefusal::kNone;  // kInvalid: a refusal worth a log line
  // Once the store answered a rotation (kRotated/kGraceReplay are counted even if the
  // answer then failed): its outcome.
  bool rotation_done = false;
  RotateOutcome rotation = RotateOutcome::kRotated;
  std::string session_id;  // the token's session (rotation, refusals)
  std::string user_id;
  std::chrono::milliseconds spent_ago{0};  // kReused: since the first rotation
  std::string access_token;                // kRotated, kGraceReplay
  std::string refresh_token;
  TimePoint session_created_at{};          // kRotated, kGraceReplay: the session's
};

// --- password change ---

struct PasswordChangeRequest {
  std::string user_id;     // from the validated access token
  std::string session_id;  // the session making the change: kept
  std::string current_password;
  std::string new_password;  // already checked against the input rules by the caller
  std::string client_ip;
  std::string code;  // a TOTP code or a recovery code; needed when the user has 2FA on
};

enum class PasswordChangeResult : std::uint8_t {
  kChanged,             // stored; `revoked` other sessions deleted
  kUserNotFound,        // not in this user database (an imported session)
  kThrottled,           // `retry_after_seconds`
  kInvalidCredentials,  // wrong current password (recorded as a failed login)
  kBusy,
  kStoreError,  // `error`; with password_saved, the other sessions were not revoked
  kHashFailed,
  kInvalidCode,  // 2FA is on and `code` is missing, wrong or replayed (a failed login)
};

struct PasswordChangeOutcome {
  PasswordChangeResult result = PasswordChangeResult::kChanged;
  Status error;
  std::int64_t retry_after_seconds = 0;
  bool password_rejected = false;  // a failed login was counted
  bool password_saved = false;
  std::string user_id;
  std::uint64_t revoked = 0;
};

// --- second factor (API.md §9) ---

// Why a second-factor flow refused: for the caller's answer and log line.
enum class TwoFactorResult : std::uint8_t {
  kDone,
  kNotEnrolled,     // confirm/recovery-codes/disable without the right enrolment state
  kAlreadyOn,       // setup while 2FA is on (409)
  kUnsupported,     // the user store keeps no second factor (read-only external users)
  kUserNotFound,    // the user is not in this database
  kInvalidToken,    // verify: unknown, expired, spent or killed mfa_token (401 unauthorized)
  kInvalidCode,     // wrong, replayed or malformed code (401 invalid_code; a failed login)
  kThrottled,       // the user or the IP is past the failed-login limit: `retry_after_seconds`
  kBusy,            // the blocking executor refused the job
  kStoreError,      // `error` (Unavailable -> 503)
  kSessionFailed,   // verify: the code was right but no session (`error`, `failed_step`)
  kAccountDisabled,  // verify: the user was disabled after the password (no session; 403)
};

struct TotpSetupOutcome {
  TwoFactorResult result = TwoFactorResult::kDone;
  Status error;
  std::string secret;  // base32, unpadded; shown once, here
  std::string otpauth_uri;
  std::string qr_svg;
};

// Confirm, recovery-codes and disable: who and which code. `code` is a TOTP code, or
// for disable a recovery code too.
struct TwoFactorCodeRequest {
  std::string user_id;     // from the validated access token
  std::string session_id;  // the session asking
  std::string code;
  std::string client_ip;
};

struct TwoFactorCodeOutcome {
  TwoFactorResult result = TwoFactorResult::kDone;
  Status error;
  std::int64_t retry_after_seconds = 0;
  bool code_rejected = false;                // a failed login was counted
  std::vector<std::string> recovery_codes;   // confirm, recovery-codes: shown once
  std::uint64_t revoked = 0;                 // confirm: other sessions revoked
  bool session_upgraded = false;             // confirm: this session is aal 2 now
};

struct SecondFactorRequest {
  std::string mfa_token;
  std::string code;           // one of code / recovery_code
  std::string recovery_code;
  ClientInfo client;
};

struct SecondFactorOutcome {
  TwoFactorResult result = TwoFactorResult::kDone;
  Status error;
  std::int64_t retry_after_seconds = 0;
  bool code_rejected = false;       // a failed login was counted
  bool token_killed = false;        // this wrong code was the token's last
  bool recovery_code_used = false;
  std::uint32_t recovery_codes_left = 0;
  User user;                        // once the token was resolved (password_hash empty)
  IssueStep failed_step;
  IssuedSession issued;             // kDone: a `login` session with aal 2
};

// --- email (API.md §13) ---

enum class EmailResult : std::uint8_t {
  kDone,          // mail queued / address verified / password reset (or, for forgot, the
                  // same answer whether or not the address is known)
  kDisabled,      // email is off (no SMTP_URL)
  kInvalidToken,  // bad, used or expired token (400 invalid_token)
  kUserNotFound,  // request: the user is not in this database
  kThrottled,     // `retry_after_seconds`
  kInvalidCode,   // reset with 2FA on: `code` missing or wrong (a failed login)
  kBusy,
  kStoreError,    // `error`
  kHashFailed,
};

struct EmailOutcome {
  EmailResult result = EmailResult::kDone;
  Status error;
  std::int64_t retry_after_seconds = 0;
  std::string user_id;       // whose token / mail (empty for an unknown forgot address)
  std::string mail_id;       // the queued mail, when one was queued
  std::uint64_t revoked = 0;  // reset: sessions revoked
  bool password_saved = false;
};

struct PasswordResetRequest {
  std::string token;
  std::string new_password;  // already checked against the input rules by the caller
  std::string code;          // TOTP or recovery code; needed when the user has 2FA on
  std::string client_ip;
};

class AccountService {
 public:
  // InvalidArgument for a missing dependency, an empty refresh_secret, a non-positive
  // login window or a negative grace.
  static Result<std::unique_ptr<AccountService>> Open(AccountOptions options,
                                                      AccountDependencies deps);

  AccountService(const AccountService&) = delete;
  AccountService& operator=(const AccountService&) = delete;
  ~AccountService();

  // Availability check, argon2id hash and insert on the executor (a taken name costs
  // no hash), then a session (purpose "register"). No half-registered user: when no
  // session can be issued the user is deleted again.
  void Register(RegisterRequest request, std::function<void(RegisterOutcome)> done);

  // Throttle check (a refused attempt is not counted), then on the executor: lookup and
  // verify -- an unknown user costs a dummy verify and is indistinguishable from a
  // wrong password -- a failure recorded for identifier and IP; a success upgrades an
  // old hash, resets the identifier's failures and issues a session (purpose "login").
  // A disabled user with the right password gets kAccountDisabled: its attempt is
  // neither a failure nor a success for the throttle, and its hash is not rewritten.
  // Once a session is issued the flag is read again (one more UserStore read on the
  // executor), so a login racing with a disable-then-revoke is revoked too.
  void Login(LoginRequest request, std::function<void(LoginOutcome)> done);

  // Rotation with grace and reuse detection (auth_state_store.h). An active token's
  // session is validated first (live, same user, binding policy; it slides) and the
  // successor lives until the session's absolute deadline; a spent token is rotated
  // first (a replay reads, a reuse revokes), then its session validated. The access
  // token's iat is the rotation time, so a grace replay gets byte-identical tokens.
  void Refresh(RefreshRequest request, std::function<void(RefreshOutcome)> done);

  // Lookup of the user, throttle check on its username and the client IP, then on the
  // executor: verify the current password (a mismatch counts as a failed login), hash
  // and store the new one, and revoke every other session of the user.
  void ChangePassword(PasswordChangeRequest request,
                      std::function<void(PasswordChangeOutcome)> done);

  // --- second factor (API.md §9); each runs its UserStore calls on the executor ---

  // A new pending enrolment (replacing an earlier pending one): 20 random bytes, sealed
  // for the user; the outcome carries the secret, the otpauth URI and its QR code, the
  // only time they leave the server.
  void SetupTotp(std::string user_id, std::function<void(TotpSetupOutcome)> done);
  // The first code of the pending enrolment: 2FA on (its step is the last accepted one),
  // ten recovery codes, every other session of the user revoked and `session_id`
  // rewritten with aal 2. A wrong code counts as a failed login (throttled like one).
  void ConfirmTotp(TwoFactorCodeRequest request, std::function<void(TwoFactorCodeOutcome)> done);
  // A TOTP code -> ten new recovery codes, the old ones dead.
  void RegenerateRecoveryCodes(TwoFactorCodeRequest request,
                               std::function<void(TwoFactorCodeOutcome)> done);
  // A TOTP or recovery code -> the enrolment deleted (2FA off).
  void DisableTotp(TwoFactorCodeRequest request, std::function<void(TwoFactorCodeOutcome)> done);
  // The second step of a login: the mfa_token and a TOTP code (accepted once: the user's
  // last accepted step moves forward by compare-and-set) or a recovery code (spent) ->
  // the token is taken and a `login` session with aal 2 issued. The attempt is reserved
  // in the login throttle (user and IP) before the code is checked; a wrong code counts
  // as a failed login and against the token, which dies at mfa_max_failures.
  void VerifySecondFactor(SecondFactorRequest request,
                          std::function<void(SecondFactorOutcome)> done);

  // Drops the refresh tokens of a session that is gone (logout, revoke): tidy-up only,
  // since a token whose session is gone is refused anyway. A failure is a notice.
  void ForgetRefreshTokens(std::string_view session_id);

  // --- email (API.md §13; account_email.cc). Tokens: 256 random bits, base64url, stored
  // as SHA-256 with their purpose and user (AuthStateStore::PutEmailToken); mails go to
  // the AuthStateStore's queue (EnqueueMail), never out from here. ---

  // A verification mail for the user: at most one per verify_request_interval per user
  // (kThrottled with Retry-After), a fresh 24 h token, queued.
  void RequestEmailVerification(std::string user_id, std::function<void(EmailOutcome)> done);
  // Takes the verification token (single use) and marks the user's email verified.
  void VerifyEmail(std::string token, std::function<void(EmailOutcome)> done);
  // Throttled per email and per client IP like failed logins (every request counts);
  // then the same store work whether or not the address is known: a known, enabled
  // user gets a 30 min reset token (older ones die) and a queued mail; an unknown one a
  // token stored and taken again for no one. The outcome is kDone either way.
  void ForgotPassword(std::string email, std::string client_ip,
                      std::function<void(EmailOutcome)> done);
  // Takes the reset token; with 2FA on the code is checked first (reserved in the login
  // throttle like a password; missing or wrong -> kInvalidCode and the token is put back
  // for another try); then the new hash is stored, the email counts as verified, and
  // every session of the user is revoked (`revoked`).
  void ResetPassword(PasswordResetRequest request, std::function<void(EmailOutcome)> done);

  // The claims of `user` in `session` issued at `issued_at` (Unix seconds).
  AccessClaims ClaimsFor(const User& user, const Session& session,
                         std::int64_t issued_at) const;

  const AccountOptions& options() const noexcept { return options_; }

 private:
  struct Flows;
  using IssueCallback = std::function<void(Status error, IssueStep step, IssuedSession issued)>;
  AccountService(AccountOptions options, AccountDependencies deps, internal::TotpSecretBox box);

  TimePoint Now() const noexcept { return ClockOrSystem(options_.clock).Now(); }
  // Creates the session, stores its first refresh token and signs its access token.
  void IssueSession(const User& user, std::string purpose, ClientInfo client,
                    IssueCallback done, int aal = 1);
  void Notify(AccountNotice::Kind kind, std::string_view session_id, Code code) const;
  // Confirm, recovery codes and disable share one flow (account_two_factor.cc).
  void RunCodeRoute(int route, TwoFactorCodeRequest request,
                    std::function<void(TwoFactorCodeOutcome)> done);
  // Rewrites the session's record with aal 2 (confirm); done(false) if it could not.
  void UpgradeSession(const std::string& session_id, std::function<void(bool)> done);

  AccountOptions options_;
  AccountDependencies deps_;
  std::unique_ptr<Flows> flows_;  // refresh-successor key and login throttle
};

// Unix seconds of `t`, rounded down (the iat/exp unit).
std::int64_t UnixSeconds(TimePoint t) noexcept;

}  // namespace sessionkit

#endif  // SESSIONKIT_ACCOUNT_SERVICE_H_
