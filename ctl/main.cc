// sessionkit-ctl: administration of a sessionkit deployment from a shell (API.md §11).
// Reads the server's configuration (environment, ./.env or --env-file FILE: exactly as
// the server does, server/app/config.h) and works on the same stores while servers run.
//
// Exit status: 0 done, 1 not found or refused, 2 usage or configuration error, 3 a
// store unreachable. Passwords only from standard input; secrets only from the
// environment or the env file.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <functional>
#include <iostream>
#include <string>

#include "ctl/commands.h"
#include "ctl/exit_codes.h"
#include "server/app/config.h"

namespace ctl = sessionkit::ctl;
namespace srv = sessionkit::server;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // Library log lines (a store reconnecting) go to standard error, warnings and worse only.
  auto logger = spdlog::stderr_logger_mt("sessionkit-ctl");
  logger->set_level(spdlog::level::warn);
  spdlog::set_default_logger(logger);

  CLI::App app{"sessionkit-ctl: administration of sessionkit's sessions and users (API.md §11).\n"
               "Reads the server's configuration: the environment, then ./.env or --env-file.",
               "sessionkit-ctl"};
  app.footer(
      "Passwords are read from standard input only (a terminal prompts twice without echo;\n"
      "a pipe gives one line). Exit status: 0 done, 1 not found or refused, 2 usage,\n"
      "3 a store unreachable.");
  app.require_subcommand(1);
  app.fallthrough();
  std::string env_file = ".env";
  bool json = false;
  app.add_option("--env-file", env_file, "read variables from FILE instead of ./.env")
      ->type_name("FILE");
  app.add_flag("--json", json, "one JSON object per line instead of a table");

  // The command to run once the configuration is loaded.
  std::function<int(ctl::Ctl&)> run;
  bool needs_config = true;

  CLI::App* sessions = app.add_subcommand("sessions", "live sessions");
  sessions->require_subcommand(1);
  std::string user_id, username, session_id, who, role, email, file;
  std::size_t top = 10;

  CLI::App* list = sessions->add_subcommand("list", "a user's live sessions, newest first");
  auto* by_id = list->add_option("--user", user_id, "the user's id");
  auto* by_name = list->add_option("--username", username, "the user's username or email");
  by_id->excludes(by_name);
  list->callback([&] {
    if (user_id.empty() && username.empty()) throw CLI::ValidationError("give --user ID or --username NAME");
    run = [&](ctl::Ctl& c) { return c.SessionsList(user_id, username); };
  });
  CLI::App* show = sessions->add_subcommand("show", "one session");
  show->add_option("ID", session_id, "session id (sess_...)")->required();
  show->callback([&] { run = [&](ctl::Ctl& c) { return c.SessionsShow(session_id); }; });
  CLI::App* revoke = sessions->add_subcommand("revoke", "revoke one session");
  revoke->add_option("ID", session_id, "session id (sess_...)")->required();
  revoke->callback([&] { run = [&](ctl::Ctl& c) { return c.SessionsRevoke(session_id); }; });
  CLI::App* revoke_user =
      sessions->add_subcommand("revoke-user", "revoke every session of a user; prints the count");
  revoke_user->add_option("USER", who, "user id, username or email")->required();
  revoke_user->callback([&] { run = [&](ctl::Ctl& c) { return c.SessionsRevokeUser(who); }; });
  CLI::App* stats = sessions->add_subcommand(
      "stats", "live sessions in total, by purpose, top users (Redis: SCAN, never KEYS)");
  stats->add_option("--top", top, "users to list")->capture_default_str()->check(CLI::Range(1, 1000));
  stats->callback([&] { run = [&](ctl::Ctl& c) { return c.SessionsStats(top); }; });
  CLI::App* purge = sessions->add_subcommand(
      "purge", "delete expired records (whatever their TTL) and stale index members (bounded batches)");
  purge->callback([&] { run = [&](ctl::Ctl& c) { return c.SessionsPurge(); }; });

  CLI::App* users = app.add_subcommand("users", "user accounts");
  users->require_subcommand(1);
  users->add_subcommand("list", "every user, without hashes")->callback([&] {
    run = [&](ctl::Ctl& c) { return c.UsersList(); };
  });
  CLI::App* ushow = users->add_subcommand("show", "one user, without its hash");
  ushow->add_option("USER", who, "user id, username or email")->required();
  ushow->callback([&] { run = [&](ctl::Ctl& c) { return c.UsersShow(who); }; });
  CLI::App* add = users->add_subcommand("add", "create a user; the password from standard input");
  add->add_option("USERNAME", username, "3-32 of [A-Za-z0-9_.-]")->required();
  add->add_option("EMAIL", email, "local@domain.tld")->required();
  role = "user";
  add->add_option("--role", role, "role carried by the user's tokens")->capture_default_str();
  add->callback([&] { run = [&](ctl::Ctl& c) { return c.UsersAdd(username, email, role); }; });
  CLI::App* set_password = users->add_subcommand(
      "set-password", "new password from standard input; revokes the user's sessions");
  set_password->add_option("USER", who, "user id, username or email")->required();
  set_password->callback([&] { run = [&](ctl::Ctl& c) { return c.UsersSetPassword(who); }; });
  CLI::App* disable = users->add_subcommand(
      "disable", "refuse the user's logins (403 account_disabled) and revoke its sessions");
  disable->add_option("USER", who, "user id, username or email")->required();
  disable->callback([&] { run = [&](ctl::Ctl& c) { return c.UsersSetDisabled(who, true); }; });
  CLI::App* enable = users->add_subcommand("enable", "allow a disabled user to log in again");
  enable->add_option("USER", who, "user id, username or email")->required();
  enable->callback([&] { run = [&](ctl::Ctl& c) { return c.UsersSetDisabled(who, false); }; });
  CLI::App* set_role = users->add_subcommand("set-role", "set the role new tokens carry");
  set_role->add_option("USER", who, "user id, username or email")->required();
  set_role->add_option("ROLE", role, "1-64 of [A-Za-z0-9_.-]")->required();
  set_role->callback([&] { run = [&](ctl::Ctl& c) { return c.UsersSetRole(who, role); }; });
  CLI::App* import = users->add_subcommand(
      "import", "users as JSON lines {username, email, password_hash, role?, is_premium?, "
                "is_verified?, id?} (bcrypt or argon2id); idempotent; a report per line");
  import->add_option("FILE", file, "the JSON lines file, - for standard input")->required();
  import->callback([&] { run = [&](ctl::Ctl& c) { return c.UsersImport(file); }; });

  CLI::App* secret = app.add_subcommand("secret", "secrets");
  secret->require_subcommand(1);
  secret->add_subcommand("generate", "print a random JWT_SECRET (64 hex characters)")->callback([&] {
    needs_config = false;
    run = [](ctl::Ctl&) { return ctl::kExitDone; };
  });

  CLI::App* config = app.add_subcommand("config", "configuration");
  config->require_subcommand(1);
  config->add_subcommand("check", "the effective configuration (secrets redacted) and whether "
                                  "each store is reached; exit 0 or 3")
      ->callback([&] { run = [&](ctl::Ctl& c) { return c.ConfigCheck(); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return ctl::kExitUsage;
  }

  if (!needs_config) return ctl::SecretGenerate(std::cout, std::cerr);
  srv::ConfigOutcome outcome = srv::LoadConfigFromEnvironment("sessionkit-ctl", env_file);
  if (!outcome.config) {
    std::cerr << outcome.message << std::endl;
    return ctl::kExitUsage;
  }
  ctl::CtlOptions options;
  options.json = json;
  options.in_fd = STDIN_FILENO;
  options.progress = ::isatty(STDERR_FILENO) != 0;
  int rc = ctl::kExitUsage;
  {
    ctl::Ctl command(*outcome.config, options, std::cout, std::cerr);
    rc = run(command);
  }
  std::cout.flush();
  return rc;
}
