#include "server/router.h"

#include <gtest/gtest.h>

#include "server/handlers/routes.h"

namespace sessionkit::server {
namespace {

// The API's table, with its routes named by label.
class RouterTest : public ::testing::Test {
 protected:
  struct Named {
    std::string_view route;  // the label of the matched id
    std::string_view param;
    std::string_view allow;
  };
  Named MatchRoute(Method method, std::string_view path) const {
    RouteMatch m = router_.Match(method, path);
    return {router_.labels()[m.id], m.param, m.allow};
  }

  Router router_{ApiRoutes()};
};

// The former Route enum's values, as the labels they were counted under.
namespace Route {
constexpr std::string_view kRegister = "register", kLogin = "login", kLogout = "logout",
                           kLogoutAll = "logout_all", kRefresh = "refresh",
                           kChangePassword = "change_password", kListSessions = "list_sessions",
                           kRevokeSession = "revoke_session", kMe = "users_me", kVerify = "verify",
                           kHealthz = "healthz", kMetrics = "metrics",
                           kUnknownPath = "unknown_path", kWrongMethod = "wrong_method";
}  // namespace Route

TEST_F(RouterTest, KnownRoutesWithTheirMethods) {
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

TEST_F(RouterTest, UnknownPathIs404EvenForKnownPrefixes) {
  // "/" itself is a route since API.md §8 (GET / -> 302 /account): a page, not a prefix.
  EXPECT_EQ(MatchRoute(Method::kGet, "/ap").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/login/").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kPost, "/api/auth/loginx").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kGet, "/api/auth/verifyx").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kDelete, "/api/auth/sessions/a/b").route, Route::kUnknownPath);
  EXPECT_EQ(MatchRoute(Method::kGet, "/API/USERS/ME").route, Route::kUnknownPath);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Named m = MatchRoute(Method::kGet, "/api/auth/login");
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

TEST_F(RouterTest, VerifyTakesAnyMethodAndSubpath) {
  for (Method m : {Method::kGet, Method::kPost, Method::kPut, Method::kDelete, Method::kHead,
                   Method::kOptions, Method::kPatch, Method::kOther}) {
    EXPECT_EQ(MatchRoute(m, "/api/auth/verify").route, Route::kVerify);
    EXPECT_EQ(MatchRoute(m, "/api/auth/verify/some/original/path").route, Route::kVerify);
  }
  EXPECT_EQ(MatchRoute(Method::kGet, "/api/auth/verify/").route, Route::kVerify);
}

TEST_F(RouterTest, RevokeSessionCarriesTheId) {
  Named m = MatchRoute(Method::kDelete, "/api/auth/sessions/sess_123");
  EXPECT_EQ(m.route, Route::kRevokeSession);
  EXPECT_EQ(m.param, "sess_123");
  m = MatchRoute(Method::kDelete, "/api/auth/sessions/");
  EXPECT_EQ(m.route, Route::kRevokeSession);
  EXPECT_EQ(m.param, "");
}

TEST_F(RouterTest, LabelsAreDistinct) {
  const std::vector<std::string_view>& labels = router_.labels();
  for (std::size_t a = 0; a < labels.size(); ++a) {
    for (std::size_t b = a + 1; b < labels.size(); ++b) {
      EXPECT_NE(labels[a], labels[b]);
    }
  }
}

// A table of its own: the Allow of a path lists its rows' methods in table order; a
// param row takes one segment; the row's flags come back with the match.
TEST(RouterTableTest, DerivesAllowParamsAndFlagsFromTheRows) {
  static constexpr RouteRow kRows[] = {
      {Method::kGet, PathMatch::kExact, "/items", "list_items"},
      {Method::kPost, PathMatch::kExact, "/items", "add_item", true, CsrfClass::kUnsafe},
      {Method::kGet, PathMatch::kParam, "/items", "get_item"},
  };
  Router router(kRows);
  RouteMatch m = router.Match(Method::kDelete, "/items");
  EXPECT_EQ(m.id, router.wrong_method());
  EXPECT_EQ(m.allow, "GET, POST");
  m = router.Match(Method::kPost, "/items");
  ASSERT_NE(m.row, nullptr);
  EXPECT_EQ(router.labels()[m.id], "add_item");
  EXPECT_TRUE(m.row->auth_required);
  EXPECT_EQ(m.row->csrf, CsrfClass::kUnsafe);
  m = router.Match(Method::kGet, "/items/7");
  EXPECT_EQ(router.labels()[m.id], "get_item");
  EXPECT_EQ(m.param, "7");
  EXPECT_EQ(router.Match(Method::kGet, "/items/7/x").id, router.unknown_path());
  EXPECT_EQ(router.labels()[router.unknown_path()], "unknown_path");
  EXPECT_EQ(router.labels()[router.wrong_method()], "wrong_method");
}

}  // namespace
}  // namespace sessionkit::server
