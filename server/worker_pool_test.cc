#include "server/worker_pool.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <future>
#include <thread>

namespace sessionkit::server {
namespace {

TEST(WorkerPoolTest, RunsJobs) {
  WorkerPool pool(2, 16);
  std::atomic<int> ran{0};
  std::promise<void> done[3];
  for (auto& p : done) {
    ASSERT_TRUE(pool.Submit([&ran, &p] { ++ran; p.set_value(); }));
  }
  for (auto& p : done) p.get_future().wait();
  EXPECT_EQ(ran.load(), 3);
}

TEST(WorkerPoolTest, RefusesWhenQueueIsFull) {
  WorkerPool pool(1, 1);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.Submit([gate, &started] { started.set_value(); gate.wait(); }));
  started.get_future().wait();               // the only thread is busy
  EXPECT_TRUE(pool.Submit([] {}));           // one may wait
  EXPECT_FALSE(pool.Submit([] {}));          // the second may not
  EXPECT_EQ(pool.queued(), 1u);
  release.set_value();
}

TEST(WorkerPoolTest, StopDropsQueuedJobsAndRefusesNewOnes) {
  WorkerPool pool(1, 8);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  std::atomic<bool> dropped_ran{false};
  ASSERT_TRUE(pool.Submit([gate, &started] { started.set_value(); gate.wait(); }));
  started.get_future().wait();
  ASSERT_TRUE(pool.Submit([&dropped_ran] { dropped_ran = true; }));
  std::thread stopper([&pool] { pool.Stop(); });
  while (!pool.stopping()) std::this_thread::yield();
  release.set_value();
  stopper.join();
  EXPECT_FALSE(dropped_ran.load());
  EXPECT_FALSE(pool.Submit([] {}));
  pool.Stop();  // idempotent
}

int ThreadNice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}

TEST(WorkerPoolTest, WorkersRunAtTheGivenNiceAndTheCallerIsUnchanged) {
  const int caller_before = ThreadNice();
  WorkerPool pool(2, 4, 10);
  std::promise<int> seen[2];
  for (auto& p : seen) ASSERT_TRUE(pool.Submit([&p] { p.set_value(ThreadNice()); }));
  for (auto& p : seen) EXPECT_EQ(p.get_future().get(), std::min(caller_before + 10, 19));
  EXPECT_EQ(ThreadNice(), caller_before);
}

TEST(WorkerPoolTest, NiceZeroLeavesThePriorityAlone) {
  const int caller = ThreadNice();
  WorkerPool pool(1, 4);
  std::promise<int> seen;
  ASSERT_TRUE(pool.Submit([&seen] { seen.set_value(ThreadNice()); }));
  EXPECT_EQ(seen.get_future().get(), caller);
}

}  // namespace
}  // namespace sessionkit::server
