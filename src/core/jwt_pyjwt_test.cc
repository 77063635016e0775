// Cross-implementation check of JwtCodec against PyJWT (Debian python3-jwt): tokens we
// sign verify there, tokens PyJWT mints verify here, and a PyJWT token under another
// secret is rejected. Runs $SESSIONKIT_PYTHON (default /usr/bin/python3); a missing
// interpreter or module is a failure, not a skip. Secrets and tokens reach the child
// through its environment, never its command line. Uses the system clock because PyJWT
// checks exp against real time; tokens expire an hour ahead, so timing never matters.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "sessionkit/jwt.h"

namespace sessionkit {
namespace {

constexpr char kSecret[] = "pyjwt-cross-test-secret-0123456789abcdef";
constexpr char kPrevious[] = "pyjwt-cross-test-previous-0123456789abc";
constexpr char kSessionId[] =
    "sess_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// Prints NO_PYJWT and exits 3 when the module is missing.
constexpr char kImport[] =
    "import json, os, sys\n"
    "try:\n"
    "    import jwt\n"
    "except ImportError:\n"
    "    print(\"NO_PYJWT\")\n"
    "    sys.exit(3)\n";

// Decodes SK_TOKEN with SK_SECRET, HS256 only, issuer checked; prints header and claims.
constexpr char kDecodeScript[] =
    "token = os.environ[\"SK_TOKEN\"]\n"
    "claims = jwt.decode(token, os.environ[\"SK_SECRET\"], algorithms=[\"HS256\"],\n"
    "                    issuer=\"sessionkit\")\n"
    "print(json.dumps({\"header\": jwt.get_unverified_header(token), \"claims\": claims}))\n";

// Encodes SK_CLAIMS (JSON) with SK_SECRET and optional SK_HEADERS (JSON); prints the token.
constexpr char kEncodeScript[] =
    "headers = json.loads(os.environ.get(\"SK_HEADERS\", \"null\"))\n"
    "token = jwt.encode(json.loads(os.environ[\"SK_CLAIMS\"]), os.environ[\"SK_SECRET\"],\n"
    "                   algorithm=\"HS256\", headers=headers)\n"
    "print(token if isinstance(token, str) else token.decode())\n";

struct ChildResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Sets environment variables for the duration of one child run.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::vector<std::pair<std::string, std::string>> vars)
      : vars_(std::move(vars)) {
    for (const auto& [name, value] : vars_) ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : vars_) ::unsetenv(name.c_str());
  }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

std::string PythonPath() {
  const char* p = std::getenv("SESSIONKIT_PYTHON");
  return (p != nullptr && *p != '\0') ? p : "/usr/bin/python3";
}

