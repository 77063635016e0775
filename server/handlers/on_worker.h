// OnWorker: runs a handler's slow part (argon2id, user writes) on the password workers.
//
// When the pool is saturated (its queue is full) or stopping, the request is answered
// 429 `rate_limited` with Retry-After: 1 and the job is dropped. The job is moved into
// shared storage first, so it may own the Responder.
// Thread safety: call from any thread.
#ifndef SESSIONKIT_SERVER_HANDLERS_ON_WORKER_H_
#define SESSIONKIT_SERVER_HANDLERS_ON_WORKER_H_

#include <memory>
#include <utility>

#include "server/error_map.h"
#include "server/handlers/services.h"
#include "server/http/message.h"

namespace sessionkit::server {

template <class Job>
void OnWorker(Services& s, Responder& reply, Job job) {
  auto shared = std::make_shared<Job>(std::move(job));
  if (!s.workers->Submit([shared] { (*shared)(); })) {
    s.metrics->BusyRejected();
    Response r = ErrorResponse(ApiError::kRateLimited, "Server busy; try again later");
    r.headers.emplace_back("Retry-After", "1");
    reply(std::move(r));
  }
}

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_ON_WORKER_H_
