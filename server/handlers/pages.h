// The account pages of API.md §8 (WEB_UI): login, register, my devices, security, and
// their styles and scripts, all from the files compiled into the binary
// (web_assets.h). The pages are static; their scripts call the JSON API with the
// cookie transport (X-Auth-Transport: cookie, X-CSRF-Token from the csrf cookie).
//
//   GET /                   302 /account
//   GET /account/login      the sign-in form
//   GET /account/register   the registration form
//   GET /account            my devices; signed out (no valid access token, by the
//                           normal Authenticate step: bearer header or access cookie)
//                           302 /account/login; store down 503 with a page that says so
//   GET /account/security   password (and, with the TOTP issue, 2FA); as /account
//   GET /account/assets/{name}  a .css, .js or .svg file of server/web/, else 404
//
// With mail configured (SMTP_URL, Services::mail_pages; API.md §13), the pages that finish
// the steps of the mailed links; without it they are 404 like the API routes they call:
//   GET /account/forgot        asks for the email, posts /api/auth/password/forgot
//   GET /account/reset         ?token=…: a new password (and the 2FA code when asked)
//   GET /account/verify-email  ?token=…: posts the token, says verified or not
// The token is read by the page's script, never by the server (these pages are static):
// the script takes it out of the address bar at once (history.replaceState), and
// Referrer-Policy: no-referrer keeps it out of any Referer. The parts of a page that only
// make sense with mail (login's "Forgot password?", the email card of /account) sit
// between <!--mail--> and <!--/mail--> and are cut out when mail is off.
//
// Every answer carries the §8 headers: Content-Security-Policy, X-Content-Type-Options:
// nosniff, Referrer-Policy: no-referrer; pages are Cache-Control: no-store (they
// depend on who is signed in), assets no-cache (revalidated, so an upgrade is seen at
// once). With WEB_UI=off every one of these paths is 404 like an unknown route.
// Thread safety: as every handler (handlers.h).
#ifndef SESSIONKIT_SERVER_HANDLERS_PAGES_H_
#define SESSIONKIT_SERVER_HANDLERS_PAGES_H_

#include <string_view>

#include "server/handlers/services.h"
#include "server/http/message.h"

namespace sessionkit::server {

inline constexpr std::string_view kPageContentSecurityPolicy =
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

void HandleRootPage(Services& s, const Request& req, Responder reply);
void HandleLoginPage(Services& s, const Request& req, Responder reply);
void HandleRegisterPage(Services& s, const Request& req, Responder reply);
void HandleAccountPage(Services& s, const Request& req, Responder reply);
void HandleSecurityPage(Services& s, const Request& req, Responder reply);
void HandleForgotPasswordPage(Services& s, const Request& req, Responder reply);
void HandleResetPasswordPage(Services& s, const Request& req, Responder reply);
void HandleVerifyEmailPage(Services& s, const Request& req, Responder reply);
void HandleWebAsset(Services& s, const Request& req, std::string_view name, Responder reply);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_PAGES_H_
