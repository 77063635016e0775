// Test-only helpers shared by the Redis test files (header-only; not in the library).
#ifndef SESSIONKIT_STORE_REDIS_REDIS_TEST_HELPERS_H_
#define SESSIONKIT_STORE_REDIS_REDIS_TEST_HELPERS_H_

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>
#include <utility>

namespace sessionkit::internal {

// Runs f on another thread. If it has not returned after a generous bound, the process
// aborts with a message: a hang becomes a loud failure instead of a stuck test. This is
// a liveness check, not a timing assertion.
template <class F>
void MustFinish(F&& f, const char* what) {
  std::promise<void> finished;
  std::future<void> future = finished.get_future();
  std::thread worker([&] {
    f();
    finished.set_value();
  });
  if (future.wait_for(std::chrono::seconds(120)) != std::future_status::ready) {
    std::fprintf(stderr, "FATAL: %s did not finish: the store hangs\n", what);
    std::fflush(stderr);
    std::abort();
  }
  worker.join();
}

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_TEST_HELPERS_H_
