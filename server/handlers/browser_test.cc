// The browser transport through the handlers (no sockets), with a ManualClock: cookie
// Max-Age values, refresh_reused expiring the cookies, and the pure helpers of browser.h
// (Cookie header parsing, origin checks, the settings' origin validation). The HTTP-level
// rules on both stores are tests/integration/test_cookies.py.
#include "server/handlers/browser.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <map>
#include <string>

#include "server/app/origin.h"
#include "server/testing/api_call.h"
#include "server/testing/test_services.h"
#include "sessionkit/sqlite_store.h"
#include "testing/temp_dir.h"

namespace sessionkit::server {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr std::string_view kSecret = "browser-test-secret-0123456789abcdef012";

std::string Field(const std::string& json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return "<invalid json>";
  std::string_view text;
  if (root.at_pointer(pointer).get_string().get(text) != simdjson::SUCCESS) return "<missing>";
  return std::string(text);
}

// name -> the whole Set-Cookie line.
std::map<std::string, std::string> SetCookies(const Response& r) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : r.headers) {
    if (name == "Set-Cookie") out[value.substr(0, value.find('='))] = value;
  }
  return out;
}

std::string ValueOf(const std::string& set_cookie) {
  std::size_t eq = set_cookie.find('=');
  return set_cookie.substr(eq + 1, set_cookie.find(';') - eq - 1);
}

std::string Header(const Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::off);
    std::string db = dir_.File("sessionkit.db");
    auto sessions = OpenSqliteStore({.path = db, .clock = &clock_});
    ASSERT_TRUE(sessions.ok());
    auto auth = OpenSqliteAuthStateStore({.path = db, .clock = &clock_});
    ASSERT_TRUE(auth.ok());
    Status opened = wiring_.Open({.sessions = std::move(sessions).value(),
                                  .auth_state = std::move(auth).value(),
                                  .users_path = db,
                                  .clock = &clock_,
                                  .jwt_secret = std::string(kSecret),
                                  .token_lifetime = hours(2),
                                  .refresh_grace = seconds(10),
                                  .worker_threads = 1,
                                  .worker_queue = 16});
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    wiring_.services.browser = &policy_;
  }

  Response Post(std::string_view path, std::string_view body, std::string_view cookie = {},
                bool cookie_transport = true) {
    Request req;
    req.method = Method::kPost;
    req.path = path;
    req.user_agent = "unit-test/1";
    req.body = body;
    req.client_ip = "192.0.2.10";
    req.host = "auth.example.com";
    req.cookie = cookie;
    if (cookie_transport) req.auth_transport = "cookie";
    return CallApi(wiring_.services, req);
  }

  ManualClock clock_;
  sessionkit::testing::TempDir dir_;
  TestServices wiring_;
  BrowserPolicy policy_{BrowserSettings{.secure = true,
                                        .jwt_secret = std::string(kSecret),
                                        .access_token_lifetime = hours(2)}};
};

