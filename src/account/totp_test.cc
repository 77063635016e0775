#include "src/account/totp.h"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>

#include "src/account/qr_svg.h"
#include "src/account/recovery_codes.h"

namespace sessionkit::internal {
namespace {

TimePoint At(std::int64_t unix_seconds) {
  return TimePoint(std::chrono::seconds(unix_seconds));
}

// RFC 6238 appendix B, the SHA-1 rows (8 digits, seed "12345678901234567890").
TEST(Totp, Rfc6238AppendixBSha1Vectors) {
  const std::string seed = "12345678901234567890";
  const struct {
    std::int64_t time;
    const char* code;
  } rows[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
              {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& row : rows) {
    // T = floor(time / 30); the last row (year 2603) is past what a nanosecond TimePoint
    // holds, so the step is computed from the number directly.
    EXPECT_EQ(TotpCode(seed, row.time / kTotpPeriodSeconds, 8), row.code) << row.time;
    if (row.time < 4'000'000'000) {
      EXPECT_EQ(TotpStep(At(row.time)), row.time / kTotpPeriodSeconds);
    }
  }
  // The 6-digit form is the last six digits.
  EXPECT_EQ(TotpCode(seed, TotpStep(At(59))), "287082");
}

TEST(Totp, StepIsFloorOfThirtySeconds) {
  EXPECT_EQ(TotpStep(At(0)), 0);
  EXPECT_EQ(TotpStep(At(29)), 0);
  EXPECT_EQ(TotpStep(At(30)), 1);
  EXPECT_EQ(TotpStep(At(59)), 1);
  EXPECT_EQ(TotpStep(At(-1)), -1);
}

TEST(Totp, MatchAcceptsPreviousCurrentAndNextStepOnly) {
  const std::string seed = "12345678901234567890";
  const TimePoint now = At(1111111111);
  const std::int64_t step = TotpStep(now);
  for (std::int64_t delta = -1; delta <= 1; ++delta) {
    auto matched = MatchTotp(seed, TotpCode(seed, step + delta), now);
    ASSERT_TRUE(matched.has_value()) << delta;
    EXPECT_EQ(*matched, step + delta);
  }
  EXPECT_FALSE(MatchTotp(seed, TotpCode(seed, step - 2), now).has_value());
  EXPECT_FALSE(MatchTotp(seed, TotpCode(seed, step + 2), now).has_value());
}

TEST(Totp, MalformedCodesMatchNothing) {
  const std::string seed = "12345678901234567890";
  const TimePoint now = At(1111111111);
  const std::string good = TotpCode(seed, TotpStep(now));
  EXPECT_TRUE(MatchTotp(seed, good, now).has_value());
  EXPECT_FALSE(MatchTotp(seed, "", now).has_value());
  EXPECT_FALSE(MatchTotp(seed, good + "0", now).has_value());
  EXPECT_FALSE(MatchTotp(seed, good.substr(0, 5), now).has_value());
  EXPECT_FALSE(MatchTotp(seed, " " + good.substr(1), now).has_value());
  EXPECT_FALSE(MatchTotp(seed, "12345a", now).has_value());
  EXPECT_FALSE(MatchTotp(seed, std::string("12\0" "456", 6), now).has_value());
}

TEST(Base32, Rfc4648VectorsUnpadded) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Decode("MZXW6YTBOI").value(), "foobar");
  EXPECT_EQ(Base32Decode("mzxw6ytboi======").value(), "foobar");
  EXPECT_FALSE(Base32Decode("MZXW6YTBO1").has_value());
  EXPECT_FALSE(Base32Decode("MB").has_value());           // leftover bits not zero
}

// Found by fuzz_totp_secret: a text with a character too many (its bits all zero) decoded
// to the same bytes as the canonical text, so two different secrets texts were one secret.
TEST(Base32, RefusesLengthsNoEncodingHas) {
  EXPECT_FALSE(Base32Decode("A").has_value());            // 1 mod 8
  EXPECT_FALSE(Base32Decode("MZXW6YTBOIA").has_value());  // "foobar" + 1 char: 3 mod 8
  EXPECT_FALSE(Base32Decode("MZ6IIA").has_value());       // 6 mod 8
  EXPECT_FALSE(Base32Decode("MZ6I=====I====A=").has_value());
  EXPECT_EQ(Base32Decode("MZXW6YTB").value(), "fooba");  // 8 mod 8 = 0
  EXPECT_EQ(Base32Decode("MZXW6YQ").value(), "foob");    // 7
  EXPECT_EQ(Base32Decode("MZXW6").value(), "foo");       // 5
  EXPECT_EQ(Base32Decode("MZXQ").value(), "fo");         // 4
  EXPECT_EQ(Base32Decode("").value(), "");
  // A 20-byte secret is 32 characters, no padding.
  EXPECT_EQ(Base32Encode(std::string(20, '\xff')).size(), 32u);
}

TEST(Otpauth, UriPercentEncodesIssuerAndUsername) {
  EXPECT_EQ(OtpauthUri("sessionkit", "alice", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/sessionkit:alice?secret=JBSWY3DPEHPK3PXP&issuer=sessionkit"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(OtpauthUri("Acme Co:1", "a.b_c-d~e@x/y", "AB"),
            "otpauth://totp/Acme%20Co%3A1:a.b_c-d~e%40x%2Fy?secret=AB&issuer=Acme%20Co%3A1"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(PercentEncode("\xc3\xa9&?="), "%C3%A9%26%3F%3D");
}

TEST(QrSvg, OnePathOfUnitModulesWithQuietZone) {
  Result<std::string> svg = QrSvg("otpauth://totp/sessionkit:alice?secret=JBSWY3DPEHPK3PXP");
  ASSERT_TRUE(svg.ok()) << svg.status().message();
  EXPECT_EQ(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg->find("shape-rendering=\"crispEdges\""), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*svg, m, std::regex("viewBox=\"0 0 (\\d+) (\\d+)\"")));
  const int side = std::stoi(m[1]);
  // A version 1..40 symbol is 21..177 modules wide (17 + 4v), plus 4 modules each side.
  const int width = side - 2 * kQrQuietZoneModules;
  EXPECT_GE(width, 21);
  EXPECT_EQ((width - 17) % 4, 0);
  // Exactly one path; no module inside the quiet zone.
  EXPECT_EQ(svg->find("<path"), svg->rfind("<path"));
  EXPECT_EQ(svg->find("<script"), std::string::npos);
  const std::regex move("M(\\d+) (\\d+)h1v1h-1z");
  int modules = 0;
  for (auto it = std::sregex_iterator(svg->begin(), svg->end(), move);
       it != std::sregex_iterator(); ++it) {
    const int x = std::stoi((*it)[1]);
    const int y = std::stoi((*it)[2]);
    EXPECT_GE(x, kQrQuietZoneModules);
    EXPECT_GE(y, kQrQuietZoneModules);
    EXPECT_LT(x, side - kQrQuietZoneModules);
    EXPECT_LT(y, side - kQrQuietZoneModules);
    ++modules;
  }
  // The three finder patterns alone are 3 * 33 dark modules.
  EXPECT_GT(modules, 99);
  // Top-left finder: its corner module is dark.
  EXPECT_NE(svg->find("M4 4h1v1h-1z"), std::string::npos);
}

TEST(QrSvg, RefusesTextTooLongForAnyVersion) {
  Result<std::string> svg = QrSvg(std::string(8000, 'a'));
  EXPECT_FALSE(svg.ok());
}

TEST(RecoveryCodes, TenReadableDistinctCodes) {
  Result<std::vector<std::string>> codes = GenerateRecoveryCodes();
  ASSERT_TRUE(codes.ok());
  ASSERT_EQ(codes->size(), kRecoveryCodeCount);
  const std::regex shape("[23456789abcdefghjkmnpqrstuvwxyz]{5}-[23456789abcdefghjkmnpqrstuvwxyz]{5}");
  std::set<std::string> seen;
  for (const std::string& code : *codes) {
    EXPECT_TRUE(std::regex_match(code, shape)) << code;
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), kRecoveryCodeCount);
}

TEST(RecoveryCodes, NormalizationAcceptsCaseSpacesAndHyphen) {
  EXPECT_EQ(NormalizeRecoveryCode("abcde-fghjk").value(), "abcdefghjk");
  EXPECT_EQ(NormalizeRecoveryCode(" ABCDE FGHJK ").value(), "abcdefghjk");
  EXPECT_EQ(NormalizeRecoveryCode("abcdefghjk").value(), "abcdefghjk");
  EXPECT_FALSE(NormalizeRecoveryCode("abcde-fghj").has_value());    // 9 characters
  EXPECT_FALSE(NormalizeRecoveryCode("abcde-fghjkm").has_value());  // 11
  EXPECT_FALSE(NormalizeRecoveryCode("abcde-fghj0").has_value());   // 0 is not in the alphabet
  EXPECT_FALSE(NormalizeRecoveryCode("").has_value());
}

TEST(RecoveryCodes, HashIsKeyedByTheSecretAndBoundToTheUser) {
  const std::string code = "abcdefghjk";
  const std::string h = RecoveryCodeHash("secret-one", "user-1", code);
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h, RecoveryCodeHash("secret-one", "user-1", code));
  EXPECT_NE(h, RecoveryCodeHash("secret-two", "user-1", code));
  EXPECT_NE(h, RecoveryCodeHash("secret-one", "user-2", code));
  EXPECT_NE(h, RecoveryCodeHash("secret-one", "user-1", "abcdefghjm"));
  EXPECT_EQ(h.find(code), std::string::npos);
}

}  // namespace
}  // namespace sessionkit::internal
