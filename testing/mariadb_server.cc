// The mariadbd fixture: mariadb-install-db into a temp dir, fork/exec mariadbd on a free
// port, readiness by connecting over the socket, and a root client for setup. See
// mariadb_server.h.
#include "testing/mariadb_server.h"

#include <fcntl.h>
#include <mysql.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "testing/child_process.h"
#include "testing/conformance.h"

namespace sessionkit::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr int kPortAttempts = 8;

// fork/exec `args` with stdout+stderr to `out_path`; returns the child's pid.
Result<pid_t> Spawn(std::vector<std::string> args, const std::string& out_path) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Status::Unavailable(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// A root connection over the socket, or the client's error text.
struct RootClient {
  MYSQL* mysql = nullptr;
  std::string error;
  explicit RootClient(const std::string& socket) {
    static std::once_flag ready;
    std::call_once(ready, [] { mysql_library_init(0, nullptr, nullptr); });
    mysql = mysql_init(nullptr);
    const unsigned timeout = 5;
    mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &timeout);
    if (mysql_real_connect(mysql, nullptr, "root", "", nullptr, 0, socket.c_str(), 0) == nullptr) {
      error = mysql_error(mysql);
    }
  }
  ~RootClient() { mysql_close(mysql); }
  bool ok() const { return error.empty(); }
};

}  // namespace

Result<std::string> MariadbServer::FindBinary(const char* name) {
  const char* env_name = std::string_view(name) == "mariadbd" ? "SESSIONKIT_MARIADBD"
                                                              : "SESSIONKIT_MARIADB_INSTALL_DB";
  if (const char* env = std::getenv(env_name); env != nullptr && *env != '\0') {
    if (::access(env, X_OK) == 0) return std::string(env);
    return Status::Unavailable(std::string(env_name) + " is not an executable: " + env);
  }
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin";
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return Status::Unavailable(std::string(name) +
                             " not found: install the Debian package mariadb-server-core "
                             "(scripts/install-deps.sh) or set " + env_name);
}

Result<std::unique_ptr<MariadbServer>> MariadbServer::Start() {
  Result<std::string> mariadbd = FindBinary("mariadbd");
  if (!mariadbd.ok()) return mariadbd.status();
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "sessionkit-mariadb-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::Unavailable("cannot create a temp dir for mariadbd: " +
                               std::string(std::strerror(errno)));
  }
  std::unique_ptr<MariadbServer> server(new MariadbServer(pattern));
  server->mariadbd_ = *mariadbd;
  if (Status installed = server->Install(); !installed.ok()) return installed;

  Status last = Status::Unavailable("mariadbd did not start");
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    Result<int> port = UnusedLoopbackPort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    last = server->Launch();
    if (last.ok()) break;
    // Most likely another process took the port between our probe and mariadbd's bind.
  }
  if (!last.ok()) return last;
  const std::string user = std::string("'") + kUser + "'@'%'";
  for (const std::string& sql :
       {"CREATE USER " + user + " IDENTIFIED BY '" + kPassword + "'",
        "GRANT ALL PRIVILEGES ON *.* TO " + user}) {
    if (Status st = server->Execute(sql); !st.ok()) return st;
  }
  return server;
}

// mariadb-install-db takes seconds (it bootstraps the system tables), a copy of its
// result a few milliseconds: the first server initialises a template data directory,
// keyed by the mariadbd binary (its size and time) so an upgrade makes a new one, and
// every server copies it. Two processes racing to make it each install into a directory
// of their own and rename it into place; the loser's copy is thrown away.
Result<std::filesystem::path> MariadbServer::TemplateDataDir() const {
  struct stat binary {};
  if (::stat(mariadbd_.c_str(), &binary) != 0) {
    return Status::Unavailable("cannot stat " + mariadbd_ + ": " + std::strerror(errno));
  }
  const long long size = binary.st_size;
  const long long time = binary.st_mtime;  // tests/integration/sk_harness.py: the same name
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  const std::filesystem::path ready =
      base / ("sessionkit-mariadb-template-" + std::to_string(::geteuid()) + "-" +
              std::to_string(size) + "-" + std::to_string(time));
  if (std::filesystem::exists(ready / "mysql")) return ready;

  Result<std::string> install_db = FindBinary("mariadb-install-db");
  if (!install_db.ok()) return install_db.status();
  const std::filesystem::path fresh = dir_ / "template";
  std::vector<std::string> args = {*install_db,
                                   "--no-defaults",
                                   "--datadir=" + fresh.string(),
                                   "--auth-root-authentication-method=normal",
                                   "--skip-test-db",
                                   "--innodb-log-file-size=8M"};
  if (::geteuid() == 0) args.push_back("--user=root");
  Result<pid_t> pid = Spawn(std::move(args), (dir_ / "install.out").string());
  if (!pid.ok()) return pid.status();
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Unavailable("mariadb-install-db failed: " + LogTail());
  }
  std::filesystem::rename(fresh, ready, ec);
  if (ec) std::filesystem::remove_all(fresh, ec);  // another process won the race
  if (!std::filesystem::exists(ready / "mysql")) {
    return Status::Unavailable("cannot keep the mariadb template data directory");
  }
  return ready;
}

