// The Redis Cluster fixture: N + N*R redis-server nodes joined by redis-cli. See
// redis_cluster.h.
#include "testing/redis_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>
#include <utility>

namespace sessionkit::testing {
namespace {

using internal::RedisReply;

constexpr auto kFormTimeout = std::chrono::seconds(30);

extern "C" char** environ;

// Runs argv with `extra_env` added to the environment, output to `log`; the exit code.
Result<int> RunAndWait(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
                       const std::string& log) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Status::Unavailable(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// "MOVED 3999 127.0.0.1:6381" / "ASK ..." -> the port.
int RedirectPort(const std::string& error) {
  const std::size_t colon = error.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(error.c_str() + colon + 1);
}

}  // namespace

Result<std::unique_ptr<RedisCluster>> RedisCluster::Start(Options options) {
  Result<std::string> cli = RedisServer::FindBinary("redis-cli");
  if (!cli.ok()) return cli.status();
  if (options.masters < 3) return Status::InvalidArgument("a redis cluster needs at least 3 masters");
  std::unique_ptr<RedisCluster> cluster(new RedisCluster(options));
  const int total = options.masters * (1 + options.replicas_per_master);
  for (int i = 0; i < total; ++i) {
    RedisServer::Options node;
    node.password = options.password;
    node.extra_args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                       "--cluster-node-timeout", std::to_string(options.node_timeout.count()),
                       "--appendonly", "yes", "--appendfsync", "everysec",
                       // A failed master stops only its own slots (docs/redis.md).
                       "--cluster-require-full-coverage", "no",
                       // Replicas sync at once (Redis waits 5 s by default for more).
                       "--repl-diskless-sync-delay", "0"};
    if (!options.password.empty()) {
      node.extra_args.push_back("--masterauth");
      node.extra_args.push_back(options.password);
    }
    Result<std::unique_ptr<RedisServer>> server = RedisServer::Start(std::move(node));
    if (!server.ok()) return server.status();
    cluster->nodes_.push_back(std::move(server).value());
  }
  std::vector<std::string> args = {*cli, "--cluster", "create"};
  for (const std::string& seed : cluster->Seeds()) args.push_back(seed);
  args.insert(args.end(), {"--cluster-replicas", std::to_string(options.replicas_per_master), "--cluster-yes"});
  std::vector<std::string> env;
  if (!options.password.empty()) env.push_back("REDISCLI_AUTH=" + options.password);
  char log_path[] = "/tmp/sessionkit-cluster-create-XXXXXX";
  const int log_fd = ::mkstemp(log_path);
  if (log_fd >= 0) ::close(log_fd);
  Result<int> code = RunAndWait(args, env, log_path);
  std::string log_text;
  if (FILE* f = std::fopen(log_path, "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) log_text.append(buf, n);
    std::fclose(f);
  }
  ::unlink(log_path);
  if (!code.ok()) return code.status();
  if (*code != 0) {
    if (log_text.size() > 2000) log_text = log_text.substr(log_text.size() - 2000);
    return Status::Unavailable("redis-cli --cluster create failed (" + std::to_string(*code) + "): " + log_text);
  }
  if (Status ok = cluster->WaitUntilOk(kFormTimeout); !ok.ok()) return ok;
  // cluster_state:ok comes before the replicas' first sync: wait for it too, so that a
  // failover or WAIT test starts from a replicated cluster.
  const auto deadline = std::chrono::steady_clock::now() + kFormTimeout;
  for (;;) {
    Result<std::vector<std::size_t>> masters = cluster->Masters();
    bool synced = masters.ok();
    for (std::size_t m : masters.ok() ? *masters : std::vector<std::size_t>{}) {
      Result<RedisReply> info = cluster->nodes_[m]->Command({"INFO", "replication"});
      std::size_t online = 0;
      for (std::size_t at = 0; info.ok() && (at = info->str.find("state=online", at)) != std::string::npos; ++at) {
        ++online;
      }
      if (online < static_cast<std::size_t>(options.replicas_per_master)) synced = false;
    }
    if (synced) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("redis cluster replicas did not finish their first sync in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cluster;
}

Result<RedisCluster*> RedisCluster::Shared() {
  static Result<std::unique_ptr<RedisCluster>>* cluster =
      new Result<std::unique_ptr<RedisCluster>>(RedisCluster::Start());
  if (!cluster->ok()) return cluster->status();
  return cluster->value().get();
}

RedisCluster::~RedisCluster() {
  for (auto& node : nodes_) node->Kill().IgnoreError();
}

std::vector<std::string> RedisCluster::Seeds() const {
  std::vector<std::string> out;
  for (const auto& node : nodes_) out.push_back(node->host() + ":" + std::to_string(node->port()));
  return out;
}

std::size_t RedisCluster::AnyRunning() const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->running()) return i;
  }
  return 0;
}

Result<RedisReply> RedisCluster::CommandOn(std::size_t i, const std::vector<std::string>& args) const {
  return nodes_.at(i)->Command(args);
}

Result<std::size_t> RedisCluster::NodeByPort(int port) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->port() == port) return i;
  }
  return Status::Unavailable("no node on port " + std::to_string(port));
}

