// RedisClient on the application's event loops (RedisClientOptions::loops): links on
// every loop, a command from a loop's thread answered on that thread, one write per turn
// of the loop, and destruction while the loops run or after they stopped.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sessionkit/redis_store.h"
#include "src/core/blocking.h"
#include "src/store/redis/redis_client.h"
#include "src/store/redis/redis_test_helpers.h"
#include "testing/redis_server.h"
#include "testing/session_factory.h"

namespace sessionkit::internal {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using sessionkit::testing::RedisServer;

// `n` io_contexts, each run by one thread until Stop() (or the destructor).
class Loops {
 public:
  explicit Loops(int n) {
    for (int i = 0; i < n; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(asio::make_work_guard(*contexts_.back()));
    }
    for (auto& c : contexts_) threads_.emplace_back([ctx = c.get()] { ctx->run(); });
  }
  ~Loops() { Stop(); }

  void Stop() {
    for (auto& c : contexts_) c->stop();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::vector<asio::io_context*> pointers() const {
    std::vector<asio::io_context*> out;
    for (const auto& c : contexts_) out.push_back(c.get());
    return out;
  }
  asio::io_context& at(int i) { return *contexts_[i]; }
  std::thread::id thread_of(int i) const { return threads_[i].get_id(); }

  // Runs f on loop i and waits for it.
  template <class F>
  void RunOn(int i, F f) {
    std::promise<void> done;
    asio::post(*contexts_[i], [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

class RedisClientLoopsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  RedisClientOptions OptionsOn(const Loops& loops) const {
    RedisClientOptions o;
    o.host = server_->host();
    o.port = server_->port();
    o.password = server_->password();
    o.connections = 1;
    o.connect_timeout = 2000ms;
    o.command_timeout = 2000ms;
    o.reconnect_backoff_min = 10ms;
    o.reconnect_backoff_max = 100ms;
    o.loops = loops.pointers();
    return o;
  }

  std::unique_ptr<RedisClient> ConnectOn(const Loops& loops) {
    auto client = RedisClient::Create(OptionsOn(loops));
    if (!client.ok()) {
      ADD_FAILURE() << client.status().ToString();
      return nullptr;
    }
    (*client)->WaitForFirstAttempts(3s);
    return std::move(*client);
  }

  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisClientLoopsTest, ALinkOnEveryLoopAndTheReplyOnTheCallingLoop) {
  Loops loops(2);
  auto client = ConnectOn(loops);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->ReadyConnections(), 2u);

  for (int i = 0; i < 2; ++i) {
    for (int round = 0; round < 4; ++round) {  // whatever the round-robin position
      std::promise<std::thread::id> answered_on;
      std::promise<Result<RedisReply>> reply;
      loops.RunOn(i, [&] {
        client->Command({"ECHO", "on-loop"}, [&](Result<RedisReply> r) {
          answered_on.set_value(std::this_thread::get_id());
          reply.set_value(std::move(r));
        });
      });
      Result<RedisReply> r = reply.get_future().get();
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->str, "on-loop");
      EXPECT_EQ(answered_on.get_future().get(), loops.thread_of(i)) << "loop " << i;
    }
  }

  // From a thread that runs no loop: any loop answers.
  Result<RedisReply> outside = WaitFor<RedisReply>([&](auto cb) { client->Command({"PING"}, std::move(cb)); });
  ASSERT_TRUE(outside.ok()) << outside.status().ToString();
  EXPECT_TRUE(outside->is_status("PONG"));
}

// The public API: both stores on one client on the loops, answered on the calling loop.
TEST_F(RedisClientLoopsTest, PublicOpenRedisStoresOnLoopsSharesOneClientOnTheLoops) {
  RedisStoreOptions options;
  options.host = server_->host();
  options.port = server_->port();
  options.password = server_->password();
  options.connections = 1;
  EXPECT_EQ(OpenRedisStoresOnLoops(options, {}).status().code(), Code::kInvalidArgument);

  Loops loops(2);
  const std::vector<asio::io_context*> pointers = loops.pointers();
  Result<RedisStores> stores = OpenRedisStoresOnLoops(options, pointers);
  ASSERT_TRUE(stores.ok()) << stores.status().ToString();
  ASSERT_TRUE(stores->sessions && stores->auth_state);

  const Session s = sessionkit::testing::MakeTestSession(sessionkit::testing::TestSessionId(1), "u1",
                                                         SystemClock().Now());
  ASSERT_TRUE(stores->sessions->Insert(s).ok());
  for (int i = 0; i < 2; ++i) {
    std::promise<std::thread::id> answered_on;
    std::promise<Result<Session>> got;
    loops.RunOn(i, [&] {
      stores->sessions->GetAsync(s.id, [&](Result<Session> r) {
        answered_on.set_value(std::this_thread::get_id());
        got.set_value(std::move(r));
      });
    });
    Result<Session> r = got.get_future().get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->user_id, "u1");
    EXPECT_EQ(answered_on.get_future().get(), loops.thread_of(i)) << "loop " << i;
  }
  Result<FailureWindow> window =
      stores->auth_state->RecordFailure("id:someone", SystemClock().Now(), 60s);
  ASSERT_TRUE(window.ok()) << window.status().ToString();
  EXPECT_EQ(window->count, 1u);
}

// Commands queued in one turn of the loop go out in one write, answered in order.
TEST_F(RedisClientLoopsTest, CommandsOfOneTurnShareOneWrite) {
  Loops loops(1);
  auto client = ConnectOn(loops);
  ASSERT_TRUE(client);
  ASSERT_EQ(client->ReadyConnections(), 1u);

  constexpr int kCommands = 64;
  std::atomic<int> correct{0};
  std::atomic<int> seen{0};
  std::promise<void> all;
  std::uint64_t writes_before = 0;
  loops.RunOn(0, [&] {
    writes_before = client->WritesForTest();
    for (int i = 0; i < kCommands; ++i) {
      client->Command({"ECHO", std::to_string(i)}, [&, i](Result<RedisReply> r) {
        if (r.ok() && r->str == std::to_string(i)) correct.fetch_add(1);
        if (seen.fetch_add(1) + 1 == kCommands) all.set_value();
      });
    }
  });
  ASSERT_EQ(all.get_future().wait_for(60s), std::future_status::ready);
  EXPECT_EQ(correct.load(), kCommands);
  EXPECT_EQ(client->WritesForTest() - writes_before, 1u);
}

// Chained commands (a callback submitting the next one) stay on the loop.
TEST_F(RedisClientLoopsTest, ScriptsAndChainsRunOnTheLoop) {
  Loops loops(1);
  auto client = ConnectOn(loops);
  ASSERT_TRUE(client);
  static const RedisScript kScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  ASSERT_TRUE(server_->Command({"SCRIPT", "FLUSH"}).ok());  // EVALSHA fails over to EVAL

  std::promise<std::thread::id> second_on;
  std::promise<Result<RedisReply>> second;
  loops.RunOn(0, [&] {
    client->Eval(kScript, {"n"}, {"40"}, [&](Result<RedisReply> first) {
      if (!first.ok()) {
        second.set_value(first.status());
        return;
      }
      client->Eval(kScript, {"n"}, {"2"}, [&](Result<RedisReply> r) {
        second_on.set_value(std::this_thread::get_id());
        second.set_value(std::move(r));
      });
    });
  });
  Result<RedisReply> r = second.get_future().get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->integer, 42);
  EXPECT_EQ(second_on.get_future().get(), loops.thread_of(0));
}

// Destroyed while its loops run: every pending callback gets Unavailable once, on the
// loops, and the loops go on serving other work.
TEST_F(RedisClientLoopsTest, DestroyedWhileItsLoopsRunFailsPendingCallsOnce) {
  Loops loops(2);
  auto client = ConnectOn(loops);
  ASSERT_TRUE(client);
  ASSERT_TRUE(server_->Command({"CLIENT", "PAUSE", "2000", "ALL"}).ok());
  constexpr int kCommands = 40;
  std::atomic<int> calls{0};
  std::atomic<int> unavailable{0};
  for (int i = 0; i < kCommands; ++i) {
    loops.RunOn(i % 2, [&] {
      client->Command({"PING"}, [&](Result<RedisReply> r) {
        calls.fetch_add(1);
        if (r.status().IsUnavailable()) unavailable.fetch_add(1);
      });
    });
  }
  MustFinish([&] { client.reset(); }, "destroying the client");
  for (int i = 0; i < 500 && calls.load() < kCommands; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(calls.load(), kCommands);
  EXPECT_EQ(unavailable.load(), kCommands);
  bool still_serving = false;
  loops.RunOn(1, [&] { still_serving = true; });
  EXPECT_TRUE(still_serving);
}

// Destroyed after its loops stopped: nothing runs any more; the callbacks still queued
// are destroyed with the loops, uncalled (the sanitizer build checks that nothing is
// used after it is freed and nothing leaks).
TEST_F(RedisClientLoopsTest, DestroyedAfterItsLoopsStopped) {
  auto loops = std::make_unique<Loops>(2);
  auto client = ConnectOn(*loops);
  ASSERT_TRUE(client);
  ASSERT_TRUE(server_->Command({"CLIENT", "PAUSE", "2000", "ALL"}).ok());
  auto witness = std::make_shared<int>(0);
  std::atomic<int> calls{0};
  for (int i = 0; i < 10; ++i) {
    loops->RunOn(i % 2, [&] {
      client->Command({"PING"}, [&calls, witness](Result<RedisReply>) { calls.fetch_add(1); });
    });
  }
  loops->Stop();
  client.reset();
  EXPECT_EQ(calls.load(), 0);
  EXPECT_GT(witness.use_count(), 1) << "the pending callbacks live in the stopped loops";
  loops.reset();
  EXPECT_EQ(witness.use_count(), 1) << "destroying the loops released every pending callback";
  EXPECT_EQ(calls.load(), 0);
}

TEST(RedisClientLoopsOptionsTest, RejectsANullLoop) {
  RedisClientOptions o;
  o.loops = {nullptr};
  auto client = RedisClient::Create(o);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sessionkit::internal
