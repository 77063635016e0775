// Bearer middleware: the seed's validation order for every authenticated route.
//
//   credentials: Authorization: Bearer <jwt>, else the access cookie of API.md §8 when
//   cookies are on (browser.h; the header wins when both are sent; the CSRF checks of a
//   cookie-authenticated request ran before the handler, in the route table)
//   -> JwtCodec::Verify (alg, signature, exp/iat, claims,
//   session id format) -> SessionManager::ValidateAsync (store lookup, expiry, user
//   match, IP/User-Agent binding, throttled slide)
//
// On success `next(std::shared_ptr<AuthContext>, Responder)` runs with the verified
// claims and the validated session, so no handler fetches them again; it may run on a
// store thread. On failure the request is answered here: 401 `unauthorized` for any
// token or session problem, 503 `store_unavailable` when the store is down. Drift under
// the warn policy is logged (at most one line a second, short session id only).
#ifndef SESSIONKIT_SERVER_HANDLERS_BEARER_H_
#define SESSIONKIT_SERVER_HANDLERS_BEARER_H_

#include <memory>
#include <string_view>
#include <utility>

#include "server/error_map.h"
#include "server/handlers/services.h"
#include "server/http/message.h"
#include "sessionkit/jwt.h"
#include "sessionkit/session_manager.h"

namespace sessionkit::server {

struct AuthContext {
  AccessClaims claims;
  Validation validation;
};
using AuthContextPtr = std::shared_ptr<AuthContext>;

// The token of an "Authorization: Bearer <token>" header (scheme in any case,
// surrounding spaces trimmed); empty if the header is absent or another scheme.
std::string_view BearerToken(std::string_view authorization) noexcept;

// Verifies the token; on failure answers 401 and returns nullptr.
AuthContextPtr VerifyAccessToken(Services& s, const Request& req, Responder& reply);

// Logs drift (throttled) and answers/maps a failed validation.
void ReplyValidationFailure(Services& s, const Status& status, Responder& reply);
void NoteDrift(Services& s, const AuthContext& auth, const Request& req);

template <class Next>
void Authenticate(Services& s, const Request& req, Responder reply, Next next) {
  AuthContextPtr auth = VerifyAccessToken(s, req, reply);
  if (!auth) return;
  ValidateRequest validate{auth->claims.session_id, auth->claims.user_id, req.client_ip,
                           req.user_agent};
  // The lambda keeps `auth` alive; the views above point into it and are copied by
  // ValidateAsync before it returns.
  s.sessions->ValidateAsync(
      validate, [&s, &req, auth, reply = std::move(reply), next = std::move(next)](
                    Result<Validation> result) mutable {
        // `req` is alive here: the connection keeps it until the reply is sent.
        if (!result.ok()) {
          ReplyValidationFailure(s, result.status(), reply);
          return;
        }
        auth->validation = std::move(result).value();
        if (auth->validation.ip_changed || auth->validation.user_agent_changed) {
          NoteDrift(s, *auth, req);
        }
        next(std::move(auth), std::move(reply));
      });
}

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_BEARER_H_
