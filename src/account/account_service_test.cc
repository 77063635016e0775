// AccountService on real SQLite session and auth-state stores (one file, as in the
// server, so a reuse revokes the session the manager sees), an in-memory UserStore, a
// ManualClock and an executor that runs jobs inline or refuses them ("queue full").
// Every flow's outcomes, error paths included.
#include "sessionkit/account_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>

#include "sessionkit/sqlite_store.h"
#include "src/account/refresh_token.h"
#include "testing/switchable_auth_state.h"
#include "testing/temp_dir.h"

namespace sessionkit {
namespace {

using std::chrono::hours;
using sessionkit::testing::SwitchableAuthState;
using std::chrono::seconds;

constexpr std::string_view kSecret = "account-service-test-secret-0123456789";
constexpr std::string_view kPassword = "correct horse 1";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Users in a map; Unavailable for every call while "down".
class FakeUserStore final : public UserStore {
 public:
  void set_down(bool down) { down_ = down; }
  void Put(User user) {
    std::lock_guard lock(mu_);
    users_[user.id] = std::move(user);
  }
  bool Has(std::string_view id) {
    std::lock_guard lock(mu_);
    return users_.count(std::string(id)) > 0;
  }
  std::string HashOf(std::string_view id) {
    std::lock_guard lock(mu_);
    return users_.at(std::string(id)).password_hash;
  }

  Result<User> FindById(std::string_view id) override {
    if (down_) return Status::Unavailable("users down");
    std::lock_guard lock(mu_);
    auto it = users_.find(std::string(id));
    if (it == users_.end()) return Status::NotFound("no such user");
    return it->second;
  }
  // The next FindByLogin answers the user as it is, then disables it (an administrator
  // disabling the account while that login runs).
  void DisableAfterNextLookup() { disable_after_lookup_ = true; }

  Result<User> FindByLogin(std::string_view identifier) override {
    if (down_) return Status::Unavailable("users down");
    std::lock_guard lock(mu_);
    for (auto& [id, u] : users_) {
      if (Lower(u.username) == Lower(identifier)) {
        User found = u;
        if (disable_after_lookup_.exchange(false)) u.disabled = true;
        return found;
      }
    }
    for (const auto& [id, u] : users_) {
      if (Lower(u.email) == Lower(identifier)) return u;
    }
    return Status::NotFound("no such user");
  }
  Status CheckAvailable(std::string_view username, std::string_view email) override {
    if (down_) return Status::Unavailable("users down");
    std::lock_guard lock(mu_);
    for (const auto& [id, u] : users_) {
      if (Lower(u.username) == Lower(username)) return Status::Conflict("username already taken");
      if (Lower(u.email) == Lower(email)) return Status::Conflict("email already registered");
    }
    return Status::Ok();
  }
  Result<User> Create(std::string_view username, std::string_view email,
                      std::string_view password_hash) override {
    if (Status free = CheckAvailable(username, email); !free.ok()) return free;
    std::lock_guard lock(mu_);
    User u;
    u.id = "user-" + std::to_string(++next_id_);
    u.username = username;
    u.email = email;
    u.password_hash = password_hash;
    u.created_at = "2025-01-20T10:00:00Z";
    users_[u.id] = u;
    return u;
  }
  Status UpdatePasswordHash(std::string_view id, std::string_view password_hash) override {
    if (down_) return Status::Unavailable("users down");
    std::lock_guard lock(mu_);
    auto it = users_.find(std::string(id));
    if (it == users_.end()) return Status::NotFound("no such user");
    it->second.password_hash = password_hash;
    return Status::Ok();
  }
  Status Delete(std::string_view id) override {
    if (down_) return Status::Unavailable("users down");
    std::lock_guard lock(mu_);
    users_.erase(std::string(id));
    return Status::Ok();
  }
  Status SetDisabled(std::string_view id, bool disabled) override {
    std::lock_guard lock(mu_);
    auto it = users_.find(std::string(id));
    if (it == users_.end()) return Status::NotFound("no such user");
    it->second.disabled = disabled;
    return Status::Ok();
  }

