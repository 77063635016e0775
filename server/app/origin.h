// Origin syntax for the settings PUBLIC_ORIGIN and TRUSTED_ORIGINS (API.md §7, §8).
//
// OriginProblem(origin) is "" for a well-formed origin -- http or https, a host (a name or
// a bracketed IPv6 address: hex digits, ':' and '.' only), an optional port 1..65535, nothing after (no path, query,
// fragment or user info) -- else a short reason to append to the setting's name. Pure,
// thread-safe, never throws. The configuration (server/app/config) and sessionkit-ctl
// share it; the browser policy (server/handlers/browser.h) compares origins at run time.
#ifndef SESSIONKIT_SERVER_APP_ORIGIN_H_
#define SESSIONKIT_SERVER_APP_ORIGIN_H_

#include <string>
#include <string_view>

namespace sessionkit::server {

std::string OriginProblem(std::string_view origin);

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_APP_ORIGIN_H_
