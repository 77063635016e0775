// Fuzz target: the session record codec (include/sessionkit/session.h): DecodeSession
// and RewriteSessionTimes on arbitrary bytes.
//
// Properties checked beyond "no crash, no sanitizer report", whenever the rewrite
// succeeds:
// - the rewrite is valid JSON for simdjson's DOM parser exactly when the input is (an
//   input the DOM refuses for another reason, e.g. a number it cannot hold, is refused
//   with the same error after the rewrite);
// - it differs from the input only in `last_seen` and `expires_at`: the same top-level
//   members in the same order with the same values (compared minified), every
//   `last_seen` / `expires_at` member now the new time, and at most one `last_seen`
//   appended at the end when the input had none;
// - a record that decoded still decodes after the rewrite, to the same fields with the
//   two new times.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "fuzz/fuzz_check.h"
#include "sessionkit/session.h"

namespace {

using namespace sessionkit;
namespace dom = simdjson::dom;

// A last_seen with a fraction (formatting floors it) and an expires_at 48 h later.
const TimePoint kLastSeen =
    TimePoint(std::chrono::seconds(1737367200)) + std::chrono::milliseconds(750);
const TimePoint kExpiresAt = TimePoint(std::chrono::seconds(1737367200 + 48 * 3600));
constexpr std::string_view kLastSeenText = "2025-01-20T10:00:00Z";
constexpr std::string_view kExpiresAtText = "2025-01-22T10:00:00Z";


bool IsTimeKey(std::string_view key) { return key == "last_seen" || key == "expires_at"; }

// Compares input and rewrite member by member (both parsed by the DOM as objects).
void CheckOnlyTimesDiffer(dom::object in, dom::object out) {
  auto o = out.begin();
  bool had_last_seen = false;
  for (dom::key_value_pair member : in) {
    FUZZ_CHECK(o != out.end());
    dom::key_value_pair rewritten = *o;
    ++o;
    FUZZ_CHECK(member.key == rewritten.key);
    if (IsTimeKey(member.key)) {
      had_last_seen |= member.key == "last_seen";
      std::string_view text;
      FUZZ_CHECK(rewritten.value.get_string().get(text) == simdjson::SUCCESS);
      FUZZ_CHECK(text == (member.key == "last_seen" ? kLastSeenText : kExpiresAtText));
    } else {
      FUZZ_CHECK(simdjson::minify(member.value) == simdjson::minify(rewritten.value));
    }
  }
  if (o != out.end()) {  // the appended last_seen
    FUZZ_CHECK(!had_last_seen);
    dom::key_value_pair appended = *o;
    FUZZ_CHECK(appended.key == "last_seen");
    std::string_view text;
    FUZZ_CHECK(appended.value.get_string().get(text) == simdjson::SUCCESS);
    FUZZ_CHECK(text == kLastSeenText);
    ++o;
    FUZZ_CHECK(o == out.end());
  }
}

void CheckSameRecord(const Session& before, const Session& after) {
  FUZZ_CHECK(after.id == before.id);
  FUZZ_CHECK(after.user_id == before.user_id);
  FUZZ_CHECK(after.user_id_is_number == before.user_id_is_number);
  FUZZ_CHECK(after.username == before.username);
  FUZZ_CHECK(after.purpose == before.purpose);
  FUZZ_CHECK(after.ip_address == before.ip_address);
  FUZZ_CHECK(after.user_agent == before.user_agent);
  FUZZ_CHECK(after.device_id == before.device_id);
  FUZZ_CHECK(after.created_at == before.created_at);
  FUZZ_CHECK(after.last_seen == std::chrono::floor<std::chrono::seconds>(kLastSeen));
  FUZZ_CHECK(after.expires_at == kExpiresAt);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Result<Session> decoded = DecodeSession(input);
  if (decoded.ok()) FUZZ_CHECK(decoded->raw == input);

  Result<std::string> rewritten = RewriteSessionTimes(input, kLastSeen, kExpiresAt);
  if (!rewritten.ok()) return 0;

  static dom::parser* in_parser = new dom::parser();
  static dom::parser* out_parser = new dom::parser();
  dom::element in_doc, out_doc;
  simdjson::error_code in_error = in_parser->parse(input.data(), input.size()).get(in_doc);
  simdjson::error_code out_error =
      out_parser->parse(rewritten->data(), rewritten->size()).get(out_doc);
  FUZZ_CHECK(in_error == out_error);
  if (in_error == simdjson::SUCCESS) {
    dom::object in_object, out_object;
    FUZZ_CHECK(in_doc.get_object().get(in_object) == simdjson::SUCCESS);
    FUZZ_CHECK(out_doc.get_object().get(out_object) == simdjson::SUCCESS);
    CheckOnlyTimesDiffer(in_object, out_object);
  }

  if (decoded.ok()) {
    Result<Session> again = DecodeSession(*rewritten);
    FUZZ_CHECK(again.ok());
    CheckSameRecord(*decoded, *again);
  }
  return 0;
}
