// Status: the outcome of a sessionkit operation, with a code callers can branch on.
//
// Every fallible public function returns a Status or a Result<T>; nothing throws
// across the public API. An OK Status carries no message and costs no allocation.
// Codes are distinct on purpose: a server maps them to HTTP statuses in one place,
// and not_found / expired / wrong_user must stay distinguishable for logging even
// when they all end in the same 401.
//
// Thread safety: Status is a value type; distinct objects may be used concurrently.
#ifndef SESSIONKIT_STATUS_H_
#define SESSIONKIT_STATUS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace sessionkit {

enum class Code : std::uint8_t {
  kOk = 0,
  kNotFound,         // no such session (or user, or key)
  kExpired,          // existed, but past its expires_at / absolute lifetime
  kMalformed,        // input not in the required shape (session id, JSON, token)
  kUnauthenticated,  // credentials or token rejected (bad signature, bad claims)
  kWrongUser,        // session belongs to a different user than expected
  kBindingMismatch,  // IP / User-Agent drift under the strict binding policy
  kUnavailable,      // the store (or another dependency) is down or timed out
  kConflict,         // uniqueness or concurrent-modification conflict
  kInvalidArgument,  // caller passed a value outside the documented range
  kRateLimited,      // too many attempts; retry later
  kInternal,         // a bug or an impossible state; never expected
};

// Stable lowercase name of a code ("not_found", "binding_mismatch", ...).
std::string_view CodeName(Code code) noexcept;

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() noexcept { return Status(); }
  static Status NotFound(std::string m = "not found") { return {Code::kNotFound, std::move(m)}; }
  static Status Expired(std::string m = "expired") { return {Code::kExpired, std::move(m)}; }
  static Status Malformed(std::string m) { return {Code::kMalformed, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status WrongUser(std::string m = "session belongs to another user") {
    return {Code::kWrongUser, std::move(m)};
  }
  static Status BindingMismatch(std::string m) { return {Code::kBindingMismatch, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status RateLimited(std::string m) { return {Code::kRateLimited, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const noexcept { return code_ == Code::kOk; }
  Code code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  bool IsNotFound() const noexcept { return code_ == Code::kNotFound; }
  bool IsExpired() const noexcept { return code_ == Code::kExpired; }
  bool IsUnavailable() const noexcept { return code_ == Code::kUnavailable; }

  // "ok", or "<code_name>: <message>".
  std::string ToString() const;

  // Explicitly discards a Status the caller has decided not to act on.
  void IgnoreError() const noexcept {}

  friend bool operator==(const Status& a, const Status& b) noexcept {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace sessionkit

#endif  // SESSIONKIT_STATUS_H_
