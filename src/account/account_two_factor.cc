// AccountService's second-factor flows (API.md §9): setup, confirm, recovery codes,
// disable, and the second step of a login.
//
// Every code check is a login attempt: the throttle reserves it for the user (its
// username key) and the client IP before the code is looked at, atomically (as login
// does for passwords), so racing guesses cannot pass the limit; a wrong code keeps the
// reservation as its failure, a right one releases it (verify: resets the user's
// failures, like a good login). UserStore calls and the code check run on the blocking
// executor; the store steps in between complete on store threads.
#include <sodium.h>

#include <memory>
#include <utility>

#include "sessionkit/account_service.h"
#include "src/account/flows.h"
#include "src/account/qr_svg.h"
#include "src/account/recovery_codes.h"
#include "src/account/totp.h"
#include "src/account/two_factor_check.h"
#include "src/crypto/random.h"

namespace sessionkit {
namespace {

User WithoutHash(User user) {
  user.password_hash.clear();
  return user;
}

// Fresh recovery codes for `secret`'s enrolment: the plain codes and their hashes.
Status NewRecoveryCodes(std::string_view secret, std::string_view user_id,
                        std::vector<std::string>& plain, std::vector<std::string>& hashes) {
  Result<std::vector<std::string>> codes = internal::GenerateRecoveryCodes();
  if (!codes.ok()) return codes.status();
  plain = std::move(codes).value();
  hashes.clear();
  for (const std::string& code : plain) {
    hashes.push_back(internal::RecoveryCodeHash(secret, user_id, *internal::NormalizeRecoveryCode(code)));
  }
  return Status::Ok();
}

enum class CodeRoute { kConfirm, kRegenerate, kDisable };

struct CodeFlow {
  CodeRoute route;
  TwoFactorCodeRequest request;
  std::function<void(TwoFactorCodeOutcome)> done;
  TwoFactorCodeOutcome outcome;
  User user;
  TwoFactorEnrolment enrolment;
  std::string id_key;
  std::string ip_key;
  std::string ticket;

  void Finish(TwoFactorResult result, Status error = Status::Ok()) {
    outcome.result = result;
    outcome.error = std::move(error);
    done(std::move(outcome));
  }
};

struct VerifyFlow {
  SecondFactorRequest request;
  std::function<void(SecondFactorOutcome)> done;
  SecondFactorOutcome outcome;
  std::string token_hash;
  User user;
  std::string id_key;
  std::string ip_key;
  std::string ticket;