Status MariadbServer::Install() {
  Result<std::filesystem::path> from = TemplateDataDir();
  if (!from.ok()) return from.status();
  std::error_code ec;
  std::filesystem::copy(*from, dir_ / "data", std::filesystem::copy_options::recursive, ec);
  if (ec) return Status::Unavailable("cannot copy the mariadb template data directory: " + ec.message());
  return Status::Ok();
}

MariadbServer::~MariadbServer() {
  Kill().IgnoreError();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Status MariadbServer::Launch() {
  std::vector<std::string> args = {mariadbd_,
                                   "--no-defaults",
                                   "--datadir=" + (dir_ / "data").string(),
                                   "--socket=" + socket(),
                                   "--port=" + std::to_string(port_),
                                   "--bind-address=" + host_,
                                   "--pid-file=" + (dir_ / "mariadb.pid").string(),
                                   "--log-error=" + (dir_ / "mariadb.err").string(),
                                   "--skip-log-bin",
                                   "--innodb-buffer-pool-size=32M",
                                   "--innodb-log-file-size=8M",
                                   "--max-connections=400"};
  if (::geteuid() == 0) args.push_back("--user=root");
  // Truncate the previous log so that LogTail() shows this run's.
  std::ofstream(dir_ / "mariadb.err", std::ios::trunc).close();
  Result<pid_t> pid = Spawn(std::move(args), (dir_ / "mariadb.out").string());
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  Status up = WaitUntilUp();
  if (!up.ok()) Kill().IgnoreError();
  return up;
}

Status MariadbServer::WaitUntilUp() {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("mariadbd exited at start (port " + std::to_string(port_) +
                                 "): " + LogTail());
    }
    if (RootClient(socket()).ok()) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Unavailable("mariadbd did not answer in time: " + LogTail());
}

std::string MariadbServer::LogTail() const { return LogTailOf(dir_, {"install.out", "mariadb.out", "mariadb.err"}); }

Status MariadbServer::Stop() {
  StopChild(pid_, kStopTimeout);
  return Status::Ok();
}

Status MariadbServer::Kill() {
  KillChild(pid_);
  return Status::Ok();
}

Status MariadbServer::Restart() {
  if (Status stopped = Stop(); !stopped.ok()) return stopped;
  Status last = Status::Unavailable("mariadbd did not restart");
  for (int attempt = 0; attempt < 20; ++attempt) {
    last = Launch();
    if (last.ok()) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}

Status MariadbServer::Execute(const std::string& sql) const {
  RootClient client(socket());
  if (!client.ok()) return Status::Unavailable("cannot connect to mariadbd: " + client.error);
  if (mysql_real_query(client.mysql, sql.data(), sql.size()) != 0) {
    return Status::Unavailable("mariadbd refused a setup statement: " +
                               std::string(mysql_error(client.mysql)));
  }
  if (MYSQL_RES* res = mysql_store_result(client.mysql)) mysql_free_result(res);
  return Status::Ok();
}

Result<MysqlOptions> MariadbServer::CreateDatabase() {
  const std::string name =
      "sk_test_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
  if (Status st = Execute("CREATE DATABASE " + name); !st.ok()) return st;
  MysqlOptions options;
  options.host = host_;
  options.port = port_;
  options.user = kUser;
  options.password = kPassword;
  options.database = name;
  return options;
}

Result<MariadbServer*> MariadbServer::Shared() {
  static Result<std::unique_ptr<MariadbServer>>* server = [] {
    auto* started = new Result<std::unique_ptr<MariadbServer>>(MariadbServer::Start());
    // At exit, stop it and remove its data directory (tens of MB): the process ending
    // would kill it (PR_SET_PDEATHSIG) but leave the directory behind.
    std::atexit([] {
      if (server->ok()) server->value().reset();
    });
    return started;
  }();
  if (!server->ok()) return server->status();
  return server->value().get();
}

}  // namespace sessionkit::testing
