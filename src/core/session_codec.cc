// The session record's JSON codec (API.md §2): DecodeSession, EncodeSession,
// RewriteSessionTimes.
//
// Decoding and rewriting use simdjson's On-Demand API with one parser per thread, so
// after a thread's first record the parser allocates nothing (records over 64 KiB get
// a parser of their own). simdjson wants
// SIMDJSON_PADDING readable bytes after the input; rather than a separate padded copy,
// the string we must produce anyway (Session::raw, or the rewritten record) is filled
// with the input plus zeroed padding, parsed in place, then trimmed back.
//
// On-Demand only checks what it is asked to read, so every value is read, unknown ones
// too (ValidateValue): invalid JSON anywhere is Malformed, as the header promises.
// On-Demand runs simdjson's compile-time ("builtin") kernel, the portable fallback
// unless the build targets AVX2; for records this small that costs about 10% over the
// AVX2 kernel (measured: 132 vs 123 ns to walk a 350-byte record), so no -march flag.
//
// Choices where API.md is silent:
// - a duplicated key: decoding keeps the last occurrence (as Go's encoding/json does);
//   a rewrite patches every top-level occurrence of last_seen / expires_at.
// - user_id must be a string or an integer literal (-?digits, no fraction or exponent,
//   any size); a number keeps its literal text.
// - an optional field that is JSON null reads as empty (last_seen: as absent); any other
//   wrong type is Malformed, as it is for the Go services.
// - strings must be valid UTF-8 and escapes valid (a lone \ud800 is Malformed).
// - containers nested more than kMaxNesting deep are Malformed.
// - a rewrite needs `expires_at` present and replaces only string or null values of the
//   two fields; a missing `last_seen` is inserted after the last member, before the
//   closing brace.
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "sessionkit/session.h"
#include "src/util/json_writer.h"
#include "src/util/rfc3339.h"

