// DecodeSession / EncodeSession / RewriteSessionTimes against golden records in the Go
// services' shape (tests/fixtures/) and hand-made edge cases.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sessionkit/session.h"

namespace sessionkit {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using namespace std::string_literals;

const std::string kId = "sess_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TimePoint At(std::int64_t s, std::int64_t ns = 0) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(seconds(s) + nanoseconds(ns)));
}
const TimePoint k0120T10 = At(1737367200);           // 2025-01-20T10:00:00Z
const TimePoint k0122T10 = At(1737367200 + 2 * 86400);  // 2025-01-22T10:00:00Z

// New times that appear in no fixture, so a test can find them in a rewrite.
const TimePoint kNewLastSeen = At(1936854489);   // 2031-05-18T07:08:09Z
const TimePoint kNewExpiresAt = At(1937631610);  // 2031-05-27T07:00:10Z
const std::string kNewLastSeenJson = "\"2031-05-18T07:08:09Z\"";
const std::string kNewExpiresAtJson = "\"2031-05-27T07:00:10Z\"";

std::string SourceDir() {
  if (const char* dir = std::getenv("SESSIONKIT_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  std::string file = __FILE__;  // <source>/src/core/session_codec_test.cc
  return file.substr(0, file.rfind("/src/core/"));
}

std::string ReadFixture(const std::string& name) {
  const std::string path = SourceDir() + "/tests/fixtures/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open fixture " << name << " (set SESSIONKIT_SOURCE_DIR)";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Session Decoded(std::string_view json) {
  auto s = DecodeSession(json);
  EXPECT_TRUE(s.ok()) << s.status().ToString() << "\n" << json;
  return s.ok() ? *std::move(s) : Session{};
}

void ExpectMalformed(std::string_view json, std::string_view message_part) {
  auto s = DecodeSession(json);
  ASSERT_FALSE(s.ok()) << "accepted: " << json;
  EXPECT_EQ(s.status().code(), Code::kMalformed);
  EXPECT_NE(s.status().message().find(message_part), std::string::npos)
      << json << " -> " << s.status().message();
}

// Every field but raw.
void ExpectSameFields(const Session& got, const Session& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.user_id, want.user_id);
  EXPECT_EQ(got.user_id_is_number, want.user_id_is_number);
  EXPECT_EQ(got.username, want.username);
  EXPECT_EQ(got.purpose, want.purpose);
  EXPECT_EQ(got.ip_address, want.ip_address);
  EXPECT_EQ(got.user_agent, want.user_agent);
  EXPECT_EQ(got.device_id, want.device_id);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.expires_at, want.expires_at);
  EXPECT_EQ(got.last_seen, want.last_seen);
}

// --- golden fixtures ----------------------------------------------------------

struct Golden {
  std::string file;
  Session want;
  // The JSON tokens of the top-level last_seen / expires_at values in the order they
  // appear ('L' or 'E' + token); no 'L' entry means last_seen is absent.
  std::vector<std::string> time_tokens;
};

std::vector<Golden> Goldens() {
  std::vector<Golden> g;
  {
    Session s;
    s.id = kId;
    s.user_id = "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";
    s.username = "alice";
    s.purpose = "login";
    s.ip_address = "203.0.113.7";
    s.user_agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/120.0.0.0 Safari/537.36";
    s.device_id = "fp_1a2b3c4d5e6f";
    s.created_at = k0120T10;
    s.expires_at = k0122T10;
    s.last_seen = k0120T10;
    g.push_back({"go_peer_login.json", s,
                 {"E\"2025-01-22T10:00:00Z\"", "L\"2025-01-20T10:00:00Z\""}});
  }
  {
    Session s;
    s.id = kId;
    s.user_id = "7d0c6a52-1f0e-4f3b-9a57-2b9c4e1d8f60";
    s.ip_address = "::1";
    s.user_agent = "curl/8.5.0";
    s.created_at = At(1737367200, 123456789);
    s.expires_at = At(1737367200 + 2 * 86400, 123456789);
    s.last_seen = s.created_at;  // absent: created_at
    g.push_back({"go_session_package.json", s, {"E\"2025-01-22T10:00:00.123456789Z\""}});
  }
  {
    Session s;
    s.id = kId;
    s.user_id = "42";
    s.user_id_is_number = true;
    s.username = "legacy_bob";
    s.purpose = "login";
    s.ip_address = "198.51.100.23";
    s.user_agent = "okhttp/4.12.0";
    s.device_id = "android-7f3a";
    s.created_at = k0120T10;
    s.expires_at = k0122T10;
    s.last_seen = At(1737367200 + 5400);
    g.push_back({"numeric_user_id.json", s,
                 {"E\"2025-01-22T10:00:00Z\"", "L\"2025-01-20T11:30:00Z\""}});
  }
  {
    Session s;
    s.id = kId;
    s.user_id = "u-1001";
    s.username = "carol";
    s.purpose = "register";
    s.ip_address = "2001:db8::7";
    s.user_agent = "Mozilla/5.0";
    s.device_id = "fp_0badc0ffee00";
    s.created_at = k0120T10;
    s.expires_at = k0122T10;
    s.last_seen = At(1737367200 + 7200);
    g.push_back({"unknown_fields.json", s,
                 {"L\"2025-01-20T12:00:00Z\"", "E\"2025-01-22T10:00:00Z\""}});
  }
  {
    Session s;
    s.id = kId;
    s.user_id = "u-2002";
    s.username = "dave";
    s.purpose = "login";
    s.ip_address = "203.0.113.9";
    s.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)";
    s.device_id = "fp_aabbccddeeff";
    s.created_at = k0120T10;                               // 17:00+07:00
    s.expires_at = At(1737367200 + 2 * 86400, 500000000);  // 04:30:00.5-05:30
    s.last_seen = At(1737367200 + 300, 123456789);         // 17:05:00.123456789+07:00
    g.push_back({"offsets.json", s,
                 {"E\"2025-01-22T04:30:00.5-05:30\"",
                  "L\"2025-01-20T17:05:00.123456789+07:00\""}});
  }
  {
    Session s;
    s.id = kId;
    s.user_id = "u-3003";
    s.created_at = k0120T10;
    s.expires_at = k0122T10;
    s.last_seen = k0120T10;
    g.push_back({"minimal.json", s, {"E\"2025-01-22T10:00:00Z\""}});
  }
  {
    Session s;
    s.id = kId;
    s.user_id = "u-4004";
    s.username = "zo\xC3\xAB";
    s.purpose = "login";
    s.ip_address = "203.0.113.10";
    s.user_agent =
        "Mozilla/5.0 caf\xC3\xA9 caf\xC3\xA9 \xF0\x9F\x98\x80 \xF0\x9F\x98\x80 \"quoted\" "
        "back\\slash tab\t nl\n ctl\x01 del\x7F sep\xE2\x80\xA8 Go<html> &";
    s.device_id = "fp_112233445566";
    s.created_at = k0120T10;
    s.expires_at = k0122T10;
    s.last_seen = k0120T10;
    g.push_back({"unicode_user_agent.json", s,
                 {"E\"2025-01-22T10:00:00Z\"", "L\"2025-01-20T10:00:00Z\""}});
  }
  {
    Session s;
    s.id = kId;
    s.user_id = "u-5005";
    s.ip_address = "203.0.113.11";
    s.created_at = k0120T10;
    s.expires_at = k0122T10;
    s.last_seen = k0120T10;
    g.push_back({"escaped_keys.json", s,
                 {"E\"2025-01-22T10:00:00Z\"", "L\"2025-01-20T10:00:00Z\""}});
  }
  return g;
}