  void Finish(TwoFactorResult result, Status error = Status::Ok()) {
    outcome.result = result;
    outcome.error = std::move(error);
    done(std::move(outcome));
  }
};

}  // namespace

// --- setup ---

void AccountService::SetupTotp(std::string user_id, std::function<void(TotpSetupOutcome)> done) {
  auto job = [this, user_id = std::move(user_id), done]() mutable {
    TotpSetupOutcome outcome;
    auto finish = [&](TwoFactorResult result, Status error = Status::Ok()) {
      outcome.result = result;
      outcome.error = std::move(error);
      done(std::move(outcome));
    };
    if (!deps_.users->SupportsTwoFactor()) return finish(TwoFactorResult::kUnsupported);
    Result<User> user = deps_.users->FindById(user_id);
    if (!user.ok()) {
      if (user.status().IsNotFound()) return finish(TwoFactorResult::kUserNotFound);
      return finish(TwoFactorResult::kStoreError, user.status());
    }
    Result<TwoFactorEnrolment> existing = deps_.users->GetTwoFactor(user_id);
    if (existing.ok() && existing->confirmed) return finish(TwoFactorResult::kAlreadyOn);
    if (!existing.ok() && !existing.status().IsNotFound()) {
      return finish(TwoFactorResult::kStoreError, existing.status());
    }
    Result<std::string> secret = internal::RandomBytes(internal::kTotpSecretBytes);
    if (!secret.ok()) return finish(TwoFactorResult::kStoreError, secret.status());
    Result<internal::SealedSecret> sealed = flows_->totp_box.Seal(user_id, *secret);
    if (!sealed.ok()) return finish(TwoFactorResult::kStoreError, sealed.status());
    if (Status put = deps_.users->PutPendingTwoFactor(user_id, sealed->key_id, sealed->sealed);
        !put.ok()) {
      if (put.code() == Code::kConflict) return finish(TwoFactorResult::kAlreadyOn);
      return finish(TwoFactorResult::kStoreError, std::move(put));
    }
    outcome.secret = internal::Base32Encode(*secret);
    sodium_memzero(secret->data(), secret->size());
    outcome.otpauth_uri = internal::OtpauthUri(options_.issuer, user->username, outcome.secret);
    Result<std::string> svg = internal::QrSvg(outcome.otpauth_uri);
    if (!svg.ok()) return finish(TwoFactorResult::kStoreError, svg.status());
    outcome.qr_svg = std::move(svg).value();
    finish(TwoFactorResult::kDone);
  };
  if (!deps_.blocking(std::move(job))) {
    TotpSetupOutcome busy;
    busy.result = TwoFactorResult::kBusy;
    done(std::move(busy));
  }
}

// --- confirm, recovery codes, disable: one flow ---

void AccountService::ConfirmTotp(TwoFactorCodeRequest request,
                                 std::function<void(TwoFactorCodeOutcome)> done) {
  RunCodeRoute(static_cast<int>(CodeRoute::kConfirm), std::move(request), std::move(done));
}

void AccountService::RegenerateRecoveryCodes(TwoFactorCodeRequest request,
                                             std::function<void(TwoFactorCodeOutcome)> done) {
  RunCodeRoute(static_cast<int>(CodeRoute::kRegenerate), std::move(request), std::move(done));
}

void AccountService::DisableTotp(TwoFactorCodeRequest request,
                                 std::function<void(TwoFactorCodeOutcome)> done) {
  RunCodeRoute(static_cast<int>(CodeRoute::kDisable), std::move(request), std::move(done));
}

void AccountService::RunCodeRoute(int route_number, TwoFactorCodeRequest request,
                                  std::function<void(TwoFactorCodeOutcome)> done) {
  auto flow = std::make_shared<CodeFlow>();
  flow->route = static_cast<CodeRoute>(route_number);
  flow->request = std::move(request);
  flow->done = std::move(done);

  // After the code was accepted: this route's change (on the executor).
  auto apply = [this, flow] {
    CodeFlow& f = *flow;
    switch (f.route) {
      case CodeRoute::kRegenerate: {
        std::vector<std::string> hashes;
        Result<std::string> secret =
            flows_->totp_box.Open(f.user.id, f.enrolment.key_id, f.enrolment.sealed_secret);
        if (!secret.ok()) return f.Finish(TwoFactorResult::kStoreError, Status::Internal("cannot open the TOTP secret"));
        Status made = NewRecoveryCodes(*secret, f.user.id, f.outcome.recovery_codes, hashes);
        sodium_memzero(secret->data(), secret->size());
        if (!made.ok()) return f.Finish(TwoFactorResult::kStoreError, std::move(made));
        if (Status st = deps_.users->ReplaceRecoveryCodes(f.user.id, hashes); !st.ok()) {
          f.outcome.recovery_codes.clear();
          if (st.IsNotFound()) return f.Finish(TwoFactorResult::kNotEnrolled);
          return f.Finish(TwoFactorResult::kStoreError, std::move(st));
        }
        return f.Finish(TwoFactorResult::kDone);
      }
      case CodeRoute::kDisable: {
        if (Status st = deps_.users->DeleteTwoFactor(f.user.id); !st.ok()) {
          return f.Finish(TwoFactorResult::kStoreError, std::move(st));
        }
        return f.Finish(TwoFactorResult::kDone);
      }
      case CodeRoute::kConfirm:
        break;  // handled in `check` (the step is part of the confirmation)
    }
  };

  // The code (on the executor, the attempt reserved).
  auto check = [this, flow, apply = std::move(apply)]() mutable {
    CodeFlow& f = *flow;
    const TimePoint now = Now();
    auto rejected = [flow] {
      flow->outcome.code_rejected = true;  // the reservation stays: a failed login
      flow->Finish(TwoFactorResult::kInvalidCode);
    };
    auto release = [this, flow](std::function<void()> then) {
      flows_->throttle.ReleaseAsync(flow->id_key, flow->ip_key, flow->ticket,
                                    [then = std::move(then)](Status) { then(); });
    };
    if (f.route != CodeRoute::kConfirm) {
      Result<internal::CodeCheck> verdict = internal::CheckSecondFactorCode(
          *deps_.users, flows_->totp_box, f.enrolment, f.request.code,
          /*allow_recovery=*/f.route == CodeRoute::kDisable, now);
      if (!verdict.ok()) {
        return release([flow, error = verdict.status()] { flow->Finish(TwoFactorResult::kStoreError, error); });
      }
      if (!verdict->accepted) return rejected();
      return release([this, flow, apply]() mutable {
        if (!deps_.blocking(apply)) flow->Finish(TwoFactorResult::kBusy);
      });
    }
    // Confirm: the first code of the pending secret; its step becomes the last accepted.
    Result<std::string> secret =
        flows_->totp_box.Open(f.user.id, f.enrolment.key_id, f.enrolment.sealed_secret);
    if (!secret.ok()) {
      return release([flow] {
        flow->Finish(TwoFactorResult::kStoreError, Status::Internal("cannot open the TOTP secret"));
      });
    }
    std::optional<std::int64_t> step = internal::MatchTotp(*secret, f.request.code, now);
    if (!step) {
      sodium_memzero(secret->data(), secret->size());
      return rejected();
    }
    std::vector<std::string> hashes;
    Status made = NewRecoveryCodes(*secret, f.user.id, f.outcome.recovery_codes, hashes);
    sodium_memzero(secret->data(), secret->size());
    if (!made.ok()) return release([flow, made] { flow->Finish(TwoFactorResult::kStoreError, made); });
    if (Status st = deps_.users->ConfirmTwoFactor(f.user.id, f.enrolment.sealed_secret, *step, hashes);
        !st.ok()) {
      f.outcome.recovery_codes.clear();
      const bool replaced = st.code() == Code::kConflict;  // setup again, or confirmed meanwhile
      return release([flow, st, replaced] {
        flow->Finish(replaced ? TwoFactorResult::kNotEnrolled : TwoFactorResult::kStoreError,
                     replaced ? Status::Ok() : st);
      });
    }
    // 2FA is on: every other session goes, and this one becomes aal 2.
    release([this, flow] {
      deps_.sessions->RevokeAllForUserAsync(
          flow->user.id, flow->request.session_id, [this, flow](Result<std::uint64_t> revoked) {
            if (revoked.ok()) flow->outcome.revoked = *revoked;
            UpgradeSession(flow->request.session_id, [flow](bool upgraded) {
              flow->outcome.session_upgraded = upgraded;
              flow->Finish(TwoFactorResult::kDone);
            });
          });
    });
  };

  // The user and the enrolment (on the executor), then the reservation.
  auto lookup = [this, flow, check = std::move(check)]() mutable {
    CodeFlow& f = *flow;
    if (!deps_.users->SupportsTwoFactor()) return f.Finish(TwoFactorResult::kUnsupported);
    Result<User> user = deps_.users->FindById(f.request.user_id);
    if (!user.ok()) {
      if (user.status().IsNotFound()) return f.Finish(TwoFactorResult::kUserNotFound);
      return f.Finish(TwoFactorResult::kStoreError, user.status());
    }
    f.user = WithoutHash(std::move(user).value());
    Result<TwoFactorEnrolment> enrolment = deps_.users->GetTwoFactor(f.user.id);
    if (!enrolment.ok()) {
      if (enrolment.status().IsNotFound()) return f.Finish(TwoFactorResult::kNotEnrolled);
      return f.Finish(TwoFactorResult::kStoreError, enrolment.status());
    }
    f.enrolment = std::move(enrolment).value();
    const bool want_confirmed = f.route != CodeRoute::kConfirm;
    if (f.enrolment.confirmed != want_confirmed) return f.Finish(TwoFactorResult::kNotEnrolled);
    f.id_key = internal::IdentifierKey(f.user.username);
    f.ip_key = internal::IpKey(f.request.client_ip);
    flows_->throttle.ReserveAsync(
        f.id_key, f.ip_key, Now(),
        [this, flow, check = std::move(check)](Result<internal::ThrottleReservation> r) mutable {
          if (!r.ok()) return flow->Finish(TwoFactorResult::kStoreError, r.status());
          if (r->retry_after_seconds > 0) {
            flow->outcome.retry_after_seconds = r->retry_after_seconds;
            return flow->Finish(TwoFactorResult::kThrottled);
          }
          flow->ticket = std::move(r->ticket);
          if (!deps_.blocking(std::move(check))) {
            flows_->throttle.ReleaseAsync(flow->id_key, flow->ip_key, flow->ticket,
                                          [flow](Status) { flow->Finish(TwoFactorResult::kBusy); });
          }
        });
  };
  if (!deps_.blocking(std::move(lookup))) flow->Finish(TwoFactorResult::kBusy);
}

// The session record rewritten with aal 2: its fields as read, re-encoded (a session of
// this server's own making, so no foreign field is lost), by the store's conditional
// touch, which never brings back a session deleted meanwhile.
void AccountService::UpgradeSession(const std::string& session_id, std::function<void(bool)> done) {
  SessionStore& store = deps_.sessions->store();
  store.GetAsync(session_id, [&store, done = std::move(done)](Result<Session> session) mutable {
    if (!session.ok()) return done(false);
    Session upgraded = std::move(session).value();
    upgraded.aal = 2;
    upgraded.raw.clear();
    const TimePoint last_seen = upgraded.last_seen;
    const TimePoint expires_at = upgraded.expires_at;
    store.TouchAsync(upgraded, last_seen, expires_at,
                     [done = std::move(done)](Status touched) { done(touched.ok()); });
  });
}

// --- the second step of a login ---


void AccountService::VerifySecondFactor(SecondFactorRequest request,
                                        std::function<void(SecondFactorOutcome)> done) {
  auto flow = std::make_shared<VerifyFlow>();
  flow->request = std::move(request);
  flow->done = std::move(done);
  if (flow->request.mfa_token.size() != internal::kRefreshTokenChars) {
    return flow->Finish(TwoFactorResult::kInvalidToken);
  }
  flow->token_hash = internal::RefreshTokens::HashOf(flow->request.mfa_token);

  // A disable racing with the second step, as in Login: once the session exists the flag
  // is read again; a disabled user's new session is revoked and the answer is
  // kAccountDisabled, so no session issued to a disabled user outlives the revocation.
  // (Best effort when the executor refuses the read or the database fails it: the
  // refresh check is the backstop.)
  auto recheck_disabled = [this](std::shared_ptr<VerifyFlow> flow) {
    const bool submitted = deps_.blocking([this, flow] {
      Result<User> now = deps_.users->FindById(flow->user.id);
      if (!now.ok() || !now->disabled) return flow->Finish(TwoFactorResult::kDone);
      const std::string session_id = flow->outcome.issued.session.id;
      deps_.sessions->RevokeAsync(session_id, [this, flow, session_id](Result<bool>) {
        ForgetRefreshTokens(session_id);
        flow->outcome.issued.access_token.clear();
        flow->outcome.issued.refresh_token.clear();
        flow->Finish(TwoFactorResult::kAccountDisabled);
      });
    });
    if (!submitted) flow->Finish(TwoFactorResult::kDone);
  };

  // Accepted: take the token (single use), reset the user's failures, issue the session.
  auto accept = [this, flow, recheck_disabled] {
    deps_.auth_state->TakeMfaTokenAsync(flow->token_hash, Now(), [this, flow, recheck_disabled](Result<MfaTokenRecord> taken) {
      if (!taken.ok()) {
        // Spent by a racing request (a recovery code and a TOTP code at once): this one
        // logs in no further. The reservation goes back.
        return flows_->throttle.ReleaseAsync(
            flow->id_key, flow->ip_key, flow->ticket, [flow, error = taken.status()](Status) {
              if (error.IsNotFound()) return flow->Finish(TwoFactorResult::kInvalidToken);
              flow->Finish(TwoFactorResult::kStoreError, error);
            });
      }
      flows_->throttle.SucceededAsync(flow->id_key, flow->ip_key, flow->ticket, [this, flow, recheck_disabled](Status) {
        IssueSession(flow->user, "login", flow->request.client,
                     [flow, recheck_disabled](Status error, IssueStep step, IssuedSession issued) {
                       flow->outcome.issued = std::move(issued);
                       if (error.ok()) return recheck_disabled(flow);
                       flow->outcome.failed_step = step;
                       flow->Finish(TwoFactorResult::kSessionFailed, std::move(error));
                     },
                     /*aal=*/2);
      });
    });
  };

  // The code (on the executor, the attempt reserved).
  auto check = [this, flow, accept = std::move(accept)]() mutable {
    VerifyFlow& f = *flow;
    auto release_with = [this, flow](TwoFactorResult result, Status error) {
      flows_->throttle.ReleaseAsync(flow->id_key, flow->ip_key, flow->ticket,
                                    [flow, result, error](Status) { flow->Finish(result, error); });
    };
    Result<TwoFactorEnrolment> enrolment = deps_.users->GetTwoFactor(f.user.id);
    if (!enrolment.ok() && !enrolment.status().IsNotFound()) {
      return release_with(TwoFactorResult::kStoreError, enrolment.status());
    }
    if (!enrolment.ok() || !enrolment->confirmed) {  // 2FA turned off meanwhile: log in again
      return release_with(TwoFactorResult::kInvalidToken, Status::Ok());
    }
    const bool with_recovery = f.request.code.empty();
    const std::string& code = with_recovery ? f.request.recovery_code : f.request.code;
    Result<internal::CodeCheck> verdict = internal::CheckSecondFactorCode(
        *deps_.users, flows_->totp_box, *enrolment, code, /*allow_recovery=*/with_recovery, Now());
    if (!verdict.ok()) return release_with(TwoFactorResult::kStoreError, verdict.status());
    if (verdict->accepted) {
      f.outcome.recovery_code_used = verdict->recovery_code_used;
      f.outcome.recovery_codes_left = verdict->recovery_codes_left;
      return accept();
    }
    // Wrong: a failed login (the reservation stays), and one strike against the token.
    f.outcome.code_rejected = true;
    deps_.auth_state->CountMfaFailureAsync(
        f.token_hash, Now(), options_.mfa_max_failures, [this, flow](Result<std::uint32_t> failures) {
          flow->outcome.token_killed =
              !failures.ok() || *failures >= options_.mfa_max_failures;
          flow->Finish(TwoFactorResult::kInvalidCode);
        });
  };

  // The token, then the user (executor), then the reservation.
  deps_.auth_state->GetMfaTokenAsync(
      flow->token_hash, Now(), [this, flow, check = std::move(check)](Result<MfaTokenRecord> token) mutable {
        if (!token.ok()) {
          if (token.status().IsNotFound()) return flow->Finish(TwoFactorResult::kInvalidToken);
          return flow->Finish(TwoFactorResult::kStoreError, token.status());
        }
        auto lookup = [this, flow, user_id = token->user_id, check = std::move(check)]() mutable {
          Result<User> user = deps_.users->FindById(user_id);
          if (!user.ok()) {
            if (user.status().IsNotFound()) return flow->Finish(TwoFactorResult::kInvalidToken);
            return flow->Finish(TwoFactorResult::kStoreError, user.status());
          }
          flow->user = WithoutHash(std::move(user).value());
          flow->outcome.user = flow->user;
          // Disabled since the password step (API.md §11): no session; the token dies.
          // Login tells the password's holder the same, so this reveals nothing new.
          if (flow->user.disabled) {
            return deps_.auth_state->TakeMfaTokenAsync(
                flow->token_hash, Now(),
                [flow](Result<MfaTokenRecord>) { flow->Finish(TwoFactorResult::kAccountDisabled); });
          }
          flow->id_key = internal::IdentifierKey(flow->user.username);
          flow->ip_key = internal::IpKey(flow->request.client.ip);
          flows_->throttle.ReserveAsync(
              flow->id_key, flow->ip_key, Now(),
              [this, flow, check = std::move(check)](Result<internal::ThrottleReservation> r) mutable {
                if (!r.ok()) return flow->Finish(TwoFactorResult::kStoreError, r.status());
                if (r->retry_after_seconds > 0) {
                  flow->outcome.retry_after_seconds = r->retry_after_seconds;
                  return flow->Finish(TwoFactorResult::kThrottled);
                }
                flow->ticket = std::move(r->ticket);
                if (!deps_.blocking(std::move(check))) {
                  flows_->throttle.ReleaseAsync(flow->id_key, flow->ip_key, flow->ticket,
                                                [flow](Status) { flow->Finish(TwoFactorResult::kBusy); });
                }
              });
        };
        if (!deps_.blocking(std::move(lookup))) flow->Finish(TwoFactorResult::kBusy);
      });
}

}  // namespace sessionkit
