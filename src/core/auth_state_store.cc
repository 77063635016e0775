// Blocking wrappers of AuthStateStore (each starts the *Async form and waits) and the
// outcome names. The backends live in src/store/sqlite and src/store/redis.
#include "sessionkit/auth_state_store.h"

#include "src/core/blocking.h"

namespace sessionkit {

using internal::WaitFor;
using internal::WaitForStatus;

std::string_view RotateOutcomeName(RotateOutcome outcome) noexcept {
  switch (outcome) {
    case RotateOutcome::kRotated:
      return "rotated";
    case RotateOutcome::kGraceReplay:
      return "grace_replay";
    case RotateOutcome::kReused:
      return "reused";
  }
  return "unknown";
}

Status AuthStateStore::IssueRefresh(const RefreshRecord& record) {
  return WaitForStatus([&](auto cb) { IssueRefreshAsync(record, std::move(cb)); });
}

Result<RefreshRecord> AuthStateStore::GetRefresh(std::string_view token_hash) {
  return WaitFor<RefreshRecord>([&](auto cb) { GetRefreshAsync(token_hash, std::move(cb)); });
}

Result<RefreshRotation> AuthStateStore::RotateRefresh(const RotateRequest& request) {
  return WaitFor<RefreshRotation>([&](auto cb) { RotateRefreshAsync(request, std::move(cb)); });
}

Result<std::uint64_t> AuthStateStore::RevokeRefreshForSession(std::string_view session_id) {
  return WaitFor<std::uint64_t>(
      [&](auto cb) { RevokeRefreshForSessionAsync(session_id, std::move(cb)); });
}

Result<FailureWindow> AuthStateStore::RecordFailure(std::string_view key, TimePoint now,
                                                    std::chrono::milliseconds window) {
  return WaitFor<FailureWindow>(
      [&](auto cb) { RecordFailureAsync(key, now, window, std::move(cb)); });
}

Result<FailureWindow> AuthStateStore::PeekFailures(std::string_view key, TimePoint now,
                                                   std::chrono::milliseconds window) {
  return WaitFor<FailureWindow>(
      [&](auto cb) { PeekFailuresAsync(key, now, window, std::move(cb)); });
}

Status AuthStateStore::ResetFailures(std::string_view key) {
  return WaitForStatus([&](auto cb) { ResetFailuresAsync(key, std::move(cb)); });
}

Result<AttemptReservation> AuthStateStore::ReserveAttempt(const std::vector<AttemptKey>& keys,
                                                          TimePoint now,
                                                          std::chrono::milliseconds window) {
  return WaitFor<AttemptReservation>(
      [&](auto cb) { ReserveAttemptAsync(keys, now, window, std::move(cb)); });
}

Status AuthStateStore::ReleaseAttempt(std::string_view key, std::string_view ticket) {
  return WaitForStatus([&](auto cb) { ReleaseAttemptAsync(key, ticket, std::move(cb)); });
}

}  // namespace sessionkit

// --- pending second factor: defaults for stores that keep none, blocking wrappers ---

namespace sessionkit {
namespace {
Status NoMfaTokens() { return Status::Internal("this auth-state store keeps no mfa tokens"); }
}  // namespace

void AuthStateStore::PutMfaTokenAsync(const MfaTokenRecord&, TimePoint, StatusCallback done) {
  done(NoMfaTokens());
}
void AuthStateStore::GetMfaTokenAsync(std::string_view, TimePoint,
                                      ResultCallback<MfaTokenRecord> done) {
  done(NoMfaTokens());
}
void AuthStateStore::CountMfaFailureAsync(std::string_view, TimePoint, std::uint32_t,
                                          ResultCallback<std::uint32_t> done) {
  done(NoMfaTokens());
}
void AuthStateStore::TakeMfaTokenAsync(std::string_view, TimePoint,
                                       ResultCallback<MfaTokenRecord> done) {
  done(NoMfaTokens());
}

Status AuthStateStore::PutMfaToken(const MfaTokenRecord& record, TimePoint now) {
  return internal::WaitForStatus([&](auto cb) { PutMfaTokenAsync(record, now, std::move(cb)); });
}
Result<MfaTokenRecord> AuthStateStore::GetMfaToken(std::string_view token_hash, TimePoint now) {
  return internal::WaitFor<MfaTokenRecord>(
      [&](auto cb) { GetMfaTokenAsync(token_hash, now, std::move(cb)); });
}
Result<std::uint32_t> AuthStateStore::CountMfaFailure(std::string_view token_hash, TimePoint now,
                                                      std::uint32_t max_failures) {
  return internal::WaitFor<std::uint32_t>(
      [&](auto cb) { CountMfaFailureAsync(token_hash, now, max_failures, std::move(cb)); });
}
Result<MfaTokenRecord> AuthStateStore::TakeMfaToken(std::string_view token_hash, TimePoint now) {
  return internal::WaitFor<MfaTokenRecord>(
      [&](auto cb) { TakeMfaTokenAsync(token_hash, now, std::move(cb)); });
}

}  // namespace sessionkit