 private:
  std::mutex mu_;
  std::map<std::string, User> users_;
  int next_id_ = 0;
  std::atomic<bool> down_{false};
  std::atomic<bool> disable_after_lookup_{false};
};

class AccountServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string db = dir_.File("sessionkit.db");
    auto sessions = OpenSqliteStore({.path = db, .clock = &clock_});
    ASSERT_TRUE(sessions.ok()) << sessions.status().ToString();
    auto manager = SessionManager::Open({.clock = &clock_}, std::move(sessions).value());
    ASSERT_TRUE(manager.ok()) << manager.status().ToString();
    manager_ = std::move(manager).value();
    auto auth = OpenSqliteAuthStateStore({.path = db, .clock = &clock_});
    ASSERT_TRUE(auth.ok()) << auth.status().ToString();
    auth_ = std::make_shared<SwitchableAuthState>(std::move(auth).value());
    auto jwt = JwtCodec::Create({.secret = std::string(kSecret), .clock = &clock_});
    ASSERT_TRUE(jwt.ok());
    jwt_.emplace(std::move(jwt).value());
    auto hasher = PasswordHasher::Create(MinimumCost());
    ASSERT_TRUE(hasher.ok());
    hasher_.emplace(std::move(hasher).value());

    AccountOptions options;
    options.refresh_secret = std::string(kSecret);
    options.access_token_lifetime = hours(1);
    options.issuer = "test-issuer";
    options.refresh_grace = seconds(10);
    options.login_limits = {.window = seconds(60), .max_per_identifier = 3, .max_per_ip = 5};
    options.clock = &clock_;
    auto accounts = AccountService::Open(options, Dependencies());
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    accounts_ = std::move(accounts).value();
  }

  AccountDependencies Dependencies() {
    return {.sessions = manager_.get(),
            .auth_state = auth_.get(),
            .users = &users_,
            .jwt = &*jwt_,
            .hasher = &*hasher_,
            .blocking =
                [this](std::function<void()> job) {
                  if (queue_full_) return false;
                  ++jobs_;
                  job();
                  return true;
                },
            .notices = [this](const AccountNotice& n) { notices_.push_back(n); }};
  }

  // The service's callbacks run inline here (SQLite stores, inline executor).
  template <class Outcome, class Request>
  Outcome Run(void (AccountService::*flow)(Request, std::function<void(Outcome)>),
              Request request) {
    std::optional<Outcome> out;
    ((*accounts_).*flow)(std::move(request), [&out](Outcome o) { out = std::move(o); });
    EXPECT_TRUE(out.has_value()) << "no outcome";
    return out ? std::move(*out) : Outcome{};
  }

  RegisterOutcome Register(std::string name, std::string password = std::string(kPassword)) {
    return Run(&AccountService::Register,
               RegisterRequest{name, name + "@example.com", std::move(password),
                               {"192.0.2.10", "unit-test/1", ""}});
  }
  LoginOutcome Login(std::string identifier, std::string password = std::string(kPassword),
                     std::string ip = "192.0.2.10") {
    return Run(&AccountService::Login,
               LoginRequest{std::move(identifier), std::move(password),
                            {std::move(ip), "unit-test/1", ""}});
  }
  RefreshOutcome Refresh(std::string token) {
    return Run(&AccountService::Refresh, RefreshRequest{std::move(token), "192.0.2.10",
                                                        "unit-test/1"});
  }
  PasswordChangeOutcome Change(const RegisterOutcome& reg, std::string current,
                               std::string fresh = "battery staple 2") {
    return Run(&AccountService::ChangePassword,
               PasswordChangeRequest{reg.user.id, reg.issued.session.id, std::move(current),
                                     std::move(fresh), "192.0.2.10"});
  }

  bool SessionLive(const std::string& id) {
    return manager_->Validate({.session_id = id}).ok();
  }

