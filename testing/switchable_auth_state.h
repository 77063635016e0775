// Test-only: SwitchableAuthState, an AuthStateStore that forwards every call to a real
// one, or answers Unavailable while set_down(true) -- a store outage at a chosen moment,
// for the error paths of the account flows and their handlers.
// Thread safety: as the store it wraps; set_down may be called from any thread.
#ifndef SESSIONKIT_TESTING_SWITCHABLE_AUTH_STATE_H_
#define SESSIONKIT_TESTING_SWITCHABLE_AUTH_STATE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "sessionkit/auth_state_store.h"

namespace sessionkit::testing {

class SwitchableAuthState final : public AuthStateStore {
 public:
  explicit SwitchableAuthState(AuthStateStorePtr inner) : inner_(std::move(inner)) {}
  void set_down(bool down) { down_ = down; }

  void IssueRefreshAsync(const RefreshRecord& r, StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->IssueRefreshAsync(r, std::move(done));
  }
  void GetRefreshAsync(std::string_view h, ResultCallback<RefreshRecord> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->GetRefreshAsync(h, std::move(done));
  }
  void RotateRefreshAsync(const RotateRequest& r, ResultCallback<RefreshRotation> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->RotateRefreshAsync(r, std::move(done));
  }
  void RevokeRefreshForSessionAsync(std::string_view id,
                                    ResultCallback<std::uint64_t> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->RevokeRefreshForSessionAsync(id, std::move(done));
  }
  void RecordFailureAsync(std::string_view k, TimePoint now, std::chrono::milliseconds w,
                          ResultCallback<FailureWindow> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->RecordFailureAsync(k, now, w, std::move(done));
  }
  void PeekFailuresAsync(std::string_view k, TimePoint now, std::chrono::milliseconds w,
                         ResultCallback<FailureWindow> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->PeekFailuresAsync(k, now, w, std::move(done));
  }
  void ResetFailuresAsync(std::string_view k, StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->ResetFailuresAsync(k, std::move(done));
  }
  void ReserveAttemptAsync(const std::vector<AttemptKey>& keys, TimePoint now,
                           std::chrono::milliseconds w,
                           ResultCallback<AttemptReservation> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->ReserveAttemptAsync(keys, now, w, std::move(done));
  }
  void ReleaseAttemptAsync(std::string_view k, std::string_view ticket,
                           StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->ReleaseAttemptAsync(k, ticket, std::move(done));
  }
  void PutMfaTokenAsync(const MfaTokenRecord& r, TimePoint now, StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->PutMfaTokenAsync(r, now, std::move(done));
  }
  void GetMfaTokenAsync(std::string_view h, TimePoint now,
                        ResultCallback<MfaTokenRecord> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->GetMfaTokenAsync(h, now, std::move(done));
  }
  void CountMfaFailureAsync(std::string_view h, TimePoint now, std::uint32_t max,
                            ResultCallback<std::uint32_t> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->CountMfaFailureAsync(h, now, max, std::move(done));
  }
  void TakeMfaTokenAsync(std::string_view h, TimePoint now,
                         ResultCallback<MfaTokenRecord> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->TakeMfaTokenAsync(h, now, std::move(done));
  }
  void PutEmailTokenAsync(const EmailTokenRecord& r, TimePoint now, StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->PutEmailTokenAsync(r, now, std::move(done));
  }
  void TakeEmailTokenAsync(std::string_view h, EmailTokenPurpose p, TimePoint now,
                           ResultCallback<EmailTokenRecord> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->TakeEmailTokenAsync(h, p, now, std::move(done));
  }
  void EnqueueMailAsync(const QueuedMail& m, StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->EnqueueMailAsync(m, std::move(done));
  }
  void ClaimMailAsync(TimePoint now, std::chrono::milliseconds lease_for, std::string_view lease,
                      ResultCallback<QueuedMail> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->ClaimMailAsync(now, lease_for, lease, std::move(done));
  }
  void FinishMailAsync(std::string_view id, std::string_view lease, StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->FinishMailAsync(id, lease, std::move(done));
  }
  void RetryMailAsync(std::string_view id, std::string_view lease, TimePoint due,
                      StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->RetryMailAsync(id, lease, due, std::move(done));
  }
  void CountMailAsync(ResultCallback<std::uint64_t> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->CountMailAsync(std::move(done));
  }

 private:
  AuthStateStorePtr inner_;
  std::atomic<bool> down_{false};
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTING_SWITCHABLE_AUTH_STATE_H_
