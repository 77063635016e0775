// AppendRedisCommand (the client's allocation-free encoder) writes exactly what hiredis's
// formatter writes, for the shapes the stores send.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "src/store/redis/redis_reply.h"

namespace sessionkit::internal {
namespace {

TEST(RedisEncodingTest, AppendMatchesHiredisFormatting) {
  const std::string binary("bin\0ary\r\n", 9);
  const std::string large(70000, 'x');
  const std::vector<std::vector<std::string_view>> commands = {
      {"PING"},
      {"GET", "session:sess_0123456789abcdef"},
      {"SET", "k", ""},
      {"SET", "k", binary, "EX", "172800"},
      {"MGET", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"},
      {"SET", "big", large},
  };
  for (const auto& args : commands) {
    std::string appended = "prefix:";
    AppendRedisCommand(appended, args);
    EXPECT_EQ(appended, "prefix:" + FormatRedisCommand(args)) << args[0];
  }
  std::string from_list;
  AppendRedisCommand(from_list, {"GET", "key"});
  EXPECT_EQ(from_list, "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
}

TEST(RedisEncodingTest, AppendingToARoomyBufferKeepsItsStorage) {
  std::string buffer;
  buffer.reserve(256);
  const char* storage = buffer.data();
  AppendRedisCommand(buffer, {"GET", "session:sess_0123"});
  EXPECT_EQ(buffer.data(), storage);
}

}  // namespace
}  // namespace sessionkit::internal
