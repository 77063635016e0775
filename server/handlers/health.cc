// GET /healthz (liveness + store reachability) and GET /metrics (Prometheus text).
// Reachability covers both connections to the store: the sessions' and the account
// state's (refresh tokens, failed logins: a read of an unused key).
#include "server/error_map.h"
#include "server/handlers/handlers.h"
#include "server/response.h"

namespace sessionkit::server {
namespace {

void ReplyUnreachable(Responder& reply) {
  reply(ErrorResponse(ApiError::kStoreUnavailable, "Session store unreachable"));
}

}  // namespace

void HandleHealthz(Services& s, const Request&, Responder reply) {
  s.sessions->store().PingAsync([&s, reply](Status status) mutable {
    if (!status.ok()) return ReplyUnreachable(reply);
    s.auth_state->PeekFailuresAsync(
        "healthz", ClockOrSystem(s.clock).Now(), std::chrono::milliseconds(1),
        [reply](Result<FailureWindow> peeked) mutable {
          if (!peeked.ok()) return ReplyUnreachable(reply);
          SuccessBody body;
          body.data().BeginObject().Key("status").String("ok").Key("store").String("up")
              .EndObject();
          reply(body.Finish(200, "OK"));
        });
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