  ManualClock clock_;
  sessionkit::testing::TempDir dir_;
  std::unique_ptr<SessionManager> manager_;
  std::shared_ptr<SwitchableAuthState> auth_;
  FakeUserStore users_;
  std::optional<JwtCodec> jwt_;
  std::optional<PasswordHasher> hasher_;
  std::unique_ptr<AccountService> accounts_;
  bool queue_full_ = false;
  int jobs_ = 0;
  std::vector<AccountNotice> notices_;
};

TEST_F(AccountServiceTest, OpenRefusesMissingPartsAndBadOptions) {
  AccountOptions options;
  options.refresh_secret = "s";
  AccountDependencies deps = Dependencies();
  deps.users = nullptr;
  EXPECT_EQ(AccountService::Open(options, deps).status().code(), Code::kInvalidArgument);
  deps = Dependencies();
  deps.blocking = nullptr;
  EXPECT_EQ(AccountService::Open(options, deps).status().code(), Code::kInvalidArgument);
  options.refresh_secret.clear();
  EXPECT_EQ(AccountService::Open(options, Dependencies()).status().code(),
            Code::kInvalidArgument);
  options.refresh_secret = "s";
  options.login_limits.window = seconds(0);
  EXPECT_EQ(AccountService::Open(options, Dependencies()).status().code(),
            Code::kInvalidArgument);
}

// ------------------------------------------------------------------ register

TEST_F(AccountServiceTest, RegisterIssuesASessionWithTheContractClaims) {
  RegisterOutcome reg = Register("alice");
  ASSERT_EQ(reg.result, RegisterResult::kRegistered) << reg.error.ToString();
  EXPECT_TRUE(reg.user.password_hash.empty());  // never handed out
  EXPECT_TRUE(users_.HashOf(reg.user.id).starts_with("$argon2id$"));
  EXPECT_EQ(reg.issued.session.purpose, "register");
  EXPECT_EQ(reg.issued.session.ip_address, "192.0.2.10");
  Result<AccessClaims> claims = jwt_->Verify(reg.issued.access_token);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user_id, reg.user.id);
  EXPECT_EQ(claims->subject, reg.user.id);
  EXPECT_EQ(claims->session_id, reg.issued.session.id);
  EXPECT_EQ(claims->username, "alice");
  EXPECT_EQ(claims->email, "alice@example.com");
  EXPECT_EQ(claims->role, "user");
  EXPECT_EQ(claims->issuer, "test-issuer");
  EXPECT_EQ(claims->device_id, reg.issued.session.device_id);
  EXPECT_FALSE(claims->device_id.empty());  // derived from the User-Agent
  EXPECT_EQ(claims->issued_at, UnixSeconds(clock_.Now()));
  EXPECT_EQ(claims->expires_at, claims->issued_at + 3600);
  Result<RefreshRecord> record =
      auth_->GetRefresh(internal::RefreshTokens::HashOf(reg.issued.refresh_token));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->session_id, reg.issued.session.id);
  EXPECT_EQ(record->expires_at, reg.issued.session.created_at + hours(720));
}

TEST_F(AccountServiceTest, RegisterReportsTakenNamesAndAnUnavailableUserStore) {
  ASSERT_EQ(Register("bob").result, RegisterResult::kRegistered);
  RegisterOutcome taken = Register("BOB");
  EXPECT_EQ(taken.result, RegisterResult::kUserStoreError);
  EXPECT_EQ(taken.error.code(), Code::kConflict);
  EXPECT_EQ(taken.error.message(), "username already taken");
  EXPECT_TRUE(taken.user.id.empty());
  users_.set_down(true);
  RegisterOutcome down = Register("carol");
  EXPECT_EQ(down.result, RegisterResult::kUserStoreError);
  EXPECT_TRUE(down.error.IsUnavailable());
}

TEST_F(AccountServiceTest, RegisterWithAFullQueueIsBusyAndCreatesNothing) {
  queue_full_ = true;
  EXPECT_EQ(Register("dave").result, RegisterResult::kBusy);
  queue_full_ = false;
  EXPECT_EQ(Login("dave").result, LoginResult::kInvalidCredentials);
}

