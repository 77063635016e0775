// Account security through the handlers (no sockets): refresh rotation, grace replay,
// reuse, password change, login throttling and the per-user cap. Sessions and auth state
// share one SQLite file (as in the server), so a reuse revokes the session the manager
// sees; a ManualClock drives every window.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <future>

#include "server/handlers/handlers.h"
#include "server/handlers/issue_session.h"
#include "sessionkit/sqlite_store.h"
#include "src/account/refresh_token.h"
#include "server/testing/api_call.h"
#include "server/testing/test_services.h"
#include "testing/raw_sqlite.h"
#include "testing/temp_dir.h"

namespace sessionkit::server {
namespace {

using internal::RefreshTokens;

using std::chrono::hours;
using std::chrono::seconds;

constexpr std::string_view kSecret = "account-security-test-secret-0123456789";
constexpr std::string_view kPassword = "correct horse 1";
constexpr std::string_view kNewPassword = "battery staple 2";

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

std::string Header(const Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

// Forwards to a real store, or answers Unavailable while "down".
class SwitchableAuthState final : public AuthStateStore {
 public:
  explicit SwitchableAuthState(AuthStateStorePtr inner) : inner_(std::move(inner)) {}
  void set_down(bool down) { down_ = down; }

  void IssueRefreshAsync(const RefreshRecord& r, StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->IssueRefreshAsync(r, std::move(done));
  }
  void GetRefreshAsync(std::string_view h, ResultCallback<RefreshRecord> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->GetRefreshAsync(h, std::move(done));
  }
  void RotateRefreshAsync(const RotateRequest& r, ResultCallback<RefreshRotation> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->RotateRefreshAsync(r, std::move(done));
  }
  void RevokeRefreshForSessionAsync(std::string_view id,
                                    ResultCallback<std::uint64_t> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->RevokeRefreshForSessionAsync(id, std::move(done));
  }
  void RecordFailureAsync(std::string_view k, TimePoint now, std::chrono::milliseconds w,
                          ResultCallback<FailureWindow> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->RecordFailureAsync(k, now, w, std::move(done));
  }
  void PeekFailuresAsync(std::string_view k, TimePoint now, std::chrono::milliseconds w,
                         ResultCallback<FailureWindow> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->PeekFailuresAsync(k, now, w, std::move(done));
  }
  void ResetFailuresAsync(std::string_view k, StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->ResetFailuresAsync(k, std::move(done));
  }
  void ReserveAttemptAsync(const std::vector<AttemptKey>& keys, TimePoint now,
                           std::chrono::milliseconds w,
                           ResultCallback<AttemptReservation> done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->ReserveAttemptAsync(keys, now, w, std::move(done));
  }
  void ReleaseAttemptAsync(std::string_view k, std::string_view ticket,
                           StatusCallback done) override {
    if (down_) return done(Status::Unavailable("down"));
    inner_->ReleaseAttemptAsync(k, ticket, std::move(done));
  }

 private:
  AuthStateStorePtr inner_;
  std::atomic<bool> down_{false};
};

struct Pair {
  std::string token;
  std::string refresh;
};

class AccountSecurityTest : public ::testing::Test {
 protected:
  virtual ManagerOptions Options() {
    ManagerOptions options;
    options.clock = &clock_;
    return options;
  }

  void SetUp() override {
    spdlog::set_level(spdlog::level::off);
    std::string db = dir_.File("sessionkit.db");
    auto sessions = OpenSqliteStore({.path = db, .clock = &clock_});
    ASSERT_TRUE(sessions.ok()) << sessions.status().ToString();
    auto auth = OpenSqliteAuthStateStore({.path = db, .clock = &clock_});
    ASSERT_TRUE(auth.ok()) << auth.status().ToString();
    auth_ = std::make_shared<SwitchableAuthState>(std::move(auth).value());
    Status opened = wiring_.Open({.sessions = std::move(sessions).value(),
                                  .auth_state = auth_,
                                  .users_path = db,
                                  .manager = Options(),
                                  .clock = &clock_,
                                  .jwt_secret = std::string(kSecret),
                                  .login_limits = LoginLimits{.window = seconds(60),
                                                              .max_per_identifier = 3,
                                                              .max_per_ip = 5},
                                  .token_lifetime = hours(1000),  // sessions, not tokens, expire
                                  .refresh_grace = seconds(10),
                                  .worker_threads = 2,
                                  .worker_queue = 64});
    ASSERT_TRUE(opened.ok()) << opened.ToString();
  }

  void TearDown() override { workers_->Stop(); }

  Response Call(std::string_view path, std::string_view body, std::string_view token = {},
                std::string ip = "192.0.2.10") {
    std::string authorization = token.empty() ? "" : "Bearer " + std::string(token);
    Request req;
    req.method = path == "/api/auth/verify" ? Method::kGet : Method::kPost;
    req.path = path;
    req.authorization = authorization;
    req.user_agent = "unit-test/1";
    req.body = body;
    req.client_ip = std::move(ip);
    return CallApi(services_, req);
  }

  int Verify(std::string_view token) { return Call("/api/auth/verify", {}, token).status; }

  Pair Register(std::string_view name) {
    Response r = Call("/api/auth/register",
                      R"({"username":")" + std::string(name) + R"(","email":")" +
                          std::string(name) + R"(@example.com","password":")" +
                          std::string(kPassword) + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return {Field(r.body, "/data/token"), Field(r.body, "/data/refresh_token")};
  }

  Response Login(std::string_view name, std::string_view password = kPassword,
                 std::string ip = "192.0.2.10") {
    return Call("/api/auth/login",
                R"({"username":")" + std::string(name) + R"(","password":")" +
                    std::string(password) + R"("})",
                {}, std::move(ip));
  }

