// Any method on /api/auth/verify[/…]: forward auth for nginx auth_request, Traefik
// forwardAuth, Envoy ext_authz. 200 with an empty body and identity headers.
// This is the hot path: one JWT verify, one validation, no logging, no body.
#include "server/handlers/bearer.h"
#include "server/handlers/handlers.h"

namespace sessionkit::server {

void HandleVerify(Services& s, const Request& req, Responder reply) {
  Authenticate(s, req, std::move(reply), [](AuthContextPtr auth, Responder reply) {
    Response r;
    r.status = 200;
    r.content_type = {};
    r.headers.reserve(3);
    r.headers.emplace_back("X-User-Id", std::move(auth->claims.user_id));
    r.headers.emplace_back("X-Session-Id", std::move(auth->claims.session_id));
    r.headers.emplace_back("X-User-Role", std::move(auth->claims.role));
    reply(std::move(r));
  });
}

}  // namespace sessionkit::server
