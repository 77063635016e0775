// AppendRedisCommand (the client's allocation-free encoder) writes exactly what hiredis's
// formatter writes, for the shapes the stores send; RedisReplyReader bounds array counts.
#include <gtest/gtest.h>

#include <optional>
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

// An array count is a promise hiredis allocates for at once: over the bound the reader
// fails rather than allocating ("*2000000000" asked hiredis for 16 GiB).
TEST(RedisReplyReaderTest, RefusesAnArrayCountOverTheBound) {
  RedisReplyReader reader;
  const std::string wire = "*" + std::to_string(RedisReplyReader::kMaxElements + 1) + "\r\n";
  std::optional<RedisReply> reply;
  Status fed = reader.Feed(wire.data(), wire.size());
  if (fed.ok()) fed = reader.Next(reply);
  EXPECT_EQ(fed.code(), Code::kInternal);
  EXPECT_FALSE(reply.has_value());
}

TEST(RedisReplyReaderTest, ReadsAnArrayOfManyElements) {
  RedisReplyReader reader;
  std::string wire = "*5000\r\n";
  for (int i = 0; i < 5000; ++i) wire += ":" + std::to_string(i) + "\r\n";
  ASSERT_TRUE(reader.Feed(wire.data(), wire.size()).ok());
  std::optional<RedisReply> reply;
  ASSERT_TRUE(reader.Next(reply).ok());
  ASSERT_TRUE(reply.has_value());
  ASSERT_TRUE(reply->is_array());
  ASSERT_EQ(reply->elements.size(), 5000u);
  EXPECT_EQ(reply->elements[4999].integer, 4999);
}

}  // namespace
}  // namespace sessionkit::internal
