// The cluster client against a real 3 + 3 Redis Cluster (testing/redis_cluster.h):
// routing, ASK during a slot migration, MOVED after it, AUTH with REDIS_PASSWORD.
// One binary run as one CTest test (label heavy).
#include "src/store/redis/redis_cluster_client.h"

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "sessionkit/redis_store.h"
#include "sessionkit/session_manager.h"
#include "src/store/redis/redis_cluster_slots.h"
#include "testing/redis_cluster.h"
#include "testing/session_factory.h"

namespace sessionkit::internal {
namespace {

using testing::RedisCluster;

std::unique_ptr<RedisClusterClient> Connect(const RedisCluster& cluster, std::string password = "") {
  RedisClusterOptions options;
  for (const std::string& seed : cluster.Seeds()) {
    options.seeds.emplace_back("127.0.0.1", std::stoi(seed.substr(seed.rfind(':') + 1)));
  }
  options.password = std::move(password);
  options.command_timeout = std::chrono::seconds(5);
  auto client = RedisClusterClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_TRUE((*client)->WaitForMap(std::chrono::seconds(5)));
  return std::move(client).value();
}

Result<RedisReply> Call(RedisCommands& client, std::vector<std::string> args) {
  std::promise<Result<RedisReply>> promise;
  std::vector<std::string_view> views(args.begin(), args.end());
  client.Command(views, [&](Result<RedisReply> r) { promise.set_value(std::move(r)); });
  return promise.get_future().get();
}

// A key of `slot`: "k{<tag>}" hashes to it.
std::string KeyIn(int slot, const std::string& name) { return name + "{" + SlotTag(slot) + "}"; }

TEST(RedisClusterClientTest, RoutesEveryKeyToItsMaster) {
  auto cluster = RedisCluster::Shared();
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  ASSERT_TRUE((*cluster)->FlushAll().ok());
  auto client = Connect(**cluster);
  for (int i = 0; i < 200; ++i) {
    const std::string key = "route:" + std::to_string(i);
    auto set = Call(*client, {"SET", key, std::to_string(i)});
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    ASSERT_TRUE(set->is_status("OK")) << set->DebugString();
  }
  for (int i = 0; i < 200; ++i) {
    auto direct = (*cluster)->Command({"GET", "route:" + std::to_string(i)});
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ(direct->str, std::to_string(i));
  }
  EXPECT_EQ(client->ScanNodes(), 3u);
  std::size_t masters = 0;
  for (const ClusterNodeHealth& n : client->Health()) masters += n.serves_slots ? 1 : 0;
  EXPECT_EQ(masters, 3u);
}

TEST(RedisClusterClientTest, FollowsAskDuringAMigrationAndMovedAfterIt) {
  auto shared = RedisCluster::Shared();
  ASSERT_TRUE(shared.ok()) << shared.status().ToString();
  RedisCluster& cluster = **shared;
  ASSERT_TRUE(cluster.FlushAll().ok());
  auto client = Connect(cluster);
  const int slot = 4242;
  const std::string moved_key = KeyIn(slot, "moved"), staying_key = KeyIn(slot, "staying");
  ASSERT_TRUE(Call(*client, {"SET", moved_key, "m"}).ok());
  ASSERT_TRUE(Call(*client, {"SET", staying_key, "s"}).ok());

  auto source = cluster.MasterOfSlot(slot);
  ASSERT_TRUE(source.ok());
  auto masters = cluster.Masters();
  ASSERT_TRUE(masters.ok());
  std::size_t target = (*masters)[0] == *source ? (*masters)[1] : (*masters)[0];
  const std::string source_id = cluster.CommandOn(*source, {"CLUSTER", "MYID"})->str;
  const std::string target_id = cluster.CommandOn(target, {"CLUSTER", "MYID"})->str;
  const std::string slot_text = std::to_string(slot);
  ASSERT_TRUE(cluster.CommandOn(target, {"CLUSTER", "SETSLOT", slot_text, "IMPORTING", source_id}).ok());
  ASSERT_TRUE(cluster.CommandOn(*source, {"CLUSTER", "SETSLOT", slot_text, "MIGRATING", target_id}).ok());
  auto migrated = cluster.CommandOn(*source, {"MIGRATE", "127.0.0.1", std::to_string(cluster.Node(target).port()),
                                              moved_key, "0", "5000"});
  ASSERT_TRUE(migrated.ok() && migrated->is_status("OK")) << migrated->DebugString();

  // Mid-migration: the moved key answers ASK from the source; the client follows it.
  auto asked = Call(*client, {"GET", moved_key});
  ASSERT_TRUE(asked.ok()) << asked.status().ToString();
  EXPECT_EQ(asked->str, "m");
  auto staying = Call(*client, {"GET", staying_key});
  ASSERT_TRUE(staying.ok());
  EXPECT_EQ(staying->str, "s");

  // Finish: the rest moves, the slot is the target's; the client's map still says source.
  auto rest = cluster.CommandOn(*source, {"MIGRATE", "127.0.0.1", std::to_string(cluster.Node(target).port()),
                                          staying_key, "0", "5000"});
  ASSERT_TRUE(rest.ok() && rest->is_status("OK")) << rest->DebugString();
  for (std::size_t node : *masters) {
    ASSERT_TRUE(cluster.CommandOn(node, {"CLUSTER", "SETSLOT", slot_text, "NODE", target_id}).ok());
  }
  for (const std::string& key : {moved_key, staying_key}) {
    auto got = Call(*client, {"GET", key});
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_FALSE(got->is_error()) << got->DebugString();
  }
  auto set = Call(*client, {"SET", staying_key, "s2"});
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->is_status("OK")) << set->DebugString();
}

TEST(RedisClusterClientTest, AuthenticatesWithThePassword) {
  RedisCluster::Options options;
  options.password = "cluster-test-secret";
  auto cluster = RedisCluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  auto client = Connect(**cluster, "cluster-test-secret");
  auto set = Call(*client, {"SET", "auth:key", "v"});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_TRUE(set->is_status("OK")) << set->DebugString();

  // Without it: every command fails (Unavailable), and never with the password in it.
  RedisClusterOptions bad;
  for (const std::string& seed : (*cluster)->Seeds()) {
    bad.seeds.emplace_back("127.0.0.1", std::stoi(seed.substr(seed.rfind(':') + 1)));
  }
  bad.password = "wrong-password";
  bad.connect_timeout = std::chrono::milliseconds(300);
  auto wrong = RedisClusterClient::Create(bad);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE((*wrong)->WaitForMap(std::chrono::milliseconds(500)));
  auto refused = Call(**wrong, {"GET", "auth:key"});
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().ToString().find("wrong-password"), std::string::npos);
}

