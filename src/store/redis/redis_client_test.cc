// RedisClient against a real redis-server: pipelining, FIFO matching, scripts,
// timeouts, kill/restart, AUTH/SELECT, shutdown with commands in flight.
#include "src/store/redis/redis_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "src/core/blocking.h"
#include "src/store/redis/redis_test_helpers.h"
#include "testing/redis_server.h"

namespace sessionkit::internal {
namespace {

using namespace std::chrono_literals;
using sessionkit::testing::RedisServer;

RedisClientOptions OptionsFor(const RedisServer& server) {
  RedisClientOptions o;
  o.host = server.host();
  o.port = server.port();
  o.password = server.password();
  o.connect_timeout = 2000ms;
  o.command_timeout = 2000ms;
  o.reconnect_backoff_min = 10ms;
  o.reconnect_backoff_max = 100ms;
  return o;
}

std::unique_ptr<RedisClient> Connect(const RedisClientOptions& o) {
  auto client = RedisClient::Create(o);
  if (!client.ok()) {
    ADD_FAILURE() << client.status().ToString();
    return nullptr;
  }
  (*client)->WaitForFirstAttempts(o.connect_timeout + 1s);
  return std::move(*client);
}

Result<RedisReply> Call(RedisClient& client, std::vector<std::string> args) {
  return WaitFor<RedisReply>([&](auto cb) {
    std::vector<std::string_view> argv(args.begin(), args.end());
    client.Command(argv, std::move(cb));
  });
}

// Polls until the client answers PING again (bounded: the test fails, never hangs).
bool EventuallyAnswers(RedisClient& client) {
  for (int i = 0; i < 500; ++i) {
    auto pong = Call(client, {"PING"});
    if (pong.ok() && pong->is_status("PONG")) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}


class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisClientTest, RoundTripsAllReplyTypes) {
  auto client = Connect(OptionsFor(*server_));
  ASSERT_TRUE(client);
  EXPECT_EQ(client->ReadyConnections(), 2u);

