#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

#include "sessionkit/session.h"

namespace sessionkit {
namespace {

const std::string kValidId = "sess_" + std::string(
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

TEST(NewSessionIdTest, TenThousandIdsAreDistinctAndWellFormed) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    Result<std::string> id = NewSessionId();
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ASSERT_EQ(id->size(), kSessionIdLength);
    ASSERT_TRUE(id->starts_with("sess_"));
    ASSERT_TRUE(IsWellFormedSessionId(*id)) << *id;
    seen.insert(*id);
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(IsWellFormedSessionIdTest, AcceptsExactlyPrefixAnd64LowercaseHex) {
  EXPECT_TRUE(IsWellFormedSessionId(kValidId));
  EXPECT_TRUE(IsWellFormedSessionId("sess_" + std::string(64, '0')));
  EXPECT_TRUE(IsWellFormedSessionId("sess_" + std::string(64, 'f')));
}

TEST(IsWellFormedSessionIdTest, RejectsEverythingElse) {
  const std::string hex64 = kValidId.substr(5);
  std::string upper = kValidId;
  upper[10] = 'A';
  std::string non_hex = kValidId;
  non_hex[20] = 'g';
  std::string with_nul = kValidId;
  with_nul[30] = '\0';
  const std::string rejected[] = {
      "",
      "sess_",
      hex64,                              // no prefix
      "SESS_" + hex64,                    // uppercase prefix
      "sess-" + hex64,                    // other separator
      "ses_" + hex64 + "0",               // other prefix, same length
      "sid_" + hex64,
      upper,                              // uppercase hex
      "sess_" + std::string(64, 'F'),
      non_hex,
      with_nul,
      kValidId.substr(0, kValidId.size() - 1),  // 63 hex
      kValidId + "0",                           // 65 hex
      kValidId + " ",                           // trailing whitespace
      " " + kValidId.substr(1),                 // leading whitespace, same length
      "\t" + kValidId,
      kValidId + "\n",
      "sess_" + hex64.substr(0, 32) + " " + hex64.substr(33),  // inner space
      "sess_" + hex64.substr(0, 62) + "\xc3\xa9",              // non-ASCII, same length
  };
  for (const std::string& id : rejected) {
    EXPECT_FALSE(IsWellFormedSessionId(id)) << "'" << id << "'";
  }
}

TEST(ShortSessionIdTest, KeepsTwelveCharactersAndAnEllipsis) {
  EXPECT_EQ(ShortSessionId(kValidId), "sess_0123456\xE2\x80\xA6");
  EXPECT_EQ(ShortSessionId(kValidId).find(kValidId.substr(12)), std::string::npos);
}

TEST(ShortSessionIdTest, MalformedInputIsNeverEchoed) {
  EXPECT_EQ(ShortSessionId(""), "<malformed>");
  EXPECT_EQ(ShortSessionId("sess_secret-looking-garbage"), "<malformed>");
  EXPECT_EQ(ShortSessionId(kValidId + "x"), "<malformed>");
}

TEST(DeriveDeviceIdTest, UsesAValidHeader) {
  EXPECT_EQ(DeriveDeviceId("device-123", "UA"), "device-123");
  EXPECT_EQ(DeriveDeviceId("a b ~!", "UA"), "a b ~!");  // space and punctuation are printable
  EXPECT_EQ(DeriveDeviceId("x", "UA"), "x");
  const std::string max(128, 'd');
  EXPECT_EQ(DeriveDeviceId(max, "UA"), max);
}

TEST(DeriveDeviceIdTest, FallsBackToUserAgentFingerprint) {
  constexpr std::string_view kUa = "Mozilla/5.0 (X11; Linux x86_64)";
  const std::string fp = "fp_45a74136d98d";  // first 12 hex of SHA-256(kUa)
  EXPECT_EQ(DeriveDeviceId("", kUa), fp);
  EXPECT_EQ(DeriveDeviceId(std::string(129, 'd'), kUa), fp);
  EXPECT_EQ(DeriveDeviceId("tab\there", kUa), fp);
  EXPECT_EQ(DeriveDeviceId("new\nline", kUa), fp);
  EXPECT_EQ(DeriveDeviceId("del\x7f", kUa), fp);
  EXPECT_EQ(DeriveDeviceId("caf\xc3\xa9", kUa), fp);
  EXPECT_EQ(DeriveDeviceId(std::string_view("nul\0", 4), kUa), fp);
  EXPECT_EQ(DeriveDeviceId("", ""), "fp_e3b0c44298fc");
}

}  // namespace
}  // namespace sessionkit
