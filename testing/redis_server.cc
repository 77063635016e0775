// The redis-server fixture: fork/exec, free-port selection, readiness by PING, and a
// tiny blocking client for test setup. See redis_server.h.
#include "testing/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "testing/child_process.h"

namespace sessionkit::testing {
namespace {

using internal::RedisReply;
using internal::RedisReplyReader;

constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(10);
constexpr int kPortAttempts = 8;

// A port the kernel just handed out on 127.0.0.1; free unless someone grabs it first.
Result<int> PickFreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return Status::Unavailable("cannot pick a free port: " + err);
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable(std::string("send: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> RedisServer::FindBinary(const char* name) {
  if (const char* env = std::getenv("SESSIONKIT_REDIS_SERVER"); env != nullptr && *env != '\0' &&
                                                                 std::string_view(name) == "redis-server") {
    if (::access(env, X_OK) == 0) return std::string(env);
    return Status::Unavailable(std::string("SESSIONKIT_REDIS_SERVER is not an executable: ") + env);
  }
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/bin:/usr/sbin:/usr/local/bin";
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return Status::Unavailable(std::string(name) +
                             " not found on PATH: install the Debian package redis-server "
                             "(scripts/install-deps.sh) or set SESSIONKIT_REDIS_SERVER");
}

Result<std::unique_ptr<RedisServer>> RedisServer::Start(Options options) {
  Result<std::string> binary = FindBinary();
  if (!binary.ok()) return binary.status();

  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "sessionkit-redis-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::Unavailable("cannot create a temp dir for redis-server: " + std::string(std::strerror(errno)));
  }
  std::unique_ptr<RedisServer> server(new RedisServer(std::move(options), *binary, pattern));

  Status last = Status::Unavailable("redis-server did not start");
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    Result<int> port = PickFreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    last = server->Launch();
    if (last.ok()) return server;
    // Most likely another process took the port between our probe and redis' bind.
  }
  return last;
}

RedisServer::RedisServer(Options options, std::string binary, std::filesystem::path dir)
    : options_(std::move(options)), binary_(std::move(binary)), dir_(std::move(dir)) {}

RedisServer::~RedisServer() {
  Kill().IgnoreError();  // nothing to keep: persistence is off
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Status RedisServer::Launch() {
  const std::string port = std::to_string(port_);
  const std::string log = (dir_ / "redis.log").string();
  std::vector<std::string> args = {binary_,     "--port",       port,     "--bind",      host_,
                                   "--save",    "",             "--appendonly", "no",  "--dir",
                                   dir_.string(), "--daemonize", "no",      "--logfile",   log};
  if (!options_.password.empty()) {
    args.push_back("--requirepass");
    args.push_back(options_.password);
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out_path = (dir_ / "redis.out").string();

  // Truncate the previous log so that LogTail() shows this run's.
  std::ofstream(log, std::ios::trunc).close();

  pid_t pid = ::fork();
  if (pid < 0) return Status::Unavailable(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  Status up = WaitUntilUp();
  if (!up.ok()) Kill().IgnoreError();
  return up;
}

Status RedisServer::WaitUntilUp() {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("redis-server exited at start (port " + std::to_string(port_) + "): " + LogTail());
    }
    Result<RedisReply> pong = Command({"PING"});
    if (pong.ok()) {
      if (pong->is_status("PONG")) return Status::Ok();
      return Status::Unavailable("redis-server answered PING with " + pong->DebugString());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Unavailable("redis-server did not answer PING in time: " + LogTail());
}

std::string RedisServer::LogTail() const { return LogTailOf(dir_, {"redis.out", "redis.log"}); }

Status RedisServer::Stop() {
  StopChild(pid_, kStopTimeout);
  return Status::Ok();
}

Status RedisServer::Kill() {
  KillChild(pid_);
  return Status::Ok();
}

Status RedisServer::Restart() {
  Status stopped = Stop();
  if (!stopped.ok()) return stopped;
  // The old listening socket may linger for a moment; retry the same port briefly.
  Status last = Status::Unavailable("redis-server did not restart");
  for (int attempt = 0; attempt < 20; ++attempt) {
    last = Launch();
    if (last.ok()) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

Result<RedisReply> RedisServer::Command(const std::vector<std::string>& args, int db) const {
  Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  if (fd.get() < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  timeval tv{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Status::Unavailable("cannot connect to redis-server: " + std::string(std::strerror(errno)));
  }

  std::string request;
  std::size_t expected = 1;
  if (!options_.password.empty()) {
    request += internal::FormatRedisCommand({"AUTH", options_.password});
    ++expected;
  }
  if (db != 0) {
    request += internal::FormatRedisCommand({"SELECT", std::to_string(db)});
    ++expected;
  }
  std::vector<std::string_view> argv(args.begin(), args.end());
  request += internal::FormatRedisCommand(argv);
  Status sent = SendAll(fd.get(), request);
  if (!sent.ok()) return sent;

  RedisReplyReader reader;
  std::vector<RedisReply> replies;
  char buf[16384];
  while (replies.size() < expected) {
    std::optional<RedisReply> reply;
    Status next = reader.Next(reply);
    if (!next.ok()) return next;
    if (reply) {
      replies.push_back(std::move(*reply));
      continue;
    }
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable("redis-server closed the connection");
    Status fed = reader.Feed(buf, static_cast<std::size_t>(n));
    if (!fed.ok()) return fed;
  }
  for (std::size_t i = 0; i + 1 < replies.size(); ++i) {
    if (replies[i].is_error()) return Status::Unavailable("redis-server refused AUTH/SELECT: " + replies[i].str);
  }
  return std::move(replies.back());
}

Result<RedisServer*> RedisServer::Shared() {
  static Result<std::unique_ptr<RedisServer>>* server =
      new Result<std::unique_ptr<RedisServer>>(RedisServer::Start());
  if (!server->ok()) return server->status();
  return server->value().get();
}

}  // namespace sessionkit::testing
