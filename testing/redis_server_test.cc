// The redis-server fixture itself: start, command, kill, restart on the same port,
// password, cleanup.
#include "testing/redis_server.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace sessionkit::testing {
namespace {

TEST(RedisServerTest, StartsAnswersAndRestartsOnTheSamePort) {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  RedisServer& redis = **server;
  EXPECT_TRUE(redis.running());
  EXPECT_GT(redis.port(), 0);

  auto set = redis.Command({"SET", "k", "v"});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_TRUE(set->is_status("OK"));
  auto get = redis.Command({"GET", "k"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, "v");

  // Persistence is off: nothing is written to disk.
  auto save = redis.Command({"CONFIG", "GET", "save"});
  ASSERT_TRUE(save.ok());
  ASSERT_EQ(save->elements.size(), 2u);
  EXPECT_EQ(save->elements[1].str, "");

  const int port = redis.port();
  ASSERT_TRUE(redis.Kill().ok());
  EXPECT_FALSE(redis.running());
  auto down = redis.Command({"PING"});
  EXPECT_TRUE(down.status().IsUnavailable()) << down.status().ToString();

  ASSERT_TRUE(redis.Restart().ok());
  EXPECT_EQ(redis.port(), port);
  auto after = redis.Command({"GET", "k"});
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->is_nil()) << "a restarted server starts empty";
}

TEST(RedisServerTest, StopIsGracefulAndIdempotent) {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_TRUE((*server)->Stop().ok());
  EXPECT_FALSE((*server)->running());
  EXPECT_TRUE((*server)->Stop().ok());
  EXPECT_TRUE((*server)->Kill().ok());
}

TEST(RedisServerTest, PasswordAndDatabase) {
  auto server = RedisServer::Start({.password = "fixture-secret"});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto set = (*server)->Command({"SET", "in-db-5", "x"}, 5);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  auto in0 = (*server)->Command({"EXISTS", "in-db-5"}, 0);
  ASSERT_TRUE(in0.ok());
  EXPECT_EQ(in0->integer, 0);
  auto in5 = (*server)->Command({"EXISTS", "in-db-5"}, 5);
  ASSERT_TRUE(in5.ok());
  EXPECT_EQ(in5->integer, 1);
}

TEST(RedisServerTest, TwoServersGetDistinctPortsAndDirsAreRemoved) {
  auto a = RedisServer::Start();
  auto b = RedisServer::Start();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_NE((*a)->port(), (*b)->port());
  auto dir = (*a)->Command({"CONFIG", "GET", "dir"});
  ASSERT_TRUE(dir.ok());
  ASSERT_EQ(dir->elements.size(), 2u);
  const std::filesystem::path path = dir->elements[1].str;
  EXPECT_TRUE(std::filesystem::exists(path));
  a->reset();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(RedisServerTest, MissingBinaryIsAnErrorNotASkip) {
  auto missing = RedisServer::FindBinary("redis-server-that-does-not-exist");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsUnavailable());
  EXPECT_NE(missing.status().message().find("not found"), std::string::npos);
}

TEST(RedisServerTest, BadFlagFailsWithTheServersExplanation) {
  auto server = RedisServer::Start({.extra_args = {"--no-such-option", "1"}});
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("no-such-option"), std::string::npos)
      << server.status().ToString();
}

}  // namespace
}  // namespace sessionkit::testing
