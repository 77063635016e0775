#include "server/http/event_loops.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <future>
#include <memory>
#include <set>
#include <thread>

namespace sessionkit::server {
namespace {

namespace net = boost::asio;

std::thread::id ThreadOf(net::io_context& loop) {
  std::promise<std::thread::id> id;
  net::post(loop, [&] { id.set_value(std::this_thread::get_id()); });
  return id.get_future().get();
}

TEST(EventLoopsTest, EachLoopRunsOnAThreadOfItsOwn) {
  EventLoops loops(3);
  ASSERT_EQ(loops.size(), 3u);
  loops.Start();
  loops.Start();  // idempotent
  std::set<std::thread::id> threads;
  for (std::size_t i = 0; i < loops.size(); ++i) {
    std::thread::id id = ThreadOf(loops.at(i));
    EXPECT_NE(id, std::this_thread::get_id());
    EXPECT_EQ(ThreadOf(loops.at(i)), id) << "a loop always runs on the same thread";
    threads.insert(id);
  }
  EXPECT_EQ(threads.size(), 3u);
  loops.Stop();
  loops.Join();
}

TEST(EventLoopsTest, NextGoesRoundTheLoops) {
  EventLoops loops(2);
  std::vector<net::io_context*> contexts = loops.contexts();
  ASSERT_EQ(contexts.size(), 2u);
  net::io_context* first = &loops.Next();
  net::io_context* second = &loops.Next();
  EXPECT_NE(first, second);
  EXPECT_EQ(&loops.Next(), first);
  EXPECT_TRUE(first == contexts[0] || first == contexts[1]);
}

TEST(EventLoopsTest, ZeroMeansOneLoop) {
  EventLoops loops(0);
  EXPECT_EQ(loops.size(), 1u);
}

// A loop with nothing to do keeps running until Stop(); the destructor stops and joins.
TEST(EventLoopsTest, IdleLoopsRunUntilStoppedAndTheDestructorJoins) {
  auto loops = std::make_unique<EventLoops>(2);
  loops->Start();
  std::this_thread::yield();
  EXPECT_NE(ThreadOf(loops->at(1)), std::thread::id());
  loops.reset();  // must return: stops and joins
}

// Handlers still queued on stopped loops are destroyed, uncalled, with the loops.
TEST(EventLoopsTest, QueuedHandlersAreDestroyedWithTheLoops) {
  auto witness = std::make_shared<int>(0);
  bool called = false;
  {
    EventLoops loops(1);
    loops.Start();
    loops.Stop();
    loops.Join();
    net::post(loops.at(0), [witness, &called] { called = true; });
    EXPECT_EQ(witness.use_count(), 2);
  }
  EXPECT_FALSE(called);
  EXPECT_EQ(witness.use_count(), 1);
}

}  // namespace
}  // namespace sessionkit::server
