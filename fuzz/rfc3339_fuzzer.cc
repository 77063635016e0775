// Fuzz target: ParseRfc3339 (src/util/rfc3339.h) on arbitrary bytes.
//
// Properties checked beyond "no crash, no sanitizer report": an accepted time formats
// to exactly kRfc3339Length bytes, and that text parses back to the same instant
// floored to the second (formatting drops the fraction toward the past).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/util/rfc3339.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sessionkit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<TimePoint> parsed = internal::ParseRfc3339(text);
  if (!parsed.ok()) return 0;
  const std::string formatted = internal::FormatRfc3339(*parsed);
  Check(formatted.size() == internal::kRfc3339Length);
  Result<TimePoint> again = internal::ParseRfc3339(formatted);
  Check(again.ok());
  Check(*again == std::chrono::floor<std::chrono::seconds>(*parsed));
  return 0;
}