TEST_F(BrowserTest, MaxAgeIsTheTokenLifetimeAndTheSessionsRemainingLifetime) {
  Response reg = Post("/api/auth/register",
                      R"({"username":"alice","email":"alice@example.com","password":"correct horse 1"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  auto cookies = SetCookies(reg);
  ASSERT_EQ(cookies.size(), 3u);
  EXPECT_EQ(cookies["__Host-sk_access"].substr(cookies["__Host-sk_access"].find(';')),
            "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=7200");
  EXPECT_EQ(cookies["__Secure-sk_refresh"].substr(cookies["__Secure-sk_refresh"].find(';')),
            "; Path=/api/auth/refresh; Secure; HttpOnly; SameSite=Strict; Max-Age=2592000");
  EXPECT_EQ(cookies["__Host-sk_csrf"].substr(cookies["__Host-sk_csrf"].find(';')),
            "; Path=/; Secure; SameSite=Lax");
  EXPECT_EQ(Header(reg, "Cache-Control"), "no-store");
  std::string csrf = ValueOf(cookies["__Host-sk_csrf"]);
  EXPECT_EQ(Field(reg.body, "/data/csrf_token"), csrf);
  EXPECT_EQ(Field(reg.body, "/data/token"), "<missing>");

  // An hour later the refresh cookie lives until the session's absolute end, 719 h away.
  clock_.Advance(hours(1));
  std::string jar = "__Secure-sk_refresh=" + ValueOf(cookies["__Secure-sk_refresh"]);
  Response refreshed = Post("/api/auth/refresh", "", jar, false);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  auto again = SetCookies(refreshed);
  EXPECT_NE(again["__Secure-sk_refresh"].find("; Max-Age=" + std::to_string((720 - 1) * 3600)),
            std::string::npos)
      << again["__Secure-sk_refresh"];
  EXPECT_NE(again["__Host-sk_access"].find("; Max-Age=7200"), std::string::npos);
  EXPECT_EQ(ValueOf(again["__Host-sk_csrf"]), csrf) << "same session, same CSRF token";
  EXPECT_EQ(Field(refreshed.body, "/data/csrf_token"), csrf);
  EXPECT_EQ(Field(refreshed.body, "/data/refresh_token"), "<missing>");
  EXPECT_EQ(Header(refreshed, "Cache-Control"), "no-store");
}

TEST_F(BrowserTest, RefreshReusedExpiresTheCookies) {
  Response reg = Post("/api/auth/register",
                      R"({"username":"bob","email":"bob@example.com","password":"correct horse 1"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  std::string jar = "__Secure-sk_refresh=" + ValueOf(SetCookies(reg)["__Secure-sk_refresh"]);
  ASSERT_EQ(Post("/api/auth/refresh", "", jar, false).status, 200);
  clock_.Advance(seconds(11));  // past the grace window
  Response reused = Post("/api/auth/refresh", "", jar, false);
  EXPECT_EQ(reused.status, 401);
  EXPECT_EQ(Field(reused.body, "/error/code"), "refresh_reused");
  auto cookies = SetCookies(reused);
  ASSERT_EQ(cookies.size(), 3u);
  EXPECT_EQ(cookies["__Host-sk_access"], "__Host-sk_access=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
  EXPECT_EQ(cookies["__Secure-sk_refresh"],
            "__Secure-sk_refresh=; Path=/api/auth/refresh; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
  EXPECT_EQ(cookies["__Host-sk_csrf"], "__Host-sk_csrf=; Path=/; Secure; SameSite=Lax; Max-Age=0");
  EXPECT_EQ(Header(reused, "Cache-Control"), "no-store");
}

TEST_F(BrowserTest, WithCookiesOffNothingIsSetOrRead) {
  wiring_.services.browser = nullptr;
  Response reg = Post("/api/auth/register",
                      R"({"username":"carol","email":"carol@example.com","password":"correct horse 1"})");
  ASSERT_EQ(reg.status, 201);
  EXPECT_TRUE(SetCookies(reg).empty());
  EXPECT_NE(Field(reg.body, "/data/token"), "<missing>");
  Request me;
  me.path = "/api/users/me";
  std::string cookie = "__Host-sk_access=" + Field(reg.body, "/data/token");
  me.cookie = cookie;
  EXPECT_EQ(CallApi(wiring_.services, me).status, 401);
}

TEST(CookieValueTest, FindsTheNamedCookieOnly) {
  std::string_view h = "a=1; __Host-sk_access=x.y.z;sk_access=plain ;  q=\"quoted\"; e=";
  EXPECT_EQ(CookieValue(h, "__Host-sk_access"), "x.y.z");
  EXPECT_EQ(CookieValue(h, "sk_access"), "plain");
  EXPECT_EQ(CookieValue(h, "q"), "quoted");
  EXPECT_EQ(CookieValue(h, "e"), "");
  EXPECT_EQ(CookieValue(h, "A"), "") << "names are case-sensitive";
  EXPECT_EQ(CookieValue(h, "sk_acces"), "");
  EXPECT_EQ(CookieValue("", "a"), "");
  EXPECT_EQ(CookieValue("novalue; a=2", "novalue"), "");
  EXPECT_EQ(CookieValue("novalue; a=2", "a"), "2");
}

TEST(OriginProblemTest, AcceptsOriginsOnly) {
  for (std::string_view ok : {"https://app.example.com", "http://localhost:5173",
                              "https://[::1]:8443", "http://127.0.0.1", "HTTPS://APP.EXAMPLE.COM"}) {
    EXPECT_EQ(OriginProblem(ok), "") << ok;
  }
  for (std::string_view bad : {"", "*", "null", "app.example.com", "ftp://x.example",
                               "https://", "https://app.example.com/", "https://a.example/p",
                               "https://user@a.example", "https://a.example:0",
                               "https://a.example:99999", "https://a.example:", "https://a.example?x",
                               "https://[::1", "https://.example.com", "https://a b.example"}) {
    EXPECT_NE(OriginProblem(bad), "") << bad;
  }
}

TEST(BrowserPolicyTest, OriginCheck) {
  BrowserPolicy secure(BrowserSettings{.trusted_origins = {"https://app.example.com"},
                                       .jwt_secret = std::string(kSecret)});
  Request req;
  req.host = "auth.example.com";
  auto allowed = [&](std::string_view origin, std::string_view site = {}) {
    req.origin = origin;
    req.sec_fetch_site = site;
    return secure.OriginAllowed(req);
  };
  EXPECT_TRUE(allowed("https://auth.example.com"));
  EXPECT_TRUE(allowed("https://AUTH.example.com"));
  EXPECT_FALSE(allowed("http://auth.example.com")) << "plain http only with COOKIE_SECURE=false";
  EXPECT_TRUE(allowed("https://app.example.com"));
  EXPECT_FALSE(allowed("https://evil.example.net"));
  EXPECT_FALSE(allowed("null"));
  EXPECT_FALSE(allowed("https://auth.example.com.evil.net"));
  EXPECT_TRUE(allowed({}, {}));
  EXPECT_TRUE(allowed({}, "same-origin"));
  EXPECT_TRUE(allowed({}, "none"));
  EXPECT_FALSE(allowed({}, "same-site"));
  EXPECT_FALSE(allowed({}, "cross-site"));
  req.host = "localhost:8080";
  EXPECT_TRUE(allowed("http://localhost:8080")) << "loopback: browsers treat http as secure";
  req.host = {};
  EXPECT_FALSE(allowed("https://auth.example.com")) << "no Host, no PUBLIC_ORIGIN: not own";

  BrowserPolicy plain(BrowserSettings{.secure = false, .jwt_secret = std::string(kSecret)});
  req.host = "dev.internal:8080";
  req.origin = "http://dev.internal:8080";
  req.sec_fetch_site = {};
  EXPECT_TRUE(plain.OriginAllowed(req));
  EXPECT_EQ(plain.access_cookie_name(), "sk_access");
  EXPECT_EQ(plain.refresh_cookie_name(), "sk_refresh");
  EXPECT_EQ(plain.csrf_cookie_name(), "sk_csrf");

  BrowserPolicy fixed(BrowserSettings{.public_origin = "https://auth.example.com",
                                      .jwt_secret = std::string(kSecret)});
  req.host = "10.0.0.5:8080";  // behind a proxy that rewrote Host
  req.origin = "https://auth.example.com";
  EXPECT_TRUE(fixed.OriginAllowed(req));
  req.origin = "https://10.0.0.5:8080";
  EXPECT_FALSE(fixed.OriginAllowed(req)) << "PUBLIC_ORIGIN replaces the Host rule";
}

}  // namespace
}  // namespace sessionkit::server
