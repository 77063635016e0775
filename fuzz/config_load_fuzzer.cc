// Fuzz target: the server's configuration load (LoadConfig, server/app/config.h) over an
// arbitrary `.env` text, with no other variable set and no flag: every setting's parse
// and check (numbers, ranges, addresses, DATABASE_URL, TRUSTED_PROXIES, secrets).
// With no flag LoadConfig builds no CLI11 parser (it once did, and this target ran at
// hundreds of runs a second: docs/fuzzing.md); the `.env` syntax alone is fuzz_dotenv.
//
// Properties beyond "no crash": LoadConfig returns a config (exit code 0), or no config
// with exit code 0 or 2 and a message to print. A config's PUBLIC_ORIGIN is empty or an
// origin, and its TRUSTED_ORIGINS (a comma list) are each non-empty, trimmed, comma-free
// origins (OriginProblem, server/app/origin.h; its own target is fuzz_origin).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "server/app/config.h"
#include "server/app/origin.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sessionkit::server;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const std::vector<std::string>* args = new std::vector<std::string>{"sessionkit-server"};
  static const EnvLookup* no_environment =
      new EnvLookup([](std::string_view) -> std::optional<std::string> { return std::nullopt; });
  const ConfigOutcome outcome = LoadConfig(*args, *no_environment, text, 2);
  if (outcome.config) {
    FUZZ_CHECK(outcome.exit_code == 0);
    const ServerConfig& config = *outcome.config;
    FUZZ_CHECK(config.public_origin.empty() || OriginProblem(config.public_origin).empty());
    for (const std::string& origin : config.trusted_origins) {
      FUZZ_CHECK(!origin.empty() && origin.find(',') == std::string::npos);
      FUZZ_CHECK(origin.front() != ' ' && origin.back() != ' ');
      FUZZ_CHECK(OriginProblem(origin).empty());
    }
  } else {
    FUZZ_CHECK(outcome.exit_code == 0 || outcome.exit_code == 2);
    FUZZ_CHECK(!outcome.message.empty());
  }
  return 0;
}
