// Any method on /api/auth/verify[/…]: forward auth for nginx auth_request, Traefik
// forwardAuth, Envoy ext_authz. 200 with an empty body and identity headers.
// This is the hot path: one JWT verify, one validation, no logging, no body.
//
// Assurance level (API.md §9): X-Auth-Level is the session record's `aal` (the record
// decides, not the token). A proxy that sends X-Require-AAL: 2 gets 403 aal2_required
// for an aal 1 session. Fail closed: any X-Require-AAL other than empty or "1" asks for 2.
#include "server/handlers/bearer.h"
#include "server/handlers/handlers.h"
#include "server/response.h"

namespace sessionkit::server {

void HandleVerify(Services& s, const Request& req, Responder reply) {
  const bool require_aal2 = !req.require_aal.empty() && req.require_aal != "1";
  Authenticate(s, req, std::move(reply), [require_aal2](AuthContextPtr auth, Responder reply) {
    const int aal = auth->validation.session.aal;
    if (require_aal2 && aal < 2) {
      return reply(ErrorResponse(ApiError::kAal2Required, "Second factor required"));
    }
    Response r;
    r.status = 200;
    r.content_type = {};
    r.headers.reserve(4);
    r.headers.emplace_back("X-User-Id", std::move(auth->claims.user_id));
    r.headers.emplace_back("X-Session-Id", std::move(auth->claims.session_id));
    r.headers.emplace_back("X-User-Role", std::move(auth->claims.role));
    r.headers.emplace_back("X-Auth-Level", aal == 2 ? "2" : "1");
    reply(std::move(r));
  });
}

}  // namespace sessionkit::server
