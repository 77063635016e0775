// Blocking adapters over the *Async API: start an operation, wait for its callback.
// Internal. Never call from a thread that the callback needs (a store's I/O thread).
#ifndef SESSIONKIT_CORE_BLOCKING_H_
#define SESSIONKIT_CORE_BLOCKING_H_

#include <future>
#include <utility>

#include "sessionkit/result.h"
#include "sessionkit/status.h"

namespace sessionkit::internal {

// start(callback) must arrange for callback(Result<T>) to be called exactly once.
template <class T, class Start>
Result<T> WaitFor(Start&& start) {
  std::promise<Result<T>> promise;
  std::future<Result<T>> future = promise.get_future();
  std::forward<Start>(start)([&promise](Result<T> r) { promise.set_value(std::move(r)); });
  return future.get();
}

template <class Start>
Status WaitForStatus(Start&& start) {
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  std::forward<Start>(start)([&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_CORE_BLOCKING_H_
