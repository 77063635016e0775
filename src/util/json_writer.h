// JsonWriter: appends compact JSON to a std::string, escaping strings correctly.
//
// Strings: `"` and `\` are escaped, control characters become \n, \t, ... or \u00XX,
// valid UTF-8 passes through verbatim (non-ASCII User-Agents stay readable), and each
// byte of an invalid UTF-8 sequence becomes U+FFFD, so the output is always valid JSON
// that strict parsers (Python's json, Go's encoding/json) accept.
// The writer does not check structure (the caller balances Begin/End); it only inserts
// commas. Not thread-safe; one writer per output.
//
// Also here, because every writer of a session record, a token or an API view needs
// them: IsJsonInteger and WriteUserId (user ids keep the JSON type they were read with,
// API.md §2).
#ifndef SESSIONKIT_UTIL_JSON_WRITER_H_
#define SESSIONKIT_UTIL_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace sessionkit::internal {

// Appends `s` as a JSON string literal (with quotes) to `out`.
void AppendJsonString(std::string& out, std::string_view s);

// True iff `a` and `b` are the same text once each byte of an invalid UTF-8 sequence is
// read as U+FFFD, as AppendJsonString writes it: a value compares equal to its own
// stored, decoded copy. Allocates nothing; on ASCII it is a plain byte compare.
bool SameTextAfterUtf8Repair(std::string_view a, std::string_view b) noexcept;

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& BeginObject() { Separate(); out_ += '{'; first_ = true; return *this; }
  JsonWriter& EndObject() { out_ += '}'; first_ = false; return *this; }
  JsonWriter& BeginArray() { Separate(); out_ += '['; first_ = true; return *this; }
  JsonWriter& EndArray() { out_ += ']'; first_ = false; return *this; }

  // An object key; the next value call writes its value.
  JsonWriter& Key(std::string_view key) {
    Separate();
    AppendJsonString(out_, key);
    out_ += ':';
    after_key_ = true;
    return *this;
  }

  JsonWriter& String(std::string_view v) { Separate(); AppendJsonString(out_, v); return *this; }
  JsonWriter& Int(std::int64_t v) { Separate(); out_ += std::to_string(v); return *this; }
  JsonWriter& Bool(bool v) { Separate(); out_ += v ? "true" : "false"; return *this; }
  JsonWriter& Null() { Separate(); out_ += "null"; return *this; }
  // Already-encoded JSON (a number literal kept from input, a nested document).
  JsonWriter& Raw(std::string_view json) { Separate(); out_ += json; return *this; }

 private:
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      first_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

// True iff `s` is a JSON integer literal of any size: -?(0|[1-9][0-9]*).
bool IsJsonInteger(std::string_view s) noexcept;

// Writes a user id: as a JSON number when it was read as one (`is_number`) and is an
// integer literal, else as a string (so the output is valid JSON whatever the flag says).
void WriteUserId(JsonWriter& w, std::string_view user_id, bool is_number);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_UTIL_JSON_WRITER_H_
