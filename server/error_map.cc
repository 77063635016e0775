#include "server/error_map.h"

#include "server/response.h"

namespace sessionkit::server {

int HttpStatusOf(ApiError error) noexcept {
  switch (error) {
    case ApiError::kBadRequest: return 400;
    case ApiError::kInvalidCredentials: return 401;
    case ApiError::kUnauthorized: return 401;
    case ApiError::kRefreshReused: return 401;
    case ApiError::kNotFound: return 404;
    case ApiError::kMethodNotAllowed: return 405;
    case ApiError::kConflict: return 409;
    case ApiError::kPayloadTooLarge: return 413;
    case ApiError::kRateLimited: return 429;
    case ApiError::kStoreUnavailable: return 503;
    case ApiError::kInternal: return 500;
    case ApiError::kReadOnlyUsers: return 403;
    case ApiError::kInvalidCode: return 401;
    case ApiError::kAal2Required: return 403;
    case ApiError::kAccountDisabled: return 403;
    case ApiError::kCsrfRejected: return 403;
    case ApiError::kInvalidToken: return 400;
  }
  return 500;
}

std::string_view ApiErrorName(ApiError error) noexcept {
  switch (error) {
    case ApiError::kBadRequest: return "bad_request";
    case ApiError::kInvalidCredentials: return "invalid_credentials";
    case ApiError::kUnauthorized: return "unauthorized";
    case ApiError::kRefreshReused: return "refresh_reused";
    case ApiError::kNotFound: return "not_found";
    case ApiError::kMethodNotAllowed: return "method_not_allowed";
    case ApiError::kConflict: return "conflict";
    case ApiError::kPayloadTooLarge: return "payload_too_large";
    case ApiError::kRateLimited: return "rate_limited";
    case ApiError::kStoreUnavailable: return "store_unavailable";
    case ApiError::kInternal: return "internal";
    case ApiError::kReadOnlyUsers: return "read_only_users";
    case ApiError::kInvalidCode: return "invalid_code";
    case ApiError::kAal2Required: return "aal2_required";
    case ApiError::kAccountDisabled: return "account_disabled";
    case ApiError::kCsrfRejected: return "csrf_rejected";
    case ApiError::kInvalidToken: return "invalid_token";
  }
  return "internal";
}

namespace {

MappedError AuthenticationError(Code code) {
  switch (code) {
    case Code::kExpired: return {ApiError::kUnauthorized, "Session expired or revoked"};
    case Code::kNotFound: return {ApiError::kUnauthorized, "Session expired or revoked"};
    case Code::kWrongUser: return {ApiError::kUnauthorized, "Session expired or revoked"};
    case Code::kMalformed: return {ApiError::kUnauthorized, "Invalid session"};
    case Code::kBindingMismatch:
      return {ApiError::kUnauthorized, "Session used from a different client"};
    case Code::kUnauthenticated: return {ApiError::kUnauthorized, "Invalid or expired token"};
    case Code::kInvalidArgument: return {ApiError::kUnauthorized, "Invalid or expired token"};
    default: return {ApiError::kInternal, "Internal server error"};
  }
}

MappedError ResourceError(Code code) {
  switch (code) {
    case Code::kNotFound: [[fallthrough]];
    case Code::kExpired: [[fallthrough]];
    case Code::kWrongUser: return {ApiError::kNotFound, "Not found"};
    case Code::kMalformed: [[fallthrough]];
    case Code::kInvalidArgument: return {ApiError::kBadRequest, "Malformed identifier"};
    default: return {ApiError::kInternal, "Internal server error"};
  }
}

MappedError WriteError(Code code) {
  switch (code) {
    case Code::kConflict: return {ApiError::kConflict, "Conflict"};
    case Code::kNotFound: [[fallthrough]];
    case Code::kExpired: return {ApiError::kNotFound, "Not found"};
    case Code::kMalformed: [[fallthrough]];
    case Code::kInvalidArgument: return {ApiError::kBadRequest, "Invalid request"};
    default: return {ApiError::kInternal, "Internal server error"};
  }
}

}  // namespace

MappedError MapStatus(const Status& status, Site site) {
  // Checked first and for every site: an outage is never reported as anything else.
  if (status.code() == Code::kUnavailable) {
    return {ApiError::kStoreUnavailable, "Session store unavailable"};
  }
  if (status.code() == Code::kRateLimited) {
    return {ApiError::kRateLimited, "Too many requests; try again later"};
  }
  switch (site) {
    case Site::kAuthentication: return AuthenticationError(status.code());
    case Site::kResource: return ResourceError(status.code());
    case Site::kWrite: return WriteError(status.code());
  }
  return {ApiError::kInternal, "Internal server error"};
}

Response ErrorResponse(ApiError error, std::string_view message) {
  Response response;
  response.status = HttpStatusOf(error);
  response.body = ErrorEnvelope(ApiErrorName(error), message);
  return response;
}

Response ErrorResponse(const MappedError& mapped) {
  return ErrorResponse(mapped.error, mapped.message);
}

}  // namespace sessionkit::server
