// Fuzz target: the `.env` parser (ParseDotEnv, server/app/config.h), and when the first
// byte is 'L' the whole configuration load over that text (LoadConfig with no other
// variable set and no flag; it builds a CLI11 parser, so it runs only on those inputs).
//
// Input: the first byte picks the mode; the rest is the file's text.
// Properties beyond "no crash": every parsed key is non-empty, a key has no blank at
// either end, and neither keys nor values hold a line break; LoadConfig either returns a
// config or exits 0/2 with a message, never both.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "server/app/config.h"

namespace {


bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sessionkit::server;
  if (size < 1) return 0;
  const bool load = data[0] == 'L';
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const std::map<std::string, std::string> vars = ParseDotEnv(text);
  for (const auto& [key, value] : vars) {
    FUZZ_CHECK(!key.empty());
    FUZZ_CHECK(!IsBlank(key.front()) && !IsBlank(key.back()));
    FUZZ_CHECK(key.find('\n') == std::string::npos);
    FUZZ_CHECK(value.find('\n') == std::string::npos);
  }
  if (!load) return 0;

  const std::vector<std::string> args = {"sessionkit-server"};
  const EnvLookup no_environment = [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  };
  ConfigOutcome outcome = LoadConfig(args, no_environment, text, 2);
  if (outcome.config) {
    FUZZ_CHECK(outcome.exit_code == 0);
  } else {
    FUZZ_CHECK(outcome.exit_code == 0 || outcome.exit_code == 2);
    FUZZ_CHECK(!outcome.message.empty());
  }
  return 0;
}
