// The commands of sessionkit-ctl (API.md §11), each returning the exit status of §11
// (exit_codes.h), on the stores of a server configuration opened as the server opens
// them (server/app/stores.h). No HTTP listener, no event loop: a Redis store runs its
// client's own I/O thread and the calls here use the stores' blocking forms. Destroying
// a Ctl destroys its stores on the calling thread, so every thread they started has been
// joined when the destructor returns (nothing is left running at exit).
//
// Output goes to `out`: a table, or with `json` one JSON object per line (per row).
// Messages and progress go to `err`; progress only when standard error is a terminal.
// Passwords are read from `in_fd` only (password_input.h). Nothing printed holds a
// password, a hash or a secret.
//
// Thread safety: one command per object, one thread.
#ifndef SESSIONKIT_CTL_COMMANDS_H_
#define SESSIONKIT_CTL_COMMANDS_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "server/app/config.h"
#include "server/app/stores.h"
#include "sessionkit/session_manager.h"
#include "sessionkit/user_store.h"

namespace sessionkit::ctl {

struct CtlOptions {
  bool json = false;
  int in_fd = 0;
  bool progress = false;  // standard error is a terminal
};

class Ctl {
 public:
  // `config` must outlive the object.
  Ctl(const server::ServerConfig& config, CtlOptions options, std::ostream& out,
      std::ostream& err);
  ~Ctl();

  int SessionsList(const std::string& user_id, const std::string& username);
  int SessionsShow(const std::string& session_id);
  int SessionsRevoke(const std::string& session_id);
  int SessionsRevokeUser(const std::string& who);
  int SessionsStats(std::size_t top);
  int SessionsPurge();

  int UsersList();
  int UsersShow(const std::string& who);
  int UsersAdd(const std::string& username, const std::string& email, const std::string& role);
  int UsersSetPassword(const std::string& who);
  int UsersSetDisabled(const std::string& who, bool disabled);
  int UsersSetRole(const std::string& who, const std::string& role);
  int UsersImport(const std::string& file);

  int ConfigCheck();

 private:
  int Open();
  // The user named by `who`: an id, else a username or email. NotFound / Unavailable.
  Result<User> Resolve(const std::string& who);
  int Fail(const Status& status, const std::string& what);
  // A new password read from in_fd (password_input.h), hashed at the configuration's
  // argon2id cost. The reading's refusal, or the hasher's error.
  Result<std::string> HashOfNewPassword();
  void Progress(const std::string& text);

  const server::ServerConfig& config_;
  CtlOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  std::optional<server::ConfiguredStores> stores_;
  std::unique_ptr<SessionManager> manager_;
};

// `secret generate`: a random JWT_SECRET (32 CSPRNG bytes as 64 hex characters).
int SecretGenerate(std::ostream& out, std::ostream& err);

}  // namespace sessionkit::ctl

#endif  // SESSIONKIT_CTL_COMMANDS_H_
