// The one error reply of the handlers: map a failed library call (error_map.h), count a
// store outage (503) in the metrics, answer.
//
// MapAndCount is for the few callers that adjust the mapped error before answering
// (a conflict's own text, an internal error instead of a 4xx); everyone else calls
// ReplyError. Only a 503 is counted: the other statuses are the client's or a bug's.
// Thread safety: as Metrics (any thread); `reply` is used once.
#ifndef SESSIONKIT_SERVER_HANDLERS_ERROR_REPLY_H_
#define SESSIONKIT_SERVER_HANDLERS_ERROR_REPLY_H_

#include "server/error_map.h"
#include "server/http/message.h"
#include "server/metrics.h"
#include "sessionkit/status.h"

namespace sessionkit::server {

// MapStatus(status, site), with metrics.StoreError() when that is store_unavailable.
MappedError MapAndCount(Metrics& metrics, const Status& status, Site site);

// MapAndCount, then the error envelope through `reply`.
void ReplyError(Metrics& metrics, const Status& status, Site site, Responder& reply);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_ERROR_REPLY_H_