// Runs `script` (no single quotes in it) with `env` added to the environment.
ChildResult RunPython(const std::string& script,
                      std::vector<std::pair<std::string, std::string>> env) {
  ScopedEnv scoped(std::move(env));
  const std::string command =
      "'" + PythonPath() + "' -c '" + std::string(kImport) + script + "' 2>&1";
  ChildResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Turns the child's failure modes into one clear test failure.
::testing::AssertionResult Succeeded(const ChildResult& r) {
  if (r.exit_code == 0) return ::testing::AssertionSuccess();
  if (r.output.find("NO_PYJWT") != std::string::npos) {
    return ::testing::AssertionFailure()
           << "PyJWT is not importable by " << PythonPath()
           << ": install Debian package python3-jwt (scripts/install-deps.sh) or point "
              "SESSIONKIT_PYTHON at a python3 that has it";
  }
  if (r.exit_code == 127) {
    return ::testing::AssertionFailure() << "cannot run " << PythonPath();
  }
  return ::testing::AssertionFailure() << "python exited " << r.exit_code << ":\n" << r.output;
}

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

JwtCodec MakeCodec(std::vector<std::string> previous = {}) {
  Result<JwtCodec> codec = JwtCodec::Create(
      JwtOptions{.secret = kSecret, .previous_secrets = std::move(previous)});
  EXPECT_TRUE(codec.ok());
  return std::move(codec).value();
}

AccessClaims Claims(bool numeric_user) {
  AccessClaims c;
  c.user_id = numeric_user ? "4242" : "7c9e6679-7425-40de-944b-e07fc1f90ae7";
  c.user_id_is_number = numeric_user;
  c.session_id = kSessionId;
  c.device_id = "fp_45a74136d98d";
  c.last_ip = "203.0.113.7";
  c.username = "jos\xC3\xA9";  // non-ASCII survives both ways
  c.email = "jose@example.com";
  c.role = "user";
  c.is_premium = false;
  c.is_verified = true;
  c.issuer = "sessionkit";
  c.issued_at = UnixNow();
  c.expires_at = c.issued_at + 3600;
  return c;
}

std::string GetString(simdjson::dom::element e, const char* key) {
  std::string_view v;
  return e[key].get_string().get(v) ? "<missing>" : std::string(v);
}

void ExpectPyJwtAccepts(const std::string& token, const AccessClaims& c,
                        const std::string& expected_kid) {
  const ChildResult r = RunPython(kDecodeScript, {{"SK_TOKEN", token}, {"SK_SECRET", kSecret}});
  ASSERT_TRUE(Succeeded(r));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(simdjson::padded_string(r.output)).get(doc)) << r.output;
  const simdjson::dom::element header = doc["header"];
  EXPECT_EQ(GetString(header, "alg"), "HS256");
  EXPECT_EQ(GetString(header, "typ"), "JWT");
  EXPECT_EQ(GetString(header, "kid"), expected_kid.empty() ? "<missing>" : expected_kid);

  const simdjson::dom::element claims = doc["claims"];
  if (c.user_id_is_number) {
    std::int64_t id = 0;
    EXPECT_FALSE(claims["user_id"].get_int64().get(id)) << r.output;
    EXPECT_EQ(std::to_string(id), c.user_id);
  } else {
    EXPECT_EQ(GetString(claims, "user_id"), c.user_id);
  }
  EXPECT_EQ(GetString(claims, "session_id"), c.session_id);
  EXPECT_EQ(GetString(claims, "device_id"), c.device_id);
  EXPECT_EQ(GetString(claims, "last_ip"), c.last_ip);
  EXPECT_EQ(GetString(claims, "username"), c.username);
  EXPECT_EQ(GetString(claims, "email"), c.email);
  EXPECT_EQ(GetString(claims, "role"), c.role);
  EXPECT_EQ(GetString(claims, "iss"), "sessionkit");
  EXPECT_EQ(GetString(claims, "sub"), c.user_id);
  bool premium = true, verified = false;
  EXPECT_FALSE(claims["is_premium"].get_bool().get(premium));
  EXPECT_FALSE(claims["is_verified"].get_bool().get(verified));
  EXPECT_EQ(premium, c.is_premium);
  EXPECT_EQ(verified, c.is_verified);
  std::int64_t iat = 0, exp = 0;
  EXPECT_FALSE(claims["iat"].get_int64().get(iat));
  EXPECT_FALSE(claims["exp"].get_int64().get(exp));
  EXPECT_EQ(iat, c.issued_at);
  EXPECT_EQ(exp, c.expires_at);
}

// The claims of `c` as PyJWT input (a JSON object).
std::string ClaimsJson(const AccessClaims& c) {
  const std::string user_id = c.user_id_is_number ? c.user_id : "\"" + c.user_id + "\"";
  return "{\"user_id\":" + user_id + ",\"session_id\":\"" + c.session_id +
         "\",\"device_id\":\"" + c.device_id + "\",\"last_ip\":\"" + c.last_ip +
         "\",\"username\":\"" + c.username + "\",\"email\":\"" + c.email + "\",\"role\":\"" +
         c.role + "\",\"is_premium\":" + (c.is_premium ? "true" : "false") +
         ",\"is_verified\":" + (c.is_verified ? "true" : "false") + ",\"iss\":\"" + c.issuer +
         "\",\"sub\":\"" + c.user_id + "\",\"iat\":" + std::to_string(c.issued_at) +
         ",\"exp\":" + std::to_string(c.expires_at) + "}";
}