// Undoes a rewrite independently of the codec: each new value found in `out`, left to
// right, must be the next expected one and is put back to its old token; an appended
// last_seen member is removed. The result must be the original record, byte for byte.
std::string UndoRewrite(std::string out, const std::vector<std::string>& time_tokens) {
  bool had_last_seen = false;
  std::size_t pos = 0;
  for (const std::string& tagged : time_tokens) {
    const bool is_last_seen = tagged[0] == 'L';
    had_last_seen |= is_last_seen;
    const std::string& new_token = is_last_seen ? kNewLastSeenJson : kNewExpiresAtJson;
    const std::size_t ls = out.find(kNewLastSeenJson, pos);
    const std::size_t ea = out.find(kNewExpiresAtJson, pos);
    const std::size_t at = std::min(ls, ea);
    EXPECT_NE(at, std::string::npos) << "a value was not rewritten";
    if (at == std::string::npos) return out;
    EXPECT_EQ(at, is_last_seen ? ls : ea) << "rewritten values out of order";
    out.replace(at, new_token.size(), tagged.substr(1));
    pos = at + tagged.size() - 1;
  }
  if (!had_last_seen) {
    const std::string appended = ",\"last_seen\":" + kNewLastSeenJson;
    const std::size_t at = out.find(appended, pos);
    EXPECT_NE(at, std::string::npos) << "last_seen was not appended";
    if (at != std::string::npos) out.erase(at, appended.size());
  }
  EXPECT_EQ(out.find(kNewLastSeenJson), std::string::npos) << "an extra last_seen";
  EXPECT_EQ(out.find(kNewExpiresAtJson), std::string::npos) << "an extra expires_at";
  return out;
}