// --- email tokens and the mail queue: defaults for stores that keep none, wrappers ---

namespace sessionkit {
namespace {
Status NoEmailState() { return Status::Internal("this auth-state store keeps no email state"); }
}  // namespace

void AuthStateStore::PutEmailTokenAsync(const EmailTokenRecord&, TimePoint, StatusCallback done) {
  done(NoEmailState());
}
void AuthStateStore::TakeEmailTokenAsync(std::string_view, EmailTokenPurpose, TimePoint,
                                         ResultCallback<EmailTokenRecord> done) {
  done(NoEmailState());
}
void AuthStateStore::EnqueueMailAsync(const QueuedMail&, StatusCallback done) {
  done(NoEmailState());
}
void AuthStateStore::ClaimMailAsync(TimePoint, std::chrono::milliseconds, std::string_view,
                                    ResultCallback<QueuedMail> done) {
  done(NoEmailState());
}
void AuthStateStore::FinishMailAsync(std::string_view, std::string_view, StatusCallback done) {
  done(NoEmailState());
}
void AuthStateStore::RetryMailAsync(std::string_view, std::string_view, TimePoint,
                                    StatusCallback done) {
  done(NoEmailState());
}
void AuthStateStore::CountMailAsync(ResultCallback<std::uint64_t> done) { done(NoEmailState()); }

Status AuthStateStore::PutEmailToken(const EmailTokenRecord& record, TimePoint now) {
  return internal::WaitForStatus([&](auto cb) { PutEmailTokenAsync(record, now, std::move(cb)); });
}
Result<EmailTokenRecord> AuthStateStore::TakeEmailToken(std::string_view token_hash,
                                                        EmailTokenPurpose purpose,
                                                        TimePoint now) {
  return internal::WaitFor<EmailTokenRecord>(
      [&](auto cb) { TakeEmailTokenAsync(token_hash, purpose, now, std::move(cb)); });
}
Status AuthStateStore::EnqueueMail(const QueuedMail& mail) {
  return internal::WaitForStatus([&](auto cb) { EnqueueMailAsync(mail, std::move(cb)); });
}
Result<QueuedMail> AuthStateStore::ClaimMail(TimePoint now, std::chrono::milliseconds lease_for,
                                             std::string_view lease_id) {
  return internal::WaitFor<QueuedMail>(
      [&](auto cb) { ClaimMailAsync(now, lease_for, lease_id, std::move(cb)); });
}
Status AuthStateStore::FinishMail(std::string_view id, std::string_view lease) {
  return internal::WaitForStatus([&](auto cb) { FinishMailAsync(id, lease, std::move(cb)); });
}
Status AuthStateStore::RetryMail(std::string_view id, std::string_view lease, TimePoint due_at) {
  return internal::WaitForStatus(
      [&](auto cb) { RetryMailAsync(id, lease, due_at, std::move(cb)); });
}
Result<std::uint64_t> AuthStateStore::CountMail() {
  return internal::WaitFor<std::uint64_t>([&](auto cb) { CountMailAsync(std::move(cb)); });
}

}  // namespace sessionkit