std::string PyJwtMint(const AccessClaims& c, const std::string& secret,
                      const std::string& headers_json = "null") {
  const ChildResult r = RunPython(
      kEncodeScript,
      {{"SK_CLAIMS", ClaimsJson(c)}, {"SK_SECRET", secret}, {"SK_HEADERS", headers_json}});
  EXPECT_TRUE(Succeeded(r));
  std::string token = r.output;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

void ExpectWeAccept(const JwtCodec& codec, const std::string& token, const AccessClaims& c) {
  Result<AccessClaims> out = codec.Verify(token);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->user_id, c.user_id);
  EXPECT_EQ(out->user_id_is_number, c.user_id_is_number);
  EXPECT_EQ(out->session_id, c.session_id);
  EXPECT_EQ(out->device_id, c.device_id);
  EXPECT_EQ(out->last_ip, c.last_ip);
  EXPECT_EQ(out->username, c.username);
  EXPECT_EQ(out->email, c.email);
  EXPECT_EQ(out->role, c.role);
  EXPECT_EQ(out->is_premium, c.is_premium);
  EXPECT_EQ(out->is_verified, c.is_verified);
  EXPECT_EQ(out->issuer, c.issuer);
  EXPECT_EQ(out->subject, c.user_id);
  EXPECT_EQ(out->issued_at, c.issued_at);
  EXPECT_EQ(out->expires_at, c.expires_at);
}

TEST(JwtPyJwtTest, OurTokensVerifyInPyJwt) {
  const JwtCodec codec = MakeCodec();
  for (bool numeric : {false, true}) {
    SCOPED_TRACE(numeric ? "numeric user_id" : "string user_id");
    const AccessClaims c = Claims(numeric);
    ExpectPyJwtAccepts(codec.Sign(c), c, "");
  }
}

TEST(JwtPyJwtTest, OurRotatingTokensWithKidVerifyInPyJwt) {
  const AccessClaims c = Claims(false);
  ExpectPyJwtAccepts(MakeCodec({kPrevious}).Sign(c), c, KeyIdFor(kSecret));
}

TEST(JwtPyJwtTest, PyJwtTokensVerifyInOurs) {
  const JwtCodec codec = MakeCodec();
  for (bool numeric : {false, true}) {
    SCOPED_TRACE(numeric ? "numeric user_id" : "string user_id");
    const AccessClaims c = Claims(numeric);
    ExpectWeAccept(codec, PyJwtMint(c, kSecret), c);
  }
}

TEST(JwtPyJwtTest, PyJwtTokenWithPreviousSecretAndItsKidVerifies) {
  const AccessClaims c = Claims(false);
  const JwtCodec codec = MakeCodec({kPrevious});
  ExpectWeAccept(codec, PyJwtMint(c, kPrevious), c);  // no kid: every key is tried
  ExpectWeAccept(codec, PyJwtMint(c, kPrevious, "{\"kid\":\"" + KeyIdFor(kPrevious) + "\"}"),
                 c);
}

TEST(JwtPyJwtTest, PyJwtTokenUnderAnotherSecretIsRejected) {
  const AccessClaims c = Claims(false);
  const std::string token = PyJwtMint(c, "some-other-secret-0123456789abcdef0123");
  ASSERT_FALSE(token.empty());
  Result<AccessClaims> out = MakeCodec({kPrevious}).Verify(token);
  EXPECT_EQ(out.status().code(), Code::kUnauthenticated);
}

TEST(JwtPyJwtTest, PyJwtRejectsOurTokenUnderAnotherSecret) {
  // The child really checks signatures: a mismatch must make it fail.
  const std::string token = MakeCodec().Sign(Claims(false));
  const ChildResult r =
      RunPython(kDecodeScript, {{"SK_TOKEN", token}, {"SK_SECRET", "not-the-secret"}});
  ASSERT_EQ(r.output.find("NO_PYJWT"), std::string::npos) << "PyJWT is missing";
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("InvalidSignatureError"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sessionkit
