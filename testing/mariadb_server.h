// MariadbServer: a throwaway real MariaDB server (`mariadbd`) for tests.
//
// Start() initialises a fresh data directory in a new temporary directory with
// `mariadb-install-db --no-defaults` (root with an empty password, reachable over the
// socket; done once per machine and mariadbd build into a template directory under
// $TMPDIR that later servers copy, since the bootstrap takes seconds), then runs `mariadbd --no-defaults` on it, bound to
// 127.0.0.1 on a free port (found by binding port 0; retried if another process takes it
// first), its socket in the temporary directory, no binary log, a small buffer pool, and
// `--user=root` when the test runs as root (mariadbd refuses root otherwise). No system
// service, no fixed port, no config file. It then creates the user `sessionkit` (password
// kPassword, all privileges) and waits until a TCP connection as that user works.
// A missing binary is an error with a clear message, never a skip: callers ASSERT on it.
// Binaries come from $SESSIONKIT_MARIADBD / $SESSIONKIT_MARIADB_INSTALL_DB, else PATH
// and /usr/sbin (Debian: mariadb-server-core, scripts/install-deps.sh).
//
// Stop() (SIGTERM, a clean shutdown), Kill() (SIGKILL) and Restart() (same port, same
// data) let tests take the database away and bring it back. The destructor kills the
// server and removes the directory. The child gets SIGKILL if the thread that started it
// dies, so a crashed test leaves no server behind.
//
// Execute() runs one SQL statement as root over the socket (test setup only; no result).
// CreateDatabase() makes a new, empty database with a unique name and returns store
// options for it (the `sessionkit` user over TCP).
//
// Not thread-safe: drive one instance from one thread. Shared() may be called from one
// thread at a time.
#ifndef SESSIONKIT_TESTING_MARIADB_SERVER_H_
#define SESSIONKIT_TESTING_MARIADB_SERVER_H_

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "sessionkit/mysql_store.h"
#include "sessionkit/result.h"

namespace sessionkit::testing {

class MariadbServer {
 public:
  static constexpr const char* kUser = "sessionkit";
  static constexpr const char* kPassword = "fixture-Secret-9f3b";

  // Unavailable with the reason (a binary missing, failed to start: log excerpt).
  static Result<std::unique_ptr<MariadbServer>> Start();

  // One server for the whole test process, started on first use and stopped, its
  // directory removed, at exit (std::atexit); a start failure is returned to every
  // caller. Tests sharing it use a database each (CreateDatabase).
  static Result<MariadbServer*> Shared();

  ~MariadbServer();
  MariadbServer(const MariadbServer&) = delete;
  MariadbServer& operator=(const MariadbServer&) = delete;

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  std::string socket() const { return (dir_ / "mariadb.sock").string(); }
  bool running() const { return pid_ > 0; }

  Status Stop();     // SIGTERM and wait (SIGKILL after 30 s)
  Status Kill();     // SIGKILL and wait
  Status Restart();  // Stop if running, start again on the same port and data

  // One statement as root over the socket. Unavailable if the server is down.
  Status Execute(const std::string& sql) const;

  // A new empty database "sk_test_<pid>_<n>" and options for it (kUser over TCP).
  Result<MysqlOptions> CreateDatabase();

  // The path of `name` that Start() would run, or an Unavailable status.
  static Result<std::string> FindBinary(const char* name);

 private:
  explicit MariadbServer(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Result<std::filesystem::path> TemplateDataDir() const;
  Status Install();  // a fresh data directory: a copy of TemplateDataDir()
  Status Launch();  // fork/exec on port_, wait until the socket answers
  Status WaitUntilUp();
  std::string LogTail() const;

  std::filesystem::path dir_;
  std::string mariadbd_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

}  // namespace sessionkit::testing

#endif  // SESSIONKIT_TESTING_MARIADB_SERVER_H_