TEST_F(AccountServiceTest, RegisterWithoutARefreshTokenStoreRemovesUserAndSession) {
  auth_->set_down(true);
  RegisterOutcome reg = Register("erin");
  EXPECT_EQ(reg.result, RegisterResult::kSessionFailed);
  EXPECT_TRUE(reg.error.IsUnavailable());
  EXPECT_EQ(reg.failed_step, "refresh token store");
  ASSERT_FALSE(reg.user.id.empty());
  EXPECT_FALSE(users_.Has(reg.user.id));  // no half-registered user
  ASSERT_FALSE(reg.issued.session.id.empty());
  EXPECT_FALSE(SessionLive(reg.issued.session.id));  // taken back
  EXPECT_TRUE(reg.issued.access_token.empty());  // nothing to hand out
}

// ------------------------------------------------------------------ login

TEST_F(AccountServiceTest, LoginByUsernameOrEmailResetsTheIdentifiersFailures) {
  ASSERT_EQ(Register("fred").result, RegisterResult::kRegistered);
  ASSERT_EQ(Login("fred", "wrong password").result, LoginResult::kInvalidCredentials);
  LoginOutcome ok = Login("FRED");
  ASSERT_EQ(ok.result, LoginResult::kLoggedIn) << ok.error.ToString();
  EXPECT_TRUE(ok.password_matched);
  EXPECT_EQ(ok.rejection, PasswordRejection::kNone);
  EXPECT_EQ(ok.upgrade, HashUpgrade::kNone);
  EXPECT_EQ(ok.throttle_reset_error, Code::kOk);
  EXPECT_EQ(ok.issued.session.purpose, "login");
  EXPECT_TRUE(jwt_->Verify(ok.issued.access_token).ok());
  EXPECT_EQ(auth_->PeekFailures("id:fred", clock_.Now(), seconds(60))->count, 0u);
  EXPECT_EQ(auth_->PeekFailures("ip:192.0.2.10", clock_.Now(), seconds(60))->count, 1u);
  EXPECT_EQ(Login("fred@example.com").result, LoginResult::kLoggedIn);
}

TEST_F(AccountServiceTest, WrongPasswordAndUnknownUserAreTheSameRejection) {
  ASSERT_EQ(Register("gina").result, RegisterResult::kRegistered);
  LoginOutcome wrong = Login("gina", "not the password");
  EXPECT_EQ(wrong.result, LoginResult::kInvalidCredentials);
  EXPECT_EQ(wrong.rejection, PasswordRejection::kWrongPassword);
  EXPECT_FALSE(wrong.password_matched);
  EXPECT_TRUE(wrong.issued.session.id.empty());
  LoginOutcome unknown = Login("nobody");
  EXPECT_EQ(unknown.result, LoginResult::kInvalidCredentials);
  EXPECT_EQ(unknown.rejection, PasswordRejection::kUnknownUser);
  EXPECT_EQ(auth_->PeekFailures("id:gina", clock_.Now(), seconds(60))->count, 1u);
  EXPECT_EQ(auth_->PeekFailures("id:nobody", clock_.Now(), seconds(60))->count, 1u);
}

TEST_F(AccountServiceTest, ThrottledLoginsAreRefusedBeforeAnyWorkAndNotCounted) {
  ASSERT_EQ(Register("hank").result, RegisterResult::kRegistered);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Login("hank", "bad").result, LoginResult::kInvalidCredentials) << i;
    clock_.Advance(seconds(10));
  }
  int jobs = jobs_;
  LoginOutcome refused = Login("hank");  // the right password, too late
  EXPECT_EQ(refused.result, LoginResult::kThrottled);
  EXPECT_EQ(refused.retry_after_seconds, 30);  // failures at 0, 10, 20; now 30
  EXPECT_EQ(jobs_, jobs);                      // no lookup, no hash
  EXPECT_EQ(auth_->PeekFailures("id:hank", clock_.Now(), seconds(60))->count, 3u);
  clock_.Advance(seconds(30));
  EXPECT_EQ(Login("hank").result, LoginResult::kLoggedIn);
}

