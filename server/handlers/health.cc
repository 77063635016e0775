// GET /healthz (liveness + store reachability) and GET /metrics (Prometheus text).
#include "server/error_map.h"
#include "server/handlers/handlers.h"
#include "server/response.h"

namespace sessionkit::server {

void HandleHealthz(Services& s, const Request&, Responder reply) {
  s.sessions->store().PingAsync([reply](Status status) mutable {
    if (!status.ok()) {
      return reply(ErrorResponse(ApiError::kStoreUnavailable, "Session store unreachable"));
    }
    SuccessBody body;
    body.data().BeginObject().Key("status").String("ok").Key("store").String("up").EndObject();
    reply(body.Finish(200, "OK"));
  });
}

void HandleMetrics(Services& s, const Request&, Responder reply) {
  Response r;
  r.status = 200;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = s.metrics->Render();
  reply(std::move(r));
}

}  // namespace sessionkit::server
