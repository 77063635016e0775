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