// API.md §11: a disabled account's right password answers kAccountDisabled (no session,
// no throttle count either way, no rehash); its wrong password is an ordinary failure,
// so the flag tells nothing to someone without the password.
TEST_F(AccountServiceTest, ADisabledUserIsToldOnlyAfterThePasswordCheck) {
  RegisterOutcome reg = Register("dora");
  ASSERT_EQ(reg.result, RegisterResult::kRegistered);
  ASSERT_TRUE(users_.SetDisabled(reg.user.id, true).ok());

  LoginOutcome wrong = Login("dora", "not the password");
  EXPECT_EQ(wrong.result, LoginResult::kInvalidCredentials);
  EXPECT_EQ(wrong.rejection, PasswordRejection::kWrongPassword);
  EXPECT_EQ(auth_->PeekFailures("id:dora", clock_.Now(), seconds(60))->count, 1u);

  const std::string hash = users_.HashOf(reg.user.id);
  LoginOutcome refused = Login("dora");
  EXPECT_EQ(refused.result, LoginResult::kAccountDisabled);
  EXPECT_FALSE(refused.password_matched);
  EXPECT_TRUE(refused.issued.session.id.empty());
  EXPECT_TRUE(refused.issued.access_token.empty());
  EXPECT_EQ(refused.user.id, reg.user.id);
  EXPECT_TRUE(refused.user.password_hash.empty());
  EXPECT_EQ(users_.HashOf(reg.user.id), hash);
  EXPECT_EQ(auth_->PeekFailures("id:dora", clock_.Now(), seconds(60))->count, 1u)
      << "neither counted nor reset";

  ASSERT_TRUE(users_.SetDisabled(reg.user.id, false).ok());
  EXPECT_EQ(Login("dora").result, LoginResult::kLoggedIn);
}

// A login that read the user just before it was disabled: the flag is read again once
// the session exists, and the session is revoked (so the administrator's revocation,
// whichever side of it the session was created on, leaves nothing live).
TEST_F(AccountServiceTest, ALoginRacingWithADisableIsRevokedToo) {
  RegisterOutcome reg = Register("fern");
  ASSERT_EQ(reg.result, RegisterResult::kRegistered);
  users_.DisableAfterNextLookup();
  LoginOutcome raced = Login("fern");
  EXPECT_EQ(raced.result, LoginResult::kAccountDisabled);
  ASSERT_FALSE(raced.issued.session.id.empty()) << "the session was created";
  EXPECT_FALSE(SessionLive(raced.issued.session.id));
  EXPECT_TRUE(raced.issued.access_token.empty());
  EXPECT_TRUE(raced.issued.refresh_token.empty());
  EXPECT_EQ(Login("fern").result, LoginResult::kAccountDisabled);
}

// A session that survived the disabling (issued by a login racing with it) ends at its
// first refresh: 401 and revoked.
TEST_F(AccountServiceTest, RefreshOfADisabledUsersSessionIsRefusedAndRevokesIt) {
  RegisterOutcome reg = Register("eddie");
  ASSERT_EQ(reg.result, RegisterResult::kRegistered);
  ASSERT_TRUE(users_.SetDisabled(reg.user.id, true).ok());
  clock_.Advance(seconds(5));
  RefreshOutcome refused = Refresh(reg.issued.refresh_token);
  EXPECT_EQ(refused.result, RefreshResult::kInvalid);
  EXPECT_EQ(refused.refusal, RefreshRefusal::kAccountDisabled);
  EXPECT_TRUE(refused.access_token.empty());
  EXPECT_TRUE(refused.refresh_token.empty());
  EXPECT_FALSE(SessionLive(reg.issued.session.id));
}