TEST(SessionCodecGolden, DecodesEveryFixture) {
  for (const Golden& g : Goldens()) {
    SCOPED_TRACE(g.file);
    const std::string raw = ReadFixture(g.file);
    const Session s = Decoded(raw);
    ExpectSameFields(s, g.want);
    EXPECT_EQ(s.raw, raw);
  }
}

TEST(SessionCodecGolden, RewriteChangesOnlyTheTwoValues) {
  for (const Golden& g : Goldens()) {
    SCOPED_TRACE(g.file);
    const std::string raw = ReadFixture(g.file);
    auto out = RewriteSessionTimes(raw, kNewLastSeen, kNewExpiresAt);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(UndoRewrite(*out, g.time_tokens), raw);

    // The rewrite reads back with the new times and every other field as before.
    const Session again = Decoded(*out);
    Session want = g.want;
    want.last_seen = kNewLastSeen;
    want.expires_at = kNewExpiresAt;
    ExpectSameFields(again, want);
  }
}

TEST(SessionCodecGolden, RewriteOfARewriteIsStable) {
  for (const Golden& g : Goldens()) {
    SCOPED_TRACE(g.file);
    auto once = RewriteSessionTimes(ReadFixture(g.file), kNewLastSeen, kNewExpiresAt);
    ASSERT_TRUE(once.ok());
    auto twice = RewriteSessionTimes(*once, kNewLastSeen, kNewExpiresAt);
    ASSERT_TRUE(twice.ok());
    EXPECT_EQ(*twice, *once);
  }
}

TEST(SessionCodecGolden, EncodeDecodeRoundTrip) {
  for (const Golden& g : Goldens()) {
    SCOPED_TRACE(g.file);
    const std::string json = EncodeSession(g.want);
    const Session back = Decoded(json);
    Session want = g.want;  // times come back in whole seconds
    want.created_at = std::chrono::floor<seconds>(want.created_at);
    want.expires_at = std::chrono::floor<seconds>(want.expires_at);
    want.last_seen = std::chrono::floor<seconds>(want.last_seen);
    ExpectSameFields(back, want);
    EXPECT_EQ(back.raw, json);
  }
}

TEST(SessionCodecGolden, RewriteKeepsNestedAndQuotedLookalikes) {
  const std::string raw = ReadFixture("unknown_fields.json");
  auto out = RewriteSessionTimes(raw, kNewLastSeen, kNewExpiresAt);
  ASSERT_TRUE(out.ok());
  EXPECT_NE(out->find("\"last_seen\": \"1999-01-01T00:00:00Z\""), std::string::npos);
  EXPECT_NE(out->find("\"expires_at\": \"1999-01-02T00:00:00Z\""), std::string::npos);
  EXPECT_NE(out->find("{\"last_seen\": null, \"expires_at\": []}"), std::string::npos);
  EXPECT_NE(out->find(R"("looks like \"last_seen\": \"2025-01-20T10:00:00Z\", but is text")"),
            std::string::npos);
  EXPECT_NE(out->find("\"expires_at_hint\": \"2025-01-22T10:00:00Z\""), std::string::npos);
  EXPECT_NE(out->find("\"expires_at\"   :   " + kNewExpiresAtJson + "  ,"), std::string::npos);
  EXPECT_EQ(out->back(), '\n');  // trailing whitespace kept
}

// --- decoding -----------------------------------------------------------------

