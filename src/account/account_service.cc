// AccountService: opening, session issuing, register and login. Refresh rotation is in
// account_refresh.cc, password change in account_password.cc.
//
// Each flow is a short chain of continuations sharing one heap state (a shared_ptr
// captured by each step), because a step may finish on a worker, on a store thread or
// inline. Blocking work (UserStore, hashing) is only ever started from a job handed to
// the blocking executor.
#include "sessionkit/account_service.h"

#include <chrono>
#include <memory>
#include <utility>

#include "src/account/flows.h"

namespace sessionkit {
namespace {

// The user as handed back in an outcome: everything but the hash.
User WithoutHash(User user) {
  user.password_hash.clear();
  return user;
}

}  // namespace

std::int64_t UnixSeconds(TimePoint t) noexcept {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

Result<std::unique_ptr<AccountService>> AccountService::Open(AccountOptions options,
                                                             AccountDependencies deps) {
  if (deps.sessions == nullptr || deps.auth_state == nullptr || deps.users == nullptr ||
      deps.jwt == nullptr || deps.hasher == nullptr || !deps.blocking) {
    return Status::InvalidArgument("AccountService needs sessions, auth state, users, jwt, "
                                   "hasher and a blocking executor");
  }
  if (options.refresh_secret.empty()) {
    return Status::InvalidArgument("refresh_secret must not be empty");
  }
  if (options.login_limits.window <= std::chrono::seconds::zero()) {
    return Status::InvalidArgument("login failure window must be positive");
  }
  if (options.refresh_grace < std::chrono::seconds::zero()) {
    return Status::InvalidArgument("refresh grace must not be negative");
  }
  if (options.mfa_token_lifetime <= std::chrono::seconds::zero() || options.mfa_max_failures == 0) {
    return Status::InvalidArgument("mfa token lifetime and failure limit must be positive");
  }
  if (options.totp_keys.empty()) {
    options.totp_keys.push_back(DeriveTotpEncryptionKey(options.refresh_secret));
  }
  Result<internal::TotpSecretBox> box = internal::TotpSecretBox::Make(options.totp_keys);
  if (!box.ok()) return box.status();
  return std::unique_ptr<AccountService>(
      new AccountService(std::move(options), std::move(deps), std::move(box).value()));
}

AccountService::AccountService(AccountOptions options, AccountDependencies deps,
                               internal::TotpSecretBox box)
    : options_(std::move(options)),
      deps_(std::move(deps)),
      flows_(std::make_unique<Flows>(options_, *deps_.auth_state, std::move(box))) {
  // The keys live in the box only.
  for (TotpEncryptionKey& key : options_.totp_keys) key.key.assign(key.key.size(), '\0');
}

AccountService::~AccountService() = default;

AccessClaims AccountService::ClaimsFor(const User& user, const Session& session,
                                       std::int64_t issued_at) const {
  AccessClaims c;
  c.user_id = user.id;
  c.user_id_is_number = session.user_id_is_number;
  c.session_id = session.id;
  c.device_id = session.device_id;
  c.last_ip = session.ip_address;
  c.username = user.username;
  c.email = user.email;
  c.role = user.role;
  c.is_premium = user.is_premium;
  c.is_verified = user.is_email_verified;
  c.issuer = options_.issuer;
  c.subject = user.id;
  c.issued_at = issued_at;
  c.expires_at = c.issued_at + options_.access_token_lifetime.count();
  c.amr = session.aal == 2 ? std::vector<std::string>{"pwd", "otp"}
                           : std::vector<std::string>{"pwd"};
  return c;
}

void AccountService::Notify(AccountNotice::Kind kind, std::string_view session_id,
                            Code code) const {
  if (deps_.notices) deps_.notices(AccountNotice{kind, std::string(session_id), code});
}

void AccountService::ForgetRefreshTokens(std::string_view session_id) {
  deps_.auth_state->RevokeRefreshForSessionAsync(
      session_id, [this, id = std::string(session_id)](Result<std::uint64_t> dropped) {
        if (!dropped.ok()) {
          Notify(AccountNotice::Kind::kRefreshTokensNotDropped, id, dropped.status().code());
        }
      });
}

// --- issuing a session: create -> first refresh token -> access token ---

void AccountService::IssueSession(const User& user, std::string purpose, ClientInfo client,
                                  IssueCallback done, int aal) {
  NewSession request;
  request.aal = aal;
  request.user_id = user.id;
  request.username = user.username;
  request.purpose = std::move(purpose);
  request.ip_address = std::move(client.ip);
  request.user_agent = std::move(client.user_agent);
  request.device_id = std::move(client.device_id);  // the manager derives if unusable

  deps_.sessions->CreateAsync(std::move(request), [this, user, done = std::move(done)](
                                                      Result<CreatedSession> created) mutable {
    IssuedSession issued;
    if (!created.ok()) return done(created.status(), "session create", std::move(issued));
    issued.session = std::move(created->session);
    issued.evicted = std::move(created->evicted);
    for (const std::string& evicted : issued.evicted) ForgetRefreshTokens(evicted);

    // The session exists but its refresh token does not: take the session back too.
    auto unwind = [this](const std::string& session_id) {
      deps_.sessions->RevokeAsync(session_id, [this, session_id](Result<bool> revoked) {
        if (!revoked.ok()) {
          Notify(AccountNotice::Kind::kSessionWithoutRefreshToken, session_id,
                 revoked.status().code());
        }
      });
    };
    Result<std::string> token = internal::RefreshTokens::Generate();
    if (!token.ok()) {
      unwind(issued.session.id);
      return done(Status::Internal("CSPRNG unavailable"), "refresh token", std::move(issued));
    }
    issued.refresh_token = std::move(token).value();
    RefreshRecord record;
    record.token_hash = internal::RefreshTokens::HashOf(issued.refresh_token);
    record.session_id = issued.session.id;
    record.user_id = issued.session.user_id;
    record.issued_at = issued.session.created_at;
    // A refresh token lives as long as its session can: the absolute deadline.
    record.expires_at =
        issued.session.created_at + deps_.sessions->options().absolute_lifetime;
    auto shared = std::make_shared<IssuedSession>(std::move(issued));
    deps_.auth_state->IssueRefreshAsync(
        record, [this, user = std::move(user), shared, unwind,
                 done = std::move(done)](Status stored) mutable {
          if (!stored.ok()) {
            unwind(shared->session.id);
            return done(std::move(stored), "refresh token store", std::move(*shared));
          }
          shared->access_token =
              deps_.jwt->Sign(ClaimsFor(user, shared->session, UnixSeconds(Now())));
          done(Status::Ok(), {}, std::move(*shared));
        });
  });
}

// --- register ---

void AccountService::Register(RegisterRequest request,
                              std::function<void(RegisterOutcome)> done) {
  auto shared_request = std::make_shared<RegisterRequest>(std::move(request));
  auto job = [this, req = shared_request, done]() mutable {
    RegisterOutcome outcome;
    // A cheap check first, so a taken name does not cost an argon2id hash.
    if (Status free = deps_.users->CheckAvailable(req->username, req->email); !free.ok()) {
      outcome.result = RegisterResult::kUserStoreError;
      outcome.error = std::move(free);
      return done(std::move(outcome));
    }
    Result<std::string> hash = deps_.hasher->Hash(req->password);
    if (!hash.ok()) {
      outcome.result = RegisterResult::kHashFailed;
      outcome.error = hash.status();
      return done(std::move(outcome));
    }
    Result<User> user = deps_.users->Create(req->username, req->email, *hash);
    if (!user.ok()) {
      outcome.result = RegisterResult::kUserStoreError;
      outcome.error = user.status();
      return done(std::move(outcome));
    }
    outcome.user = WithoutHash(std::move(user).value());
    User created = outcome.user;
    IssueSession(created, "register", std::move(req->client),
                 [this, outcome = std::move(outcome), done = std::move(done)](
                     Status error, IssueStep step, IssuedSession issued) mutable {
                   outcome.issued = std::move(issued);
                   if (error.ok()) return done(std::move(outcome));
                   // No half-registered user when the session store is down.
                   std::string id = outcome.user.id;
                   if (!deps_.blocking([this, id] { deps_.users->Delete(id).IgnoreError(); })) {
                     deps_.users->Delete(id).IgnoreError();
                   }
                   outcome.result = RegisterResult::kSessionFailed;
                   outcome.error = std::move(error);
                   outcome.failed_step = step;
                   done(std::move(outcome));
                 });
  };
  if (!deps_.blocking(std::move(job))) {
    RegisterOutcome busy;
    busy.result = RegisterResult::kBusy;
    done(std::move(busy));
  }
}

// --- login ---

namespace {

struct LoginState {
  LoginRequest request;
  std::string id_key;
  std::string ip_key;
  std::string ticket;  // the throttle's reservation for this attempt
  std::function<void(LoginOutcome)> done;
  LoginOutcome outcome;

  void Finish(LoginResult result, Status error = Status::Ok()) {
    outcome.result = result;
    outcome.error = std::move(error);
    done(std::move(outcome));
  }
};

}  // namespace

void AccountService::Login(LoginRequest request, std::function<void(LoginOutcome)> done) {
  // A disable racing with this login: the administrator sets the flag, then revokes the
  // user's sessions (sessionkit-ctl). Once this login's session exists, the flag is read
  // again: either the revocation came after the session and removed it, or it came
  // before, and then so did the flag, which this read sees. So no session issued to a
  // disabled user outlives the revocation. (Best effort when the executor refuses the
  // read or the database fails it: the refresh check is the backstop.)
  auto recheck_disabled = [this](std::shared_ptr<LoginState> state) {
    const bool submitted = deps_.blocking([this, state] {
      Result<User> now = deps_.users->FindById(state->outcome.user.id);
      if (!now.ok() || !now->disabled) return state->Finish(LoginResult::kLoggedIn);
      const std::string session_id = state->outcome.issued.session.id;
      deps_.sessions->RevokeAsync(session_id, [this, state, session_id](Result<bool>) {
        ForgetRefreshTokens(session_id);
        state->outcome.issued.access_token.clear();
        state->outcome.issued.refresh_token.clear();
        state->outcome.password_matched = false;
        state->Finish(LoginResult::kAccountDisabled);
      });
    });
    if (!submitted) state->Finish(LoginResult::kLoggedIn);
  };

  auto state = std::make_shared<LoginState>();
  state->id_key = internal::IdentifierKey(request.identifier);
  state->ip_key = internal::IpKey(request.client.ip);
  state->request = std::move(request);
  state->done = std::move(done);

  // The worker part of a login that the throttle let through.
  auto check = [this, state, recheck_disabled] {
    LoginOutcome& outcome = state->outcome;
    Result<User> user = deps_.users->FindByLogin(state->request.identifier);
    if (!user.ok() && !user.status().IsNotFound()) {
      // Never judged: the reservation goes back (best effort; the store error is the answer).
      return flows_->throttle.ReleaseAsync(
          state->id_key, state->ip_key, state->ticket,
          [state, error = user.status()](Status) { state->Finish(LoginResult::kStoreError, error); });
    }
    PasswordCheck check = PasswordCheck::kMismatch;
    if (user.ok()) {
      check = deps_.hasher->Verify(user->password_hash, state->request.password);
    } else {
      deps_.hasher->VerifyDummy(state->request.password);  // same cost as a wrong password
    }
    if (check == PasswordCheck::kMismatch) {
      outcome.rejection = user.ok() ? PasswordRejection::kWrongPassword
                                    : PasswordRejection::kUnknownUser;
      // Already counted: the reservation made before the check is this failure.
      return state->Finish(LoginResult::kInvalidCredentials);
    }
    // The disabled flag is told only to whoever knows the password: checked before the
    // password, it would tell anyone that the account exists and is disabled, and a
    // disabled user's wrong passwords would go uncounted (a free guessing ground).
    if (user->disabled) {
      outcome.user = WithoutHash(std::move(user).value());
      return flows_->throttle.ReleaseAsync(
          state->id_key, state->ip_key, state->ticket,
          [state](Status) { state->Finish(LoginResult::kAccountDisabled); });
    }
    if (check == PasswordCheck::kMatchNeedsRehash && options_.upgrade_password_hashes) {
      Result<std::string> upgraded = deps_.hasher->Hash(state->request.password);
      Status saved = upgraded.ok() ? deps_.users->UpdatePasswordHash(user->id, *upgraded)
                                   : upgraded.status();
      outcome.upgrade = saved.ok() ? HashUpgrade::kUpgraded : HashUpgrade::kFailed;
      outcome.upgrade_error = saved.code();
    }
    outcome.password_matched = true;
    outcome.user = WithoutHash(std::move(user).value());
    // 2FA on: no session anywhere yet, a pending login instead (API.md §9). The password
    // attempt is released, not counted, but the identifier's failures are not reset:
    // only the code does that, so a known password cannot reset the code throttle.
    if (deps_.users->SupportsTwoFactor()) {
      Result<TwoFactorEnrolment> enrolment = deps_.users->GetTwoFactor(outcome.user.id);
      if (!enrolment.ok() && !enrolment.status().IsNotFound()) {
        return flows_->throttle.ReleaseAsync(
            state->id_key, state->ip_key, state->ticket,
            [state, error = enrolment.status()](Status) {
              state->Finish(LoginResult::kStoreError, error);
            });
      }
      if (enrolment.ok() && enrolment->confirmed) {
        Result<std::string> token = internal::RefreshTokens::Generate();
        if (!token.ok()) {
          return flows_->throttle.ReleaseAsync(
              state->id_key, state->ip_key, state->ticket,
              [state, error = token.status()](Status) {
                state->Finish(LoginResult::kStoreError, error);
              });
        }
        const TimePoint now = Now();
        MfaTokenRecord record;
        record.token_hash = internal::RefreshTokens::HashOf(*token);
        record.user_id = outcome.user.id;
        record.expires_at = now + options_.mfa_token_lifetime;
        outcome.mfa_token = std::move(token).value();
        outcome.mfa_expires_in = options_.mfa_token_lifetime.count();
        return deps_.auth_state->PutMfaTokenAsync(record, now, [this, state](Status stored) {
          flows_->throttle.ReleaseAsync(state->id_key, state->ip_key, state->ticket,
                                        [state, stored](Status) {
                                          if (!stored.ok()) {
                                            state->outcome.mfa_token.clear();
                                            return state->Finish(LoginResult::kStoreError, stored);
                                          }
                                          state->Finish(LoginResult::kSecondFactorRequired);
                                        });
        });
      }
    }
    flows_->throttle.SucceededAsync(state->id_key, state->ip_key, state->ticket,
                                    [this, state, recheck_disabled](Status reset) {
      state->outcome.throttle_reset_error = reset.code();
      IssueSession(state->outcome.user, "login", std::move(state->request.client),
                   [state, recheck_disabled](Status error, IssueStep step, IssuedSession issued) {
                     state->outcome.issued = std::move(issued);
                     if (error.ok()) return recheck_disabled(state);
                     state->outcome.failed_step = step;
                     state->Finish(LoginResult::kSessionFailed, std::move(error));
                   });
    });
  };

  flows_->throttle.ReserveAsync(
      state->id_key, state->ip_key, Now(),
      [this, state, check = std::move(check)](Result<internal::ThrottleReservation> r) mutable {
        if (!r.ok()) return state->Finish(LoginResult::kStoreError, r.status());
        if (r->retry_after_seconds > 0) {
          state->outcome.retry_after_seconds = r->retry_after_seconds;
          return state->Finish(LoginResult::kThrottled);
        }
        state->ticket = std::move(r->ticket);
        if (!deps_.blocking(std::move(check))) {
          flows_->throttle.ReleaseAsync(state->id_key, state->ip_key, state->ticket,
                                        [state](Status) { state->Finish(LoginResult::kBusy); });
        }
      });
}

}  // namespace sessionkit