  auto ok = Call(*client, {"SET", "k", std::string("bin\0ary\r\n", 9)});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->is_status("OK"));
  auto get = Call(*client, {"GET", "k"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, std::string("bin\0ary\r\n", 9));
  auto nil = Call(*client, {"GET", "missing"});
  ASSERT_TRUE(nil.ok());
  EXPECT_TRUE(nil->is_nil());
  auto n = Call(*client, {"INCRBY", "counter", "41"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->integer, 41);
  auto err = Call(*client, {"INCR", "k"});
  ASSERT_TRUE(err.ok()) << "an error reply is a reply, not a failed call";
  EXPECT_TRUE(err->is_error());
  EXPECT_EQ(err->ErrorCode(), "ERR");
  auto arr = Call(*client, {"MGET", "k", "missing", "counter"});
  ASSERT_TRUE(arr.ok());
  ASSERT_EQ(arr->elements.size(), 3u);
  EXPECT_TRUE(arr->elements[1].is_nil());
  EXPECT_EQ(arr->elements[2].str, "41");
}

TEST_F(RedisClientTest, ResolvesHostNames) {
  RedisClientOptions o = OptionsFor(*server_);
  o.host = "localhost";  // may resolve to ::1 first, where nothing listens: the next address is tried
  auto client = Connect(o);
  ASSERT_TRUE(client);
  auto pong = Call(*client, {"PING"});
  ASSERT_TRUE(pong.ok()) << pong.status().ToString();
  EXPECT_TRUE(pong->is_status("PONG"));

  o.host = "no-such-host.invalid";
  auto nowhere = Connect(o);
  ASSERT_TRUE(nowhere);
  auto failed = Call(*nowhere, {"PING"});
  EXPECT_TRUE(failed.status().IsUnavailable()) << failed.status().ToString();
}

TEST_F(RedisClientTest, LargeValuesSpanManyReads) {
  auto client = Connect(OptionsFor(*server_));
  ASSERT_TRUE(client);
  std::string big(3 * 1024 * 1024 + 17, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(Call(*client, {"SET", "big", big}).ok());
  auto got = Call(*client, {"GET", "big"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->str, big);
}

TEST_F(RedisClientTest, ConcurrentCallersGetTheirOwnReplies) {
  auto client = Connect(OptionsFor(*server_));
  ASSERT_TRUE(client);
  constexpr int kThreads = 16;
  constexpr int kPerThread = 500;
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::atomic<int> done{0};
  std::promise<void> all_done;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string payload = "t" + std::to_string(t) + "-" + std::to_string(i);
        client->Command({"ECHO", payload}, [&, payload](Result<RedisReply> r) {
          if (!r.ok()) {
            failures.fetch_add(1);
          } else if (r->str != payload) {
            mismatches.fetch_add(1);
          }
          if (done.fetch_add(1) + 1 == kThreads * kPerThread) all_done.set_value();
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(all_done.get_future().wait_for(60s), std::future_status::ready);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

// While the I/O thread is busy, submissions accumulate and go out in one write.
TEST_F(RedisClientTest, QueuedCommandsShareOneWrite) {
  RedisClientOptions o = OptionsFor(*server_);
  o.connections = 1;
  auto client = Connect(o);
  ASSERT_TRUE(client);

  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> blocked;
  client->Command({"PING"}, [&](Result<RedisReply>) {
    blocked.set_value();
    released.wait();  // holds the only I/O thread
  });
  blocked.get_future().wait();
  const std::uint64_t writes_before = client->WritesForTest();

  constexpr int kCommands = 200;
  std::atomic<int> correct{0};
  std::promise<void> all;
  std::atomic<int> seen{0};
  for (int i = 0; i < kCommands; ++i) {
    client->Command({"ECHO", std::to_string(i)}, [&, i](Result<RedisReply> r) {
      if (r.ok() && r->str == std::to_string(i)) correct.fetch_add(1);
      if (seen.fetch_add(1) + 1 == kCommands) all.set_value();
    });
  }
  release.set_value();
  ASSERT_EQ(all.get_future().wait_for(60s), std::future_status::ready);
  EXPECT_EQ(correct.load(), kCommands);
  EXPECT_LE(client->WritesForTest() - writes_before, 2u) << "the 200 commands were not pipelined";
}

TEST_F(RedisClientTest, SeveralIoThreadsAndConnections) {
  RedisClientOptions o = OptionsFor(*server_);
  o.io_threads = 3;
  o.connections = 5;
  auto client = Connect(o);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->ReadyConnections(), 5u);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  std::mutex mu;
  std::vector<std::set<std::int64_t>> seen_values(kThreads);
  std::atomic<int> bad{0};
  std::atomic<int> seen{0};
  std::promise<void> all;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = "k" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        client->Pipeline({{"MULTI"}, {"INCR", key}, {"GET", key}, {"EXEC"}},
                         [&, t](Result<std::vector<RedisReply>> r) {
                           // EXEC's replies belong together: GET sees this INCR's value.
                           if (!r.ok() || r->size() != 4 || !(*r)[3].is_array() ||
                               (*r)[3].elements.size() != 2 ||
                               (*r)[3].elements[1].str != std::to_string((*r)[3].elements[0].integer)) {
                             bad.fetch_add(1);
                           } else {
                             std::lock_guard<std::mutex> lock(mu);
                             seen_values[t].insert((*r)[3].elements[0].integer);
                           }
                           if (seen.fetch_add(1) + 1 == kThreads * kPerThread) all.set_value();
                         });
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(all.get_future().wait_for(60s), std::future_status::ready);
  EXPECT_EQ(bad.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(seen_values[t].size(), static_cast<std::size_t>(kPerThread)) << "thread " << t;
    if (!seen_values[t].empty()) {
      EXPECT_EQ(*seen_values[t].begin(), 1);
      EXPECT_EQ(*seen_values[t].rbegin(), kPerThread);
    }
  }
}

TEST_F(RedisClientTest, PipelineKeepsATransactionTogether) {
  auto client = Connect(OptionsFor(*server_));
  ASSERT_TRUE(client);
  auto replies = WaitFor<std::vector<RedisReply>>([&](auto cb) {
    client->Pipeline({{"MULTI"}, {"SET", "a", "1"}, {"INCR", "a"}, {"EXEC"}}, std::move(cb));
  });
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_TRUE((*replies)[1].is_status("QUEUED"));
  ASSERT_TRUE((*replies)[3].is_array());
  EXPECT_EQ((*replies)[3].elements[1].integer, 2);
}

TEST_F(RedisClientTest, ScriptsFallBackToEvalWhenTheCacheIsEmpty) {
  auto client = Connect(OptionsFor(*server_));
  ASSERT_TRUE(client);
  static const RedisScript kScript("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}");
  auto run = [&] {
    return WaitFor<RedisReply>([&](auto cb) { client->Eval(kScript, {"n"}, {"arg"}, std::move(cb)); });
  };
  auto first = run();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->is_array()) << first->DebugString();
  EXPECT_EQ(first->elements[0].str, "n");
  EXPECT_EQ(first->elements[1].str, "arg");
  EXPECT_EQ(first->elements[2].integer, 1);

  auto exists = server_->Command({"SCRIPT", "EXISTS", kScript.sha1});
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists->elements[0].integer, 1) << "EVAL fallback loaded the script; sha1 matches Redis'";

  ASSERT_TRUE(server_->Command({"SCRIPT", "FLUSH"}).ok());
  auto again = run();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->elements[2].integer, 2);

  static const RedisScript kBroken("return redis.call('NO_SUCH_COMMAND')");
  auto broken = WaitFor<RedisReply>([&](auto cb) { client->Eval(kBroken, {}, {}, std::move(cb)); });
  ASSERT_TRUE(broken.ok());
  EXPECT_TRUE(broken->is_error());
}

TEST_F(RedisClientTest, FailsFastWhenNothingListens) {
  RedisClientOptions o = OptionsFor(*server_);
  ASSERT_TRUE(server_->Kill().ok());
  auto client = Connect(o);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->ReadyConnections(), 0u);
  bool inline_call = false;
  Status status;
  client->Command({"PING"}, [&](Result<RedisReply> r) {
    inline_call = true;
    status = r.status();
  });
  EXPECT_TRUE(inline_call) << "no connection: the callback runs before Command returns";
  EXPECT_TRUE(status.IsUnavailable()) << status.ToString();
  EXPECT_NE(status.message().find(std::to_string(o.port)), std::string::npos) << status.ToString();
}

TEST_F(RedisClientTest, KilledServerFailsCallsAndARestartHeals) {
  auto client = Connect(OptionsFor(*server_));
  ASSERT_TRUE(client);
  ASSERT_TRUE(Call(*client, {"PING"}).ok());

  ASSERT_TRUE(server_->Kill().ok());
  MustFinish(
      [&] {
        for (int i = 0; i < 20; ++i) {
          auto r = Call(*client, {"PING"});
          EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
        }
      },
      "calls to a killed server");

  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_TRUE(EventuallyAnswers(*client));
  auto set = Call(*client, {"SET", "after", "restart"});
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->is_status("OK"));
}

TEST_F(RedisClientTest, KillWithCommandsInFlightFailsEachExactlyOnce) {
  auto client = Connect(OptionsFor(*server_));
  ASSERT_TRUE(client);
  ASSERT_TRUE(server_->Command({"CLIENT", "PAUSE", "5000", "ALL"}).ok());
  constexpr int kCommands = 100;
  std::atomic<int> calls{0};
  std::atomic<int> unavailable{0};
  std::promise<void> all;
  for (int i = 0; i < kCommands; ++i) {
    client->Command({"PING"}, [&](Result<RedisReply> r) {
      if (r.status().IsUnavailable()) unavailable.fetch_add(1);
      if (calls.fetch_add(1) + 1 == kCommands) all.set_value();
    });
  }
  ASSERT_TRUE(server_->Kill().ok());
  ASSERT_EQ(all.get_future().wait_for(60s), std::future_status::ready);
  EXPECT_EQ(unavailable.load(), kCommands);
  std::this_thread::sleep_for(50ms);  // a double invocation would show up here
  EXPECT_EQ(calls.load(), kCommands);
}

TEST_F(RedisClientTest, SlowServerTimesOutAndTheClientRecovers) {
  RedisClientOptions o = OptionsFor(*server_);
  o.command_timeout = 200ms;
  auto client = Connect(o);
  ASSERT_TRUE(client);
  ASSERT_TRUE(Call(*client, {"PING"}).ok());

  // Commands from every client, including CLIENT UNPAUSE, wait out the pause.
  ASSERT_TRUE(server_->Command({"CLIENT", "PAUSE", "1000", "ALL"}).ok());
  auto slow = Call(*client, {"GET", "k"});
  EXPECT_TRUE(slow.status().IsUnavailable()) << slow.status().ToString();
  EXPECT_NE(slow.status().message().find("did not answer in time"), std::string::npos)
      << slow.status().ToString();

  EXPECT_TRUE(EventuallyAnswers(*client));
}

TEST_F(RedisClientTest, DestructionFailsPendingCallbacksAndJoins) {
  auto client = Connect(OptionsFor(*server_));
  ASSERT_TRUE(client);
  ASSERT_TRUE(server_->Command({"CLIENT", "PAUSE", "2000", "ALL"}).ok());
  constexpr int kCommands = 50;
  std::atomic<int> unavailable{0};
  std::atomic<int> calls{0};
  for (int i = 0; i < kCommands; ++i) {
    client->Command({"PING"}, [&](Result<RedisReply> r) {
      calls.fetch_add(1);
      if (r.status().IsUnavailable()) unavailable.fetch_add(1);
    });
  }
  MustFinish([&] { client.reset(); }, "destroying the client");
  EXPECT_EQ(calls.load(), kCommands);
  EXPECT_EQ(unavailable.load(), kCommands);
}

TEST_F(RedisClientTest, DestroyedFromItsOwnCallback) {
  auto client = Connect(OptionsFor(*server_));
  ASSERT_TRUE(client);
  std::promise<void> returned;  // no call may still be inside the client when it dies
  std::shared_future<void> call_returned = returned.get_future().share();
  std::promise<void> destroyed;
  RedisClient* raw = client.release();
  raw->Command({"PING"}, [raw, call_returned, &destroyed](Result<RedisReply>) {
    call_returned.wait();
    delete raw;  // on the I/O thread: that thread is detached and winds down alone
    destroyed.set_value();
  });
  returned.set_value();
  EXPECT_EQ(destroyed.get_future().wait_for(60s), std::future_status::ready);
}

TEST(RedisClientAuthTest, PasswordAndDatabaseAreSentOnEveryConnection) {
  auto server = RedisServer::Start({.password = "s3cret-pass"});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  RedisClientOptions o = OptionsFor(**server);
  o.db = 7;
  auto client = Connect(o);
  ASSERT_TRUE(client);
  auto set = Call(*client, {"SET", "where", "db7"});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_TRUE(set->is_status("OK")) << set->DebugString();
  auto in7 = (*server)->Command({"GET", "where"}, 7);
  ASSERT_TRUE(in7.ok());
  EXPECT_EQ(in7->str, "db7");
  auto in0 = (*server)->Command({"EXISTS", "where"}, 0);
  ASSERT_TRUE(in0.ok());
  EXPECT_EQ(in0->integer, 0);

  // After a restart the client authenticates and selects again.
  ASSERT_TRUE((*server)->Restart().ok());
  EXPECT_TRUE(EventuallyAnswers(*client));
  ASSERT_TRUE(Call(*client, {"SET", "again", "1"}).ok());
  auto again = (*server)->Command({"EXISTS", "again"}, 7);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->integer, 1);
}

TEST(RedisClientAuthTest, WrongPasswordIsUnavailableAndNeverEchoed) {
  auto server = RedisServer::Start({.password = "the-right-one"});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  RedisClientOptions o = OptionsFor(**server);
  o.password = "wrong-password-XYZ";
  auto client = Connect(o);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->ReadyConnections(), 0u);
  auto r = Call(*client, {"PING"});
  ASSERT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("AUTH"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(r.status().message().find("wrong-password-XYZ"), std::string::npos);
  EXPECT_EQ(r.status().message().find("the-right-one"), std::string::npos);

  // A missing password against a protected server: NOAUTH replies, not a crash.
  o.password.clear();
  auto anonymous = Connect(o);
  ASSERT_TRUE(anonymous);
  auto denied = Call(*anonymous, {"GET", "k"});
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->ErrorCode(), "NOAUTH");
}

