#include "server/router.h"

#include <gtest/gtest.h>

namespace sessionkit::server {
namespace {

TEST(RouterTest, KnownRoutesWithTheirMethods) {
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/register").route, Route::kRegister);
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/login").route, Route::kLogin);
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/logout").route, Route::kLogout);
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/logout-all").route, Route::kLogoutAll);
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/refresh").route, Route::kRefresh);
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/password").route, Route::kChangePassword);
  EXPECT_EQ(MatchRoute(Method::kGet, "/api/auth/sessions").route, Route::kListSessions);
  EXPECT_EQ(MatchRoute(Method::kGet, "/api/users/me").route, Route::kMe);
  EXPECT_EQ(MatchRoute(Method::kGet, "/healthz").route, Route::kHealthz);
  EXPECT_EQ(MatchRoute(Method::kGet, "/metrics").route, Route::kMetrics);
}

TEST(RouterTest, UnknownPathIs404EvenForKnownPrefixes) {
  EXPECT_EQ(MatchRoute(Method::kGet, "/").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/login/").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/loginx").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kGet, "/api/auth/verifyx").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kDelete, "/api/auth/sessions/a/b").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kGet, "/API/USERS/ME").route, Route::kUnknownPath);
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  RouteMatch m = MatchRoute(Method::kGet, "/api/auth/login");
  EXPECT_EQ(m.route, Route::kWrongMethod);
  EXPECT_EQ(m.allow, "POST");
  m = MatchRoute(Method::kPost, "/api/users/me");
  EXPECT_EQ(m.route, Route::kWrongMethod);
  EXPECT_EQ(m.allow, "GET");
  m = MatchRoute(Method::kGet, "/api/auth/sessions/sess_abc");
  EXPECT_EQ(m.route, Route::kWrongMethod);
  EXPECT_EQ(m.allow, "DELETE");
  EXPECT_TRUE(m.param.empty());
  m = MatchRoute(Method::kDelete, "/api/auth/sessions");
  EXPECT_EQ(m.route, Route::kWrongMethod);
  EXPECT_EQ(m.allow, "GET");
  for (std::string_view path : {"/api/auth/refresh", "/api/auth/password"}) {
    m = MatchRoute(Method::kGet, path);
    EXPECT_EQ(m.route, Route::kWrongMethod) << path;
    EXPECT_EQ(m.allow, "POST") << path;
  }
}

TEST(RouterTest, VerifyTakesAnyMethodAndSubpath) {
  for (Method m : {Method::kGet, Method::kPost, Method::kPut, Method::kDelete, Method::kHead,
                   Method::kOptions, Method::kPatch, Method::kOther}) {
    EXPECT_EQ(MatchRoute(m, "/api/auth/verify").route, Route::kVerify);
    EXPECT_EQ(MatchRoute(m, "/api/auth/verify/some/original/path").route, Route::kVerify);
  }
  EXPECT_EQ(MatchRoute(Method::kGet, "/api/auth/verify/").route, Route::kVerify);
}

TEST(RouterTest, RevokeSessionCarriesTheId) {
  RouteMatch m = MatchRoute(Method::kDelete, "/api/auth/sessions/sess_123");
  EXPECT_EQ(m.route, Route::kRevokeSession);
  EXPECT_EQ(m.param, "sess_123");
  m = MatchRoute(Method::kDelete, "/api/auth/sessions/");
  EXPECT_EQ(m.route, Route::kRevokeSession);
  EXPECT_EQ(m.param, "");
}

TEST(RouterTest, LabelsAreDistinct) {
  for (std::size_t a = 0; a < kRouteCount; ++a) {
    for (std::size_t b = a + 1; b < kRouteCount; ++b) {
      EXPECT_NE(RouteLabel(static_cast<Route>(a)), RouteLabel(static_cast<Route>(b)));
    }
  }
}

}  // namespace
}  // namespace sessionkit::server
