// sessionkit-server: the entry point. Configuration (server/app/config.h), then the
// application's wiring and run (server/app/application.h).
//
// Exit status: 0 after --help or a clean SIGTERM/SIGINT shutdown, 2 for a configuration
// error (nothing secret is printed), 1 when a dependency cannot be set up at start
// (database file, port in use).
#include <csignal>
#include <iostream>

#include "server/app/application.h"
#include "server/app/config.h"

namespace srv = sessionkit::server;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  srv::ConfigOutcome outcome = srv::LoadConfigFromProcess(argc, argv);
  if (!outcome.config) {
    (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.message << std::endl;
    return outcome.exit_code;
  }
  srv::SetUpLogging(outcome.config->log_level, outcome.config->log_format);
  return srv::RunServer(*outcome.config);
}
