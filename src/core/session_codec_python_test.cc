// Records that EncodeSession and RewriteSessionTimes produce, read by Python's json and
// datetime.fromisoformat (tests/python/check_record.py) as another service would.
// $SESSIONKIT_PYTHON (default /usr/bin/python3) runs the script from
// $SESSIONKIT_SOURCE_DIR. A missing interpreter or script fails these tests; it never
// skips them.
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sessionkit/session.h"
#include "src/util/json_writer.h"
#include "src/util/rfc3339.h"

namespace sessionkit {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;
using namespace std::string_literals;

const std::string kId = "sess_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TimePoint At(std::int64_t s, std::int64_t ns = 0) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(seconds(s) + nanoseconds(ns)));
}
const TimePoint kCreated = At(1737367200, 250'000'000);  // 2025-01-20T10:00:00.25Z
const TimePoint kNewLastSeen = At(1737370800);           // 2025-01-20T11:00:00Z
const TimePoint kNewExpiresAt = At(1737543600);          // 2025-01-22T11:00:00Z

std::string SourceDir() {
  if (const char* dir = std::getenv("SESSIONKIT_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  std::string file = __FILE__;  // <source>/src/core/session_codec_python_test.cc
  return file.substr(0, file.rfind("/src/core/"));
}

std::string Python() {
  const char* p = std::getenv("SESSIONKIT_PYTHON");
  return p != nullptr && *p != '\0' ? p : "/usr/bin/python3";
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// RFC 3339 with the full nanosecond fraction, for expected instants.
std::string ExactTime(TimePoint t) {
  const auto whole = std::chrono::floor<seconds>(t);
  const auto ns = std::chrono::duration_cast<nanoseconds>(t - whole).count();
  std::string s = internal::FormatRfc3339(whole);
  if (ns != 0) {
    std::string frac = std::to_string(ns);
    s.insert(s.size() - 1, "." + std::string(9 - frac.size(), '0') + frac);
  }
  return s;
}

// One stdin line of check_record.py.
struct Case {
  std::string record;
  std::string expect_json;
  std::vector<std::string> whole_seconds_utc;
};

std::string CaseLine(const Case& c) {
  std::string line;
  internal::JsonWriter w(line);
  w.BeginObject();
  w.Key("record_hex").String(Hex(c.record));
  w.Key("expect").Raw(c.expect_json);
  w.Key("whole_seconds_utc").BeginArray();
  for (const std::string& f : c.whole_seconds_utc) w.String(f);
  w.EndArray();
  w.EndObject();
  return line;
}

// The expected fields of `s`. With `only_present`, empty strings are left out (a
// fixture may not have the field at all).
std::string ExpectFields(const Session& s, bool only_present) {
  std::string out;
  internal::JsonWriter w(out);
  w.BeginObject();
  auto text = [&](std::string_view key, const std::string& value) {
    if (!only_present || !value.empty()) w.Key(key).String(value);
  };
  text("id", s.id);
  w.Key("user_id");
  if (s.user_id_is_number) {
    w.Raw(s.user_id);
  } else {
    w.String(s.user_id);
  }
  text("username", s.username);
  text("purpose", s.purpose);
  text("ip_address", s.ip_address);
  text("user_agent", s.user_agent);
  text("device_id", s.device_id);
  w.Key("created_at").String(ExactTime(s.created_at));
  w.Key("expires_at").String(ExactTime(s.expires_at));
  w.Key("last_seen").String(ExactTime(s.last_seen));
  w.EndObject();
  return out;
}

// `s` with its times as an encoder writes them: whole seconds.
Session Floored(Session s) {
  s.created_at = std::chrono::floor<seconds>(s.created_at);
  s.expires_at = std::chrono::floor<seconds>(s.expires_at);
  s.last_seen = std::chrono::floor<seconds>(s.last_seen);
  return s;
}

struct CheckerRun {
  int exit_code = -1;
  std::string output;
};

// Pipes the cases into check_record.py and collects what it prints.
CheckerRun RunChecker(const std::vector<Case>& cases, std::size_t expected_cases) {
  CheckerRun run;
  const std::string python = Python();
  const std::string script = SourceDir() + "/tests/python/check_record.py";
  EXPECT_EQ(access(python.c_str(), X_OK), 0) << "no python interpreter at " << python;
  EXPECT_EQ(access(script.c_str(), R_OK), 0) << "no checker script at " << script;

  std::string out_path =
      (std::filesystem::temp_directory_path() / "sessionkit_check_record_XXXXXX").string();
  const int fd = mkstemp(out_path.data());
  EXPECT_GE(fd, 0);
  if (fd < 0) return run;
  close(fd);

  signal(SIGPIPE, SIG_IGN);  // a checker that dies early must fail the test, not kill it
  const std::string command = ShellQuote(python) + " " + ShellQuote(script) + " " +
                              std::to_string(expected_cases) + " >" + ShellQuote(out_path) +
                              " 2>&1";
  FILE* pipe = popen(command.c_str(), "w");
  EXPECT_NE(pipe, nullptr) << "popen failed: " << command;
  if (pipe != nullptr) {
    for (const Case& c : cases) {
      const std::string line = CaseLine(c) + "\n";
      fwrite(line.data(), 1, line.size(), pipe);
    }
    const int status = pclose(pipe);
    if (status != -1 && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  }
  std::ifstream in(out_path);
  std::ostringstream text;
  text << in.rdbuf();
  run.output = text.str();
  std::filesystem::remove(out_path);
  return run;
}

void ExpectCheckerAccepts(const std::vector<Case>& cases) {
  const CheckerRun run = RunChecker(cases, cases.size());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find(std::to_string(cases.size()) + " records ok"), std::string::npos)
      << run.output;
}

Session Base() {
  Session s;
  s.id = kId;
  s.user_id = "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";
  s.username = "alice";
  s.purpose = "login";
  s.ip_address = "203.0.113.7";
  s.user_agent = "Mozilla/5.0";
  s.device_id = "fp_1a2b3c4d5e6f";
  s.created_at = kCreated;
  s.expires_at = kCreated + std::chrono::hours(48);
  s.last_seen = kCreated + seconds(90);
  return s;
}

// A user agent as sent, and as a reader must see it after encoding.
struct TrickyAgent {
  std::string sent;
  std::string read;
};

std::vector<TrickyAgent> TrickyAgents() {
  const std::string fffd = "\xEF\xBF\xBD";
  return {
      {"He said \"hi\" and \"bye\"", "He said \"hi\" and \"bye\""},
      {"C:\\path\\to\\agent\\", "C:\\path\\to\\agent\\"},
      {"\\u0041 is not an escape here", "\\u0041 is not an escape here"},
      {"ctl\x01\x02\x1f del\x7f nl\n cr\r tab\t bs\b ff\f", "ctl\x01\x02\x1f del\x7f nl\n cr\r tab\t bs\b ff\f"},
      {"nul\0byte"s, "nul\0byte"s},
      {"emoji \xF0\x9F\x98\x80 flag \xF0\x9F\x87\xAB\xF0\x9F\x87\xB7 cjk \xE4\xB8\xAD",
       "emoji \xF0\x9F\x98\x80 flag \xF0\x9F\x87\xAB\xF0\x9F\x87\xB7 cjk \xE4\xB8\xAD"},
      {"seps \xE2\x80\xA8 \xE2\x80\xA9 </script> & <", "seps \xE2\x80\xA8 \xE2\x80\xA9 </script> & <"},
      // Each byte of an invalid sequence reads as one U+FFFD.
      {"bad \xFF\xFE end", "bad " + fffd + fffd + " end"},
      {"overlong \xC0\xAF end", "overlong " + fffd + fffd + " end"},
      {"surrogate \xED\xA0\x80 end", "surrogate " + fffd + fffd + fffd + " end"},
      {"truncated \xE2\x82", "truncated " + fffd + fffd},
      {"", ""},
  };
}

TEST(SessionCodecPython, ReadsEncodedRecords) {
  std::vector<Case> cases;
  for (const TrickyAgent& agent : TrickyAgents()) {
    Session s = Base();
    s.user_agent = agent.sent;
    Session want = Floored(s);
    want.user_agent = agent.read;
    cases.push_back({EncodeSession(s), ExpectFields(want, false),
                     {"created_at", "expires_at", "last_seen"}});
  }
  for (const char* number : {"42", "-7", "123456789012345678901234567890"}) {
    Session s = Base();
    s.user_id = number;
    s.user_id_is_number = true;
    cases.push_back({EncodeSession(s), ExpectFields(Floored(s), false), {"created_at"}});
  }
  ExpectCheckerAccepts(cases);
}

TEST(SessionCodecPython, ReadsRewrittenRecords) {
  std::vector<Case> cases;
  for (const TrickyAgent& agent : TrickyAgents()) {
    Session s = Base();
    s.user_agent = agent.sent;
    auto out = RewriteSessionTimes(EncodeSession(s), kNewLastSeen, kNewExpiresAt);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    Session want = Floored(s);
    want.user_agent = agent.read;
    want.last_seen = kNewLastSeen;
    want.expires_at = kNewExpiresAt;
    cases.push_back({*out, ExpectFields(want, false), {"last_seen", "expires_at"}});
  }
  ExpectCheckerAccepts(cases);
}

TEST(SessionCodecPython, ReadsRewrittenFixtures) {
  std::vector<Case> cases;
  for (const char* name : {"go_peer_login.json", "go_session_package.json", "numeric_user_id.json",
                           "unknown_fields.json", "offsets.json", "minimal.json",
                           "unicode_user_agent.json", "escaped_keys.json"}) {
    SCOPED_TRACE(name);
    std::ifstream in(SourceDir() + "/tests/fixtures/" + name, std::ios::binary);
    ASSERT_TRUE(in.good()) << "missing fixture " << name;
    std::ostringstream raw;
    raw << in.rdbuf();
    auto before = DecodeSession(raw.str());
    ASSERT_TRUE(before.ok()) << before.status().ToString();
    auto out = RewriteSessionTimes(raw.str(), kNewLastSeen, kNewExpiresAt);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    // Python must read what DecodeSession read, with the new times.
    Session want = *before;
    want.last_seen = kNewLastSeen;
    want.expires_at = kNewExpiresAt;
    cases.push_back({*out, ExpectFields(want, true), {"last_seen", "expires_at"}});
  }
  ExpectCheckerAccepts(cases);
}

// The checker itself must be able to say no, or the tests above prove nothing.
TEST(SessionCodecPython, CheckerRejectsWrongValuesAndBadRecords) {
  const Session s = Base();
  const Session want = Floored(s);
  Session wrong_agent = want;
  wrong_agent.user_agent = "Mozilla/5.1";
  Session string_user = want;
  Session numeric = s;
  numeric.user_id = "42";
  numeric.user_id_is_number = true;
  string_user.user_id = "42";  // "42" expected as a string, written as a number
  Session later = want;
  later.last_seen += seconds(1);

  const std::vector<std::pair<Case, std::string>> bad = {
      {{EncodeSession(s), ExpectFields(wrong_agent, false), {}}, "user_agent"},
      {{EncodeSession(numeric), ExpectFields(string_user, false), {}}, "user_id"},
      {{EncodeSession(s), ExpectFields(later, false), {}}, "last_seen"},
      {{"{\"id\":", "{}", {}}, "json.loads fails"},
      {{"[1]", "{}", {}}, "not an object"},
      {{"{\"a\":1,\"a\":2}", "{}", {}}, "duplicate key"},
      {{"{\"a\":NaN}", "{}", {}}, "NaN"},
      {{"{\"a\":\"\xFF\"}", "{}", {}}, "not UTF-8"},
      {{"{\"a\":\"raw\ttab\"}", "{}", {}}, "json.loads fails"},
      {{"{\"last_seen\":\"2025-01-20t10:00:00z\"}", "{}", {}}, "fromisoformat"},
      {{"{\"last_seen\":\"2025-01-20T10:00:00\"}", "{}", {}}, "no offset"},
      {{"{\"last_seen\":\"2025-01-20T10:00:00.5Z\"}", "{}", {"last_seen"}}, "whole seconds"},
      {{"{}", "{\"id\":\"x\"}", {}}, "id is missing"},
  };
  for (const auto& [c, reason] : bad) {
    SCOPED_TRACE(reason);
    const CheckerRun run = RunChecker({c}, 1);
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_NE(run.output.find(reason), std::string::npos) << run.output;
  }
  const CheckerRun short_run = RunChecker({{EncodeSession(s), ExpectFields(want, false), {}}}, 2);
  EXPECT_EQ(short_run.exit_code, 1) << short_run.output;
  EXPECT_NE(short_run.output.find("got 1 cases, expected 2"), std::string::npos) << short_run.output;
}

}  // namespace
}  // namespace sessionkit