std::string Record(std::string_view members) {
  return "{\"id\":\"" + kId + "\",\"user_id\":\"u\",\"created_at\":\"2025-01-20T10:00:00Z\"," +
         "\"expires_at\":\"2025-01-22T10:00:00Z\"" + std::string(members) + "}";
}

TEST(DecodeSession, RequiredFields) {
  ExpectMalformed(R"({"user_id":"u","created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z"})",
                  "id is missing");
  ExpectMalformed(R"({"id":"x","created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z"})",
                  "user_id is missing");
  ExpectMalformed(R"({"id":"x","user_id":"u","expires_at":"2025-01-22T10:00:00Z"})",
                  "created_at is missing");
  ExpectMalformed(R"({"id":"x","user_id":"u","created_at":"2025-01-20T10:00:00Z"})",
                  "expires_at is missing");
  ExpectMalformed("{}", "id is missing");
}

TEST(DecodeSession, WrongTypes) {
  ExpectMalformed(R"({"id":5,"user_id":"u","created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z"})",
                  "id must be a string");
  ExpectMalformed(R"({"id":null,"user_id":"u","created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z"})",
                  "id must be a string");
  for (const char* bad : {"null", "true", "1.5", "1e3", "-0.0", "{}", "[1]"}) {
    ExpectMalformed(R"({"id":"x","user_id":)" + std::string(bad) +
                        R"(,"created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z"})",
                    "user_id must be a string or an integer");
  }
  ExpectMalformed(R"({"id":"x","user_id":"u","created_at":1737367200,"expires_at":"2025-01-22T10:00:00Z"})",
                  "created_at must be an RFC 3339 string");
  ExpectMalformed(R"({"id":"x","user_id":"u","created_at":"2025-01-20T10:00:00Z","expires_at":null})",
                  "expires_at must be an RFC 3339 string");
  ExpectMalformed(Record(R"(,"last_seen":17)"), "last_seen must be an RFC 3339 string");
  ExpectMalformed(Record(R"(,"username":7)"), "username must be a string");
  ExpectMalformed(Record(R"(,"purpose":false)"), "purpose must be a string");
  ExpectMalformed(Record(R"(,"ip_address":[])"), "ip_address must be a string");
  ExpectMalformed(Record(R"(,"user_agent":{})"), "user_agent must be a string");
  ExpectMalformed(Record(R"(,"device_id":1)"), "device_id must be a string");
}

TEST(DecodeSession, BadTimes) {
  ExpectMalformed(R"({"id":"x","user_id":"u","created_at":"tomorrow","expires_at":"2025-01-22T10:00:00Z"})",
                  "created_at invalid RFC 3339 time");
  ExpectMalformed(R"({"id":"x","user_id":"u","created_at":"2025-01-20T10:00:00Z","expires_at":"2025-02-30T10:00:00Z"})",
                  "expires_at invalid RFC 3339 time: day out of range");
  ExpectMalformed(Record(R"(,"last_seen":"2025-01-20 10:00:00Z")"), "last_seen invalid RFC 3339");
  ExpectMalformed(Record(R"(,"last_seen":"")"), "last_seen invalid RFC 3339");
}

TEST(DecodeSession, NumericUserIdKeepsItsLiteral) {
  for (const char* n : {"0", "42", "-7", "9223372036854775807", "18446744073709551616",
                        "123456789012345678901234567890"}) {
    const Session s = Decoded(R"({"id":"x","user_id":)" + std::string(n) +
                              R"( ,"created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z"})");
    EXPECT_EQ(s.user_id, n);
    EXPECT_TRUE(s.user_id_is_number);
  }
  ExpectMalformed(R"({"id":"x","user_id":012,"created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z"})",
                  "user_id");
  ExpectMalformed(R"({"id":"x","user_id":-,"created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z"})",
                  "session JSON");
}

TEST(DecodeSession, StringUserIdIsNotANumber) {
  const Session s = Decoded(R"({"id":"x","user_id":"42","created_at":"2025-01-20T10:00:00Z","expires_at":"2025-01-22T10:00:00Z"})");
  EXPECT_EQ(s.user_id, "42");
  EXPECT_FALSE(s.user_id_is_number);
}

