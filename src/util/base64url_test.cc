#include "src/util/base64url.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sessionkit::internal {
namespace {

std::string DecodeOrDie(std::string_view in) {
  Result<std::string> r = Base64UrlDecode(in);
  EXPECT_TRUE(r.ok()) << "input: " << in;
  return r.ok() ? *r : std::string();
}

Code DecodeError(std::string_view in) {
  Result<std::string> r = Base64UrlDecode(in);
  return r.status().code();
}

TEST(Base64UrlTest, Rfc4648Vectors) {
  // RFC 4648 §10 vectors, padding removed.
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(DecodeOrDie("Zm9vYmFy"), "foobar");
  EXPECT_EQ(DecodeOrDie("Zm9vYmE"), "fooba");
  EXPECT_EQ(DecodeOrDie("Zg"), "f");
  EXPECT_EQ(DecodeOrDie(""), "");
}

TEST(Base64UrlTest, UsesUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(DecodeOrDie("-_-_"), "\xfb\xff\xbf");
  EXPECT_EQ(Base64UrlEncode(std::string_view("\0\0\0", 3)), "AAAA");
}

TEST(Base64UrlTest, AppendKeepsExistingContent) {
  std::string out = "prefix.";
  AppendBase64Url(out, "foo");
  EXPECT_EQ(out, "prefix.Zm9v");
}

TEST(Base64UrlTest, LengthHelpers) {
  for (std::size_t n = 0; n < 20; ++n) {
    const std::size_t enc = Base64UrlEncodedLength(n);
    EXPECT_EQ(Base64UrlEncode(std::string(n, 'x')).size(), enc);
    ASSERT_TRUE(Base64UrlDecodedLength(enc).has_value());
    EXPECT_EQ(*Base64UrlDecodedLength(enc), n);
  }
  EXPECT_FALSE(Base64UrlDecodedLength(1).has_value());
  EXPECT_FALSE(Base64UrlDecodedLength(5).has_value());
}

TEST(Base64UrlTest, RoundTripsRandomBytes) {
  std::mt19937 rng(12345);  // deterministic
  for (int len = 0; len < 200; ++len) {
    std::string bytes(static_cast<std::size_t>(len), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    EXPECT_EQ(DecodeOrDie(Base64UrlEncode(bytes)), bytes) << "length " << len;
  }
}

TEST(Base64UrlTest, RejectsPadding) {
  EXPECT_EQ(DecodeError("Zg=="), Code::kMalformed);
  EXPECT_EQ(DecodeError("Zm8="), Code::kMalformed);
  EXPECT_EQ(DecodeError("Zm9v===="), Code::kMalformed);
  EXPECT_EQ(DecodeError("===="), Code::kMalformed);
}

TEST(Base64UrlTest, RejectsStandardAlphabetAndStrayBytes) {
  EXPECT_EQ(DecodeError("+/+/"), Code::kMalformed);
  EXPECT_EQ(DecodeError("ab+c"), Code::kMalformed);
  EXPECT_EQ(DecodeError("ab/c"), Code::kMalformed);
  EXPECT_EQ(DecodeError("Zm9v Yg"), Code::kMalformed);
  EXPECT_EQ(DecodeError(" Zm9v"), Code::kMalformed);
  EXPECT_EQ(DecodeError("Zm9v\n"), Code::kMalformed);
  EXPECT_EQ(DecodeError("Zm9v\t"), Code::kMalformed);
  EXPECT_EQ(DecodeError("Zm.v"), Code::kMalformed);
  EXPECT_EQ(DecodeError(std::string_view("Zm\0v", 4)), Code::kMalformed);
  EXPECT_EQ(DecodeError("Zm\xc3\xa9v"), Code::kMalformed);
}

TEST(Base64UrlTest, RejectsAnInvalidCharacterAtAnyPosition) {
  const std::string good = Base64UrlEncode(std::string(45, 'z'));  // 60 characters
  ASSERT_TRUE(Base64UrlDecode(good).ok());
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (char bad : {'=', '+', '/', ' ', '\n', '.', '\0', '\x80', '\xff'}) {
      std::string s = good;
      s[i] = bad;
      EXPECT_EQ(DecodeError(s), Code::kMalformed) << "position " << i << " byte " << int(bad);
    }
  }
}

TEST(Base64UrlTest, RejectsImpossibleLengths) {
  EXPECT_EQ(DecodeError("Z"), Code::kMalformed);
  EXPECT_EQ(DecodeError("Zm9vY"), Code::kMalformed);
  EXPECT_EQ(DecodeError("Zm9vYmFyZ"), Code::kMalformed);
}

TEST(Base64UrlTest, RejectsNonZeroTrailingBits) {
  // "A" is canonically "QQ"; "QR".."QZ" carry non-zero unused bits.
  EXPECT_EQ(DecodeOrDie("QQ"), "A");
  EXPECT_EQ(DecodeError("QR"), Code::kMalformed);
  EXPECT_EQ(DecodeError("QZ"), Code::kMalformed);
  EXPECT_EQ(DecodeError("Q_"), Code::kMalformed);
  // "AB" is canonically "QUI"; "QUJ" sets an unused bit.
  EXPECT_EQ(DecodeOrDie("QUI"), "AB");
  EXPECT_EQ(DecodeError("QUJ"), Code::kMalformed);
  EXPECT_EQ(DecodeError("QUL"), Code::kMalformed);
}

TEST(Base64UrlTest, ErrorMessageDoesNotEchoInput) {
  Result<std::string> r = Base64UrlDecode("c2VjcmV0+");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("c2VjcmV0"), std::string::npos);
}

}  // namespace
}  // namespace sessionkit::internal
