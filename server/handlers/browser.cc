#include "server/handlers/browser.h"

#include <spdlog/spdlog.h>

#include <string>

#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/services.h"

namespace sessionkit::server {
namespace {

char Lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// `text` is `prefix` followed by `rest`, ignoring case.
bool IsConcatenation(std::string_view text, std::string_view prefix, std::string_view rest) noexcept {
  return text.size() == prefix.size() + rest.size() &&
         EqualsIgnoreCase(text.substr(0, prefix.size()), prefix) &&
         EqualsIgnoreCase(text.substr(prefix.size()), rest);
}

// A Host value names this machine's loopback: browsers treat http:// there as secure.
bool IsLoopbackHost(std::string_view host) noexcept {
  if (host.starts_with('[')) return host.starts_with("[::1]");
  host = host.substr(0, host.find(':'));
  return EqualsIgnoreCase(host, "localhost") || host.starts_with("127.");
}

bool IsSafeMethod(Method m) noexcept {
  return m == Method::kGet || m == Method::kHead || m == Method::kOptions;
}

// A forwarded method name: only the exact safe names are safe; anything else is not.
Method ForwardedMethod(std::string_view name) noexcept {
  if (name == "GET") return Method::kGet;
  if (name == "HEAD") return Method::kHead;
  if (name == "OPTIONS") return Method::kOptions;
  return Method::kOther;
}

void Reject(const Request& req, std::string_view why, Responder& reply) {
  spdlog::info("csrf rejected: {} {} reason={} origin={:?} sec_fetch_site={:?} ip={}",
               MethodName(req.method), req.path, why, req.origin.substr(0, 200),
               req.sec_fetch_site.substr(0, 40), req.client_ip);
  reply(ErrorResponse(ApiError::kCsrfRejected, why == "origin"
                                                   ? "Cross-site request refused"
                                                   : "Missing or wrong X-CSRF-Token"));
}

std::string Cookie(std::string_view name, std::string_view value, std::string_view path,
                   bool secure, bool http_only, std::string_view same_site,
                   std::optional<std::chrono::seconds> max_age) {
  std::string c;
  c.reserve(name.size() + value.size() + 96);
  c.append(name).append("=").append(value).append("; Path=").append(path);
  if (secure) c.append("; Secure");
  if (http_only) c.append("; HttpOnly");
  c.append("; SameSite=").append(same_site);
  if (max_age) c.append("; Max-Age=").append(std::to_string(std::max<std::int64_t>(0, max_age->count())));
  return c;
}

constexpr std::string_view kRefreshPath = "/api/auth/refresh";

}  // namespace

BrowserPolicy::BrowserPolicy(const BrowserSettings& settings)
    : secure_(settings.secure),
      public_origin_(settings.public_origin),
      trusted_origins_(settings.trusted_origins),
      access_name_(settings.secure ? "__Host-sk_access" : "sk_access"),
      refresh_name_(settings.secure ? "__Secure-sk_refresh" : "sk_refresh"),
      csrf_name_(settings.secure ? "__Host-sk_csrf" : "sk_csrf"),
      access_lifetime_(settings.access_token_lifetime),
      csrf_(settings.jwt_secret) {}

bool BrowserPolicy::IsTrustedOrigin(std::string_view origin) const noexcept {
  for (const std::string& trusted : trusted_origins_) {
    if (EqualsIgnoreCase(origin, trusted)) return true;
  }
  return false;
}

bool BrowserPolicy::IsOwnOrigin(std::string_view origin, std::string_view host) const noexcept {
  if (!public_origin_.empty()) return EqualsIgnoreCase(origin, public_origin_);
  if (host.empty()) return false;
  if (IsConcatenation(origin, "https://", host)) return true;
  return (!secure_ || IsLoopbackHost(host)) && IsConcatenation(origin, "http://", host);
}

bool BrowserPolicy::OriginAllowed(const Request& req) const noexcept {
  if (!req.origin.empty()) return IsOwnOrigin(req.origin, req.host) || IsTrustedOrigin(req.origin);
  std::string_view site = req.sec_fetch_site;
  return site.empty() || EqualsIgnoreCase(site, "same-origin") || EqualsIgnoreCase(site, "none");
}


std::string_view CookieValue(std::string_view header, std::string_view name) noexcept {
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return {};
}

std::string_view AccessCookie(const Services& s, const Request& req) noexcept {
  if (s.browser == nullptr || req.cookie.empty()) return {};
  return CookieValue(req.cookie, s.browser->access_cookie_name());
}

std::string_view RefreshCookie(const Services& s, const Request& req) noexcept {
  if (s.browser == nullptr || req.cookie.empty()) return {};
  return CookieValue(req.cookie, s.browser->refresh_cookie_name());
}

bool WantsCookieTransport(const Services& s, const Request& req) noexcept {
  return s.browser != nullptr && EqualsIgnoreCase(req.auth_transport, "cookie");
}

bool ApplyCsrf(const Services& s, CsrfClass csrf, const Request& req, Responder& reply) {
  const BrowserPolicy* policy = s.browser;
  if (policy == nullptr) return true;  // SESSION_COOKIES=off: nothing is cookie-authenticated
  switch (csrf) {
    case CsrfClass::kNone:
      return true;
    case CsrfClass::kEntry: {
      bool cookie_transport = WantsCookieTransport(s, req) || !RefreshCookie(s, req).empty();
      if (!cookie_transport || policy->OriginAllowed(req)) return true;
      Reject(req, "origin", reply);
      return false;
    }
    case CsrfClass::kUnsafe:
    case CsrfClass::kForwarded: {
      if (req.cookie.empty()) return true;  // the bearer hot path ends here
      Method method = req.method;
      if (csrf == CsrfClass::kForwarded && !req.forwarded_method.empty()) {
        method = ForwardedMethod(req.forwarded_method);
      }
      if (IsSafeMethod(method)) return true;
      if (!BearerToken(req.authorization).empty()) return true;  // the header wins: exempt
      std::string_view access = AccessCookie(s, req);
      if (access.empty()) return true;
      if (!policy->OriginAllowed(req)) {
        Reject(req, "origin", reply);
        return false;
      }
      Result<AccessClaims> claims = s.jwt->Verify(access);
      if (!claims.ok()) return true;  // not authenticated: the handler answers 401
      if (!policy->csrf_tokens().Matches(claims->session_id, req.csrf_header)) {
        Reject(req, "token", reply);
        return false;
      }
      return true;
    }
  }
  return true;
}

void AddNoStore(Response& r) { r.headers.emplace_back("Cache-Control", "no-store"); }

std::string SetSessionCookies(const BrowserPolicy& p, const SessionCookies& c, Response& r) {
  std::string csrf = p.csrf_tokens().TokenFor(c.session_id);
  r.headers.reserve(r.headers.size() + 4);
  r.headers.emplace_back("Set-Cookie", Cookie(p.access_cookie_name(), c.access_token, "/",
                                              p.secure(), true, "Lax",
                                              p.access_token_lifetime()));
  r.headers.emplace_back("Set-Cookie", Cookie(p.refresh_cookie_name(), c.refresh_token,
                                              kRefreshPath, p.secure(), true, "Strict",
                                              c.refresh_max_age));
  r.headers.emplace_back("Set-Cookie",
                         Cookie(p.csrf_cookie_name(), csrf, "/", p.secure(), false, "Lax",
                                std::nullopt));
  AddNoStore(r);
  return csrf;
}

void ExpireSessionCookies(const BrowserPolicy* p, Response& r) {
  if (p == nullptr) return;
  constexpr std::chrono::seconds kGone{0};
  r.headers.reserve(r.headers.size() + 4);
  r.headers.emplace_back("Set-Cookie",
                         Cookie(p->access_cookie_name(), "", "/", p->secure(), true, "Lax", kGone));
  r.headers.emplace_back("Set-Cookie", Cookie(p->refresh_cookie_name(), "", kRefreshPath,
                                              p->secure(), true, "Strict", kGone));
  r.headers.emplace_back("Set-Cookie",
                         Cookie(p->csrf_cookie_name(), "", "/", p->secure(), false, "Lax", kGone));
  AddNoStore(r);
}

std::optional<Response> CorsPreflight(const Services& s, const Request& req) {
  if (s.browser == nullptr || req.method != Method::kOptions || req.origin.empty() ||
      !s.browser->IsTrustedOrigin(req.origin)) {
    return std::nullopt;
  }
  Response r;
  r.status = 204;
  r.content_type = {};
  AddCorsHeaders(s, req.origin, r);
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, DELETE");
  r.headers.emplace_back("Access-Control-Allow-Headers",
                         "Content-Type, X-CSRF-Token, X-Auth-Transport, X-Device-Id, "
                         "Authorization");
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  return r;
}

void AddCorsHeaders(const Services& s, std::string_view origin, Response& r) {
  if (s.browser == nullptr || origin.empty() || !s.browser->IsTrustedOrigin(origin)) return;
  r.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  r.headers.emplace_back("Vary", "Origin");
}

}  // namespace sessionkit::server