TEST(DecodeSession, NullOptionalsAreEmptyAndNullLastSeenIsCreatedAt) {
  const Session s = Decoded(Record(
      R"(,"username":null,"purpose":null,"ip_address":null,"user_agent":null,"device_id":null,"last_seen":null)"));
  EXPECT_EQ(s.username, "");
  EXPECT_EQ(s.purpose, "");
  EXPECT_EQ(s.ip_address, "");
  EXPECT_EQ(s.user_agent, "");
  EXPECT_EQ(s.device_id, "");
  EXPECT_EQ(s.last_seen, k0120T10);
}

TEST(DecodeSession, EscapesAreDecoded) {
  const Session s = Decoded(Record(
      R"(,"user_agent":"\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r\u0000end","username":"\u4e2d")"));
  EXPECT_EQ(s.user_agent, "\xC3\xA9\xF0\x9F\x98\x80\n\t\"\\/\b\f\r\0end"s);
  EXPECT_EQ(s.username, "\xE4\xB8\xAD");
}

TEST(DecodeSession, DuplicateKeysLastWins) {
  const Session s = Decoded(Record(R"(,"username":"first","username":"second")"));
  EXPECT_EQ(s.username, "second");
  const Session t = Decoded(Record(R"(,"last_seen":"2025-01-21T00:00:00Z","last_seen":null)"));
  EXPECT_EQ(t.last_seen, t.created_at);
}

TEST(DecodeSession, UnknownFieldsOfEveryKindAreIgnored) {
  const Session s = Decoded(Record(
      R"(,"a":{"b":[1,-2.5e-3,true,false,null,"s",{"c":{}}]},"big":1234567890123456789012345678901234567890,"e":[])"));
  EXPECT_EQ(s.user_id, "u");
}

TEST(DecodeSession, InvalidJsonIsMalformed) {
  for (const std::string& bad : std::vector<std::string>{
           "", "   ", "{", "}", "[]", "null", "\"text\"", "42", "{\"id\"}", "{\"id\":}",
           "{\"id\":\"x\",}", "{,}", "{'id':'x'}"}) {
    ExpectMalformed(bad, "session JSON");
  }
}

TEST(DecodeSession, NotAnObjectSaysSo) {
  ExpectMalformed("[]", "not a JSON object");
  ExpectMalformed("\"x\"", "not a JSON object");
  ExpectMalformed("12", "not a JSON object");
}

TEST(DecodeSession, DeepNestingIsBounded) {
  auto nested = [](int depth) {
    return ",\"x\":" + std::string(depth, '[') + std::string(depth, ']');
  };
  Decoded(Record(nested(100)));
  ExpectMalformed(Record(nested(200)), "session JSON");
  ExpectMalformed(Record(nested(5000)), "session JSON");
  EXPECT_FALSE(RewriteSessionTimes(Record(nested(200)), kNewLastSeen, kNewExpiresAt).ok());
  // Deep values where a known field is expected are rejected without walking them.
  const std::string deep(5000, '[');
  ExpectMalformed(Record(",\"user_agent\":" + deep + std::string(5000, ']')),
                  "user_agent must be a string");
  EXPECT_FALSE(RewriteSessionTimes(
                   Record(",\"last_seen\":" + deep + std::string(5000, ']')), kNewLastSeen,
                   kNewExpiresAt).ok());
}

TEST(DecodeSession, LargeRecordsWork) {
  // Bigger than the thread parser's limit, and then a small one again.
  const std::string agent(200 * 1024, 'a');
  const std::string big = Record(",\"user_agent\":\"" + agent + "\"");
  EXPECT_EQ(Decoded(big).user_agent, agent);
  auto out = RewriteSessionTimes(big, kNewLastSeen, kNewExpiresAt);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Decoded(*out).user_agent, agent);
  EXPECT_EQ(Decoded(Record("")).user_id, "u");
}

TEST(DecodeSession, TrailingContentIsMalformed) {
  ExpectMalformed(Record("") + " x", "session JSON");
  ExpectMalformed(Record("") + Record(""), "session JSON");
  ExpectMalformed(Record("") + ",", "session JSON");
}

