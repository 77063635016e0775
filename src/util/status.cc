#include "sessionkit/status.h"

namespace sessionkit {

std::string_view CodeName(Code code) noexcept {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kNotFound: return "not_found";
    case Code::kExpired: return "expired";
    case Code::kMalformed: return "malformed";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kWrongUser: return "wrong_user";
    case Code::kBindingMismatch: return "binding_mismatch";
    case Code::kUnavailable: return "unavailable";
    case Code::kConflict: return "conflict";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kRateLimited: return "rate_limited";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out(CodeName(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace sessionkit