TEST(RedisClusterClientTest, WaitReplicasAcknowledgesOrFailsTheInsert) {
  auto shared = RedisCluster::Shared();
  ASSERT_TRUE(shared.ok()) << shared.status().ToString();
  ASSERT_TRUE((*shared)->FlushAll().ok());
  ManualClock clock;
  RedisStoreOptions options;
  options.cluster_nodes = (*shared)->Seeds();
  options.clock = &clock;
  options.command_timeout = std::chrono::seconds(5);

  // Each master has one replica: WAIT 1 is met; the manager's ids take the one-script path.
  options.wait_replicas = 1;
  auto store = OpenRedisStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ManagerOptions manager_options;
  manager_options.clock = &clock;
  auto manager = SessionManager::Open(manager_options, *store);
  ASSERT_TRUE(manager.ok()) << manager.status().ToString();
  NewSession request;
  request.user_id = "waiting-user";
  auto created = (*manager)->Create(request);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  // SessionManager drew the id through the store: it shares the index's slot.
  EXPECT_EQ(KeySlot("session:" + created->session.id), KeySlot("user_sessions:waiting-user"));
  // An id from elsewhere takes the locked steps, each waited for too.
  auto stepped = (*store)->Insert(testing::MakeTestSession(testing::TestSessionId(7), "waiting-user", clock.Now()));
  ASSERT_TRUE(stepped.ok()) << stepped.status().ToString();

  // WAIT 2 cannot be met: the insert is refused as Unavailable, never acknowledged.
  options.wait_replicas = 2;
  options.wait_timeout = std::chrono::milliseconds(50);
  auto strict = OpenRedisStore(options);
  ASSERT_TRUE(strict.ok());
  auto refused = (*strict)->Insert(testing::MakeTestSession(testing::TestSessionId(8), "other-user", clock.Now()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable) << refused.status().ToString();
}

}  // namespace
}  // namespace sessionkit::internal