TEST(DecodeSession, InvalidUnknownValuesAreMalformed) {
  for (const char* bad : {"tru", "nul", "fals", "01", "1.", "-", "1e", "+1", ".5", "[1,,2]",
                          "[1 2]", "{\"a\" 1}", "{\"a\":}", "\"bad \\q escape\"",
                          "\"\\ud800\"", "\"\\u12\"", "[\"x\"", "NaN", "Infinity"}) {
    ExpectMalformed(Record(",\"extra\":" + std::string(bad)), "session JSON");
  }
}

TEST(DecodeSession, InvalidStringsAreMalformed) {
  ExpectMalformed(Record(",\"user_agent\":\"\\ud800 lone surrogate\""), "user_agent");
  ExpectMalformed(Record(",\"user_agent\":\"bad \xFF byte\""), "session JSON");
  ExpectMalformed(Record(",\"user_agent\":\"overlong \xC0\xAF\""), "session JSON");
  ExpectMalformed(Record(",\"user_agent\":\"raw\ncontrol\""), "session JSON");
  ExpectMalformed(Record(",\"user_agent\":\"raw\x01" "control\""), "session JSON");
  ExpectMalformed(Record(",\"extra\":\"raw\ttab\""), "session JSON");
  ExpectMalformed(Record(",\"bad\xFFkey\":1"), "session JSON");
}

TEST(DecodeSession, WhitespaceAnywhereIsFine) {
  const Session s = Decoded(" \r\n\t{ \"id\" :\"x\" , \"user_id\"\t:\n7 ,\"created_at\": "
                            "\"2025-01-20T10:00:00Z\",\"expires_at\":\"2025-01-22T10:00:00Z\"\n}\n ");
  EXPECT_EQ(s.user_id, "7");
  EXPECT_TRUE(s.user_id_is_number);
}

TEST(DecodeSession, RawIsAnExactCopy) {
  const std::string json = Record(R"(,"zzz":[1, 2 ,3])") + "  ";
  EXPECT_EQ(Decoded(json).raw, json);
}

// --- encoding -----------------------------------------------------------------

Session Sample() {
  Session s;
  s.id = kId;
  s.user_id = "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";
  s.username = "alice";
  s.purpose = "login";
  s.ip_address = "203.0.113.7";
  s.user_agent = "Mozilla/5.0";
  s.device_id = "fp_1a2b3c4d5e6f";
  s.created_at = k0120T10 + milliseconds(999);
  s.expires_at = k0122T10;
  s.last_seen = k0120T10 + seconds(61);
  s.raw = "{\"ignored\":true}";
  return s;
}

TEST(EncodeSession, GoFieldOrderWholeSecondsUtc) {
  EXPECT_EQ(EncodeSession(Sample()),
            "{\"id\":\"" + kId +
                "\",\"user_id\":\"5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e\",\"username\":\"alice\","
                "\"purpose\":\"login\",\"ip_address\":\"203.0.113.7\",\"user_agent\":\"Mozilla/5.0\","
                "\"device_id\":\"fp_1a2b3c4d5e6f\",\"created_at\":\"2025-01-20T10:00:00Z\","
                "\"expires_at\":\"2025-01-22T10:00:00Z\",\"last_seen\":\"2025-01-20T10:01:01Z\"}");
}

TEST(EncodeSession, EmptyOptionalsAreEmptyStrings) {
  Session s;
  s.id = "x";
  s.user_id = "u";
  s.created_at = k0120T10;
  s.expires_at = k0122T10;
  s.last_seen = k0120T10;
  EXPECT_EQ(EncodeSession(s),
            "{\"id\":\"x\",\"user_id\":\"u\",\"username\":\"\",\"purpose\":\"\",\"ip_address\":\"\","
            "\"user_agent\":\"\",\"device_id\":\"\",\"created_at\":\"2025-01-20T10:00:00Z\","
            "\"expires_at\":\"2025-01-22T10:00:00Z\",\"last_seen\":\"2025-01-20T10:00:00Z\"}");
}

TEST(EncodeSession, NumericUserIdWrittenAsNumber) {
  Session s = Sample();
  s.user_id = "42";
  s.user_id_is_number = true;
  const std::string json = EncodeSession(s);
  EXPECT_NE(json.find(",\"user_id\":42,"), std::string::npos) << json;
  const Session back = Decoded(json);
  EXPECT_EQ(back.user_id, "42");
  EXPECT_TRUE(back.user_id_is_number);
}

