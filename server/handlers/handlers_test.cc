// Handler tests without sockets: a real SessionManager over the test MemoryStore (wrapped
// in CountingStore to count store calls and simulate an outage), a real JwtCodec, the
// users table in a temp dir, and a ManualClock.
#include "server/handlers/handlers.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "server/handlers/bearer.h"
#include "server/handlers/views.h"
#include "sessionkit/sqlite_store.h"
#include "server/testing/api_call.h"
#include "server/testing/test_services.h"
#include "testing/memory_store.h"
#include "testing/temp_dir.h"

namespace sessionkit::server {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using ::sessionkit::testing::CountingStore;
using ::sessionkit::testing::MemoryStore;
using ::sessionkit::testing::TempDir;

constexpr std::string_view kSecret = "handler-test-secret-0123456789abcdef";
constexpr std::string_view kPassword = "correct horse 1";

std::string Field(const std::string& json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return "<invalid json>";
  simdjson::dom::element value;
  if (root.at_pointer(pointer).get(value) != simdjson::SUCCESS) return "<missing>";
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  return simdjson::minify(value);
}

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);  // session events are not under test here
    store_ = std::make_shared<CountingStore>(std::make_shared<MemoryStore>(&clock_));
    auto auth_state = OpenSqliteAuthStateStore({.path = dir_.File("auth.db"), .clock = &clock_});
    ASSERT_TRUE(auth_state.ok()) << auth_state.status().ToString();
    Status opened = wiring_.Open({.sessions = store_,
                                  .auth_state = std::move(auth_state).value(),
                                  .users_path = dir_.File("users.db"),
                                  .clock = &clock_,
                                  .jwt_secret = std::string(kSecret)});
    ASSERT_TRUE(opened.ok()) << opened.ToString();
  }

  void OpenAccounts(std::chrono::seconds token_lifetime) {
    Status opened = wiring_.OpenAccounts(token_lifetime);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
  }

  void TearDown() override { workers_->Stop(); }

  Response Call(Method method, std::string_view path, std::string_view body = {},
                std::string_view token = {}) {
    std::string authorization = token.empty() ? "" : "Bearer " + std::string(token);
    Request req;
    req.method = method;
    req.path = path;
    req.authorization = authorization;
    req.user_agent = "unit-test/1";
    req.body = body;
    req.client_ip = "192.0.2.10";
    return CallApi(services_, req);
  }

  std::string Register(std::string_view name) {
    std::string body = R"({"username":")" + std::string(name) + R"(","email":")" +
                       std::string(name) + R"(@example.com","password":")" +
                       std::string(kPassword) + R"("})";
    Response r = Call(Method::kPost, "/api/auth/register", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return Field(r.body, "/data/token");
  }

  ManualClock clock_;
  TempDir dir_;
  std::shared_ptr<CountingStore> store_;
  TestServices wiring_;
  std::unique_ptr<SessionManager>& manager_ = wiring_.manager;
  std::optional<JwtCodec>& jwt_ = wiring_.jwt;
  UserStorePtr& users_ = wiring_.users;
  std::unique_ptr<WorkerPool>& workers_ = wiring_.workers;
  AuthStateStorePtr& auth_state_ = wiring_.auth_state;
  Metrics& metrics_ = wiring_.metrics;
  Services& services_ = wiring_.services;
};

TEST_F(HandlersTest, RegisterLoginVerify) {
  std::string token = Register("alice");
  Response login = Call(Method::kPost, "/api/auth/login",
                        R"({"email_or_username":" ALICE\t","password":"correct horse 1"})");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(Field(login.body, "/data/user/username"), "alice");
  EXPECT_EQ(Field(login.body, "/data/requires_2fa"), "false");
  EXPECT_EQ(Field(login.body, "/data/refresh_token").size(), 43u);

  Response verify = Call(Method::kGet, "/api/auth/verify", {}, token);
  EXPECT_EQ(verify.status, 200);
  EXPECT_TRUE(verify.body.empty());
  ASSERT_EQ(verify.headers.size(), 4u);
  EXPECT_EQ(verify.headers[0].first, "X-User-Id");
  EXPECT_EQ(verify.headers[1].first, "X-Session-Id");
  EXPECT_EQ(verify.headers[2], (std::pair<std::string_view, std::string>("X-User-Role", "user")));
  // API.md §9: the session record's assurance level.
  EXPECT_EQ(verify.headers[3], (std::pair<std::string_view, std::string>("X-Auth-Level", "1")));
}

