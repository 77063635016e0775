// The per-node series of a Redis Cluster (server/redis_node_metrics.h).
#include "server/redis_node_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sessionkit::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedisNodeMetricsTest, NothingWithoutNodes) {
  std::string out;
  AppendRedisNodeMetrics(out, {});
  EXPECT_EQ(out, "");
}

TEST(RedisNodeMetricsTest, OneSeriesPerNodeAndCounter) {
  RedisNodeHealth master;
  master.address = "10.0.0.1:7000";
  master.serves_slots = true;
  master.connected = true;
  master.commands = 42;
  master.failures = 1;
  master.error_replies = 2;
  master.moved = 3;
  master.asked = 4;
  master.reconnects = 5;
  master.map_reads = 6;
  RedisNodeHealth replica;
  replica.address = "[::1]:7001";
  std::string out;
  AppendRedisNodeMetrics(out, {master, replica});
  EXPECT_THAT(out, HasSubstr("# TYPE sessionkit_redis_node_up gauge\n"
                             "sessionkit_redis_node_up{node=\"10.0.0.1:7000\"} 1\n"
                             "sessionkit_redis_node_up{node=\"[::1]:7001\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_serves_slots{node=\"10.0.0.1:7000\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_commands_total{node=\"10.0.0.1:7000\"} 42\n"));
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_failures_total{node=\"10.0.0.1:7000\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_error_replies_total{node=\"10.0.0.1:7000\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_redirections_total{node=\"10.0.0.1:7000\",kind=\"moved\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_redirections_total{node=\"10.0.0.1:7000\",kind=\"ask\"} 4\n"));
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_reconnects_total{node=\"10.0.0.1:7000\"} 5\n"));
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_slot_map_reads_total{node=\"10.0.0.1:7000\"} 6\n"));
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_commands_total{node=\"[::1]:7001\"} 0\n"));
  // Each family is announced once.
  EXPECT_EQ(out.find("# TYPE sessionkit_redis_node_commands_total counter"),
            out.rfind("# TYPE sessionkit_redis_node_commands_total counter"));
}

TEST(RedisNodeMetricsTest, LabelValuesAreEscaped) {
  RedisNodeHealth odd;
  odd.address = "a\"b\\c\nd:1";
  std::string out;
  AppendRedisNodeMetrics(out, {odd});
  EXPECT_THAT(out, HasSubstr("sessionkit_redis_node_up{node=\"a\\\"b\\\\c\\nd:1\"} 0\n"));
  EXPECT_THAT(out, Not(HasSubstr("a\"b")));
}

}  // namespace
}  // namespace sessionkit::server