namespace sessionkit {
namespace {

namespace od = simdjson::ondemand;
using internal::kRfc3339Length;

constexpr std::size_t kPadding = simdjson::SIMDJSON_PADDING;

// Records are a few hundred bytes. A parser keeps buffers sized for the largest
// document it has seen, so a rare large one gets a parser of its own instead of
// leaving a thread's parser big for good.
constexpr std::size_t kThreadParserMaxBytes = 64 * 1024;

// Containers nested deeper than this inside a record are Malformed (no record has a
// reason to nest; the bound keeps ValidateValue's recursion shallow).
constexpr int kMaxNesting = 128;

// The parser for a document of `len` bytes: the thread's, or `spare` for a large one.
od::parser& ParserFor(std::size_t len, std::unique_ptr<od::parser>& spare) {
  thread_local od::parser parser;
  if (len <= kThreadParserMaxBytes) return parser;
  spare = std::make_unique<od::parser>();
  return *spare;
}

Status JsonError(std::string_view where, simdjson::error_code e) {
  std::string m = "session JSON: ";
  m += where;
  m += ": ";
  m += simdjson::error_message(e);
  return Status::Malformed(std::move(m));
}

// get_object() failed on the document: another type, or broken JSON.
Status TopLevelError(simdjson::error_code e) {
  if (e == simdjson::INCORRECT_TYPE) return Status::Malformed("session JSON: not a JSON object");
  return JsonError("document", e);
}

Status FieldError(std::string_view field, std::string_view problem) {
  std::string m = "session JSON: ";
  m += field;
  m += ' ';
  m += problem;
  return Status::Malformed(std::move(m));
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The full JSON number grammar: int [frac] [exp].
bool IsJsonNumber(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// Reads `v` completely so that On-Demand checks it: strings are unescaped, literals and
// numbers checked against the grammar, containers walked. Depth is bounded by the
// parser's maximum depth.
simdjson::error_code ValidateValue(od::value v, int depth = 0) {
  if (depth > kMaxNesting) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (auto e = v.get_object().get(obj)) return e;
      for (auto member : obj) {
        od::field field;
        if (auto e = std::move(member).get(field)) return e;
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        if (auto e = ValidateValue(field.value(), depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array arr;
      if (auto e = v.get_array().get(arr)) return e;
      for (auto element : arr) {
        od::value item;
        if (auto e = std::move(element).get(item)) return e;
        if (auto e = ValidateValue(item, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s);
    }
    case od::json_type::number: {
      const std::string_view token = v.raw_json_token();
      return IsJsonNumber(TrimTrailingSpace(token)) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

// True when nothing follows the top-level value just read.
bool AtEnd(od::document& doc) {
  const char* location = nullptr;
  return doc.current_location().get(location) == simdjson::OUT_OF_BOUNDS;
}

// The record's members that the codec reads.
enum class Member { kOther, kId, kUserId, kUsername, kPurpose, kIpAddress, kUserAgent,
                    kDeviceId, kCreatedAt, kExpiresAt, kLastSeen, kAal };

Member Classify(std::string_view key) {
  switch (key.size()) {
    case 2: if (key == "id") return Member::kId; break;
    case 3: if (key == "aal") return Member::kAal; break;
    case 7:
      if (key == "user_id") return Member::kUserId;
      if (key == "purpose") return Member::kPurpose;
      break;
    case 8: if (key == "username") return Member::kUsername; break;
    case 9:
      if (key == "device_id") return Member::kDeviceId;
      if (key == "last_seen") return Member::kLastSeen;
      break;
    case 10:
      if (key == "ip_address") return Member::kIpAddress;
      if (key == "user_agent") return Member::kUserAgent;
      if (key == "created_at") return Member::kCreatedAt;
      if (key == "expires_at") return Member::kExpiresAt;
      break;
    default: break;
  }
  return Member::kOther;
}

// API.md §9: the assurance level. Only the number 2 means 2; absent, null, another
// number or another type reads as 1 (a record never claims more than it says plainly).
Status ReadAal(od::value& v, Session& s) {
  s.aal = 1;
  od::json_type type;
  if (auto e = v.type().get(type)) return JsonError("aal", e);
  if (type == od::json_type::number) {
    double level = 0;
    if (auto e = v.get_double().get(level)) return JsonError("aal", e);
    if (level == 2.0) s.aal = 2;
    return Status::Ok();
  }
  if (auto e = ValidateValue(v)) return JsonError("aal", e);
  return Status::Ok();
}

// Reads a string member into `out`. With `null_ok`, JSON null gives "" and *was_null.
Status ReadString(od::value& v, std::string_view name, bool null_ok, std::string& out,
                  bool* was_null = nullptr) {
  od::json_type type;
  if (auto e = v.type().get(type)) return JsonError(name, e);
  if (type == od::json_type::null && null_ok) {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null)) return JsonError(name, e);
    if (!is_null) return JsonError(name, simdjson::N_ATOM_ERROR);
    out.clear();
    if (was_null != nullptr) *was_null = true;
    return Status::Ok();
  }
  if (type != od::json_type::string) return FieldError(name, "must be a string");
  std::string_view s;
  if (auto e = v.get_string().get(s)) return JsonError(name, e);
  out.assign(s);
  if (was_null != nullptr) *was_null = false;
  return Status::Ok();
}

Status ReadUserId(od::value& v, Session& s) {
  od::json_type type;
  if (auto e = v.type().get(type)) return JsonError("user_id", e);
  if (type == od::json_type::number) {
    const std::string_view token = TrimTrailingSpace(v.raw_json_token());
    if (!internal::IsJsonInteger(token)) return FieldError("user_id", "must be a string or an integer");
    s.user_id.assign(token);
    s.user_id_is_number = true;
    return Status::Ok();
  }
  if (type != od::json_type::string) {
    return FieldError("user_id", "must be a string or an integer");
  }
  s.user_id_is_number = false;
  return ReadString(v, "user_id", /*null_ok=*/false, s.user_id);
}

// Reads an RFC 3339 string member. With `null_ok`, null sets *present = false.
Status ReadTime(od::value& v, std::string_view name, bool null_ok, TimePoint& out,
                bool& present) {
  od::json_type type;
  if (auto e = v.type().get(type)) return JsonError(name, e);
  if (type == od::json_type::null && null_ok) {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null)) return JsonError(name, e);
    if (!is_null) return JsonError(name, simdjson::N_ATOM_ERROR);
    present = false;
    return Status::Ok();
  }
  if (type != od::json_type::string) return FieldError(name, "must be an RFC 3339 string");
  std::string_view text;
  if (auto e = v.get_string().get(text)) return JsonError(name, e);
  auto t = internal::ParseRfc3339(text);
  if (!t.ok()) return FieldError(name, t.status().message());
  out = *t;
  present = true;
  return Status::Ok();
}

// Copies `json` into `buf` followed by zeroed padding; parse buf.data() with
// length json.size() and capacity buf.size().
void FillPadded(std::string& buf, std::string_view json, std::size_t extra_capacity) {
  buf.reserve(json.size() + kPadding + extra_capacity);
  buf.assign(json);
  buf.resize(json.size() + kPadding, '\0');
}

Status DecodeInto(Session& s, std::size_t len) {
  std::unique_ptr<od::parser> spare;
  od::document doc;
  if (auto e = ParserFor(len, spare).iterate(s.raw.data(), len, s.raw.size()).get(doc)) {
    return JsonError("document", e);
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) return TopLevelError(e);

  bool has_id = false, has_user_id = false, has_created = false, has_expires = false;
  bool has_last_seen = false;
  for (auto member : obj) {
    od::field field;
    if (auto e = std::move(member).get(field)) return JsonError("object", e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return JsonError("key", e);
    od::value& v = field.value();
    Status st;
    switch (Classify(key)) {
      case Member::kId: st = ReadString(v, "id", false, s.id); has_id = true; break;
      case Member::kUserId: st = ReadUserId(v, s); has_user_id = true; break;
      case Member::kUsername: st = ReadString(v, "username", true, s.username); break;
      case Member::kPurpose: st = ReadString(v, "purpose", true, s.purpose); break;
      case Member::kIpAddress: st = ReadString(v, "ip_address", true, s.ip_address); break;
      case Member::kUserAgent: st = ReadString(v, "user_agent", true, s.user_agent); break;
      case Member::kDeviceId: st = ReadString(v, "device_id", true, s.device_id); break;
      case Member::kCreatedAt:
        st = ReadTime(v, "created_at", false, s.created_at, has_created);
        break;
      case Member::kExpiresAt:
        st = ReadTime(v, "expires_at", false, s.expires_at, has_expires);
        break;
      case Member::kLastSeen:
        st = ReadTime(v, "last_seen", true, s.last_seen, has_last_seen);
        break;
      case Member::kAal: st = ReadAal(v, s); break;
      case Member::kOther:
        if (auto e = ValidateValue(v)) return JsonError("value of another member", e);
        break;
    }
    if (!st.ok()) return st;
  }
  if (!AtEnd(doc)) return JsonError("document", simdjson::TRAILING_CONTENT);

  if (!has_id) return FieldError("id", "is missing");
  if (!has_user_id) return FieldError("user_id", "is missing");
  if (!has_created) return FieldError("created_at", "is missing");
  if (!has_expires) return FieldError("expires_at", "is missing");
  if (!has_last_seen) s.last_seen = s.created_at;
  return Status::Ok();
}

// `"` + RFC 3339 + `"`.
struct QuotedTime {
  explicit QuotedTime(TimePoint t) {
    text[0] = '"';
    internal::WriteRfc3339(t, text + 1);
    text[kRfc3339Length + 1] = '"';
  }
  std::string_view view() const { return {text, sizeof text}; }
  char text[kRfc3339Length + 2];
};

// A top-level value to replace in a rewrite.
struct Patch {
  std::size_t offset;
  std::size_t length;
  bool is_last_seen;
};

// Records the byte range of a last_seen / expires_at value (a string or null) and
// checks it.
Status NotePatch(od::value& v, std::string_view name, const char* base, bool is_last_seen,
                 std::vector<Patch>& patches) {
  od::json_type type;
  if (auto e = v.type().get(type)) return JsonError(name, e);
  if (type != od::json_type::string && type != od::json_type::null) {
    return FieldError(name, "must be a string or null to be rewritten");
  }
  const std::string_view token = TrimTrailingSpace(v.raw_json_token());
  patches.push_back({static_cast<std::size_t>(token.data() - base), token.size(), is_last_seen});
  if (type == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return JsonError(name, e);
  } else {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null)) return JsonError(name, e);
    if (!is_null) return JsonError(name, simdjson::N_ATOM_ERROR);
  }
  return Status::Ok();
}

// Finds the top-level last_seen / expires_at values of the padded record in `buf`.
Status FindTimeValues(std::string& buf, std::size_t len, std::vector<Patch>& patches) {
  std::unique_ptr<od::parser> spare;
  od::document doc;
  if (auto e = ParserFor(len, spare).iterate(buf.data(), len, buf.size()).get(doc)) {
    return JsonError("document", e);
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) return TopLevelError(e);
  for (auto member : obj) {
    od::field field;
    if (auto e = std::move(member).get(field)) return JsonError("object", e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return JsonError("key", e);
    od::value& v = field.value();
    const Member m = Classify(key);
    if (m == Member::kLastSeen || m == Member::kExpiresAt) {
      const bool is_last_seen = m == Member::kLastSeen;
      Status st = NotePatch(v, is_last_seen ? "last_seen" : "expires_at", buf.data(),
                            is_last_seen, patches);
      if (!st.ok()) return st;
    } else if (auto e = ValidateValue(v)) {
      return JsonError("value of another member", e);
    }
  }
  if (!AtEnd(doc)) return JsonError("document", simdjson::TRAILING_CONTENT);
  return Status::Ok();
}

void WriteTime(internal::JsonWriter& w, std::string_view key, TimePoint t) {
  w.Key(key).Raw(QuotedTime(t).view());
}

}  // namespace

Result<Session> DecodeSession(std::string_view json) {
  Session s;
  FillPadded(s.raw, json, 0);
  Status st = DecodeInto(s, json.size());
  if (!st.ok()) return st;
  s.raw.resize(json.size());
  return s;
}

std::string EncodeSession(const Session& s) {
  std::string out;
  out.reserve(256 + s.id.size() + s.user_id.size() + s.username.size() + s.purpose.size() +
              s.ip_address.size() + s.user_agent.size() + s.device_id.size());
  internal::JsonWriter w(out);
  w.BeginObject();
  w.Key("id").String(s.id);
  w.Key("user_id");
  internal::WriteUserId(w, s.user_id, s.user_id_is_number);
  w.Key("username").String(s.username);
  w.Key("purpose").String(s.purpose);
  w.Key("ip_address").String(s.ip_address);
  w.Key("user_agent").String(s.user_agent);
  w.Key("device_id").String(s.device_id);
  WriteTime(w, "created_at", s.created_at);
  WriteTime(w, "expires_at", s.expires_at);
  WriteTime(w, "last_seen", s.last_seen);
  if (s.aal == 2) w.Key("aal").Int(2);  // absent means 1 (API.md §9)
  w.EndObject();
  return out;
}

Result<std::string> RewriteSessionTimes(std::string_view raw, TimePoint last_seen,
                                        TimePoint expires_at) {
  // Room for simdjson's padding, and for the patches without reallocating: each new
  // value is at most 18 bytes longer than a `null`, and an appended last_seen costs 35.
  constexpr std::size_t kGrowth = 2 * 18 + 36;
  std::string out;
  FillPadded(out, raw, kGrowth);

  thread_local std::vector<Patch> patches;
  patches.clear();
  Status st = FindTimeValues(out, raw.size(), patches);
  if (!st.ok()) return st;
  out.resize(raw.size());

  bool has_expires = false, has_last_seen = false;
  for (const Patch& p : patches) (p.is_last_seen ? has_last_seen : has_expires) = true;
  if (!has_expires) return FieldError("expires_at", "is missing");

  const QuotedTime ls(last_seen), ea(expires_at);
  // Back to front, so that the offsets still to apply stay valid.
  for (auto it = patches.rbegin(); it != patches.rend(); ++it) {
    out.replace(it->offset, it->length, (it->is_last_seen ? ls : ea).view());
  }
  if (!has_last_seen) {
    // The document is one valid object with at least one member (expires_at): its last
    // non-space byte is the closing brace. Insert right after the last member's value.
    std::size_t close = out.size();
    while (close > 0 && IsJsonSpace(out[close - 1])) --close;
    --close;  // at '}'
    std::size_t insert_at = close;
    while (insert_at > 0 && IsJsonSpace(out[insert_at - 1])) --insert_at;
    char member[1 + 12 + kRfc3339Length + 2];
    std::memcpy(member, ",\"last_seen\":", 13);
    std::memcpy(member + 13, ls.text, sizeof ls.text);
    out.insert(insert_at, member, sizeof member);
  }
  return out;
}

}  // namespace sessionkit
