// Fuzz target: ParseRfc3339 (src/util/rfc3339.h) on arbitrary bytes.
//
// Properties checked beyond "no crash, no sanitizer report": an accepted time formats
// to exactly kRfc3339Length bytes, and that text parses back to the same instant
// floored to the second (formatting drops the fraction toward the past).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "src/util/rfc3339.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sessionkit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<TimePoint> parsed = internal::ParseRfc3339(text);
  if (!parsed.ok()) return 0;
  const std::string formatted = internal::FormatRfc3339(*parsed);
  FUZZ_CHECK(formatted.size() == internal::kRfc3339Length);
  Result<TimePoint> again = internal::ParseRfc3339(formatted);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == std::chrono::floor<std::chrono::seconds>(*parsed));
  return 0;
}