TEST(RedisClientOptionsTest, RejectsBadOptions) {
  RedisClientOptions o;
  o.connections = 0;
  EXPECT_EQ(RedisClient::Create(o).status().code(), Code::kInvalidArgument);
  o = {};
  o.port = 70000;
  EXPECT_EQ(RedisClient::Create(o).status().code(), Code::kInvalidArgument);
  o = {};
  o.command_timeout = 0ms;
  EXPECT_EQ(RedisClient::Create(o).status().code(), Code::kInvalidArgument);
  o = {};
  o.reconnect_backoff_min = 500ms;
  o.reconnect_backoff_max = 100ms;
  EXPECT_EQ(RedisClient::Create(o).status().code(), Code::kInvalidArgument);
  o = {};
  o.host.clear();
  EXPECT_EQ(RedisClient::Create(o).status().code(), Code::kInvalidArgument);
}

TEST(RedisReplyTest, FormatsWithHiredisAndParsesIncrementally) {
  EXPECT_EQ(FormatRedisCommand({"SET", "k", ""}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
  RedisReplyReader reader;
  const std::string wire = "*2\r\n$3\r\nabc\r\n:-7\r\n+OK\r\n-ERR boom\r\n$-1\r\n";
  std::vector<RedisReply> replies;
  for (char c : wire) {  // byte by byte: partial frames are kept
    ASSERT_TRUE(reader.Feed(&c, 1).ok());
    std::optional<RedisReply> r;
    ASSERT_TRUE(reader.Next(r).ok());
    if (r) replies.push_back(*r);
  }
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(replies[0].DebugString(), "[\"abc\", -7]");
  EXPECT_TRUE(replies[1].is_status("OK"));
  EXPECT_EQ(replies[2].ErrorCode(), "ERR");
  EXPECT_TRUE(replies[3].is_nil());

  RedisReplyReader bad;
  ASSERT_TRUE(bad.Feed("?what\r\n", 7).ok());
  std::optional<RedisReply> r;
  EXPECT_FALSE(bad.Next(r).ok());
}

TEST(RedisReplyTest, ErrorRepliesMapToStatuses) {
  RedisReply busy;
  busy.type = RedisReply::Type::kError;
  busy.str = "LOADING Redis is loading the dataset in memory";
  EXPECT_TRUE(StatusFromErrorReply(busy, "redis GET").IsUnavailable());
  RedisReply wrongtype = busy;
  wrongtype.str = "WRONGTYPE Operation against a key holding the wrong kind of value";
  EXPECT_EQ(StatusFromErrorReply(wrongtype, "redis GET").code(), Code::kInternal);
}

}  // namespace
}  // namespace sessionkit::internal
