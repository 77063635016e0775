// Input checks and time units shared by the AuthStateStore backends. Internal.
//
// Both backends refuse the same input with the same codes (InvalidArgument) before any
// I/O, and keep times as Unix milliseconds (src/util/unix_millis.h): issued_at,
// rotated_at and failure times rounded down, expires_at rounded up (a token never dies
// earlier than asked).
// Pure functions; thread-safe.
#ifndef SESSIONKIT_CORE_AUTH_STATE_RULES_H_
#define SESSIONKIT_CORE_AUTH_STATE_RULES_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sessionkit/auth_state_store.h"
#include "sessionkit/clock.h"
#include "sessionkit/status.h"

namespace sessionkit::internal {

// A failure key longer than this is refused (bounds what a caller can make a store hold).
inline constexpr std::size_t kMaxFailureKeyBytes = 512;

// True iff `s` is 64 lowercase hex characters (a SHA-256 in hex).
bool IsTokenHash(std::string_view s) noexcept;

// The checks of IssueRefresh (at store-clock `now`), RotateRefresh, and the failure
// operations (a non-empty key of at most kMaxFailureKeyBytes, a positive window).
Status CheckIssue(const RefreshRecord& record, TimePoint now);
Status CheckRotate(const RotateRequest& request);
Status CheckFailureKey(std::string_view key);
Status CheckFailureWindow(std::string_view key, std::chrono::milliseconds window);
// ReserveAttempt's: 1 to kMaxAttemptKeys keys, each a valid failure key with limit > 0.
inline constexpr std::size_t kMaxAttemptKeys = 4;
Status CheckAttemptKeys(const std::vector<AttemptKey>& keys, std::chrono::milliseconds window);
// PutMfaToken's: a token hash, a non-empty user id of at most 256 bytes, expires_at > now.
Status CheckMfaPut(const MfaTokenRecord& record, TimePoint now);

// PutEmailToken's: as CheckMfaPut, and a known purpose.
Status CheckEmailTokenPut(const EmailTokenRecord& record, TimePoint now);
// A mail id or lease id: 1 to 64 of [0-9a-z].
bool IsMailId(std::string_view s) noexcept;
// EnqueueMail's: a mail id, a recipient of 1-320 bytes without CR/LF, a non-empty message.
Status CheckMailEnqueue(const QueuedMail& mail);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_CORE_AUTH_STATE_RULES_H_
