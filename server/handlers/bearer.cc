#include "server/handlers/bearer.h"
#include "server/handlers/browser.h"
#include "server/handlers/error_reply.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace sessionkit::server {

std::string_view BearerToken(std::string_view authorization) noexcept {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return token;
}

AuthContextPtr VerifyAccessToken(Services& s, const Request& req, Responder& reply) {
  std::string_view token = BearerToken(req.authorization);
  if (token.empty()) token = AccessCookie(s, req);  // the header wins
  if (token.empty()) {
    s.metrics->AuthRejected();
    reply(ErrorResponse(ApiError::kUnauthorized, "Missing bearer token"));
    return nullptr;
  }
  Result<AccessClaims> claims = s.jwt->Verify(token);
  if (!claims.ok()) {
    s.metrics->AuthRejected();
    reply(ErrorResponse(ApiError::kUnauthorized, "Invalid or expired token"));
    return nullptr;
  }
  auto auth = std::make_shared<AuthContext>();
  auth->claims = std::move(claims).value();
  return auth;
}

void ReplyValidationFailure(Services& s, const Status& status, Responder& reply) {
  MappedError mapped = MapAndCount(*s.metrics, status, Site::kAuthentication);
  if (mapped.error != ApiError::kStoreUnavailable) s.metrics->AuthRejected();
  reply(ErrorResponse(mapped));
}

void NoteDrift(Services& s, const AuthContext& auth, const Request& req) {
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         ClockOrSystem(s.clock).Now().time_since_epoch())
                         .count();
  std::int64_t last = s.last_drift_log.load(std::memory_order_relaxed);
  if (now <= last || !s.last_drift_log.compare_exchange_strong(last, now)) return;
  const Session& session = auth.validation.session;
  spdlog::warn("session {} used from a different client: ip {} (created from {:?}), "
               "user agent {}, user_id={:?}",
               ShortSessionId(session.id),
               auth.validation.ip_changed ? req.client_ip : std::string_view("unchanged"),
               session.ip_address,
               auth.validation.user_agent_changed ? "changed" : "unchanged", session.user_id);
}

}  // namespace sessionkit::server