TEST_F(AccountServiceTest, LoginErrorPaths) {
  ASSERT_EQ(Register("ivy").result, RegisterResult::kRegistered);
  queue_full_ = true;
  EXPECT_EQ(Login("ivy", "bad").result, LoginResult::kBusy);
  queue_full_ = false;
  EXPECT_EQ(auth_->PeekFailures("id:ivy", clock_.Now(), seconds(60))->count, 0u);

  users_.set_down(true);
  LoginOutcome users_down = Login("ivy");
  EXPECT_EQ(users_down.result, LoginResult::kStoreError);
  EXPECT_TRUE(users_down.error.IsUnavailable());
  users_.set_down(false);

  auth_->set_down(true);
  LoginOutcome auth_down = Login("ivy");
  EXPECT_EQ(auth_down.result, LoginResult::kStoreError);  // the throttle cannot check
  EXPECT_TRUE(auth_down.error.IsUnavailable());
  EXPECT_FALSE(auth_down.password_matched);
}

TEST_F(AccountServiceTest, AnOldCostHashIsUpgradedAfterAGoodLogin) {
  Result<PasswordHasher> strong = PasswordHasher::Create(InteractiveCost());
  ASSERT_TRUE(strong.ok());
  Result<std::string> old_hash = strong->Hash(kPassword);
  ASSERT_TRUE(old_hash.ok());
  users_.Put({.id = "legacy-1", .username = "jack", .email = "jack@example.com",
              .password_hash = *old_hash});
  LoginOutcome ok = Login("jack");
  ASSERT_EQ(ok.result, LoginResult::kLoggedIn) << ok.error.ToString();
  EXPECT_EQ(ok.upgrade, HashUpgrade::kUpgraded);
  EXPECT_NE(users_.HashOf("legacy-1"), *old_hash);
  EXPECT_EQ(hasher_->Verify(users_.HashOf("legacy-1"), kPassword), PasswordCheck::kMatch);
}

// ------------------------------------------------------------------ refresh

TEST_F(AccountServiceTest, RotationThenGraceReplayThenReuse) {
  RegisterOutcome reg = Register("kate");
  ASSERT_EQ(reg.result, RegisterResult::kRegistered);
  clock_.Advance(seconds(5));
  RefreshOutcome first = Refresh(reg.issued.refresh_token);
  ASSERT_EQ(first.result, RefreshResult::kRotated) << first.error.ToString();
  EXPECT_TRUE(first.rotation_done);
  EXPECT_EQ(first.rotation, RotateOutcome::kRotated);
  EXPECT_EQ(first.session_id, reg.issued.session.id);
  internal::RefreshTokens tokens(kSecret);
  EXPECT_EQ(first.refresh_token, tokens.SuccessorOf(reg.issued.refresh_token));
  Result<AccessClaims> claims = jwt_->Verify(first.access_token);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->issued_at, UnixSeconds(clock_.Now()));
  EXPECT_EQ(claims->username, "kate");

  clock_.Advance(seconds(3));  // within the grace: the same pair again
  RefreshOutcome replay = Refresh(reg.issued.refresh_token);
  ASSERT_EQ(replay.result, RefreshResult::kGraceReplay);
  EXPECT_EQ(replay.access_token, first.access_token);
  EXPECT_EQ(replay.refresh_token, first.refresh_token);

  clock_.Advance(seconds(20));  // spent 23 s ago: theft signal
  RefreshOutcome reused = Refresh(reg.issued.refresh_token);
  EXPECT_EQ(reused.result, RefreshResult::kReused);
  EXPECT_FALSE(reused.rotation_done);
  EXPECT_EQ(reused.session_id, reg.issued.session.id);
  EXPECT_EQ(reused.user_id, reg.user.id);
  EXPECT_EQ(reused.spent_ago, seconds(23));
  EXPECT_TRUE(reused.access_token.empty());
  EXPECT_TRUE(reused.refresh_token.empty());
  EXPECT_FALSE(SessionLive(reg.issued.session.id));
  EXPECT_EQ(Refresh(first.refresh_token).result, RefreshResult::kInvalid);  // died with it
}

