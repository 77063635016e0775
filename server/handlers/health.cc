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

namespace {

// On a Redis Cluster: each node the client knows, with whether it serves slots and is
// connected. 200 while at least one master is connected ("degraded" when not all are:
// only the missing masters' slots answer 503, and every server shares the cluster, so a
// load balancer gains nothing by pulling them); 503 when none is.
void ReplyClusterHealth(const std::vector<RedisNodeHealth>& nodes, Responder& reply) {
  std::size_t masters = 0;
  std::size_t masters_up = 0;
  for (const RedisNodeHealth& n : nodes) {
    if (!n.serves_slots) continue;
    ++masters;
    if (n.connected) ++masters_up;
  }
  if (masters_up == 0) return ReplyUnreachable(reply);
  SuccessBody body;
  auto& data = body.data();
  data.BeginObject().Key("status").String("ok").Key("store").String(masters_up == masters ? "up" : "degraded");
  data.Key("nodes").BeginArray();
  for (const RedisNodeHealth& n : nodes) {
    data.BeginObject()
        .Key("address").String(n.address)
        .Key("role").String(n.serves_slots ? "master" : "other")
        .Key("up").Bool(n.connected)
        .EndObject();
  }
  data.EndArray().EndObject();
  reply(body.Finish(200, "OK"));
}

}  // namespace

void HandleHealthz(Services& s, const Request&, Responder reply) {
  if (s.redis_nodes) return ReplyClusterHealth(s.redis_nodes(), reply);
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
