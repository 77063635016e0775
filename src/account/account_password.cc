// AccountService::ChangePassword (API.md §6).
//
// On the blocking executor: the user by id (kUserNotFound when this database does not
// know it). The login throttle guards the current password like a login: the user's
// username (lowercased) and the client IP past their limits -> kThrottled, not counted;
// else the attempt is reserved (counted for both keys) before the check, atomically, so
// racing guesses cannot pass a limit. Then on the executor again: a wrong current
// password -> kInvalidCredentials (the reservation stays as the failure); else the
// reservation is released from both keys, and the new argon2id hash is stored and every OTHER
// session of the user is revoked (the current one stays) -> kChanged with the count.
#include <memory>
#include <utility>

#include "sessionkit/account_service.h"
#include "src/account/flows.h"
#include "src/account/two_factor_check.h"

namespace sessionkit {
namespace {

struct PasswordFlow {
  PasswordChangeRequest request;
  std::function<void(PasswordChangeOutcome)> done;
  User user;
  std::string id_key;
  std::string ip_key;
  std::string ticket;  // the throttle's reservation for this attempt
  PasswordChangeOutcome outcome;

  void Finish(PasswordChangeResult result, Status error = Status::Ok()) {
    outcome.result = result;
    outcome.error = std::move(error);
    done(std::move(outcome));
  }
};

using PasswordFlowPtr = std::shared_ptr<PasswordFlow>;

}  // namespace

void AccountService::ChangePassword(PasswordChangeRequest request,
                                    std::function<void(PasswordChangeOutcome)> done) {
  auto flow = std::make_shared<PasswordFlow>();
  flow->request = std::move(request);
  flow->done = std::move(done);

  // Check, hash, store, revoke the others.
  auto change = [this, flow] {
    const User& user = flow->user;
    if (deps_.hasher->Verify(user.password_hash, flow->request.current_password) ==
        PasswordCheck::kMismatch) {
      flow->outcome.password_rejected = true;
      return flow->Finish(PasswordChangeResult::kInvalidCredentials);  // already counted
    }
    // 2FA on: the change also needs a code (TOTP or recovery), checked within the same
    // reserved attempt; missing or wrong, it is a failed login (API.md §9).
    if (deps_.users->SupportsTwoFactor()) {
      Result<TwoFactorEnrolment> enrolment = deps_.users->GetTwoFactor(user.id);
      if (!enrolment.ok() && !enrolment.status().IsNotFound()) {
        flows_->throttle.ReleaseAsync(flow->id_key, flow->ip_key, flow->ticket, [](Status) {});
        return flow->Finish(PasswordChangeResult::kStoreError, enrolment.status());
      }
      if (enrolment.ok() && enrolment->confirmed) {
        Result<internal::CodeCheck> verdict =
            flow->request.code.empty()
                ? Result<internal::CodeCheck>(internal::CodeCheck{})
                : internal::CheckSecondFactorCode(*deps_.users, flows_->totp_box, *enrolment,
                                                  flow->request.code, /*allow_recovery=*/true,
                                                  Now());
        if (!verdict.ok()) {
          flows_->throttle.ReleaseAsync(flow->id_key, flow->ip_key, flow->ticket, [](Status) {});
          return flow->Finish(PasswordChangeResult::kStoreError, verdict.status());
        }
        if (!verdict->accepted) {
          flow->outcome.password_rejected = true;  // counted: the reservation stays
          return flow->Finish(PasswordChangeResult::kInvalidCode);
        }
      }
    }
    // Not a failure: the reservation goes back (best effort; a leftover ages out).
    flows_->throttle.ReleaseAsync(flow->id_key, flow->ip_key, flow->ticket, [](Status) {});
    Result<std::string> hash = deps_.hasher->Hash(flow->request.new_password);
    if (!hash.ok()) return flow->Finish(PasswordChangeResult::kHashFailed, hash.status());
    if (Status saved = deps_.users->UpdatePasswordHash(user.id, *hash); !saved.ok()) {
      return flow->Finish(PasswordChangeResult::kStoreError, std::move(saved));
    }
    flow->outcome.password_saved = true;
    deps_.sessions->RevokeAllForUserAsync(
        user.id, flow->request.session_id, [flow](Result<std::uint64_t> revoked) {
          if (!revoked.ok()) {
            return flow->Finish(PasswordChangeResult::kStoreError, revoked.status());
          }
          flow->outcome.revoked = *revoked;
          flow->Finish(PasswordChangeResult::kChanged);
        });
  };

  auto lookup = [this, flow, change = std::move(change)]() mutable {
    Result<User> user = deps_.users->FindById(flow->request.user_id);
    if (!user.ok()) {
      if (user.status().IsNotFound()) return flow->Finish(PasswordChangeResult::kUserNotFound);
      return flow->Finish(PasswordChangeResult::kStoreError, user.status());
    }
    flow->user = std::move(user).value();
    flow->outcome.user_id = flow->user.id;
    flow->id_key = internal::IdentifierKey(flow->user.username);
    flow->ip_key = internal::IpKey(flow->request.client_ip);
    flows_->throttle.ReserveAsync(
        flow->id_key, flow->ip_key, Now(),
        [this, flow, change = std::move(change)](Result<internal::ThrottleReservation> r) mutable {
          if (!r.ok()) return flow->Finish(PasswordChangeResult::kStoreError, r.status());
          if (r->retry_after_seconds > 0) {
            flow->outcome.retry_after_seconds = r->retry_after_seconds;
            return flow->Finish(PasswordChangeResult::kThrottled);
          }
          flow->ticket = std::move(r->ticket);
          if (!deps_.blocking(std::move(change))) {
            flows_->throttle.ReleaseAsync(
                flow->id_key, flow->ip_key, flow->ticket,
                [flow](Status) { flow->Finish(PasswordChangeResult::kBusy); });
          }
        });
  };
  if (!deps_.blocking(std::move(lookup))) flow->Finish(PasswordChangeResult::kBusy);
}

}  // namespace sessionkit
