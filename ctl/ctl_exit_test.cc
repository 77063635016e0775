// sessionkit-ctl leaves no thread running at exit: when a command's Ctl is destroyed,
// every thread its stores started (each Redis client's I/O thread) has been joined on the
// calling thread, even when a store's last callback was still unwinding on its I/O thread
// as the blocking call returned (commands.cc, ReleaseOnThisThread). Against a real
// redis-server, many rounds: the race this guards against is narrow.
#include <dirent.h>

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "ctl/commands.h"
#include "ctl/exit_codes.h"
#include "server/app/config.h"
#include "testing/redis_server.h"
#include "testing/temp_dir.h"

namespace sessionkit::ctl {
namespace {

std::size_t ThreadsOfThisProcess() {
  std::size_t n = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return 0;
  while (dirent* entry = readdir(dir)) n += entry->d_name[0] != '.';
  closedir(dir);
  return n;
}

TEST(CtlExit, EveryStoreThreadIsJoinedWhenTheCommandEnds) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  testing::TempDir dir;
  const std::map<std::string, std::string> env = {
      {"REDIS_ADDR", "127.0.0.1:" + std::to_string((*redis)->port())},
      {"DATABASE_URL", "sqlite://" + dir.File("users.db")},
      {"JWT_SECRET", "ctl-exit-test-secret-0123456789abcdef0123456789"},
  };
  server::ConfigOutcome outcome = server::LoadConfig(
      {"sessionkit-ctl"},
      [&](std::string_view name) -> std::optional<std::string> {
        auto it = env.find(std::string(name));
        if (it == env.end()) return std::nullopt;
        return it->second;
      },
      "", 2);
  ASSERT_TRUE(outcome.config) << outcome.message;

  const std::size_t before = ThreadsOfThisProcess();
  ASSERT_GT(before, 0u);
  for (int round = 0; round < 200; ++round) {
    std::ostringstream out, err;
    {
      Ctl command(*outcome.config, {}, out, err);
      ASSERT_EQ(command.SessionsRevokeUser("nobody-" + std::to_string(round)), kExitDone) << err.str();
      ASSERT_EQ(command.SessionsStats(3), kExitDone) << err.str();
    }
    ASSERT_EQ(ThreadsOfThisProcess(), before) << "round " << round << ": a store thread outlived its command";
  }
}

}  // namespace
}  // namespace sessionkit::ctl
