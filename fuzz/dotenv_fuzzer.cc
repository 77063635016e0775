// Fuzz target: the `.env` parser (ParseDotEnv, server/app/config.h) on arbitrary text.
// (The whole configuration load over such a text is fuzz_config_load.)
//
// Properties beyond "no crash": every parsed key is non-empty, a key has no blank at
// either end, and neither keys nor values hold a line break.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "server/app/config.h"

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::map<std::string, std::string> vars = sessionkit::server::ParseDotEnv(text);
  for (const auto& [key, value] : vars) {
    FUZZ_CHECK(!key.empty());
    FUZZ_CHECK(!IsBlank(key.front()) && !IsBlank(key.back()));
    FUZZ_CHECK(key.find('\n') == std::string::npos);
    FUZZ_CHECK(value.find('\n') == std::string::npos);
  }
  return 0;
}