  Response Refresh(std::string_view refresh_token) {
    return Call("/api/auth/refresh", R"({"refresh_token":")" + std::string(refresh_token) + "\"}");
  }

  static Pair PairOf(const Response& r) {
    return {Field(r.body, "/data/token"), Field(r.body, "/data/refresh_token")};
  }

  std::string SessionOf(std::string_view token) { return jwt_->Verify(token)->session_id; }

  std::uint64_t Failures(std::string_view key) {
    return auth_->PeekFailures(key, clock_.Now(), seconds(60))->count;
  }

  ManualClock clock_;
  sessionkit::testing::TempDir dir_;
  std::shared_ptr<SwitchableAuthState> auth_;
  TestServices wiring_;
  std::unique_ptr<SessionManager>& manager_ = wiring_.manager;
  std::optional<JwtCodec>& jwt_ = wiring_.jwt;
  UserStorePtr& users_ = wiring_.users;
  std::unique_ptr<WorkerPool>& workers_ = wiring_.workers;
  RefreshTokens refresh_tokens_{kSecret};  // the successors the server derives
  Metrics& metrics_ = wiring_.metrics;
  Services& services_ = wiring_.services;
};

// ------------------------------------------------------------------ refresh issuance

TEST_F(AccountSecurityTest, RegisterAndLoginStoreOnlyTheHashBoundToTheSession) {
  Pair reg = Register("alice");
  Response login = Login("alice");
  ASSERT_EQ(login.status, 200) << login.body;
  for (const Pair& p : {reg, PairOf(login)}) {
    ASSERT_TRUE(RefreshTokens::IsWellFormed(p.refresh)) << p.refresh;
    Result<RefreshRecord> record = auth_->GetRefresh(RefreshTokens::HashOf(p.refresh));
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    EXPECT_EQ(record->session_id, SessionOf(p.token));
    EXPECT_EQ(record->user_id, jwt_->Verify(p.token)->user_id);
    EXPECT_EQ(record->state, RefreshState::kActive);
    // Lives until the session's absolute deadline (720 h by default).
    EXPECT_EQ(record->expires_at, clock_.Now() + hours(720));
  }
  EXPECT_NE(reg.refresh, PairOf(login).refresh);
  auto raw = sessionkit::testing::RawSqlite::Open(dir_.File("sessionkit.db"));
  ASSERT_TRUE(raw.ok());
  Result<std::int64_t> plain = (*raw)->QueryInt(
      "SELECT count(*) FROM refresh_tokens WHERE token_hash = '" + reg.refresh +
      "' OR session_id = '" + reg.refresh + "' OR successor_hash = '" + reg.refresh + "'");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, 0);
}

// ------------------------------------------------------------------ rotation

