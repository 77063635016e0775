#include "src/core/auth_state_rules.h"

#include "sessionkit/session.h"

namespace sessionkit::internal {

bool IsTokenHash(std::string_view s) noexcept {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status CheckIssue(const RefreshRecord& record, TimePoint now) {
  if (!IsTokenHash(record.token_hash)) {
    return Status::InvalidArgument("token_hash is not 64 lowercase hex");
  }
  if (!IsWellFormedSessionId(record.session_id)) {
    return Status::InvalidArgument("malformed session id");
  }
  if (record.user_id.empty()) return Status::InvalidArgument("refresh token has no user_id");
  if (!(now < record.expires_at)) {
    return Status::InvalidArgument("refresh token is already past its expires_at");
  }
  return Status::Ok();
}

Status CheckRotate(const RotateRequest& request) {
  if (!IsTokenHash(request.presented_hash)) {
    return Status::InvalidArgument("presented hash is not 64 lowercase hex");
  }
  if (!IsTokenHash(request.successor_hash)) {
    return Status::InvalidArgument("successor hash is not 64 lowercase hex");
  }
  if (request.presented_hash == request.successor_hash) {
    return Status::InvalidArgument("a token cannot be its own successor");
  }
  if (request.grace.count() < 0) return Status::InvalidArgument("grace is negative");
  if (!(request.now < request.successor_expires_at)) {
    return Status::InvalidArgument("successor_expires_at is not after now");
  }
  return Status::Ok();
}

Status CheckFailureKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("empty failure key");
  if (key.size() > kMaxFailureKeyBytes) {
    return Status::InvalidArgument("failure key longer than " +
                                   std::to_string(kMaxFailureKeyBytes) + " bytes");
  }
  return Status::Ok();
}

Status CheckFailureWindow(std::string_view key, std::chrono::milliseconds window) {
  if (Status st = CheckFailureKey(key); !st.ok()) return st;
  if (window.count() <= 0) return Status::InvalidArgument("failure window must be positive");
  return Status::Ok();
}

Status CheckAttemptKeys(const std::vector<AttemptKey>& keys, std::chrono::milliseconds window) {
  if (keys.empty() || keys.size() > kMaxAttemptKeys) {
    return Status::InvalidArgument("an attempt needs 1 to " + std::to_string(kMaxAttemptKeys) +
                                   " failure keys");
  }
  for (const AttemptKey& k : keys) {
    if (Status st = CheckFailureWindow(k.key, window); !st.ok()) return st;
    if (k.limit == 0) return Status::InvalidArgument("an attempt key's limit must be positive");
  }
  return Status::Ok();
}

Status CheckMfaPut(const MfaTokenRecord& record, TimePoint now) {
  if (!IsTokenHash(record.token_hash)) {
    return Status::InvalidArgument("mfa token_hash is not 64 lowercase hex");
  }
  if (record.user_id.empty() || record.user_id.size() > 256) {
    return Status::InvalidArgument("mfa token needs a user id of 1-256 bytes");
  }
  if (!(now < record.expires_at)) return Status::InvalidArgument("mfa token expires_at is not in the future");
  return Status::Ok();
}

Status CheckEmailTokenPut(const EmailTokenRecord& record, TimePoint now) {
  if (!IsTokenHash(record.token_hash)) {
    return Status::InvalidArgument("email token_hash is not 64 lowercase hex");
  }
  if (record.user_id.empty() || record.user_id.size() > 256) {
    return Status::InvalidArgument("email token needs a user id of 1-256 bytes");
  }
  if (record.purpose != EmailTokenPurpose::kVerifyEmail &&
      record.purpose != EmailTokenPurpose::kResetPassword) {
    return Status::InvalidArgument("email token has an unknown purpose");
  }
  if (!(now < record.expires_at)) {
    return Status::InvalidArgument("email token expires_at is not in the future");
  }
  return Status::Ok();
}

bool IsMailId(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

Status CheckMailEnqueue(const QueuedMail& mail) {
  if (!IsMailId(mail.id)) return Status::InvalidArgument("mail id is not 1-64 of [0-9a-z]");
  if (mail.recipient.empty() || mail.recipient.size() > 320 ||
      mail.recipient.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("mail recipient is not an address");
  }
  if (mail.message.empty()) return Status::InvalidArgument("mail message is empty");
  return Status::Ok();
}

}  // namespace sessionkit::internal
