// The browser side of the API (API.md §8): the cookie transport, the CSRF checks and
// credentialed CORS for TRUSTED_ORIGINS.
//
// BrowserPolicy is built once from the settings (SESSION_COOKIES, COOKIE_SECURE,
// PUBLIC_ORIGIN, TRUSTED_ORIGINS, JWT_SECRET for the CSRF key); Services::browser points
// at it, and nullptr means SESSION_COOKIES=off: cookies are never set or read, and no
// request is cookie-authenticated, so no CSRF check ever applies.
//
// Cookies: `__Host-sk_access` (Path=/, HttpOnly, SameSite=Lax, Max-Age = the access
// token's lifetime), `__Secure-sk_refresh` (Path=/api/auth/refresh, HttpOnly,
// SameSite=Strict, Max-Age = the session's remaining absolute lifetime), `__Host-sk_csrf`
// (Path=/, SameSite=Lax, readable by scripts), all Secure; with COOKIE_SECURE=false the
// prefixes and Secure are dropped (`sk_access`, ...). Responses that set or expire them
// also carry Cache-Control: no-store.
//
// CSRF (CheckCsrf): applied by the route table (routes.cc) from each row's CsrfClass
// before the handler runs, so a rejected request changes nothing. A request is
// cookie-authenticated when cookies are on, it has no bearer token and it carries the
// access cookie (the header wins). Unsafe = any method but GET, HEAD, OPTIONS.
//   kUnsafe     cookie-authenticated and unsafe: origin check, then token check
//   kForwarded  the same, with the method of X-Forwarded-Method / X-Original-Method when
//               sent (else the request's own): forward auth applies the checks to the
//               forwarded request's headers
//   kEntry      cookie transport (X-Auth-Transport: cookie, or a refresh cookie sent):
//               origin check only (login CSRF)
//   kNone       nothing
// Origin check: when Origin is sent it must be the server's own origin (PUBLIC_ORIGIN, else
// https:// + Host -- http:// too with COOKIE_SECURE=false or on a loopback Host) or one of
// TRUSTED_ORIGINS; when not sent, Sec-Fetch-Site must be absent, same-origin or none.
// Token check: X-CSRF-Token must be the session's token (src/crypto/csrf_token.h), the
// session being the one of the access cookie's JWT (verified here; the handler then
// authenticates as usual, so an invalid cookie is its 401, not a 403).
//
// The bearer case costs nothing here: CheckCsrf returns at once when the request has no
// Cookie header.
//
// Thread safety: BrowserPolicy is immutable after construction; the functions are pure
// or answer through the given Responder.
#ifndef SESSIONKIT_SERVER_HANDLERS_BROWSER_H_
#define SESSIONKIT_SERVER_HANDLERS_BROWSER_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/message.h"
#include "server/router.h"
#include "src/crypto/csrf_token.h"

namespace sessionkit::server {

struct Services;

struct BrowserSettings {
  bool secure = true;                      // COOKIE_SECURE
  std::string public_origin;               // PUBLIC_ORIGIN; empty: from Host
  std::vector<std::string> trusted_origins;  // TRUSTED_ORIGINS, each well-formed
  std::string jwt_secret;                  // the CSRF key is derived from it
  std::chrono::seconds access_token_lifetime{48 * 3600};  // JWT_EXPIRED
};

class BrowserPolicy {
 public:
  explicit BrowserPolicy(const BrowserSettings& settings);

  bool secure() const noexcept { return secure_; }
  std::string_view access_cookie_name() const noexcept { return access_name_; }
  std::string_view refresh_cookie_name() const noexcept { return refresh_name_; }
  std::string_view csrf_cookie_name() const noexcept { return csrf_name_; }
  std::chrono::seconds access_token_lifetime() const noexcept { return access_lifetime_; }
  const internal::CsrfTokens& csrf_tokens() const noexcept { return csrf_; }

  // True iff `origin` is one of TRUSTED_ORIGINS (exact, case-insensitive).
  bool IsTrustedOrigin(std::string_view origin) const noexcept;
  // Check 1 of §8 on the request's Origin / Sec-Fetch-Site.
  bool OriginAllowed(const Request& req) const noexcept;

 private:
  bool IsOwnOrigin(std::string_view origin, std::string_view host) const noexcept;

  bool secure_;
  std::string public_origin_;
  std::vector<std::string> trusted_origins_;
  std::string access_name_, refresh_name_, csrf_name_;
  std::chrono::seconds access_lifetime_;
  internal::CsrfTokens csrf_;
};

// The value of cookie `name` in a Cookie header ("" if absent).
std::string_view CookieValue(std::string_view cookie_header, std::string_view name) noexcept;

// The access cookie, when cookies are on; "" otherwise.
std::string_view AccessCookie(const Services& s, const Request& req) noexcept;
// The refresh cookie, when cookies are on; "" otherwise.
std::string_view RefreshCookie(const Services& s, const Request& req) noexcept;

// True iff the request asks for the cookie transport (X-Auth-Transport: cookie) and
// cookies are on.
bool WantsCookieTransport(const Services& s, const Request& req) noexcept;

// Applies the row's CSRF class (see the header comment). Returns true if the request may
// go on; otherwise answers 403 csrf_rejected (and logs a line) and returns false.
bool ApplyCsrf(const Services& s, CsrfClass csrf, const Request& req, Responder& reply);

// ApplyCsrf, with the common cases decided inline: no class, or no Cookie header on a
// route whose checks need the access cookie (every bearer request).
inline bool CheckCsrf(const Services& s, CsrfClass csrf, const Request& req, Responder& reply) {
  if (csrf == CsrfClass::kNone) return true;
  if (req.cookie.empty() && csrf != CsrfClass::kEntry) return true;
  return ApplyCsrf(s, csrf, req, reply);
}

// What a cookie-transport answer sets: the tokens and their lifetimes.
struct SessionCookies {
  std::string_view access_token;
  std::string_view refresh_token;
  std::string_view session_id;  // for the CSRF token
  std::chrono::seconds refresh_max_age{0};
};

// Adds the three Set-Cookie headers and Cache-Control: no-store; returns the CSRF token
// for the body.
std::string SetSessionCookies(const BrowserPolicy& policy, const SessionCookies& cookies,
                              Response& r);
// Adds the three cookies with Max-Age=0, and Cache-Control: no-store. Nothing if
// `policy` is nullptr (cookies off).
void ExpireSessionCookies(const BrowserPolicy* policy, Response& r);
// Cache-Control: no-store (a response that carries a token).
void AddNoStore(Response& r);

// Credentialed CORS (§8): the answer to a preflight from a trusted origin (204), or
// nullopt if `req` is not one.
std::optional<Response> CorsPreflight(const Services& s, const Request& req);
// The headers a trusted origin's actual request gets on its answer (none for others).
void AddCorsHeaders(const Services& s, std::string_view origin, Response& r);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_BROWSER_H_
