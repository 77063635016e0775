// RFC 3339 formatting and parsing on std::chrono calendar types.
#include "src/util/rfc3339.h"

#include <chrono>
#include <cstdint>

namespace sessionkit::internal {
namespace {

using std::chrono::days;
using std::chrono::seconds;
using Duration = TimePoint::duration;

// Seconds since the epoch that TimePoint holds with any sub-second part (a second of
// slack at each end keeps the arithmetic free of overflow).
constexpr std::int64_t kMinSeconds = std::chrono::ceil<seconds>(Duration::min()).count();
constexpr std::int64_t kMaxSeconds = std::chrono::floor<seconds>(Duration::max()).count() - 1;

void Put2(char* out, unsigned v) noexcept {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

void Put4(char* out, unsigned v) noexcept {
  Put2(out, v / 100);
  Put2(out + 2, v % 100);
}

// A left-to-right reader over the text that remembers where it failed.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  std::size_t pos() const noexcept { return pos_; }
  bool AtEnd() const noexcept { return pos_ == text_.size(); }

  // Reads exactly `n` ASCII digits.
  bool Digits(int n, int& value) noexcept {
    if (text_.size() - pos_ < static_cast<std::size_t>(n)) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    value = v;
    pos_ += n;
    return true;
  }

  bool IsDigit() const noexcept {
    return !AtEnd() && text_[pos_] >= '0' && text_[pos_] <= '9';
  }
  int TakeDigit() noexcept { return text_[pos_++] - '0'; }

  // Consumes `c` (or `alt`) if it is next.
  bool Take(char c, char alt = '\0') noexcept {
    if (AtEnd() || (text_[pos_] != c && (alt == '\0' || text_[pos_] != alt))) return false;
    ++pos_;
    return true;
  }

  char Peek() const noexcept { return AtEnd() ? '\0' : text_[pos_]; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

Status Invalid(std::string_view what, std::size_t at) {
  std::string m = "invalid RFC 3339 time: ";
  m += what;
  m += " at byte ";
  m += std::to_string(at);
  return Status::Malformed(std::move(m));
}

}  // namespace

void WriteRfc3339(TimePoint t, char* out) noexcept {
  const seconds s = std::chrono::floor<seconds>(t.time_since_epoch());
  const days d = std::chrono::floor<days>(s);
  const std::chrono::year_month_day ymd{std::chrono::sys_days(d)};
  const int y = static_cast<int>(ymd.year());
  if (y < 1 || y > 9999) {
    const char* edge = y < 1 ? "0001-01-01T00:00:00Z" : "9999-12-31T23:59:59Z";
    for (std::size_t i = 0; i < kRfc3339Length; ++i) out[i] = edge[i];
    return;
  }
  const auto tod = static_cast<unsigned>((s - d).count());  // 0..86399
  Put4(out, static_cast<unsigned>(y));
  out[4] = '-';
  Put2(out + 5, static_cast<unsigned>(ymd.month()));
  out[7] = '-';
  Put2(out + 8, static_cast<unsigned>(ymd.day()));
  out[10] = 'T';
  Put2(out + 11, tod / 3600);
  out[13] = ':';
  Put2(out + 14, tod / 60 % 60);
  out[16] = ':';
  Put2(out + 17, tod % 60);
  out[19] = 'Z';
}

std::string FormatRfc3339(TimePoint t) {
  std::string s(kRfc3339Length, '\0');
  WriteRfc3339(t, s.data());
  return s;
}

Result<TimePoint> ParseRfc3339(std::string_view text) {
  Cursor c(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;

  // full-date = YYYY-MM-DD
  std::size_t at = c.pos();
  if (!c.Digits(4, year)) return Invalid("expected a 4-digit year", at);
  if (year < 1) return Invalid("year out of range (0001..9999)", at);
  if (!c.Take('-')) return Invalid("expected '-' after the year", c.pos());
  at = c.pos();
  if (!c.Digits(2, month)) return Invalid("expected a 2-digit month", at);
  if (month < 1 || month > 12) return Invalid("month out of range (01..12)", at);
  if (!c.Take('-')) return Invalid("expected '-' after the month", c.pos());
  at = c.pos();
  if (!c.Digits(2, day)) return Invalid("expected a 2-digit day", at);
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return Invalid("day out of range for the month", at);

  if (!c.Take('T', 't')) return Invalid("expected 'T' between date and time", c.pos());

  // partial-time = HH:MM:SS[.fraction]
  at = c.pos();
  if (!c.Digits(2, hour)) return Invalid("expected a 2-digit hour", at);
  if (hour > 23) return Invalid("hour out of range (00..23)", at);
  if (!c.Take(':')) return Invalid("expected ':' after the hour", c.pos());
  at = c.pos();
  if (!c.Digits(2, minute)) return Invalid("expected a 2-digit minute", at);
  if (minute > 59) return Invalid("minute out of range (00..59)", at);
  if (!c.Take(':')) return Invalid("expected ':' after the minute", c.pos());
  at = c.pos();
  if (!c.Digits(2, second)) return Invalid("expected a 2-digit second", at);
  if (second == 60) return Invalid("leap second (:60) is not supported", at);
  if (second > 59) return Invalid("second out of range (00..59)", at);

  std::int64_t frac_ns = 0;
  if (c.Take('.')) {
    if (!c.IsDigit()) return Invalid("expected a digit after '.'", c.pos());
    int kept = 0;
    while (c.IsDigit()) {
      const int digit = c.TakeDigit();
      if (kept < 9) {
        frac_ns = frac_ns * 10 + digit;
        ++kept;
      }
    }
    for (; kept < 9; ++kept) frac_ns *= 10;
  }

  // time-offset = Z / (+|-)HH:MM
  int offset_seconds = 0;
  at = c.pos();
  if (c.Take('Z', 'z')) {
    // UTC
  } else if (c.Peek() == '+' || c.Peek() == '-') {
    const int sign = c.Peek() == '-' ? -1 : 1;
    c.Take(c.Peek());
    int oh = 0, om = 0;
    at = c.pos();
    if (!c.Digits(2, oh)) return Invalid("expected a 2-digit offset hour", at);
    if (oh > 23) return Invalid("offset hour out of range (00..23)", at);
    if (!c.Take(':')) return Invalid("expected ':' in the offset", c.pos());
    at = c.pos();
    if (!c.Digits(2, om)) return Invalid("expected 2-digit offset minutes", at);
    if (om > 59) return Invalid("offset minutes out of range (00..59)", at);
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return Invalid("expected 'Z' or a +hh:mm/-hh:mm offset", at);
  }
  if (!c.AtEnd()) return Invalid("unexpected bytes after the time", c.pos());

  // Local time minus the offset is UTC.
  const std::int64_t day_number = std::chrono::sys_days(ymd).time_since_epoch().count();
  const std::int64_t utc_seconds =
      day_number * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  if (utc_seconds < kMinSeconds || utc_seconds > kMaxSeconds) {
    return Invalid("instant outside the clock's range", 0);
  }
  return TimePoint(std::chrono::duration_cast<Duration>(seconds(utc_seconds)) +
                   std::chrono::floor<Duration>(std::chrono::nanoseconds(frac_ns)));
}

}  // namespace sessionkit::internal