TEST_F(AccountSecurityTest, RotationGivesANewPairForTheSameSession) {
  Pair first = Register("bob");
  clock_.Advance(seconds(5));
  Response r = Refresh(first.refresh);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Field(r.body, "/success"), "true");
  Pair second = PairOf(r);
  EXPECT_NE(second.refresh, first.refresh);
  EXPECT_EQ(second.refresh, refresh_tokens_.SuccessorOf(first.refresh));
  EXPECT_NE(second.token, first.token);
  EXPECT_EQ(SessionOf(second.token), SessionOf(first.token));
  AccessClaims claims = *jwt_->Verify(second.token);
  EXPECT_EQ(claims.issued_at, UnixSeconds(clock_.Now()));
  EXPECT_EQ(claims.username, "bob");
  EXPECT_EQ(claims.email, "bob@example.com");
  // Earlier access tokens stay valid while the session lives.
  EXPECT_EQ(Verify(first.token), 200);
  EXPECT_EQ(Verify(second.token), 200);
  // The chain goes on with the new token.
  clock_.Advance(seconds(30));
  Response third = Refresh(second.refresh);
  ASSERT_EQ(third.status, 200) << third.body;
  EXPECT_EQ(SessionOf(PairOf(third).token), SessionOf(first.token));
  Result<RefreshRecord> spent = auth_->GetRefresh(RefreshTokens::HashOf(first.refresh));
  ASSERT_TRUE(spent.ok());
  EXPECT_EQ(spent->state, RefreshState::kSpent);
}

TEST_F(AccountSecurityTest, GraceReplayReturnsTheSamePairByteForByte) {
  Pair first = Register("carol");
  clock_.Advance(seconds(3));
  Response a = Refresh(first.refresh);
  ASSERT_EQ(a.status, 200) << a.body;
  clock_.Advance(seconds(9));  // 9 s later, another clock second: still in the grace
  Response b = Refresh(first.refresh);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.body, a.body);
  clock_.Advance(seconds(1));  // exactly the grace after the rotation: still a replay
  EXPECT_EQ(Refresh(first.refresh).body, a.body);
  EXPECT_EQ(Verify(PairOf(a).token), 200);
}

TEST_F(AccountSecurityTest, ReuseAfterGraceRevokesTheSession) {
  Pair first = Register("dave");
  Pair other = PairOf(Login("dave"));  // another session of the same user: untouched
  Response a = Refresh(first.refresh);
  ASSERT_EQ(a.status, 200) << a.body;
  clock_.Advance(seconds(10) + std::chrono::milliseconds(1));
  Response reused = Refresh(first.refresh);
  EXPECT_EQ(reused.status, 401);
  EXPECT_EQ(Field(reused.body, "/error/code"), "refresh_reused");
  EXPECT_EQ(reused.body.find(first.refresh), std::string::npos);
  EXPECT_EQ(metrics_.RefreshReusedForTest(), 1u);
  // Every access token of the session is dead at once, and so is the successor.
  EXPECT_EQ(Verify(first.token), 401);
  EXPECT_EQ(Verify(PairOf(a).token), 401);
  Response successor = Refresh(PairOf(a).refresh);
  EXPECT_EQ(successor.status, 401);
  EXPECT_EQ(Field(successor.body, "/error/code"), "unauthorized");
  EXPECT_EQ(Verify(other.token), 200);
  EXPECT_EQ(Refresh(other.refresh).status, 200);
}

TEST_F(AccountSecurityTest, RefreshIsActivityAndSlidesTheSession) {
  Pair p = Register("erin");
  clock_.Advance(hours(47));
  Response r = Refresh(p.refresh);
  ASSERT_EQ(r.status, 200) << r.body;
  clock_.Advance(hours(47));  // 94 h after creation: alive only because the refresh slid it
  EXPECT_EQ(Verify(p.token), 200);
  clock_.Advance(hours(49));
  EXPECT_EQ(Verify(p.token), 401);
  EXPECT_EQ(Refresh(PairOf(r).refresh).status, 401);  // the session is gone
}

TEST_F(AccountSecurityTest, RefreshTokensDieWithTheirSession) {
  Pair p = Register("frank");
  ASSERT_EQ(Call("/api/auth/logout", "", p.token).status, 200);
  Response r = Refresh(p.refresh);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Field(r.body, "/error/code"), "unauthorized");
  // Logout dropped the session's refresh tokens too.
  EXPECT_TRUE(auth_->GetRefresh(RefreshTokens::HashOf(p.refresh)).status().IsNotFound());

  Pair q = Register("frank2");
  clock_.Advance(hours(721));  // past the absolute lifetime: session and token expired
  EXPECT_EQ(Refresh(q.refresh).status, 401);
}

