#include "src/util/rfc3339.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace sessionkit::internal {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

TimePoint At(std::int64_t s, std::int64_t ns = 0) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(seconds(s) + nanoseconds(ns)));
}

constexpr std::int64_t k20250120T10 = 1737367200;  // 2025-01-20T10:00:00Z

// --- formatting ---------------------------------------------------------------

TEST(FormatRfc3339, WholeSecondsUtcWithZ) {
  EXPECT_EQ(FormatRfc3339(At(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(At(k20250120T10)), "2025-01-20T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(At(951868800 - 1)), "2000-02-29T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(At(951868800)), "2000-03-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(At(-14182940)), "1969-07-20T20:17:40Z");
}

TEST(FormatRfc3339, TruncatesSubSecondsTowardThePast) {
  EXPECT_EQ(FormatRfc3339(At(k20250120T10, 999'999'999)), "2025-01-20T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(At(0, -1)), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(At(-1, -999'999'999)), "1969-12-31T23:59:58Z");
}

TEST(FormatRfc3339, ExtremesOfTheClock) {
  EXPECT_EQ(FormatRfc3339(TimePoint::max()), "2262-04-11T23:47:16Z");
  EXPECT_EQ(FormatRfc3339(TimePoint::min()), "1677-09-21T00:12:43Z");
}

TEST(FormatRfc3339, WriteFillsExactlyTwentyBytes) {
  char buf[kRfc3339Length + 1];
  buf[kRfc3339Length] = '#';
  WriteRfc3339(At(k20250120T10), buf);
  EXPECT_EQ(std::string(buf, kRfc3339Length), "2025-01-20T10:00:00Z");
  EXPECT_EQ(buf[kRfc3339Length], '#');
}

// --- parsing: accepted forms --------------------------------------------------

void ExpectParses(std::string_view text, TimePoint want) {
  auto got = ParseRfc3339(text);
  ASSERT_TRUE(got.ok()) << text << ": " << got.status().ToString();
  EXPECT_EQ(*got, want) << text;
}

TEST(ParseRfc3339, UtcWholeSeconds) {
  ExpectParses("2025-01-20T10:00:00Z", At(k20250120T10));
  ExpectParses("1970-01-01T00:00:00Z", At(0));
  ExpectParses("1969-07-20T20:17:40Z", At(-14182940));
}

TEST(ParseRfc3339, LowercaseSeparatorAndZulu) {
  ExpectParses("2025-01-20t10:00:00z", At(k20250120T10));
  ExpectParses("2025-01-20t10:00:00Z", At(k20250120T10));
}

TEST(ParseRfc3339, FractionsOfAnyLength) {
  ExpectParses("2025-01-20T10:00:00.1Z", At(k20250120T10, 100'000'000));
  ExpectParses("2025-01-20T10:00:00.123Z", At(k20250120T10, 123'000'000));
  ExpectParses("2025-01-20T10:00:00.123456Z", At(k20250120T10, 123'456'000));
  ExpectParses("2025-01-20T10:00:00.123456789Z", At(k20250120T10, 123'456'789));
  ExpectParses("2025-01-20T10:00:00.000000000Z", At(k20250120T10));
  // Past nanoseconds: truncated, never rounded up into the next second.
  ExpectParses("2025-01-20T10:00:00.9999999999999Z", At(k20250120T10, 999'999'999));
  ExpectParses("1969-12-31T23:59:59.5Z", At(-1, 500'000'000));
}

TEST(ParseRfc3339, Offsets) {
  ExpectParses("2025-01-20T17:00:00+07:00", At(k20250120T10));
  ExpectParses("2025-01-20T17:00:00.123456789+07:00", At(k20250120T10, 123'456'789));
  ExpectParses("2025-01-20T04:30:00-05:30", At(k20250120T10));
  ExpectParses("2025-01-20T10:00:00-00:00", At(k20250120T10));
  ExpectParses("2025-01-20T10:00:00+00:00", At(k20250120T10));
  // Offsets that move the instant across a day, a month and a year boundary.
  ExpectParses("2025-01-01T00:30:00+01:00", At(1735687800));
  ExpectParses("2024-12-31T23:59:00-23:59", At(1735689540 + 23 * 3600 + 59 * 60));
}

TEST(ParseRfc3339, LeapYears) {
  ExpectParses("2024-02-29T00:00:00Z", At(1709164800));
  ExpectParses("2000-02-29T23:59:59Z", At(951868800 - 1));
  EXPECT_FALSE(ParseRfc3339("2023-02-29T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("1900-02-29T00:00:00Z").ok());  // century, not leap
  EXPECT_FALSE(ParseRfc3339("2024-02-30T00:00:00Z").ok());
}

TEST(ParseRfc3339, EdgesOfTheClockRange) {
  ExpectParses("2262-04-11T23:47:15Z", At(9223372035));
  ExpectParses("1677-09-21T00:12:44Z", At(-9223372036));
  EXPECT_FALSE(ParseRfc3339("2262-04-12T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("1677-09-20T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59Z").ok());
  EXPECT_FALSE(ParseRfc3339("0001-01-01T00:00:00Z").ok());
}

TEST(ParseRfc3339, RoundTripsFormattedTimes) {
  // Every ~37 hours plus some seconds over 1970..2200, so all months, days and
  // times of day come up.
  for (std::int64_t s = -100LL * 365 * 86400; s < 230LL * 365 * 86400; s += 133'337) {
    const TimePoint t = At(s);
    const std::string text = FormatRfc3339(t);
    auto back = ParseRfc3339(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
    ASSERT_EQ(*back, t) << text;
  }
}

// --- parsing: rejected forms --------------------------------------------------

void ExpectRejected(std::string_view text, std::string_view message_part) {
  auto got = ParseRfc3339(text);
  ASSERT_FALSE(got.ok()) << "accepted: " << text;
  EXPECT_EQ(got.status().code(), Code::kMalformed) << text;
  EXPECT_NE(got.status().message().find(message_part), std::string::npos)
      << text << " -> " << got.status().message();
}

TEST(ParseRfc3339, RejectsOutOfRangeFields) {
  ExpectRejected("0000-01-01T00:00:00Z", "year out of range");
  ExpectRejected("2025-00-20T10:00:00Z", "month out of range");
  ExpectRejected("2025-13-20T10:00:00Z", "month out of range");
  ExpectRejected("2025-01-00T10:00:00Z", "day out of range");
  ExpectRejected("2025-01-32T10:00:00Z", "day out of range");
  ExpectRejected("2025-04-31T10:00:00Z", "day out of range");
  ExpectRejected("2025-01-20T24:00:00Z", "hour out of range");
  ExpectRejected("2025-01-20T10:60:00Z", "minute out of range");
  ExpectRejected("2025-01-20T10:00:61Z", "second out of range");
  ExpectRejected("2025-01-20T10:00:00+24:00", "offset hour out of range");
  ExpectRejected("2025-01-20T10:00:00+07:60", "offset minutes out of range");
}

TEST(ParseRfc3339, RejectsLeapSecond) {
  ExpectRejected("2016-12-31T23:59:60Z", "leap second");
  ExpectRejected("2016-12-31T23:59:60.5Z", "leap second");
}

TEST(ParseRfc3339, RejectsBadSyntax) {
  ExpectRejected("", "expected a 4-digit year at byte 0");
  ExpectRejected("2025", "expected '-' after the year at byte 4");
  ExpectRejected("2025-1-20T10:00:00Z", "expected a 2-digit month");
  ExpectRejected("2025-01-2T10:00:00Z", "expected a 2-digit day");
  ExpectRejected("2025/01/20T10:00:00Z", "expected '-' after the year");
  ExpectRejected("2025-01-20 10:00:00Z", "expected 'T'");
  ExpectRejected("2025-01-20", "expected 'T'");
  ExpectRejected("2025-01-20T10:00Z", "expected ':' after the minute");
  ExpectRejected("2025-01-20T1:00:00Z", "expected a 2-digit hour");
  ExpectRejected("2025-01-20T10:00:00", "expected 'Z' or a +hh:mm/-hh:mm offset");
  ExpectRejected("2025-01-20T10:00:00.Z", "expected a digit after '.'");
  ExpectRejected("2025-01-20T10:00:00,5Z", "expected 'Z' or a +hh:mm/-hh:mm offset");
  ExpectRejected("2025-01-20T10:00:00+0700", "expected ':' in the offset");
  ExpectRejected("2025-01-20T10:00:00+7:00", "expected a 2-digit offset hour");
  ExpectRejected("2025-01-20T10:00:00+07:0", "expected 2-digit offset minutes");
  ExpectRejected("2025-01-20T10:00:00ZZ", "unexpected bytes after the time at byte 20");
  ExpectRejected("2025-01-20T10:00:00Z ", "unexpected bytes after the time");
  ExpectRejected(" 2025-01-20T10:00:00Z", "expected a 4-digit year");
  ExpectRejected("+2025-01-20T10:00:00Z", "expected a 4-digit year");
  ExpectRejected("20250-01-20T10:00:00Z", "expected '-' after the year");
  ExpectRejected("2025-01-20T10:00:00\0Z", "expected 'Z'");
  ExpectRejected(std::string_view("2025-01-20T10:00:00Z\0", 21), "unexpected bytes");
}

TEST(ParseRfc3339, ErrorMessageDoesNotEchoTheInput) {
  auto got = ParseRfc3339("secret-looking-text");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace sessionkit::internal