Result<RedisReply> RedisCluster::Command(const std::vector<std::string>& args) const {
  std::size_t node = AnyRunning();
  if (args.size() >= 2) {
    Result<int> slot = KeySlot(args[1]);
    if (slot.ok()) {
      if (Result<std::size_t> owner = MasterOfSlot(*slot); owner.ok()) node = *owner;
    }
  }
  for (int hop = 0; hop < 5; ++hop) {
    Result<RedisReply> reply = nodes_[node]->Command(args);
    if (!reply.ok() || !reply->is_error()) return reply;
    // MOVED only: an ASK (a slot being migrated) needs ASKING on the same connection,
    // which this one-command helper cannot send; tests that migrate slots use CommandOn.
    if (reply->str.rfind("MOVED ", 0) != 0) return reply;
    Result<std::size_t> next = NodeByPort(RedirectPort(reply->str));
    if (!next.ok()) return next.status();
    node = *next;
  }
  return Status::Unavailable("too many redirections for " + (args.empty() ? std::string() : args[0]));
}

Status RedisCluster::FlushAll() const {
  Result<std::vector<std::size_t>> masters = Masters();
  if (!masters.ok()) return masters.status();
  for (std::size_t m : *masters) {
    Result<RedisReply> reply = nodes_[m]->Command({"FLUSHALL"});
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) return Status::Internal("FLUSHALL: " + reply->str);
  }
  return Status::Ok();
}

Result<int> RedisCluster::KeySlot(const std::string& key) const {
  Result<RedisReply> reply = nodes_[AnyRunning()]->Command({"CLUSTER", "KEYSLOT", key});
  if (!reply.ok()) return reply.status();
  if (!reply->is_integer()) return Status::Internal("CLUSTER KEYSLOT: " + reply->DebugString());
  return static_cast<int>(reply->integer);
}

Result<std::size_t> RedisCluster::MasterOfSlot(int slot) const {
  Result<RedisReply> reply = nodes_[AnyRunning()]->Command({"CLUSTER", "SLOTS"});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array()) return Status::Internal("CLUSTER SLOTS: " + reply->DebugString());
  for (const RedisReply& range : reply->elements) {
    if (range.elements.size() < 3) continue;
    if (slot < range.elements[0].integer || slot > range.elements[1].integer) continue;
    const RedisReply& master = range.elements[2];
    if (master.elements.size() < 2) break;
    return NodeByPort(static_cast<int>(master.elements[1].integer));
  }
  return Status::Unavailable("no master serves slot " + std::to_string(slot));
}

Result<std::vector<std::size_t>> RedisCluster::Masters() const {
  Result<RedisReply> reply = nodes_[AnyRunning()]->Command({"CLUSTER", "SLOTS"});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array()) return Status::Internal("CLUSTER SLOTS: " + reply->DebugString());
  std::set<std::size_t> masters;
  for (const RedisReply& range : reply->elements) {
    if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) continue;
    Result<std::size_t> node = NodeByPort(static_cast<int>(range.elements[2].elements[1].integer));
    if (node.ok()) masters.insert(*node);
  }
  return std::vector<std::size_t>(masters.begin(), masters.end());
}

Status RedisCluster::WaitUntilOk(std::chrono::milliseconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string last = "no node answered";
  while (std::chrono::steady_clock::now() < deadline) {
    bool all_ok = true;
    for (const auto& node : nodes_) {
      if (!node->running()) continue;
      Result<RedisReply> info = node->Command({"CLUSTER", "INFO"});
      if (!info.ok() || info->str.find("cluster_state:ok") == std::string::npos) {
        all_ok = false;
        last = info.ok() ? info->str.substr(0, 200) : info.status().ToString();
        break;
      }
      // Every node must also know all 16384 slots as assigned.
      if (info->str.find("cluster_slots_ok:16384") == std::string::npos) {
        all_ok = false;
        last = info->str.substr(0, 200);
        break;
      }
    }
    if (all_ok) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable("redis cluster did not reach cluster_state:ok: " + last);
}

}  // namespace sessionkit::testing