TEST_F(AccountSecurityTest, RefreshInputErrors) {
  Register("gina");
  auto code = [](const Response& r) { return Field(r.body, "/error/code"); };
  Response missing = Call("/api/auth/refresh", "{}");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(code(missing), "bad_request");
  EXPECT_EQ(Call("/api/auth/refresh", R"({"refresh_token":""})").status, 400);
  EXPECT_EQ(Call("/api/auth/refresh", R"({"refresh_token":42})").status, 400);
  EXPECT_EQ(Call("/api/auth/refresh", "not json").status, 400);
  for (std::string_view bad : {"short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    Response r = Refresh(bad);
    EXPECT_EQ(r.status, 401) << bad;
    EXPECT_EQ(code(r), "unauthorized") << bad;
  }
  Response unknown = Refresh("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");  // well-formed
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(code(unknown), "unauthorized");
}

TEST_F(AccountSecurityTest, AuthStateOutageIs503) {
  Pair p = Register("hank");
  auth_->set_down(true);
  Response refresh = Refresh(p.refresh);
  EXPECT_EQ(refresh.status, 503);
  EXPECT_EQ(Field(refresh.body, "/error/code"), "store_unavailable");
  EXPECT_EQ(Login("hank").status, 503);
  EXPECT_EQ(Login("hank", "wrong password").status, 503);
  Response reg = Call("/api/auth/register",
                      R"({"username":"ivy","email":"ivy@example.com","password":"correct horse 1"})");
  EXPECT_EQ(reg.status, 503);
  EXPECT_EQ(Call("/api/auth/password",
                 R"({"current_password":"correct horse 1","new_password":"battery staple 2"})",
                 p.token).status,
            503);
  auth_->set_down(false);
  EXPECT_EQ(Refresh(p.refresh).status, 200);
  EXPECT_EQ(Login("hank").status, 200);
  // The refused registration left neither a user nor a live session behind.
  Response again;
  for (int i = 0; i < 100; ++i) {
    again = Call("/api/auth/register",
                 R"({"username":"ivy","email":"ivy@example.com","password":"correct horse 1"})");
    if (again.status != 409) break;
  }
  EXPECT_EQ(again.status, 201) << again.body;
}

// ------------------------------------------------------------------ password change

TEST_F(AccountSecurityTest, PasswordChangeKeepsTheCurrentSessionAndRevokesTheOthers) {
  Pair current = Register("jack");
  Pair other1 = PairOf(Login("jack"));
  Pair other2 = PairOf(Login("jack"));
  Response r = Call("/api/auth/password",
                    R"({"current_password":"correct horse 1","new_password":"battery staple 2"})",
                    current.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Field(r.body, "/data/revoked"), "2");
  EXPECT_EQ(Verify(current.token), 200);
  EXPECT_EQ(Verify(other1.token), 401);
  EXPECT_EQ(Verify(other2.token), 401);
  EXPECT_EQ(Refresh(other1.refresh).status, 401);
  EXPECT_EQ(Refresh(current.refresh).status, 200);
  EXPECT_EQ(Login("jack").status, 401);
  EXPECT_EQ(Login("jack", kNewPassword).status, 200);
  ASSERT_TRUE(users_->FindByLogin("jack")->password_hash.starts_with("$argon2id$"));
}

TEST_F(AccountSecurityTest, WrongCurrentPasswordIs401AndCountsAsAFailedLogin) {
  Pair p = Register("Kate");
  Response r = Call("/api/auth/password",
                    R"({"current_password":"not my password","new_password":"battery staple 2"})",
                    p.token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Field(r.body, "/error/code"), "invalid_credentials");
  EXPECT_EQ(Failures("id:kate"), 1u);
  EXPECT_EQ(Failures("ip:192.0.2.10"), 1u);
  EXPECT_EQ(metrics_.LoginsFailedForTest(), 1u);
  EXPECT_EQ(Verify(p.token), 200);  // nothing else changed
  EXPECT_EQ(Login("kate").status, 200);
}

TEST_F(AccountSecurityTest, PasswordChangeInputErrors) {
  Pair p = Register("liam");
  auto change = [&](std::string_view body, std::string_view token) {
    return Call("/api/auth/password", body, token);
  };
  EXPECT_EQ(change(R"({"current_password":"correct horse 1","new_password":"short"})", p.token)
                .status,
            400);
  EXPECT_EQ(change(R"({"current_password":"correct horse 1"})", p.token).status, 400);
  EXPECT_EQ(change(R"({"new_password":"battery staple 2"})", p.token).status, 400);
  EXPECT_EQ(change(R"({"current_password":1,"new_password":"battery staple 2"})", p.token)
                .status,
            400);
  EXPECT_EQ(change("[]", p.token).status, 400);
  EXPECT_EQ(change(R"({"current_password":"correct horse 1","new_password":"battery staple 2"})",
                   {}).status,
            401);
  EXPECT_EQ(Failures("id:liam"), 0u);  // none of these checked a password

  // A session of a user this server does not know (imported): 404.
  Result<CreatedSession> imported = manager_->Create({.user_id = "42", .username = "gopher"});
  ASSERT_TRUE(imported.ok());
  AccessClaims claims;
  claims.user_id = "42";
  claims.session_id = imported->session.id;
  claims.issued_at = UnixSeconds(clock_.Now());
  claims.expires_at = claims.issued_at + 600;
  Response r = change(R"({"current_password":"whatever1","new_password":"battery staple 2"})",
                      jwt_->Sign(claims));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Field(r.body, "/error/code"), "not_found");
}

