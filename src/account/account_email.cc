// AccountService's email flows (API.md §13): verification request, verify, forgot and
// reset.
//
// Each flow runs on the blocking executor from its first step: it makes UserStore calls
// and waits there for the AuthStateStore and SessionManager (their blocking forms,
// legal on an executor thread: it is never a store's I/O thread). Mails are only
// queued (AuthStateStore::EnqueueMail): the server's delivery worker sends them, so an
// SMTP outage never fails or delays a request.
//
// Tokens: 32 random bytes, base64url (43 characters) in the link; the store keeps the
// SHA-256 in hex with the purpose and the user. Reset tokens are single use and the
// newest one of a user is the only live one (the store enforces both).
#include <algorithm>
#include <memory>
#include <utility>

#include "sessionkit/account_service.h"
#include "src/account/flows.h"
#include "src/account/mail_message.h"
#include "src/account/two_factor_check.h"
#include "src/core/blocking.h"
#include "src/crypto/hex.h"
#include "src/crypto/random.h"
#include "src/crypto/sha256.h"
#include "src/util/base64url.h"

namespace sessionkit {
namespace {

constexpr std::size_t kTokenBytes = 32;

struct NewToken {
  std::string token;  // for the link only
  std::string hash;
};

Result<NewToken> MakeToken() {
  Result<std::string> bytes = internal::RandomBytes(kTokenBytes);
  if (!bytes.ok()) return bytes.status();
  NewToken out;
  out.token = internal::Base64UrlEncode(*bytes);
  out.hash = internal::HexLower(internal::AsBytes(internal::Sha256(out.token)));
  return out;
}

// The stored hash of a presented token; empty when it cannot be one of ours (then no
// store is asked: the caller answers kInvalidToken).
std::string HashOfPresented(std::string_view token) {
  if (token.size() != internal::Base64UrlEncodedLength(kTokenBytes)) return {};
  Result<std::string> raw = internal::Base64UrlDecode(token);
  if (!raw.ok() || raw->size() != kTokenBytes) return {};
  return internal::HexLower(internal::AsBytes(internal::Sha256(token)));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string HostOf(std::string_view origin) {
  std::size_t at = origin.find("://");
  std::string_view host = at == std::string_view::npos ? origin : origin.substr(at + 3);
  if (std::size_t colon = host.rfind(':');
      colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return host.empty() ? std::string("localhost") : std::string(host);
}

void Finish(const std::function<void(EmailOutcome)>& done, EmailOutcome& outcome,
            EmailResult result, Status error = Status::Ok()) {
  outcome.result = result;
  outcome.error = std::move(error);
  done(std::move(outcome));
}

}  // namespace

namespace {

// Builds and queues the mail of `kind` for `user` with `token` in its link.
Status QueueMail(AuthStateStore& store, const AccountOptions::Email& email,
                 internal::MailKind kind, const User& user, std::string_view token,
                 TimePoint now, std::string& mail_id) {
  Result<std::string> id_bytes = internal::RandomBytes(16);
  if (!id_bytes.ok()) return id_bytes.status();
  mail_id = internal::HexLower(*id_bytes);
  const std::string path = kind == internal::MailKind::kVerifyEmail ? "/account/verify-email"
                                                                    : "/account/reset";
  const std::string link = email.public_origin + path + "?token=" + std::string(token);
  internal::MailContent content;
  content.from = email.mail_from;
  content.to_address = user.email;
  content.to_name = user.username;
  content.date = now;
  content.message_id = mail_id + "@" + HostOf(email.public_origin);
  internal::FillMailText(kind, user.username, link, content);
  QueuedMail mail;
  mail.id = mail_id;
  mail.recipient = user.email;
  mail.message = internal::BuildMailMessage(content);
  mail.enqueued_at = now;
  mail.due_at = now;
  return store.EnqueueMail(mail);
}

}  // namespace

void AccountService::RequestEmailVerification(std::string user_id,
                                              std::function<void(EmailOutcome)> done) {
  if (!options_.email.enabled) {
    EmailOutcome o;
    return Finish(done, o, EmailResult::kDisabled);
  }
  auto job = [this, user_id = std::move(user_id), done]() {
    EmailOutcome o;
    o.user_id = user_id;
    Result<User> user = deps_.users->FindById(user_id);
    if (!user.ok()) {
      return Finish(done, o,
                    user.status().IsNotFound() ? EmailResult::kUserNotFound
                                               : EmailResult::kStoreError,
                    user.status());
    }
    const TimePoint now = Now();
    const std::string key = "mailv:" + user_id;
    const auto interval =
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.email.verify_request_interval);
    Result<AttemptReservation> gate =
        deps_.auth_state->ReserveAttempt({AttemptKey{key, 1}}, now, interval);
    if (!gate.ok()) return Finish(done, o, EmailResult::kStoreError, gate.status());
    if (!gate->granted) {
      o.retry_after_seconds = internal::RetryAfterSeconds(
          gate->windows.at(0).oldest, options_.email.verify_request_interval, now);
      return Finish(done, o, EmailResult::kThrottled);
    }
    Result<NewToken> token = MakeToken();
    if (!token.ok()) return Finish(done, o, EmailResult::kStoreError, token.status());
    EmailTokenRecord record;
    record.token_hash = token->hash;
    record.user_id = user->id;
    record.purpose = EmailTokenPurpose::kVerifyEmail;
    record.expires_at = now + options_.email.verify_token_lifetime;
    if (Status st = deps_.auth_state->PutEmailToken(record, now); !st.ok()) {
      return Finish(done, o, EmailResult::kStoreError, st);
    }
    if (Status st = QueueMail(*deps_.auth_state, options_.email, internal::MailKind::kVerifyEmail,
                              *user, token->token, now, o.mail_id);
        !st.ok()) {
      return Finish(done, o, EmailResult::kStoreError, st);
    }
    Finish(done, o, EmailResult::kDone);
  };
  if (!deps_.blocking(std::move(job))) {
    EmailOutcome o;
    Finish(done, o, EmailResult::kBusy);
  }
}

void AccountService::VerifyEmail(std::string token, std::function<void(EmailOutcome)> done) {
  EmailOutcome early;
  if (!options_.email.enabled) return Finish(done, early, EmailResult::kDisabled);
  std::string hash = HashOfPresented(token);
  if (hash.empty()) return Finish(done, early, EmailResult::kInvalidToken);
  auto job = [this, hash = std::move(hash), done]() {
    EmailOutcome o;
    Result<EmailTokenRecord> taken =
        deps_.auth_state->TakeEmailToken(hash, EmailTokenPurpose::kVerifyEmail, Now());
    if (!taken.ok()) {
      if (taken.status().IsNotFound()) return Finish(done, o, EmailResult::kInvalidToken);
      return Finish(done, o, EmailResult::kStoreError, taken.status());
    }
    o.user_id = taken->user_id;
    Status set = deps_.users->SetEmailVerified(taken->user_id, true);
    if (set.IsNotFound()) return Finish(done, o, EmailResult::kInvalidToken);
    if (!set.ok()) return Finish(done, o, EmailResult::kStoreError, set);
    Finish(done, o, EmailResult::kDone);
  };
  if (!deps_.blocking(std::move(job))) Finish(done, early, EmailResult::kBusy);
}

void AccountService::ForgotPassword(std::string email, std::string client_ip,
                                    std::function<void(EmailOutcome)> done) {
  EmailOutcome early;
  if (!options_.email.enabled) return Finish(done, early, EmailResult::kDisabled);
  auto job = [this, email = std::move(email), client_ip = std::move(client_ip), done]() {
    EmailOutcome o;
    const TimePoint now = Now();
    const LoginLimits& limits = options_.login_limits;
    // Every forgot request counts, per email and per IP, in windows of their own.
    const std::string email_key = "forgot-" + internal::IdentifierKey(email);
    const std::string ip_key = "forgot-" + internal::IpKey(client_ip);
    std::vector<AttemptKey> keys;
    if (limits.max_per_identifier > 0) keys.push_back({email_key, limits.max_per_identifier});
    if (limits.max_per_ip > 0) keys.push_back({ip_key, limits.max_per_ip});
    if (!keys.empty()) {
      Result<AttemptReservation> gate = deps_.auth_state->ReserveAttempt(
          keys, now, std::chrono::duration_cast<std::chrono::milliseconds>(limits.window));
      if (!gate.ok()) return Finish(done, o, EmailResult::kStoreError, gate.status());
      if (!gate->granted) {
        for (std::size_t i = 0; i < keys.size() && i < gate->windows.size(); ++i) {
          if (gate->windows[i].count < keys[i].limit) continue;
          o.retry_after_seconds =
              std::max(o.retry_after_seconds,
                       internal::RetryAfterSeconds(gate->windows[i].oldest, limits.window, now));
        }
        if (o.retry_after_seconds <= 0) o.retry_after_seconds = 1;
        return Finish(done, o, EmailResult::kThrottled);
      }
    }
    // The same work whether or not the address is known: one user lookup, one token
    // stored, then a mail queued (known) or the token taken back (unknown).
    Result<User> user = deps_.users->FindByLogin(email);
    if (!user.ok() && !user.status().IsNotFound()) {
      return Finish(done, o, EmailResult::kStoreError, user.status());
    }
    const bool known = user.ok() && Lower(user->email) == Lower(email) && !user->disabled;
    Result<NewToken> token = MakeToken();
    if (!token.ok()) return Finish(done, o, EmailResult::kStoreError, token.status());
    EmailTokenRecord record;
    record.token_hash = token->hash;
    record.user_id = known ? user->id : std::string("-");
    record.purpose = known ? EmailTokenPurpose::kResetPassword : EmailTokenPurpose::kVerifyEmail;
    record.expires_at = now + options_.email.reset_token_lifetime;
    if (Status st = deps_.auth_state->PutEmailToken(record, now); !st.ok()) {
      return Finish(done, o, EmailResult::kStoreError, st);
    }
    if (!known) {
      Result<EmailTokenRecord> back =
          deps_.auth_state->TakeEmailToken(token->hash, record.purpose, now);
      if (!back.ok()) return Finish(done, o, EmailResult::kStoreError, back.status());
      return Finish(done, o, EmailResult::kDone);
    }
    o.user_id = user->id;
    if (Status st = QueueMail(*deps_.auth_state, options_.email,
                              internal::MailKind::kResetPassword, *user, token->token, now,
                              o.mail_id);
        !st.ok()) {
      return Finish(done, o, EmailResult::kStoreError, st);
    }
    Finish(done, o, EmailResult::kDone);
  };
  if (!deps_.blocking(std::move(job))) Finish(done, early, EmailResult::kBusy);
}

void AccountService::ResetPassword(PasswordResetRequest request,
                                   std::function<void(EmailOutcome)> done) {
  EmailOutcome early;
  if (!options_.email.enabled) return Finish(done, early, EmailResult::kDisabled);
  std::string hash = HashOfPresented(request.token);
  if (hash.empty()) return Finish(done, early, EmailResult::kInvalidToken);
  auto job = [this, hash = std::move(hash), request = std::move(request), done]() {
    EmailOutcome o;
    const TimePoint now = Now();
    Result<EmailTokenRecord> taken =
        deps_.auth_state->TakeEmailToken(hash, EmailTokenPurpose::kResetPassword, now);
    if (!taken.ok()) {
      if (taken.status().IsNotFound()) return Finish(done, o, EmailResult::kInvalidToken);
      return Finish(done, o, EmailResult::kStoreError, taken.status());
    }
    o.user_id = taken->user_id;
    // A refused try puts the token back as it was (it stays the newest: a newer reset
    // would have killed it first), so the user can try again with the right code.
    auto put_back = [&] { (void)deps_.auth_state->PutEmailToken(*taken, Now()); };
    Result<User> user = deps_.users->FindById(taken->user_id);
    if (!user.ok()) {
      if (user.status().IsNotFound()) return Finish(done, o, EmailResult::kInvalidToken);
      put_back();
      return Finish(done, o, EmailResult::kStoreError, user.status());
    }
    if (user->disabled) return Finish(done, o, EmailResult::kInvalidToken);
    if (deps_.users->SupportsTwoFactor()) {
      Result<TwoFactorEnrolment> enrolment = deps_.users->GetTwoFactor(user->id);
      if (!enrolment.ok() && !enrolment.status().IsNotFound()) {
        put_back();
        return Finish(done, o, EmailResult::kStoreError, enrolment.status());
      }
      if (enrolment.ok() && enrolment->confirmed) {
        const std::string id_key = internal::IdentifierKey(user->username);
        const std::string ip_key = internal::IpKey(request.client_ip);
        Result<internal::ThrottleReservation> gate =
            internal::WaitFor<internal::ThrottleReservation>([&](auto cb) {
              flows_->throttle.ReserveAsync(id_key, ip_key, now, std::move(cb));
            });
        if (!gate.ok()) {
          put_back();
          return Finish(done, o, EmailResult::kStoreError, gate.status());
        }
        if (gate->retry_after_seconds > 0) {
          put_back();
          o.retry_after_seconds = gate->retry_after_seconds;
          return Finish(done, o, EmailResult::kThrottled);
        }
        Result<internal::CodeCheck> verdict =
            request.code.empty()
                ? Result<internal::CodeCheck>(internal::CodeCheck{})
                : internal::CheckSecondFactorCode(*deps_.users, flows_->totp_box, *enrolment,
                                                  request.code, /*allow_recovery=*/true, now);
        if (!verdict.ok() || !verdict->accepted) {
          put_back();
          if (!verdict.ok()) {
            flows_->throttle.ReleaseAsync(id_key, ip_key, gate->ticket, [](Status) {});
            return Finish(done, o, EmailResult::kStoreError, verdict.status());
          }
          return Finish(done, o, EmailResult::kInvalidCode);  // the reservation stays
        }
        flows_->throttle.ReleaseAsync(id_key, ip_key, gate->ticket, [](Status) {});
      }
    }
    Result<std::string> new_hash = deps_.hasher->Hash(request.new_password);
    if (!new_hash.ok()) {
      put_back();
      return Finish(done, o, EmailResult::kHashFailed, new_hash.status());
    }
    if (Status saved = deps_.users->UpdatePasswordHash(user->id, *new_hash); !saved.ok()) {
      put_back();
      return Finish(done, o, EmailResult::kStoreError, saved);
    }
    o.password_saved = true;
    // The link reached the address: it is verified now (best effort).
    if (!user->is_email_verified) (void)deps_.users->SetEmailVerified(user->id, true);
    Result<std::uint64_t> revoked = internal::WaitFor<std::uint64_t>([&](auto cb) {
      deps_.sessions->RevokeAllForUserAsync(user->id, "", std::move(cb));
    });
    if (!revoked.ok()) return Finish(done, o, EmailResult::kStoreError, revoked.status());
    o.revoked = *revoked;
    Finish(done, o, EmailResult::kDone);
  };
  if (!deps_.blocking(std::move(job))) Finish(done, early, EmailResult::kBusy);
}

}  // namespace sessionkit