// Issue 10: tab A refreshes twice; tab B, late with the first token but within the grace,
// must get the pair the line is at (whose refresh token works), not A's spent first one.
TEST_F(AccountServiceTest, ALateReplayGetsTheNewestLivePairNotASpentOne) {
  RegisterOutcome reg = Register("kurt");
  ASSERT_EQ(reg.result, RegisterResult::kRegistered);
  RefreshOutcome a1 = Refresh(reg.issued.refresh_token);
  ASSERT_EQ(a1.result, RefreshResult::kRotated) << a1.error.ToString();
  clock_.Advance(seconds(2));
  RefreshOutcome a2 = Refresh(a1.refresh_token);
  ASSERT_EQ(a2.result, RefreshResult::kRotated) << a2.error.ToString();
  clock_.Advance(seconds(2));
  RefreshOutcome b = Refresh(reg.issued.refresh_token);
  ASSERT_EQ(b.result, RefreshResult::kGraceReplay) << b.error.ToString();
  EXPECT_EQ(b.refresh_token, a2.refresh_token);
  EXPECT_EQ(b.access_token, a2.access_token);  // byte-identical: iat = that rotation
  clock_.Advance(seconds(1));
  RefreshOutcome b_next = Refresh(b.refresh_token);  // B's next refresh is no reuse
  EXPECT_EQ(b_next.result, RefreshResult::kRotated);
  EXPECT_TRUE(SessionLive(reg.issued.session.id));
}

TEST_F(AccountServiceTest, RefreshRefusesBadTokensAndRevokedSessions) {
  EXPECT_EQ(Refresh("short").result, RefreshResult::kInvalid);
  EXPECT_EQ(Refresh(std::string(43, 'A')).result, RefreshResult::kInvalid);  // unknown
  RegisterOutcome reg = Register("liam");
  ASSERT_TRUE(manager_->Revoke(reg.issued.session.id).ok());
  RefreshOutcome revoked = Refresh(reg.issued.refresh_token);
  EXPECT_EQ(revoked.result, RefreshResult::kInvalid);
  EXPECT_FALSE(revoked.rotation_done);
}

TEST_F(AccountServiceTest, RefreshErrorPaths) {
  RegisterOutcome reg = Register("mona");
  auth_->set_down(true);
  RefreshOutcome down = Refresh(reg.issued.refresh_token);
  EXPECT_EQ(down.result, RefreshResult::kStoreError);
  EXPECT_TRUE(down.error.IsUnavailable());
  auth_->set_down(false);

  users_.set_down(true);  // the user lookup after the rotation
  RefreshOutcome users_down = Refresh(reg.issued.refresh_token);
  EXPECT_EQ(users_down.result, RefreshResult::kStoreError);
  EXPECT_TRUE(users_down.rotation_done);  // the rotation stands; a retry is a replay
  users_.set_down(false);

  queue_full_ = true;
  RefreshOutcome busy = Refresh(reg.issued.refresh_token);
  EXPECT_EQ(busy.result, RefreshResult::kBusy);
  EXPECT_EQ(busy.rotation, RotateOutcome::kGraceReplay);
  queue_full_ = false;
  EXPECT_EQ(Refresh(reg.issued.refresh_token).result, RefreshResult::kGraceReplay);
}

TEST_F(AccountServiceTest, ASessionOfAnUnknownUserIsDescribedByItself) {
  Result<CreatedSession> created =
      manager_->Create({.user_id = "42", .user_id_is_number = true, .username = "imported"});
  ASSERT_TRUE(created.ok());
  std::string token = *internal::RefreshTokens::Generate();
  RefreshRecord record;
  record.token_hash = internal::RefreshTokens::HashOf(token);
  record.session_id = created->session.id;
  record.user_id = "42";
  record.issued_at = clock_.Now();
  record.expires_at = clock_.Now() + hours(1);
  ASSERT_TRUE(auth_->IssueRefresh(record).ok());
  RefreshOutcome out = Refresh(token);
  ASSERT_EQ(out.result, RefreshResult::kRotated) << out.error.ToString();
  Result<AccessClaims> claims = jwt_->Verify(out.access_token);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->user_id, "42");
  EXPECT_TRUE(claims->user_id_is_number);
  EXPECT_EQ(claims->username, "imported");
}

// ------------------------------------------------------------------ password change

