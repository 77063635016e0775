// EventLoops: the server's I/O threads, one single-threaded io_context each.
//
// Each loop is an io_context run by exactly one thread (concurrency hint 1). A client
// connection lives on one loop for its whole life, so its handlers need no strand, and
// work a handler queues on its own loop (a Redis command's flush, the write of the
// reply) stays on that thread without waking another one. The Redis store can run its
// connections on these loops as well (main.cc), so that a validation never crosses
// threads: request parsed, command queued, reply decoded and response written all on
// the connection's loop.
//
// Each loop also has its DeadlineSweep (deadline_sweep.h): the read/write deadlines of
// the connections on it, checked by one coarse timer.
//
// Start() starts one thread per loop; Stop() (any thread) makes them return; Join()
// waits for that. The destructor stops and joins, then destroys the loops with whatever
// is still queued on them: destroy the EventLoops only when the objects those handlers
// refer to may go (HttpServer owns its loops for that reason).
// Thread safety: Next(), Stop() and the io_contexts themselves are thread-safe; Start()
// and Join() are called from one thread.
#ifndef SESSIONKIT_SERVER_HTTP_EVENT_LOOPS_H_
#define SESSIONKIT_SERVER_HTTP_EVENT_LOOPS_H_

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "server/http/deadline_sweep.h"

namespace sessionkit::server {

class EventLoops {
 public:
  explicit EventLoops(unsigned count);  // count 0 is taken as 1
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;
  ~EventLoops();

  std::size_t size() const noexcept { return loops_.size(); }
  boost::asio::io_context& at(std::size_t i) noexcept { return *loops_[i]; }
  // The loops in turn, for spreading connections: the index of the next one.
  std::size_t NextIndex() noexcept;
  boost::asio::io_context& Next() noexcept { return at(NextIndex()); }
  // Loop i's deadline sweep; use it only on loop i's thread.
  DeadlineSweep& deadlines(std::size_t i) noexcept { return *deadlines_[i]; }
  std::vector<boost::asio::io_context*> contexts() const;

  void Start();  // idempotent
  void Stop();
  void Join();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<std::unique_ptr<DeadlineSweep>> deadlines_;  // one per loop; go before them
  std::vector<WorkGuard> work_;  // a loop with no connection yet must not return
  std::atomic<std::size_t> next_{0};
  std::vector<std::thread> threads_;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_EVENT_LOOPS_H_
