#include "server/handlers/issue_session.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "server/error_map.h"
#include "server/handlers/views.h"
#include "server/refresh_token.h"
#include "server/response.h"

namespace sessionkit::server {
namespace {

AccessClaims ClaimsFor(const Services& s, const User& user, const Session& session) {
  AccessClaims c;
  c.user_id = user.id;
  c.session_id = session.id;
  c.device_id = session.device_id;
  c.last_ip = session.ip_address;
  c.username = user.username;
  c.email = user.email;
  c.role = user.role;
  c.is_premium = user.is_premium;
  c.is_verified = user.is_email_verified;
  c.issuer = s.issuer;
  c.subject = user.id;
  c.issued_at = std::chrono::duration_cast<std::chrono::seconds>(
                    ClockOrSystem(s.clock).Now().time_since_epoch())
                    .count();
  c.expires_at = c.issued_at + s.token_lifetime.count();
  return c;
}

}  // namespace

void IssueSession(Services& s, User user, std::string purpose, ClientInfo client, int status,
                  std::string_view message, Responder reply, std::function<void()> on_failure) {
  NewSession request;
  request.user_id = user.id;
  request.username = user.username;
  request.purpose = std::move(purpose);
  request.ip_address = client.ip;
  request.user_agent = std::move(client.user_agent);
  request.device_id = std::move(client.device_id_header);  // the manager derives if unusable

  s.sessions->CreateAsync(
      std::move(request),
      [&s, user = std::move(user), status, message, reply = std::move(reply),
       on_failure = std::move(on_failure)](Result<CreatedSession> created) mutable {
        if (!created.ok()) {
          if (on_failure) on_failure();
          MappedError mapped = MapStatus(created.status(), Site::kWrite);
          if (mapped.error == ApiError::kStoreUnavailable) s.metrics->StoreError();
          if (mapped.error != ApiError::kStoreUnavailable) {
            mapped = {ApiError::kInternal, "Could not create the session"};
            spdlog::error("session create failed for user_id={}: {}", user.id,
                          created.status().ToString());
          }
          reply(ErrorResponse(mapped));
          return;
        }
        const Session& session = created->session;
        s.metrics->SessionCreated();
        spdlog::info("session created: {} user_id={} purpose={} ip={} device={:?}",
                     ShortSessionId(session.id), user.id, session.purpose, session.ip_address,
                     session.device_id);
        for (const std::string& evicted : created->evicted) {
          spdlog::info("session revoked: {} user_id={} reason=per-user cap",
                       ShortSessionId(evicted), user.id);
        }
        Result<std::string> refresh = IssueRefreshToken();
        if (!refresh.ok()) {
          reply(ErrorResponse(ApiError::kInternal, "Internal server error"));
          return;
        }
        std::string token = s.jwt->Sign(ClaimsFor(s, user, session));

        SuccessBody body;
        internal::JsonWriter& w = body.data();
        w.BeginObject().Key("user");
        WriteUser(w, user);
        w.Key("token").String(token)
            .Key("refresh_token").String(*refresh)
            .Key("requires_2fa").Bool(false)
            .Key("is_verified").Bool(user.is_email_verified)
            .EndObject();
        reply(body.Finish(status, message));
      });
}

}  // namespace sessionkit::server
