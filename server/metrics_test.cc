#include "server/metrics.h"

#include <gtest/gtest.h>

#include "server/handlers/routes.h"

namespace sessionkit::server {
namespace {

const Router& Api() {
  static const Router router(ApiRoutes());
  return router;
}

// Route ids of the API's table, by label.
namespace Route {
const RouteId kVerify = Api().IdOf("verify");
const RouteId kLogin = Api().IdOf("login");
const RouteId kMe = Api().IdOf("users_me");
const RouteId kRefresh = Api().IdOf("refresh");
const RouteId kChangePassword = Api().IdOf("change_password");
}  // namespace Route

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(MetricsTest, CountsByRouteAndStatus) {
  Metrics m(Api().labels());
  m.RecordRequest(Route::kVerify, 200, microseconds(50));
  m.RecordRequest(Route::kVerify, 200, microseconds(70));
  m.RecordRequest(Route::kVerify, 401, microseconds(30));
  m.RecordRequest(Route::kLogin, 418, milliseconds(80));
  EXPECT_EQ(m.RequestsForTest(Route::kVerify, 200), 2u);
  EXPECT_EQ(m.RequestsForTest(Route::kVerify, 401), 1u);
  std::string text = m.Render();
  EXPECT_NE(text.find("sessionkit_http_requests_total{route=\"verify\",status=\"200\"} 2\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("sessionkit_http_requests_total{route=\"login\",status=\"other\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(text.find("route=\"healthz\""), std::string::npos) << "zero series are omitted";
}

TEST(MetricsTest, HistogramIsCumulative) {
  Metrics m(Api().labels());
  m.RecordRequest(Route::kMe, 200, microseconds(50));    // <= 0.0001
  m.RecordRequest(Route::kMe, 200, milliseconds(3));     // <= 0.005
  m.RecordRequest(Route::kMe, 200, std::chrono::seconds(10));  // +Inf only
  std::string text = m.Render();
  auto has = [&text](std::string_view line) { return text.find(line) != std::string::npos; };
  EXPECT_TRUE(has("sessionkit_http_request_duration_seconds_bucket{route=\"users_me\",le=\"0.0001\"} 1\n")) << text;
  EXPECT_TRUE(has("sessionkit_http_request_duration_seconds_bucket{route=\"users_me\",le=\"0.005\"} 2\n"));
  EXPECT_TRUE(has("sessionkit_http_request_duration_seconds_bucket{route=\"users_me\",le=\"5\"} 2\n"));
  EXPECT_TRUE(has("sessionkit_http_request_duration_seconds_bucket{route=\"users_me\",le=\"+Inf\"} 3\n"));
  EXPECT_TRUE(has("sessionkit_http_request_duration_seconds_count{route=\"users_me\"} 3\n"));
}

TEST(MetricsTest, EventCounters) {
  Metrics m(Api().labels());
  m.LoginOk();
  m.LoginFailed();
  m.LoginFailed();
  m.StoreError();
  std::string text = m.Render();
  EXPECT_NE(text.find("sessionkit_logins_total{result=\"failed\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sessionkit_logins_total{result=\"ok\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("sessionkit_store_errors_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE sessionkit_store_errors_total counter\n"), std::string::npos);
}

TEST(MetricsTest, AccountSecurityCounters) {
  Metrics m(Api().labels());
  m.LoginThrottled();
  m.RefreshRotated();
  m.RefreshRotated();
  m.RefreshReplayed();
  m.RefreshReused();
  m.RecordRequest(Route::kRefresh, 200, microseconds(90));
  m.RecordRequest(Route::kChangePassword, 401, milliseconds(60));
  std::string text = m.Render();
  auto has = [&text](std::string_view line) { return text.find(line) != std::string::npos; };
  EXPECT_TRUE(has("sessionkit_logins_total{result=\"throttled\"} 1\n")) << text;
  EXPECT_TRUE(has("# TYPE sessionkit_refresh_total counter\n"));
  EXPECT_TRUE(has("sessionkit_refresh_total{outcome=\"rotated\"} 2\n"));
  EXPECT_TRUE(has("sessionkit_refresh_total{outcome=\"grace_replay\"} 1\n"));
  EXPECT_TRUE(has("sessionkit_refresh_total{outcome=\"reused\"} 1\n"));
  EXPECT_TRUE(has("sessionkit_http_requests_total{route=\"refresh\",status=\"200\"} 1\n"));
  EXPECT_TRUE(has("sessionkit_http_requests_total{route=\"change_password\",status=\"401\"} 1\n"));
  EXPECT_EQ(m.LoginsThrottledForTest(), 1u);
  EXPECT_EQ(m.RefreshReusedForTest(), 1u);
}

}  // namespace
}  // namespace sessionkit::server
