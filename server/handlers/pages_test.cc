// The account pages (pages.h) without sockets: the files compiled in, the §8 headers,
// the redirects of a signed-out visitor, the store-down page, WEB_UI=off, the shared
// <head>, and the pages of the mailed links (API.md §13) with mail on and off.
#include "server/handlers/pages.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <string>

#include "server/handlers/web_assets.h"
#include "server/testing/api_call.h"
#include "server/testing/test_services.h"
#include "sessionkit/sqlite_store.h"
#include "testing/memory_store.h"
#include "testing/temp_dir.h"

namespace sessionkit::server {
namespace {

using ::sessionkit::testing::CountingStore;
using ::sessionkit::testing::MemoryStore;
using ::sessionkit::testing::TempDir;

std::optional<std::string> Header(const Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

void ExpectSecurityHeaders(const Response& r) {
  EXPECT_EQ(Header(r, "Content-Security-Policy"),
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer");
}

class PagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    store_ = std::make_shared<CountingStore>(std::make_shared<MemoryStore>(&clock_));
    auto auth_state = OpenSqliteAuthStateStore({.path = dir_.File("auth.db"), .clock = &clock_});
    ASSERT_TRUE(auth_state.ok()) << auth_state.status().ToString();
    Status opened = wiring_.Open({.sessions = store_,
                                  .auth_state = std::move(auth_state).value(),
                                  .users_path = dir_.File("users.db"),
                                  .clock = &clock_,
                                  .jwt_secret = "pages-test-secret-0123456789abcdef"});
    ASSERT_TRUE(opened.ok()) << opened.ToString();
  }

  Response Get(std::string_view path, std::string_view token = {}) {
    std::string authorization = token.empty() ? "" : "Bearer " + std::string(token);
    Request req;
    req.method = Method::kGet;
    req.path = path;
    req.authorization = authorization;
    req.user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    req.client_ip = "192.0.2.10";
    return CallApi(wiring_.services, req);
  }

  std::string RegisterToken() {
    Request req;
    req.method = Method::kPost;
    req.path = "/api/auth/register";
    req.body = R"({"username":"alice","email":"alice@example.com","password":"correct horse 1"})";
    req.user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    req.client_ip = "192.0.2.10";
    Response r = CallApi(wiring_.services, req);
    EXPECT_EQ(r.status, 201) << r.body;
    simdjson::dom::parser parser;
    std::string_view token;
    if (parser.parse(r.body).at_pointer("/data/token").get(token) != simdjson::SUCCESS) return {};
    return std::string(token);
  }

  ManualClock clock_;
  TempDir dir_;
  std::shared_ptr<CountingStore> store_;
  TestServices wiring_;
};

TEST_F(PagesTest, RootRedirectsToTheAccount) {
  Response r = Get("/");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(Header(r, "Location"), "/account");
  ExpectSecurityHeaders(r);
}

TEST_F(PagesTest, LoginAndRegisterAreHtmlWithTheHeadersAndNotCached) {
  for (std::string_view path : {"/account/login", "/account/register"}) {
    Response r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
    ExpectSecurityHeaders(r);
    EXPECT_TRUE(r.body.starts_with("<!doctype html>")) << path;
  }
  EXPECT_NE(Get("/account/login").body.find(R"(autocomplete="current-password")"),
            std::string::npos);
  EXPECT_NE(Get("/account/register").body.find(R"(autocomplete="new-password")"),
            std::string::npos);
}

TEST_F(PagesTest, SignedInPagesRedirectASignedOutVisitorToLogin) {
  for (std::string_view path : {"/account", "/account/security"}) {
    Response r = Get(path);
    EXPECT_EQ(r.status, 302) << path;
    EXPECT_EQ(Header(r, "Location"), "/account/login") << path;
    ExpectSecurityHeaders(r);
    EXPECT_EQ(Get(path, "not.a.token").status, 302) << path;
  }
}

TEST_F(PagesTest, SignedInPagesAreServedToTheSignedIn) {
  std::string token = RegisterToken();
  ASSERT_FALSE(token.empty());
  Response account = Get("/account", token);
  EXPECT_EQ(account.status, 200) << account.body;
  EXPECT_NE(account.body.find("Your devices"), std::string::npos);
  EXPECT_EQ(Header(account, "Cache-Control"), "no-store");
  ExpectSecurityHeaders(account);
  Response security = Get("/account/security", token);
  EXPECT_EQ(security.status, 200);
  EXPECT_NE(security.body.find("Change password"), std::string::npos);
}

TEST_F(PagesTest, AStoreOutageIsAPageThatSaysSo) {
  std::string token = RegisterToken();
  store_->set_down(true);
  Response r = Get("/account", token);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("can’t reach its data store"), std::string::npos);
  ExpectSecurityHeaders(r);
  store_->set_down(false);
}

TEST_F(PagesTest, AssetsAreStylesAndScriptsWithTheirTypes) {
  Response css = Get("/account/assets/app.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Header(css, "Cache-Control"), "no-cache");
  ExpectSecurityHeaders(css);
  Response js = Get("/account/assets/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  Response icon = Get("/account/assets/icon.svg");
  EXPECT_EQ(icon.status, 200);
  EXPECT_EQ(icon.content_type, "image/svg+xml");
  EXPECT_EQ(Get("/account/assets/nope.js").status, 404);
  EXPECT_EQ(Get("/account/assets/account.html").status, 404);  // pages have their routes
  EXPECT_EQ(Get("/account/assets/../app.css").status, 404);
  EXPECT_EQ(Get("/account/assets/").status, 404);
}

TEST_F(PagesTest, EveryPageIsSelfContained) {
  // No external script, style, font or image: every URL in a page is this server's.
  for (const WebAsset& file : WebAssets()) {
    for (std::string_view scheme : {"http://", "https://", "//"}) {
      std::string_view text = file.bytes;
      for (std::size_t at = text.find(scheme); at != std::string_view::npos;
           at = text.find(scheme, at + 1)) {
        std::string_view context = text.substr(at > 10 ? at - 10 : 0, 60);
        // The SVG namespace is a name, not a fetch; "//" comments in scripts are fine.
        bool allowed = context.find("http://www.w3.org/2000/svg") != std::string_view::npos ||
                       (scheme == "//" && (file.name.ends_with(".js") || file.name.ends_with(".css")));
        EXPECT_TRUE(allowed) << file.name << ": " << context;
      }
    }
    if (file.name.ends_with(".html")) {
      EXPECT_EQ(file.bytes.find("<script>"), std::string_view::npos) << file.name;  // CSP: no inline
      EXPECT_EQ(file.bytes.find("style="), std::string_view::npos) << file.name;
      for (std::string_view handler : {"onclick=", "onsubmit=", "onload=", "javascript:"}) {
        EXPECT_EQ(file.bytes.find(handler), std::string_view::npos) << file.name << " " << handler;
      }
    }
  }
}

TEST_F(PagesTest, WebUiOffMeansNotFound) {
  wiring_.services.web_ui = false;
  for (std::string_view path : {"/", "/account", "/account/login", "/account/register",
                                "/account/security", "/account/assets/app.css"}) {
    EXPECT_EQ(Get(path).status, 404) << path;
  }
}

TEST_F(PagesTest, EveryPageHasTheSharedHeadIncluded) {
  const WebAsset* fragment = FindWebAsset("_head.html");
  EXPECT_EQ(fragment, nullptr);  // a fragment is not an asset
  int pages = 0;
  for (const WebAsset& file : WebAssets()) {
    if (!file.name.ends_with(".html")) continue;
    ++pages;
    EXPECT_EQ(file.bytes.find("<!--#include"), std::string_view::npos) << file.name;
    std::size_t head = file.bytes.find("<head>\n  <meta charset=\"utf-8\">\n");
    EXPECT_NE(head, std::string_view::npos) << file.name;
    for (std::string_view line : {R"(<meta name="viewport")", R"(href="/account/assets/app.css")",
                                  R"(<script src="/account/assets/app.js" defer>)", "<title>"}) {
      EXPECT_NE(file.bytes.find(line), std::string_view::npos) << file.name << ": " << line;
    }
  }
  EXPECT_GE(pages, 8);
}

constexpr std::string_view kMailPages[] = {"/account/forgot", "/account/reset",
                                           "/account/verify-email"};

TEST_F(PagesTest, WithoutMailTheMailPagesAreNotFoundAndNotLinked) {
  ASSERT_FALSE(wiring_.services.mail_pages);  // the default: SMTP_URL unset
  for (std::string_view path : kMailPages) EXPECT_EQ(Get(path).status, 404) << path;
  Response login = Get("/account/login");
  EXPECT_EQ(login.status, 200);
  EXPECT_EQ(login.body.find("/account/forgot"), std::string::npos);
  EXPECT_EQ(login.body.find("<!--mail-->"), std::string::npos);
  EXPECT_NE(login.body.find("</html>"), std::string::npos);  // only the mail part is cut
  std::string token = RegisterToken();
  Response account = Get("/account", token);
  EXPECT_EQ(account.status, 200);
  EXPECT_EQ(account.body.find("email-card"), std::string::npos);
  EXPECT_NE(account.body.find("Sign out everywhere"), std::string::npos);
}

TEST_F(PagesTest, WithMailTheMailPagesAreServedAndLinked) {
  wiring_.services.mail_pages = true;
  for (std::string_view path : kMailPages) {
    Response r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
    ExpectSecurityHeaders(r);  // Referrer-Policy: no-referrer keeps the token out of Referer
  }
  EXPECT_NE(Get("/account/forgot").body.find(R"(autocomplete="email")"), std::string::npos);
  EXPECT_NE(Get("/account/reset").body.find(R"(autocomplete="new-password")"),
            std::string::npos);
  EXPECT_NE(Get("/account/login").body.find(R"(href="/account/forgot")"), std::string::npos);
  std::string token = RegisterToken();
  EXPECT_NE(Get("/account", token).body.find("Resend verification email"), std::string::npos);
  // The scripts take the token out of the address bar; the server never sees a query.
  for (std::string_view script : {"reset.js", "verify-email.js"}) {
    const WebAsset* file = FindWebAsset(script);
    ASSERT_NE(file, nullptr) << script;
    EXPECT_NE(file->bytes.find("sk.takeLinkToken()"), std::string_view::npos) << script;
  }
  EXPECT_NE(FindWebAsset("app.js")->bytes.find("history.replaceState"), std::string_view::npos);
}

TEST_F(PagesTest, WebUiOffHidesTheMailPagesToo) {
  wiring_.services.mail_pages = true;
  wiring_.services.web_ui = false;
  for (std::string_view path : kMailPages) EXPECT_EQ(Get(path).status, 404) << path;
}

}  // namespace
}  // namespace sessionkit::server