TEST(EncodeSession, NumericFlagWithNonNumberTextFallsBackToString) {
  Session s = Sample();
  s.user_id = "4\"2";
  s.user_id_is_number = true;
  const std::string json = EncodeSession(s);
  EXPECT_NE(json.find(",\"user_id\":\"4\\\"2\","), std::string::npos) << json;
  EXPECT_EQ(Decoded(json).user_id, "4\"2");
}

TEST(EncodeSession, EscapesStringsSoTheyDecodeBack) {
  Session s = Sample();
  s.user_agent = "q\"b\\n\nt\tc\x01z\0e\xC3\xA9\xF0\x9F\x98\x80"s;
  s.username = "\xE2\x80\xA8";
  const Session back = Decoded(EncodeSession(s));
  EXPECT_EQ(back.user_agent, s.user_agent);
  EXPECT_EQ(back.username, s.username);
}

TEST(EncodeSession, InvalidUtf8BecomesReplacementCharacter) {
  Session s = Sample();
  s.user_agent = "bad\xFF\xC0\xAF" "end";
  const Session back = Decoded(EncodeSession(s));
  EXPECT_EQ(back.user_agent, "bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "end");
}

// --- rewriting ----------------------------------------------------------------

std::string Rewritten(std::string_view raw) {
  auto out = RewriteSessionTimes(raw, kNewLastSeen, kNewExpiresAt);
  EXPECT_TRUE(out.ok()) << out.status().ToString() << "\n" << raw;
  return out.ok() ? *out : std::string();
}

void ExpectRewriteMalformed(std::string_view raw, std::string_view message_part) {
  auto out = RewriteSessionTimes(raw, kNewLastSeen, kNewExpiresAt);
  ASSERT_FALSE(out.ok()) << "accepted: " << raw;
  EXPECT_EQ(out.status().code(), Code::kMalformed);
  EXPECT_NE(out.status().message().find(message_part), std::string::npos)
      << raw << " -> " << out.status().message();
}

TEST(RewriteSessionTimes, PatchesOnlyTheValues) {
  EXPECT_EQ(Rewritten(R"({"a":1,"expires_at":"x","b":[2],"last_seen":"y","c":{}})"),
            R"({"a":1,"expires_at":)" + kNewExpiresAtJson + R"(,"b":[2],"last_seen":)" +
                kNewLastSeenJson + R"(,"c":{}})");
}

TEST(RewriteSessionTimes, ValuesNeedNotBeValidTimes) {
  // Only JSON validity matters here; a reader decides what the old values meant.
  EXPECT_EQ(Rewritten(R"({"expires_at":"","last_seen":"\u0041"})"),
            "{\"expires_at\":" + kNewExpiresAtJson + ",\"last_seen\":" + kNewLastSeenJson + "}");
}

TEST(RewriteSessionTimes, NullValuesAreReplaced) {
  EXPECT_EQ(Rewritten(R"({"expires_at" : null ,"last_seen":null})"),
            "{\"expires_at\" : " + kNewExpiresAtJson + " ,\"last_seen\":" + kNewLastSeenJson + "}");
}

TEST(RewriteSessionTimes, AppendsMissingLastSeenAfterTheLastMember) {
  EXPECT_EQ(Rewritten(R"({"expires_at":"x"})"),
            "{\"expires_at\":" + kNewExpiresAtJson + ",\"last_seen\":" + kNewLastSeenJson + "}");
  EXPECT_EQ(Rewritten("{\n  \"expires_at\": \"x\",\n  \"n\": [1]\n}\n"),
            "{\n  \"expires_at\": " + kNewExpiresAtJson + ",\n  \"n\": [1],\"last_seen\":" +
                kNewLastSeenJson + "\n}\n");
}

TEST(RewriteSessionTimes, MissingExpiresAtIsMalformed) {
  ExpectRewriteMalformed(R"({"last_seen":"x"})", "expires_at is missing");
  ExpectRewriteMalformed("{}", "expires_at is missing");
  ExpectRewriteMalformed(R"({"meta":{"expires_at":"x"}})", "expires_at is missing");
  ExpectRewriteMalformed(R"({"note":"\"expires_at\":\"x\""})", "expires_at is missing");
}

