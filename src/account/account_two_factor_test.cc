// AccountService's second factor on real SQLite stores (sessions, auth state and users in
// one file), a ManualClock and an inline executor: enrolment, login with a pending
// mfa_token and no session, the ±1 step window, replay, the token's 5 strikes, the login
// throttle, recovery codes, password change, disable, and key rotation.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "sessionkit/account_service.h"
#include "sessionkit/sqlite_store.h"
#include "src/account/totp.h"
#include "src/util/base64url.h"
#include "testing/temp_dir.h"

namespace sessionkit {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr std::string_view kSecret = "two-factor-test-secret-0123456789abcdef";
constexpr std::string_view kPassword = "correct horse 1";

class TwoFactorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Mid-step, so that "now" is not at a step boundary.
    clock_.Set(TimePoint(seconds(1'800'000'015)));
    db_ = dir_.File("sessionkit.db");
    auto stores = OpenSqliteStores({.path = db_, .clock = &clock_});
    ASSERT_TRUE(stores.ok()) << stores.status().ToString();
    stores_ = std::move(stores).value();
    auto manager = SessionManager::Open({.clock = &clock_}, stores_.sessions);
    ASSERT_TRUE(manager.ok());
    manager_ = std::move(manager).value();
    auto jwt = JwtCodec::Create({.secret = std::string(kSecret), .clock = &clock_});
    ASSERT_TRUE(jwt.ok());
    jwt_.emplace(std::move(jwt).value());
    auto hasher = PasswordHasher::Create(MinimumCost());
    ASSERT_TRUE(hasher.ok());
    hasher_.emplace(std::move(hasher).value());
    OpenService({});
  }

  void OpenService(std::vector<TotpEncryptionKey> keys) {
    AccountOptions options;
    options.refresh_secret = std::string(kSecret);
    options.issuer = "Test Issuer";
    options.login_limits = {.window = seconds(600), .max_per_identifier = 8, .max_per_ip = 100};
    options.clock = &clock_;
    options.totp_keys = std::move(keys);
    auto accounts = AccountService::Open(options, {.sessions = manager_.get(),
                                                   .auth_state = stores_.auth_state.get(),
                                                   .users = stores_.users.get(),
                                                   .jwt = &*jwt_,
                                                   .hasher = &*hasher_,
                                                   .blocking = [this](std::function<void()> job) {
                                                     if (before_job_) before_job_();
                                                     job();
                                                     return true;
                                                   }});
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    accounts_ = std::move(accounts).value();
  }

  template <class Outcome, class Request>
  Outcome Run(void (AccountService::*flow)(Request, std::function<void(Outcome)>), Request request) {
    std::optional<Outcome> out;
    ((*accounts_).*flow)(std::move(request), [&out](Outcome o) { out = std::move(o); });
    EXPECT_TRUE(out.has_value()) << "no outcome";
    return out ? std::move(*out) : Outcome{};
  }

  RegisterOutcome Register(const std::string& name) {
    return Run(&AccountService::Register,
               RegisterRequest{name, name + "@example.com", std::string(kPassword),
                               {"192.0.2.10", "unit-test/1", ""}});
  }
  LoginOutcome Login(const std::string& name) {
    return Run(&AccountService::Login, LoginRequest{name, std::string(kPassword),
                                                    {"192.0.2.10", "unit-test/1", ""}});
  }
  TwoFactorCodeRequest CodeRequest(const RegisterOutcome& reg, std::string code) {
    return {reg.user.id, reg.issued.session.id, std::move(code), "192.0.2.10"};
  }
  SecondFactorOutcome Verify(const std::string& token, std::string code,
                             std::string recovery = "") {
    return Run(&AccountService::VerifySecondFactor,
               SecondFactorRequest{token, std::move(code), std::move(recovery),
                                   {"192.0.2.10", "unit-test/1", ""}});
  }

  // The code of `delta` steps from now for the base32 secret.
  std::string Code(const std::string& base32, std::int64_t delta = 0) {
    const std::string secret = *internal::Base32Decode(base32);
    return internal::TotpCode(secret, internal::TotpStep(clock_.Now()) + delta);
  }

  void NextStep() { clock_.Advance(seconds(internal::kTotpPeriodSeconds)); }

  // Registers `name` and turns 2FA on; returns the base32 secret.
  std::string Enrol(const std::string& name, RegisterOutcome* reg_out = nullptr,
                    std::vector<std::string>* codes = nullptr) {
    RegisterOutcome reg = Register(name);
    EXPECT_EQ(reg.result, RegisterResult::kRegistered);
    TotpSetupOutcome setup = Run(&AccountService::SetupTotp, reg.user.id);
    EXPECT_EQ(setup.result, TwoFactorResult::kDone);
    TwoFactorCodeOutcome confirmed =
        Run(&AccountService::ConfirmTotp, CodeRequest(reg, Code(setup.secret)));
    EXPECT_EQ(confirmed.result, TwoFactorResult::kDone);
    NextStep();  // the confirming step is spent
    if (reg_out) *reg_out = reg;
    if (codes) *codes = confirmed.recovery_codes;
    return setup.secret;
  }

  static std::string Payload(const std::string& jwt) {
    const std::size_t a = jwt.find('.');
    const std::size_t b = jwt.find('.', a + 1);
    return internal::Base64UrlDecode(jwt.substr(a + 1, b - a - 1)).value();
  }

  std::uint64_t SessionCount() { return stores_.sessions->Count().value(); }

  ManualClock clock_;
  sessionkit::testing::TempDir dir_;
  std::string db_;
  SqliteStores stores_;
  std::unique_ptr<SessionManager> manager_;
  std::optional<JwtCodec> jwt_;
  std::optional<PasswordHasher> hasher_;
  std::unique_ptr<AccountService> accounts_;
  std::function<void()> before_job_;  // runs before each blocking-executor job
};

TEST_F(TwoFactorTest, SetupGivesSecretUriAndQrAndConfirmTurnsItOn) {
  RegisterOutcome reg = Register("alice");
  RegisterOutcome other = Register("alice2");  // another user's session is untouched
  LoginOutcome second = Login("alice");        // a second session of alice: revoked
  ASSERT_EQ(second.result, LoginResult::kLoggedIn);

  TotpSetupOutcome setup = Run(&AccountService::SetupTotp, reg.user.id);
  ASSERT_EQ(setup.result, TwoFactorResult::kDone);
  EXPECT_EQ(setup.secret.size(), 32u);  // 20 bytes, unpadded base32
  EXPECT_EQ(setup.otpauth_uri, "otpauth://totp/Test%20Issuer:alice?secret=" + setup.secret +
                                   "&issuer=Test%20Issuer&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(setup.qr_svg.rfind("<svg", 0), 0u);
  // Stored sealed, never in the clear.
  Result<TwoFactorEnrolment> stored = stores_.users->GetTwoFactor(reg.user.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->confirmed);
  EXPECT_EQ(stored->sealed_secret.find(setup.secret), std::string::npos);

  // A wrong code confirms nothing.
  TwoFactorCodeOutcome wrong = Run(&AccountService::ConfirmTotp, CodeRequest(reg, "000000"));
  EXPECT_EQ(wrong.result, TwoFactorResult::kInvalidCode);
  EXPECT_TRUE(wrong.code_rejected);

  TwoFactorCodeOutcome on = Run(&AccountService::ConfirmTotp, CodeRequest(reg, Code(setup.secret)));
  ASSERT_EQ(on.result, TwoFactorResult::kDone) << on.error.ToString();
  EXPECT_EQ(on.recovery_codes.size(), 10u);
  EXPECT_EQ(on.revoked, 1u);
  EXPECT_TRUE(on.session_upgraded);
  Result<Session> current = stores_.sessions->Get(reg.issued.session.id);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->aal, 2);
  EXPECT_FALSE(stores_.sessions->Get(second.issued.session.id).ok());
  EXPECT_TRUE(stores_.sessions->Get(other.issued.session.id).ok());

  // Setup again while on: refused, the enrolment unchanged.
  EXPECT_EQ(Run(&AccountService::SetupTotp, reg.user.id).result, TwoFactorResult::kAlreadyOn);
}

TEST_F(TwoFactorTest, LoginWritesNoSessionAndVerifyIssuesAnAal2Session) {
  const std::string secret = Enrol("bob");
  const std::uint64_t before = SessionCount();
  LoginOutcome login = Login("bob");
  ASSERT_EQ(login.result, LoginResult::kSecondFactorRequired);
  EXPECT_EQ(login.mfa_token.size(), 43u);
  EXPECT_EQ(login.mfa_expires_in, 300);
  EXPECT_TRUE(login.issued.session.id.empty());
  EXPECT_TRUE(login.issued.access_token.empty());
  EXPECT_EQ(SessionCount(), before);  // no session anywhere

  SecondFactorOutcome ok = Verify(login.mfa_token, Code(secret));
  ASSERT_EQ(ok.result, TwoFactorResult::kDone) << ok.error.ToString();
  EXPECT_EQ(ok.issued.session.aal, 2);
  EXPECT_EQ(ok.issued.session.purpose, "login");
  EXPECT_EQ(stores_.sessions->Get(ok.issued.session.id)->aal, 2);
  // amr in the token: ["pwd","otp"]; a password-only session says ["pwd"].
  EXPECT_NE(Payload(ok.issued.access_token).find(R"("amr":["pwd","otp"])"), std::string::npos)
      << Payload(ok.issued.access_token);
  RegisterOutcome plain = Register("plain");
  EXPECT_NE(Payload(plain.issued.access_token).find(R"("amr":["pwd"])"), std::string::npos);
  // The mfa_token is single use.
  EXPECT_EQ(Verify(login.mfa_token, Code(secret, 1)).result, TwoFactorResult::kInvalidToken);
}

// API.md §11: a user disabled between the password and the code gets no session, and
// the mfa_token dies (enabled again, the user logs in from the start).
TEST_F(TwoFactorTest, AUserDisabledAfterThePasswordGetsNoSessionFromTheCode) {
  const std::string secret = Enrol("dora");
  LoginOutcome login = Login("dora");
  ASSERT_EQ(login.result, LoginResult::kSecondFactorRequired);
  const std::uint64_t before = SessionCount();
  ASSERT_TRUE(stores_.users->SetDisabled(login.user.id, true).ok());
  SecondFactorOutcome refused = Verify(login.mfa_token, Code(secret));
  EXPECT_EQ(refused.result, TwoFactorResult::kAccountDisabled);
  EXPECT_TRUE(refused.issued.access_token.empty());
  EXPECT_EQ(SessionCount(), before);
  ASSERT_TRUE(stores_.users->SetDisabled(login.user.id, false).ok());
  EXPECT_EQ(Verify(login.mfa_token, Code(secret)).result, TwoFactorResult::kInvalidToken);
}

// The disable lands while the code is being checked (after verify read the user): the
// flag is read again once the session exists, and that session is revoked.
TEST_F(TwoFactorTest, ADisableRacingWithTheCodeRevokesTheNewSession) {
  const std::string secret = Enrol("ezra");
  LoginOutcome login = Login("ezra");
  ASSERT_EQ(login.result, LoginResult::kSecondFactorRequired);
  const std::uint64_t before = SessionCount();
  int jobs = 0;
  before_job_ = [&] {  // job 1 reads the user, job 2 checks the code
    if (++jobs == 2) {
      ASSERT_TRUE(stores_.users->SetDisabled(login.user.id, true).ok());
    }
  };
  SecondFactorOutcome raced = Verify(login.mfa_token, Code(secret));
  before_job_ = nullptr;
  EXPECT_EQ(raced.result, TwoFactorResult::kAccountDisabled);
  EXPECT_TRUE(raced.issued.access_token.empty());
  EXPECT_TRUE(raced.issued.refresh_token.empty());
  EXPECT_EQ(SessionCount(), before);  // the session made meanwhile is gone
}

TEST_F(TwoFactorTest, StepsMinusOneAndPlusOneAcceptedMinusTwoRefusedReplayRefused) {
  const std::string secret = Enrol("carol");
  for (int i = 0; i < 3; ++i) NextStep();
  // -2: refused.
  LoginOutcome login = Login("carol");
  ASSERT_EQ(login.result, LoginResult::kSecondFactorRequired);
  EXPECT_EQ(Verify(login.mfa_token, Code(secret, -2)).result, TwoFactorResult::kInvalidCode);
  // -1: accepted.
  EXPECT_EQ(Verify(login.mfa_token, Code(secret, -1)).result, TwoFactorResult::kDone);
  // The same code again (a new login): a replay.
  login = Login("carol");
  EXPECT_EQ(Verify(login.mfa_token, Code(secret, -1)).result, TwoFactorResult::kInvalidCode);
  // +1: accepted; then the current step (before the accepted +1) is refused too.
  EXPECT_EQ(Verify(login.mfa_token, Code(secret, 1)).result, TwoFactorResult::kDone);
  login = Login("carol");
  EXPECT_EQ(Verify(login.mfa_token, Code(secret, 0)).result, TwoFactorResult::kInvalidCode);
  EXPECT_EQ(Verify(login.mfa_token, Code(secret, 1)).result, TwoFactorResult::kInvalidCode);
  NextStep();
  NextStep();
  EXPECT_EQ(Verify(login.mfa_token, Code(secret, 0)).result, TwoFactorResult::kDone);
}

TEST_F(TwoFactorTest, FiveWrongCodesKillTheToken) {
  const std::string secret = Enrol("dave");
  LoginOutcome login = Login("dave");
  for (int i = 1; i <= 5; ++i) {
    SecondFactorOutcome wrong = Verify(login.mfa_token, "000000");
    EXPECT_EQ(wrong.result, TwoFactorResult::kInvalidCode);
    EXPECT_EQ(wrong.token_killed, i == 5);
  }
  EXPECT_EQ(Verify(login.mfa_token, Code(secret)).result, TwoFactorResult::kInvalidToken);
  // The token also dies after 300 s.
  login = Login("dave");
  clock_.Advance(seconds(300));
  EXPECT_EQ(Verify(login.mfa_token, Code(secret)).result, TwoFactorResult::kInvalidToken);
}

TEST_F(TwoFactorTest, WrongCodesCountAsFailedLoginsOfTheUser) {
  const std::string secret = Enrol("erin");
  // max_per_identifier = 8: eight wrong codes over two tokens, then the ninth attempt is
  // throttled, the right code too (no oracle), and so is the password.
  for (int token = 0; token < 2; ++token) {
    LoginOutcome login = Login("erin");
    ASSERT_EQ(login.result, LoginResult::kSecondFactorRequired);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(Verify(login.mfa_token, "000000").result, TwoFactorResult::kInvalidCode);
    }
  }
  LoginOutcome login = Login("erin");
  EXPECT_EQ(login.result, LoginResult::kThrottled);
  clock_.Advance(seconds(601));
  login = Login("erin");
  ASSERT_EQ(login.result, LoginResult::kSecondFactorRequired);
  SecondFactorOutcome ok = Verify(login.mfa_token, Code(secret));
  EXPECT_EQ(ok.result, TwoFactorResult::kDone);
}

TEST_F(TwoFactorTest, ARecoveryCodeWorksOnceAndNewOnesReplaceTheOld) {
  RegisterOutcome reg;
  std::vector<std::string> codes;
  const std::string secret = Enrol("frank", &reg, &codes);
  ASSERT_EQ(codes.size(), 10u);
  LoginOutcome login = Login("frank");
  SecondFactorOutcome used = Verify(login.mfa_token, "", codes[3]);
  ASSERT_EQ(used.result, TwoFactorResult::kDone);
  EXPECT_TRUE(used.recovery_code_used);
  EXPECT_EQ(used.recovery_codes_left, 9u);
  login = Login("frank");
  EXPECT_EQ(Verify(login.mfa_token, "", codes[3]).result, TwoFactorResult::kInvalidCode);
  // Upper case, no hyphen: the same code.
  std::string typed = codes[4];
  typed.erase(5, 1);
  for (char& c : typed) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(Verify(login.mfa_token, "", typed).result, TwoFactorResult::kDone);
  // A recovery code in the `code` field is not a TOTP code.
  login = Login("frank");
  EXPECT_EQ(Verify(login.mfa_token, codes[5]).result, TwoFactorResult::kInvalidCode);

  TwoFactorCodeOutcome fresh =
      Run(&AccountService::RegenerateRecoveryCodes, CodeRequest(reg, Code(secret)));
  ASSERT_EQ(fresh.result, TwoFactorResult::kDone);
  EXPECT_EQ(fresh.recovery_codes.size(), 10u);
  EXPECT_EQ(Verify(login.mfa_token, "", codes[6]).result, TwoFactorResult::kInvalidCode);
  EXPECT_EQ(Verify(login.mfa_token, "", fresh.recovery_codes[0]).result, TwoFactorResult::kDone);
}

TEST_F(TwoFactorTest, PasswordChangeNeedsACodeAndDisableTurnsItOff) {
  RegisterOutcome reg;
  std::vector<std::string> codes;
  const std::string secret = Enrol("gina", &reg, &codes);
  PasswordChangeRequest change{reg.user.id, reg.issued.session.id, std::string(kPassword),
                               "battery staple 2", "192.0.2.10", ""};
  EXPECT_EQ(Run(&AccountService::ChangePassword, change).result,
            PasswordChangeResult::kInvalidCode);
  change.code = "000000";
  EXPECT_EQ(Run(&AccountService::ChangePassword, change).result,
            PasswordChangeResult::kInvalidCode);
  change.code = Code(secret);
  EXPECT_EQ(Run(&AccountService::ChangePassword, change).result, PasswordChangeResult::kChanged);

  EXPECT_EQ(Run(&AccountService::DisableTotp, CodeRequest(reg, "000000")).result,
            TwoFactorResult::kInvalidCode);
  EXPECT_EQ(Run(&AccountService::DisableTotp, CodeRequest(reg, codes[0])).result,
            TwoFactorResult::kDone);
  EXPECT_TRUE(stores_.users->GetTwoFactor(reg.user.id).status().IsNotFound());
  LoginOutcome login = Run(&AccountService::Login,
                           LoginRequest{"gina", "battery staple 2", {"192.0.2.10", "unit-test/1", ""}});
  EXPECT_EQ(login.result, LoginResult::kLoggedIn);
  EXPECT_EQ(login.issued.session.aal, 1);
}

TEST_F(TwoFactorTest, KeyRotationKeepsEveryEnrolmentWorking) {
  const std::string old_secret = Enrol("henry");
  // Rotate: a new first key, the previous (here: the default derived one) kept to open.
  const TotpEncryptionKey derived = DeriveTotpEncryptionKey(kSecret);
  OpenService({{"2027-01", std::string(32, 'n')}, derived});
  LoginOutcome login = Login("henry");
  EXPECT_EQ(Verify(login.mfa_token, Code(old_secret)).result, TwoFactorResult::kDone);
  // New enrolments are sealed with the new key.
  RegisterOutcome reg = Register("iris");
  ASSERT_EQ(Run(&AccountService::SetupTotp, reg.user.id).result, TwoFactorResult::kDone);
  EXPECT_EQ(stores_.users->GetTwoFactor(reg.user.id)->key_id, "2027-01");
  // Removing the old key too early: the enrolment cannot be opened (a store error, 503),
  // never a silent "wrong code".
  NextStep();
  OpenService({{"2027-01", std::string(32, 'n')}});
  login = Login("henry");
  EXPECT_EQ(Verify(login.mfa_token, Code(old_secret)).result, TwoFactorResult::kStoreError);
}

}  // namespace
}  // namespace sessionkit
