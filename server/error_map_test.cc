#include "server/error_map.h"

#include <gtest/gtest.h>

#include <string>

namespace sessionkit::server {
namespace {

TEST(ErrorMapTest, EveryApiErrorHasTheContractStatusAndName) {
  struct Case { ApiError error; int status; const char* name; };
  const Case cases[] = {
      {ApiError::kBadRequest, 400, "bad_request"},
      {ApiError::kInvalidCredentials, 401, "invalid_credentials"},
      {ApiError::kUnauthorized, 401, "unauthorized"},
      {ApiError::kRefreshReused, 401, "refresh_reused"},
      {ApiError::kNotFound, 404, "not_found"},
      {ApiError::kMethodNotAllowed, 405, "method_not_allowed"},
      {ApiError::kConflict, 409, "conflict"},
      {ApiError::kPayloadTooLarge, 413, "payload_too_large"},
      {ApiError::kRateLimited, 429, "rate_limited"},
      {ApiError::kStoreUnavailable, 503, "store_unavailable"},
      {ApiError::kInternal, 500, "internal"},
      {ApiError::kAccountDisabled, 403, "account_disabled"},
      {ApiError::kCsrfRejected, 403, "csrf_rejected"},
      {ApiError::kInvalidToken, 400, "invalid_token"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HttpStatusOf(c.error), c.status) << c.name;
    EXPECT_EQ(ApiErrorName(c.error), c.name);
  }
}

TEST(ErrorMapTest, UnavailableIs503AtEverySite) {
  for (Site site : {Site::kAuthentication, Site::kResource, Site::kWrite}) {
    MappedError m = MapStatus(Status::Unavailable("redis: connection refused"), site);
    EXPECT_EQ(m.error, ApiError::kStoreUnavailable);
    EXPECT_EQ(HttpStatusOf(m.error), 503);
    EXPECT_EQ(m.message.find("redis"), std::string::npos) << "library detail leaked";
  }
}

TEST(ErrorMapTest, AuthenticationFailuresAre401) {
  for (Status s : {Status::NotFound(), Status::Expired(), Status::WrongUser(),
                   Status::Malformed("x"), Status::Unauthenticated("x"),
                   Status::BindingMismatch("x")}) {
    MappedError m = MapStatus(s, Site::kAuthentication);
    EXPECT_EQ(m.error, ApiError::kUnauthorized) << s.ToString();
  }
}

TEST(ErrorMapTest, ResourceLookups) {
  EXPECT_EQ(MapStatus(Status::NotFound(), Site::kResource).error, ApiError::kNotFound);
  EXPECT_EQ(MapStatus(Status::Expired(), Site::kResource).error, ApiError::kNotFound);
  EXPECT_EQ(MapStatus(Status::Malformed("id"), Site::kResource).error, ApiError::kBadRequest);
  EXPECT_EQ(MapStatus(Status::Conflict("x"), Site::kWrite).error, ApiError::kConflict);
}

TEST(ErrorMapTest, InternalNeverBecomesSomethingMilder) {
  EXPECT_EQ(MapStatus(Status::Internal("bug"), Site::kAuthentication).error, ApiError::kInternal);
  EXPECT_EQ(MapStatus(Status::Internal("bug"), Site::kResource).error, ApiError::kInternal);
  EXPECT_EQ(MapStatus(Status::Internal("bug"), Site::kWrite).error, ApiError::kInternal);
}

TEST(ErrorMapTest, ErrorResponseIsTheEnvelope) {
  Response r = ErrorResponse(ApiError::kConflict, "username \"x\" taken");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body,
            R"({"success":false,"message":"username \"x\" taken","error":{"code":"conflict"}})");
}

}  // namespace
}  // namespace sessionkit::server