// ------------------------------------------------------------------ login throttling

TEST_F(AccountSecurityTest, IdentifierThrottleWithRetryAfterAndResetOnSuccess) {
  Register("mike");
  for (int i = 0; i < 3; ++i) {
    Response r = Login("MIKE", "wrong password");  // as typed, lowercased
    EXPECT_EQ(r.status, 401) << i;
    clock_.Advance(seconds(10));
  }
  // Failures at 0, 10, 20; now 30: the oldest leaves at 60. A correct password too.
  Response r = Login("mike");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(Field(r.body, "/error/code"), "rate_limited");
  EXPECT_EQ(Header(r, "Retry-After"), "30");
  EXPECT_EQ(Login("mike", "wrong password").status, 429);
  EXPECT_EQ(Failures("id:mike"), 3u);  // refused attempts do not count
  EXPECT_EQ(metrics_.LoginsThrottledForTest(), 2u);
  // From another IP: still the identifier's limit.
  EXPECT_EQ(Login("mike", kPassword, "198.51.100.1").status, 429);
  clock_.Advance(seconds(30));  // the first failure has left: one attempt is free
  EXPECT_EQ(Login("mike").status, 200);
  EXPECT_EQ(Failures("id:mike"), 0u);  // a success resets the identifier
  EXPECT_EQ(Login("mike", "wrong password").status, 401);
  EXPECT_EQ(Login("mike").status, 200);
}

TEST_F(AccountSecurityTest, UnknownUsersAreCountedLikeWrongPasswords) {
  Register("nina");
  Response wrong = Login("nina", "wrong password");
  Response unknown = Login("nobody", "wrong password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(Failures("id:nina"), 1u);
  EXPECT_EQ(Failures("id:nobody"), 1u);
  EXPECT_EQ(Failures("ip:192.0.2.10"), 2u);
  Login("nobody", "x1234567");
  Login("nobody", "x1234567");
  Response locked = Login("nobody", "x1234567");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(Header(locked, "Retry-After"), "60");
}

TEST_F(AccountSecurityTest, IpThrottleCoversEveryIdentifierAndSuccessDoesNotResetIt) {
  Register("olga");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Login("guess" + std::to_string(i), "wrong password").status, 401);
  }
  clock_.Advance(seconds(15));
  Response r = Login("olga");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(Header(r, "Retry-After"), "45");
  EXPECT_EQ(Login("olga", kPassword, "198.51.100.2").status, 200);  // another IP is fine
  clock_.Advance(seconds(45));
  EXPECT_EQ(Login("olga").status, 200);
  EXPECT_EQ(Failures("ip:192.0.2.10"), 0u);  // the window moved on
}

// ------------------------------------------------------------------ per-user cap

class CappedTest : public AccountSecurityTest {
 protected:
  ManagerOptions Options() override {
    ManagerOptions options = AccountSecurityTest::Options();
    options.max_sessions_per_user = 2;
    return options;
  }
};

TEST_F(CappedTest, LoginsBeyondTheCapEvictTheOldestAndTheirRefreshTokens) {
  Pair first = Register("pam");
  clock_.Advance(seconds(1));
  Pair second = PairOf(Login("pam"));
  clock_.Advance(seconds(1));
  Pair third = PairOf(Login("pam"));
  EXPECT_EQ(Verify(first.token), 401);
  EXPECT_EQ(Verify(second.token), 200);
  EXPECT_EQ(Verify(third.token), 200);
  EXPECT_EQ(Refresh(first.refresh).status, 401);
  EXPECT_TRUE(auth_->GetRefresh(RefreshTokens::HashOf(first.refresh)).status().IsNotFound());
  Result<std::vector<Session>> live = manager_->ListForUser(jwt_->Verify(third.token)->user_id);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->size(), 2u);
}

}  // namespace
}  // namespace sessionkit::server
