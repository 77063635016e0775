// The cost of the server's configuration load (LoadConfig, server/app/config.h), the
// function the config_load fuzzer calls once per input (docs/fuzzing.md).
//
// Two variants, interleaved round by round (no flags, one flag, no flags, ...); the
// figures are medians over the rounds, in microseconds per call:
//   no flags  args = the program name only (the fuzzer's case, and a server configured
//             by its environment alone), an empty environment and a small .env;
//   one flag  the same plus `--log-level info` (a value equal to the default), so
//             CLI11's option table is built and parsed.
// Not a Google Benchmark program (it interleaves on purpose, for a busy machine).
// Usage: config_bench [--rounds R] [--calls N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/app/config.h"

namespace {

using sessionkit::server::ConfigOutcome;
using sessionkit::server::EnvLookup;
using sessionkit::server::LoadConfig;

constexpr std::string_view kDotEnv =
    "JWT_SECRET=0123456789abcdef0123456789abcdef\n"
    "SESSION_TTL_HOURS=24\n"
    "TRUSTED_PROXIES=10.0.0.0/8\n";

double MicrosPerCall(const std::vector<std::string>& args, const EnvLookup& env, int calls) {
  int started = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    const ConfigOutcome out = LoadConfig(args, env, kDotEnv, 2);
    started += out.config ? 1 : 0;
  }
  const auto end = std::chrono::steady_clock::now();
  if (started != calls) std::abort();  // the config must load: we measure the success path
  return std::chrono::duration<double, std::micro>(end - start).count() / calls;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 9;
  int calls = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") {
      rounds = std::atoi(argv[i + 1]);
    } else if (flag == "--calls") {
      calls = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: config_bench [--rounds R] [--calls N]\n");
      return 2;
    }
  }
  const EnvLookup no_environment = [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  };
  const std::vector<std::string> no_flags{"sessionkit-server"};
  const std::vector<std::string> one_flag{"sessionkit-server", "--log-level", "info"};
  MicrosPerCall(no_flags, no_environment, calls / 10 + 1);  // warm up
  std::vector<double> bare, flagged;
  for (int r = 0; r < rounds; ++r) {
    bare.push_back(MicrosPerCall(no_flags, no_environment, calls));
    flagged.push_back(MicrosPerCall(one_flag, no_environment, calls));
  }
  std::printf("LoadConfig, us per call, median of %d interleaved rounds of %d calls\n", rounds,
              calls);
  std::printf("%-10s %10.2f\n%-10s %10.2f\n", "no flags", Median(bare), "one flag",
              Median(flagged));
  return 0;
}