TEST_F(AccountServiceTest, PasswordChangeRevokesTheOtherSessionsOnly) {
  RegisterOutcome reg = Register("nina");
  LoginOutcome other = Login("nina");
  ASSERT_EQ(other.result, LoginResult::kLoggedIn);
  PasswordChangeOutcome changed = Change(reg, std::string(kPassword));
  ASSERT_EQ(changed.result, PasswordChangeResult::kChanged) << changed.error.ToString();
  EXPECT_TRUE(changed.password_saved);
  EXPECT_EQ(changed.revoked, 1u);
  EXPECT_EQ(changed.user_id, reg.user.id);
  EXPECT_TRUE(SessionLive(reg.issued.session.id));
  EXPECT_FALSE(SessionLive(other.issued.session.id));
  EXPECT_EQ(Login("nina").result, LoginResult::kInvalidCredentials);
  EXPECT_EQ(Login("nina", "battery staple 2").result, LoginResult::kLoggedIn);
}

TEST_F(AccountServiceTest, PasswordChangeRefusals) {
  RegisterOutcome reg = Register("owen");
  PasswordChangeOutcome wrong = Change(reg, "not it");
  EXPECT_EQ(wrong.result, PasswordChangeResult::kInvalidCredentials);
  EXPECT_TRUE(wrong.password_rejected);
  EXPECT_FALSE(wrong.password_saved);
  EXPECT_EQ(auth_->PeekFailures("id:owen", clock_.Now(), seconds(60))->count, 1u);

  ASSERT_EQ(Change(reg, "not it").result, PasswordChangeResult::kInvalidCredentials);
  ASSERT_EQ(Change(reg, "not it").result, PasswordChangeResult::kInvalidCredentials);
  PasswordChangeOutcome throttled = Change(reg, std::string(kPassword));
  EXPECT_EQ(throttled.result, PasswordChangeResult::kThrottled);
  EXPECT_EQ(throttled.retry_after_seconds, 60);

  RegisterOutcome ghost = reg;
  ghost.user.id = "not-a-user";
  EXPECT_EQ(Change(ghost, std::string(kPassword)).result, PasswordChangeResult::kUserNotFound);
}

TEST_F(AccountServiceTest, PasswordChangeErrorPaths) {
  RegisterOutcome reg = Register("pia");
  queue_full_ = true;
  EXPECT_EQ(Change(reg, std::string(kPassword)).result, PasswordChangeResult::kBusy);
  queue_full_ = false;
  users_.set_down(true);
  PasswordChangeOutcome users_down = Change(reg, std::string(kPassword));
  EXPECT_EQ(users_down.result, PasswordChangeResult::kStoreError);
  EXPECT_TRUE(users_down.error.IsUnavailable());
  users_.set_down(false);
  auth_->set_down(true);
  PasswordChangeOutcome auth_down = Change(reg, std::string(kPassword));
  EXPECT_EQ(auth_down.result, PasswordChangeResult::kStoreError);
  EXPECT_FALSE(auth_down.password_saved);
  auth_->set_down(false);
  EXPECT_EQ(Login("pia").result, LoginResult::kLoggedIn);  // nothing changed
}

// ------------------------------------------------------------------ tidy-ups

TEST_F(AccountServiceTest, ForgetRefreshTokensReportsAFailureAsANotice) {
  RegisterOutcome reg = Register("quinn");
  accounts_->ForgetRefreshTokens(reg.issued.session.id);
  EXPECT_TRUE(notices_.empty());
  EXPECT_TRUE(auth_->GetRefresh(internal::RefreshTokens::HashOf(reg.issued.refresh_token))
                  .status()
                  .IsNotFound());
  auth_->set_down(true);
  accounts_->ForgetRefreshTokens(reg.issued.session.id);
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_EQ(notices_[0].kind, AccountNotice::Kind::kRefreshTokensNotDropped);
  EXPECT_EQ(notices_[0].session_id, reg.issued.session.id);
  EXPECT_EQ(notices_[0].code, Code::kUnavailable);
}

}  // namespace
}  // namespace sessionkit
