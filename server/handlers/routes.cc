#include "server/handlers/routes.h"

#include <memory>

#include "server/error_map.h"
#include "server/handlers/browser.h"
#include "server/handlers/handlers.h"
#include "server/handlers/pages.h"

namespace sessionkit::server {
namespace {

// Adds the credentialed-CORS headers of a trusted origin to the answer, whatever
// answers it (browser.h).
class CorsSink final : public ResponseSink {
 public:
  CorsSink(const Services& services, std::string_view origin, Responder inner)
      : services_(services), origin_(origin), inner_(std::move(inner)) {}
  void Send(Response response) override {
    AddCorsHeaders(services_, origin_, response);
    inner_(std::move(response));
  }

 private:
  const Services& services_;
  std::string origin_;
  Responder inner_;
};

// Verify is the hot path: a subtree row, matched before every other (router.h). The
// order of the rows is the order of the series in /metrics.
// Columns: method, path match, path, metrics label, auth required, CSRF class, handler.
constexpr RouteRow kApiRoutes[] = {
    {Method::kPost, PathMatch::kExact, "/api/auth/register", "register", false,
     CsrfClass::kEntry, RouteTo<HandleRegister>},
    {Method::kPost, PathMatch::kExact, "/api/auth/login", "login", false, CsrfClass::kEntry,
     RouteTo<HandleLogin>},
    {Method::kPost, PathMatch::kExact, "/api/auth/logout", "logout", true, CsrfClass::kUnsafe,
     RouteTo<HandleLogout>},
    {Method::kPost, PathMatch::kExact, "/api/auth/logout-all", "logout_all", true,
     CsrfClass::kUnsafe, RouteTo<HandleLogoutAll>},
    {Method::kPost, PathMatch::kExact, "/api/auth/refresh", "refresh", false, CsrfClass::kEntry,
     RouteTo<HandleRefresh>},
    {Method::kPost, PathMatch::kExact, "/api/auth/password", "change_password", true,
     CsrfClass::kUnsafe, RouteTo<HandleChangePassword>},
    {Method::kGet, PathMatch::kExact, "/api/auth/sessions", "list_sessions", true,
     CsrfClass::kNone, RouteTo<HandleListSessions>},
    {Method::kDelete, PathMatch::kParam, "/api/auth/sessions", "revoke_session", true,
     CsrfClass::kUnsafe, RouteTo<HandleRevokeSession>},
    {Method::kGet, PathMatch::kExact, "/api/users/me", "users_me", true, CsrfClass::kNone,
     RouteTo<HandleMe>},
    {kAnyMethod, PathMatch::kSubtree, "/api/auth/verify", "verify", true, CsrfClass::kForwarded,
     RouteTo<HandleVerify>},
    // Second factor (API.md §9).
    {Method::kPost, PathMatch::kExact, "/api/auth/2fa/totp/setup", "totp_setup", true,
     CsrfClass::kUnsafe, RouteTo<HandleTotpSetup>},
    {Method::kPost, PathMatch::kExact, "/api/auth/2fa/totp/confirm", "totp_confirm", true,
     CsrfClass::kUnsafe, RouteTo<HandleTotpConfirm>},
    {Method::kPost, PathMatch::kExact, "/api/auth/2fa/verify", "two_factor_verify", false,
     CsrfClass::kEntry, RouteTo<HandleTwoFactorVerify>},
    {Method::kPost, PathMatch::kExact, "/api/auth/2fa/recovery-codes", "recovery_codes", true,
     CsrfClass::kUnsafe, RouteTo<HandleRecoveryCodes>},
    {Method::kPost, PathMatch::kExact, "/api/auth/2fa/totp/disable", "totp_disable", true,
     CsrfClass::kUnsafe, RouteTo<HandleTotpDisable>},
    {Method::kGet, PathMatch::kExact, "/api/auth/2fa", "two_factor_status", true,
     CsrfClass::kNone, RouteTo<HandleTwoFactorStatus>},
    {Method::kPost, PathMatch::kExact, "/api/auth/logout-others", "logout_others", true,
     CsrfClass::kUnsafe, RouteTo<HandleLogoutOthers>},
    {Method::kGet, PathMatch::kExact, "/", "page_root", false, CsrfClass::kNone,
     RouteTo<HandleRootPage>},
    {Method::kGet, PathMatch::kExact, "/account", "page_account", true, CsrfClass::kNone,
     RouteTo<HandleAccountPage>},
    {Method::kGet, PathMatch::kExact, "/account/login", "page_login", false, CsrfClass::kNone,
     RouteTo<HandleLoginPage>},
    {Method::kGet, PathMatch::kExact, "/account/register", "page_register", false,
     CsrfClass::kNone, RouteTo<HandleRegisterPage>},
    {Method::kGet, PathMatch::kExact, "/account/security", "page_security", true,
     CsrfClass::kNone, RouteTo<HandleSecurityPage>},
    {Method::kGet, PathMatch::kParam, "/account/assets", "page_asset", false, CsrfClass::kNone,
     RouteTo<HandleWebAsset>},
    {Method::kPost, PathMatch::kExact, "/api/auth/email/verify/request", "email_verify_request",
     true, CsrfClass::kUnsafe, RouteTo<HandleEmailVerifyRequest>},
    {Method::kPost, PathMatch::kExact, "/api/auth/email/verify", "email_verify", false,
     CsrfClass::kNone, RouteTo<HandleEmailVerify>},
    {Method::kPost, PathMatch::kExact, "/api/auth/password/forgot", "password_forgot", false,
     CsrfClass::kNone, RouteTo<HandlePasswordForgot>},
    {Method::kPost, PathMatch::kExact, "/api/auth/password/reset", "password_reset", false,
     CsrfClass::kNone, RouteTo<HandlePasswordReset>},
    // The pages of the mailed links (API.md §13); 404 without SMTP_URL.
    {Method::kGet, PathMatch::kExact, "/account/forgot", "page_forgot_password", false,
     CsrfClass::kNone, RouteTo<HandleForgotPasswordPage>},
    {Method::kGet, PathMatch::kExact, "/account/reset", "page_reset_password", false,
     CsrfClass::kNone, RouteTo<HandleResetPasswordPage>},
    {Method::kGet, PathMatch::kExact, "/account/verify-email", "page_verify_email", false,
     CsrfClass::kNone, RouteTo<HandleVerifyEmailPage>},
    {Method::kGet, PathMatch::kExact, "/healthz", "healthz", false, CsrfClass::kNone,
     RouteTo<HandleHealthz>},
    {Method::kGet, PathMatch::kExact, "/metrics", "metrics", false, CsrfClass::kNone,
     RouteTo<HandleMetrics>},
};

}  // namespace

std::span<const RouteRow> ApiRoutes() noexcept { return kApiRoutes; }

void ApiHandler::Handle(const Request& request, Tag& tag, Responder reply) {
  RouteMatch match = router_.Match(request.method, request.path);
  tag = match.id;
  // Browsers only (a bearer client sends no Origin): credentialed CORS for
  // TRUSTED_ORIGINS, API.md §8.
  if (!request.origin.empty() && services_.browser != nullptr &&
      services_.browser->IsTrustedOrigin(request.origin)) {
    if (match.row == nullptr && match.id == router_.wrong_method()) {
      if (std::optional<Response> preflight = CorsPreflight(services_, request)) {
        return reply(std::move(*preflight));
      }
    }
    reply = Responder(std::make_shared<CorsSink>(services_, request.origin, std::move(reply)));
  }
  if (match.row != nullptr) {
    // The row's CSRF class is the one place the rules of API.md §8 are applied.
    if (!CheckCsrf(services_, match.row->csrf, request, reply)) return;
    return match.row->handler(services_, request, match.param, std::move(reply));
  }
  if (match.id == router_.wrong_method()) {
    Response r = ErrorResponse(ApiError::kMethodNotAllowed, "Method not allowed");
    r.headers.emplace_back("Allow", std::string(match.allow));
    return reply(std::move(r));
  }
  reply(ErrorResponse(ApiError::kNotFound, "Route not found"));
}

Response ApiHandler::Reject(ProtocolError error) {
  switch (error) {
    case ProtocolError::kBodyTooLarge:
      return ErrorResponse(ApiError::kPayloadTooLarge, "Request body too large (max 1 MiB)");
    case ProtocolError::kHeaderTooLarge:
      return ErrorResponse(ApiError::kBadRequest, "Request header too large");
    case ProtocolError::kMalformed: break;
  }
  return ErrorResponse(ApiError::kBadRequest, "Malformed HTTP request");
}

void ApiHandler::Answered(Tag tag, int status, std::chrono::nanoseconds latency) noexcept {
  services_.metrics->RecordRequest(tag == kRejectedTag ? router_.unknown_path() : tag, status,
                                   latency);
}

}  // namespace sessionkit::server
