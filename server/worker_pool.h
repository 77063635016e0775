// WorkerPool: a fixed number of threads for slow CPU work (password hashing), so that
// it never runs on an I/O thread.
//
// Bounded twice: `threads` jobs run at once and at most `queue_capacity` wait. Submit
// refuses (returns false) when the queue is full or the pool is stopping; the caller
// answers "try again later" instead of queueing without limit. Stop() lets running
// jobs finish, drops the jobs still queued (they are destroyed without running) and
// joins the threads; the destructor calls it.
//
// `nice` (Linux, per thread; added to the nice the workers inherit) lowers their CPU
// priority: at 10 more than an I/O thread's, the busy I/O thread gets about nine times a
// worker's share of a core they compete for, so a burst of logins slows the logins
// rather than every validation (0 = unchanged; failures to set it are ignored).
//
// Thread safety: Submit may be called from any thread; Stop from one thread at a time
// (it is idempotent). A job must not call Stop (it would join itself).
#ifndef SESSIONKIT_SERVER_WORKER_POOL_H_
#define SESSIONKIT_SERVER_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sessionkit::server {

class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t queue_capacity, int nice = 0);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();

  [[nodiscard]] bool Submit(std::function<void()> job);
  void Stop();

  std::size_t queued() const;
  bool stopping() const;

 private:
  void Run();

  const std::size_t capacity_;
  const int nice_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_WORKER_POOL_H_