// API.md §9: a proxy asking for aal 2 (X-Require-AAL: 2) is refused an aal 1 session;
// "1" or no header lets it through; any other value fails closed.
TEST_F(HandlersTest, VerifyRefusesAal1WhenTheProxyRequiresAal2) {
  const std::string token = Register("aal");
  std::string authorization = "Bearer " + token;
  for (const auto& [header, status] : std::vector<std::pair<std::string_view, int>>{
           {"", 200}, {"1", 200}, {"2", 403}, {"aal2", 403}}) {
    Request req;
    req.method = Method::kGet;
    req.path = "/api/auth/verify";
    req.authorization = authorization;
    req.user_agent = "unit-test/1";
    req.client_ip = "192.0.2.10";
    req.require_aal = header;
    Response r = CallApi(services_, req);
    EXPECT_EQ(r.status, status) << header;
    if (status == 403) EXPECT_EQ(Field(r.body, "/error/code"), "aal2_required");
  }
}

TEST_F(HandlersTest, WrongPasswordAndUnknownUserLookTheSame) {
  Register("bob");
  Response wrong = Call(Method::kPost, "/api/auth/login",
                        R"({"username":"bob","password":"not the password"})");
  Response unknown = Call(Method::kPost, "/api/auth/login",
                          R"({"username":"nobody","password":"not the password"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(Field(wrong.body, "/error/code"), "invalid_credentials");
  EXPECT_EQ(metrics_.LoginsFailedForTest(), 2u);
}

TEST_F(HandlersTest, VerifyReadsTheStoreOnceAndWritesOnlyWhenTheSlideIsDue) {
  std::string token = Register("carol");
  int gets = store_->counts().get, touches = store_->counts().touch;
  EXPECT_EQ(Call(Method::kGet, "/api/auth/verify", {}, token).status, 200);
  EXPECT_EQ(store_->counts().get, gets + 1);
  EXPECT_EQ(store_->counts().touch, touches);  // inside the touch interval: no write
  clock_.Advance(seconds(61));
  EXPECT_EQ(Call(Method::kGet, "/api/auth/verify", {}, token).status, 200);
  EXPECT_EQ(store_->counts().touch, touches + 1);
}

TEST_F(HandlersTest, MeUsesTheValidatedSessionWithoutASecondLookup) {
  std::string token = Register("dave");
  int gets = store_->counts().get;
  Response me = Call(Method::kGet, "/api/users/me", {}, token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(store_->counts().get, gets + 1);
  EXPECT_EQ(Field(me.body, "/data/user/username"), "dave");
  EXPECT_EQ(Field(me.body, "/data/session/current"), "true");
  EXPECT_EQ(Field(me.body, "/data/session/ip_address"), "192.0.2.10");
  EXPECT_EQ(me.body.find("password"), std::string::npos);
}

// The user database is read on the worker pool, never on the thread that dispatched
// /me (an event loop in the server); with the profile cache, a repeat is a memory hit.
TEST_F(HandlersTest, MeReadsTheUserDatabaseOnAWorkerAndThenFromMemory) {
  struct ThreadRecordingUsers final : UserStore {
    explicit ThreadRecordingUsers(UserStore& inner) : inner(inner) {}
    Result<User> FindById(std::string_view id) override {
      std::lock_guard lock(mu);
      find_threads.push_back(std::this_thread::get_id());
      return inner.FindById(id);
    }
    Result<User> FindByLogin(std::string_view login) override { return inner.FindByLogin(login); }
    Status CheckAvailable(std::string_view name, std::string_view email) override {
      return inner.CheckAvailable(name, email);
    }
    Result<User> Create(std::string_view name, std::string_view email,
                        std::string_view hash) override {
      return inner.Create(name, email, hash);
    }
    Status UpdatePasswordHash(std::string_view id, std::string_view hash) override {
      return inner.UpdatePasswordHash(id, hash);
    }
    Status Delete(std::string_view id) override { return inner.Delete(id); }
    UserStore& inner;
    std::mutex mu;
    std::vector<std::thread::id> find_threads;
  } users(*users_);
  services_.users = &users;
  std::string token = Register("mia");

  Response me = Call(Method::kGet, "/api/users/me", {}, token);  // no profile cache
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Field(me.body, "/data/user/username"), "mia");

  ProfileCache profiles(users, &clock_, seconds(60));
  services_.profiles = &profiles;
  Response first = Call(Method::kGet, "/api/users/me", {}, token);  // miss: on a worker
  Response second = Call(Method::kGet, "/api/users/me", {}, token);  // hit: here
  services_.profiles = nullptr;
  EXPECT_EQ(first.body, me.body);
  EXPECT_EQ(second.body, me.body);
  EXPECT_EQ(profiles.misses(), 1u);
  std::lock_guard lock(users.mu);
  ASSERT_EQ(users.find_threads.size(), 2u);
  for (std::thread::id id : users.find_threads) EXPECT_NE(id, std::this_thread::get_id());
}

TEST_F(HandlersTest, ActivitySlidesTheIdleTimeoutAndIdlenessEndsTheSession) {
  OpenAccounts(hours(1000));  // let the session, not the token, expire
  std::string token = Register("erin");
  clock_.Advance(hours(47));
  EXPECT_EQ(Call(Method::kGet, "/api/auth/verify", {}, token).status, 200);  // slides
  clock_.Advance(hours(47));
  EXPECT_EQ(Call(Method::kGet, "/api/auth/verify", {}, token).status, 200);  // slid: alive
  clock_.Advance(hours(49));
  Response r = Call(Method::kGet, "/api/auth/verify", {}, token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Field(r.body, "/error/code"), "unauthorized");
}

TEST_F(HandlersTest, TokenExpiryIsJwtExpired) {
  std::string token = Register("erin2");
  clock_.Advance(hours(47));
  EXPECT_EQ(Call(Method::kGet, "/api/auth/verify", {}, token).status, 200);
  clock_.Advance(hours(2));  // past exp (48 h) + leeway; the session itself slid and lives
  EXPECT_EQ(Call(Method::kGet, "/api/auth/verify", {}, token).status, 401);
}

TEST_F(HandlersTest, StoreOutageIs503Everywhere) {
  std::string token = Register("frank");
  store_->set_down(true);
  Response verify = Call(Method::kGet, "/api/auth/verify", {}, token);
  EXPECT_EQ(verify.status, 503);
  EXPECT_EQ(Field(verify.body, "/error/code"), "store_unavailable");
  EXPECT_EQ(Call(Method::kPost, "/api/auth/login",
                 R"({"username":"frank","password":"correct horse 1"})").status, 503);
  Response reg = Call(Method::kPost, "/api/auth/register",
                      R"({"username":"grace","email":"g@example.com","password":"correct horse 1"})");
  EXPECT_EQ(reg.status, 503);
  EXPECT_GE(metrics_.StoreErrorsForTest(), 3u);
  store_->set_down(false);
  // The failed registration left no user behind (its removal runs on the worker pool).
  Response again;
  for (int i = 0; i < 100; ++i) {
    again = Call(Method::kPost, "/api/auth/register",
                 R"({"username":"grace","email":"g@example.com","password":"correct horse 1"})");
    if (again.status != 409) break;
  }
  EXPECT_EQ(again.status, 201) << again.body;
}

TEST_F(HandlersTest, BusyWorkersAnswer429WithRetryAfter) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(workers_->Submit([gate, &started] { started.set_value(); gate.wait(); }));
  started.get_future().wait();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(workers_->Submit([] {}));  // fill the queue
  Response r = Call(Method::kPost, "/api/auth/login",
                    R"({"username":"x","password":"correct horse 1"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(Field(r.body, "/error/code"), "rate_limited");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  release.set_value();
}

TEST_F(HandlersTest, RevokeOneChecksOwnership) {
  std::string alice = Register("alice2");
  std::string bob = Register("bob2");
  AccessClaims bob_claims = *jwt_->Verify(bob);
  Response other = Call(Method::kDelete, "/api/auth/sessions/" + bob_claims.session_id, {}, alice);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(Call(Method::kGet, "/api/auth/verify", {}, bob).status, 200);
  EXPECT_EQ(Call(Method::kDelete, "/api/auth/sessions/sess_nope", {}, alice).status, 400);
  EXPECT_EQ(Call(Method::kDelete, "/api/auth/sessions/" + bob_claims.session_id, {}, bob).status,
            200);
  EXPECT_EQ(Call(Method::kGet, "/api/auth/verify", {}, bob).status, 401);
}

TEST_F(HandlersTest, UnknownAndWrongMethod) {
  Response nf = Call(Method::kGet, "/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Field(nf.body, "/error/code"), "not_found");
  Response wm = Call(Method::kPut, "/api/auth/logout");
  EXPECT_EQ(wm.status, 405);
  ASSERT_EQ(wm.headers.size(), 1u);
  EXPECT_EQ(wm.headers[0].second, "POST");
}

TEST(BearerTokenTest, Parsing) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bEaReR   abc  "), "abc");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken("Basic abc"), "");
  EXPECT_EQ(BearerToken("Bearerabc"), "");
  EXPECT_EQ(BearerToken(""), "");
}

TEST(ViewsTest, NumericIdsStayNumbers) {
  AccessClaims claims;
  claims.user_id = "42";
  claims.user_id_is_number = true;
  claims.username = "gopher";
  std::string out;
  internal::JsonWriter w(out);
  WriteUserFromClaims(w, claims);
  EXPECT_EQ(out, R"({"id":42,"username":"gopher","email":"","role":"user","is_premium":false})");
  claims.user_id = "42,\"x\":1";  // not a number literal: written as a string
  out.clear();
  internal::JsonWriter w2(out);
  WriteUserFromClaims(w2, claims);
  EXPECT_EQ(Field(out, "/id"), "42,\"x\":1");
}

}  // namespace
}  // namespace sessionkit::server