TEST(RewriteSessionTimes, NotAnObjectIsMalformed) {
  for (const std::string& bad : std::vector<std::string>{
           "", " ", "[]", "null", "\"expires_at\"", "{", R"({"expires_at":"x")",
           R"({"expires_at":"x"} {})", R"({"expires_at":"x",})", R"({"expires_at":"x","y":tru})",
           "{\"expires_at\":\"x\",\"y\":\"\xFF\"}"}) {
    ExpectRewriteMalformed(bad, "session JSON");
  }
}

TEST(RewriteSessionTimes, NonStringTimeValuesAreMalformed) {
  ExpectRewriteMalformed(R"({"expires_at":5})", "expires_at must be a string or null");
  ExpectRewriteMalformed(R"({"expires_at":"x","last_seen":{"t":1}})",
                         "last_seen must be a string or null");
  ExpectRewriteMalformed(R"({"expires_at":["x"]})", "expires_at must be a string or null");
  ExpectRewriteMalformed(R"({"expires_at":"\ud800"})", "expires_at");
}

TEST(RewriteSessionTimes, EscapedKeysMatch) {
  EXPECT_EQ(Rewritten(R"({"expires\u005fat":"x","\u006cast_seen":"y"})"),
            R"({"expires\u005fat":)" + kNewExpiresAtJson + R"(,"\u006cast_seen":)" +
                kNewLastSeenJson + "}");
}

TEST(RewriteSessionTimes, KeysThatOnlyLookAlikeDoNotMatch) {
  EXPECT_EQ(Rewritten(R"({"expires_at ":"a","Expires_at":"b","expires_at":"c","last_seen\u0000":"d"})"),
            R"({"expires_at ":"a","Expires_at":"b","expires_at":)" + kNewExpiresAtJson +
                R"(,"last_seen\u0000":"d","last_seen":)" + kNewLastSeenJson + "}");
}

TEST(RewriteSessionTimes, DuplicateKeysAreAllPatched) {
  EXPECT_EQ(Rewritten(R"({"last_seen":"a","expires_at":"b","last_seen":"c","expires_at":null})"),
            "{\"last_seen\":" + kNewLastSeenJson + ",\"expires_at\":" + kNewExpiresAtJson +
                ",\"last_seen\":" + kNewLastSeenJson + ",\"expires_at\":" + kNewExpiresAtJson +
                "}");
}

TEST(RewriteSessionTimes, ValuesWithEscapesAndTrickyTextAreReplacedWhole) {
  EXPECT_EQ(Rewritten(R"({"expires_at":"a\"b\\\"},\"last_seen\":\"","x":"}"})"),
            "{\"expires_at\":" + kNewExpiresAtJson + R"(,"x":"}","last_seen":)" +
                kNewLastSeenJson + "}");
}

TEST(RewriteSessionTimes, NumericUserIdAndNumbersKeepTheirBytes) {
  const std::string raw =
      R"({"user_id":12345678901234567890123,"f":1.50E+03,"expires_at":"x","g":-0})";
  EXPECT_EQ(Rewritten(raw), R"({"user_id":12345678901234567890123,"f":1.50E+03,"expires_at":)" +
                                kNewExpiresAtJson + R"(,"g":-0,"last_seen":)" + kNewLastSeenJson +
                                "}");
}

TEST(RewriteSessionTimes, UsesWholeSecondsUtc) {
  auto out = RewriteSessionTimes(R"({"expires_at":"x","last_seen":"y"})",
                                 k0120T10 + nanoseconds(999'999'999), k0122T10 + milliseconds(1));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, R"({"expires_at":"2025-01-22T10:00:00Z","last_seen":"2025-01-20T10:00:00Z"})");
}

TEST(RewriteSessionTimes, DecodedRawRoundTrip) {
  // What the store does on a slide: decode, rewrite raw, decode again.
  const Session s = Decoded(ReadFixture("numeric_user_id.json"));
  const Session after = Decoded(Rewritten(s.raw));
  EXPECT_EQ(after.user_id, "42");
  EXPECT_TRUE(after.user_id_is_number);
  EXPECT_EQ(after.last_seen, kNewLastSeen);
  EXPECT_EQ(after.expires_at, kNewExpiresAt);
  EXPECT_EQ(after.created_at, s.created_at);
}

}  // namespace
}  // namespace sessionkit
