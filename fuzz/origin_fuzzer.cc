// Fuzz target: origin syntax (OriginProblem, server/app/origin.h: what PUBLIC_ORIGIN and
// each TRUSTED_ORIGINS entry must be) and the run-time origin check of the browser
// policy (BrowserPolicy::OriginAllowed, server/handlers/browser.h) on a request's
// Origin, Host and Sec-Fetch-Site. (The comma list TRUSTED_ORIGINS itself is read by
// the configuration load: fuzz_config_load checks what it keeps.)
//
// Input: four lines -- a configured origin, then the request's Origin, Host and
// Sec-Fetch-Site (any bytes; missing lines are empty).
//
// Properties beyond "no crash":
//   - an accepted origin is http:// or https:// followed only by host and port
//     characters (letters, digits, '-', '.', ':', and '[' ']' around an IPv6 address,
//     which holds only hex digits, ':' and '.'): nothing that could break a header
//     line or carry a path, user or query; acceptance does not depend on case (origins
//     are compared ignoring case), so its lower- and upper-case forms are accepted and
//     lower-casing is idempotent;
//   - a rejected origin has a reason;
//   - with the accepted origin as PUBLIC_ORIGIN or in TRUSTED_ORIGINS, a request whose
//     Origin is it (in any case) is allowed;
//   - a request with an Origin is allowed only if that Origin is the configured origin,
//     a trusted one, or https:// / http:// + its Host (ignoring case).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "server/app/origin.h"
#include "server/handlers/browser.h"

namespace {

using sessionkit::server::BrowserPolicy;
using sessionkit::server::BrowserSettings;
using sessionkit::server::OriginProblem;
using sessionkit::server::Request;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == ':';
}

bool IsHexOrSeparator(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') ||
         c == ':' || c == '.';
}

void CheckAcceptedShape(std::string_view origin) {
  const std::string lower = Lower(origin);
  FUZZ_CHECK(lower.starts_with("http://") || lower.starts_with("https://"));
  std::string_view rest = std::string_view(origin).substr(origin.find("//") + 2);
  FUZZ_CHECK(!rest.empty());
  if (rest.front() == '[') {
    const std::size_t close = rest.find(']');
    FUZZ_CHECK(close != std::string_view::npos);
    for (char c : rest.substr(1, close - 1)) FUZZ_CHECK(IsHexOrSeparator(c));
    rest.remove_prefix(close + 1);
  }
  for (char c : rest) FUZZ_CHECK(IsHostChar(c));
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) { return Lower(a) == Lower(b); }

std::string_view NextLine(std::string_view& input) {
  const std::size_t newline = input.find('\n');
  std::string_view line = input.substr(0, newline);
  input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view configured = NextLine(input);
  Request req;
  req.origin = NextLine(input);
  req.host = NextLine(input);
  req.sec_fetch_site = NextLine(input);

  const std::string problem = OriginProblem(configured);
  const bool accepted = problem.empty();
  BrowserSettings settings;
  settings.jwt_secret = std::string(32, 'k');
  if (accepted) {
    CheckAcceptedShape(configured);
    const std::string lower = Lower(configured);
    FUZZ_CHECK(OriginProblem(lower).empty());
    FUZZ_CHECK(OriginProblem(Upper(configured)).empty());
    FUZZ_CHECK(Lower(lower) == lower);
    settings.trusted_origins.emplace_back(configured);
  }

  for (bool secure : {true, false}) {
    settings.secure = secure;
    // Trusted origin, own origin from Host.
    settings.public_origin.clear();
    const BrowserPolicy from_host(settings);
    // The same origin as PUBLIC_ORIGIN, nothing trusted.
    BrowserSettings as_public = settings;
    as_public.trusted_origins.clear();
    if (accepted) as_public.public_origin = std::string(configured);
    const BrowserPolicy from_public(as_public);

    if (accepted) {
      for (const std::string& form : {std::string(configured), Upper(configured)}) {
        Request own = req;
        own.origin = form;
        FUZZ_CHECK(from_host.IsTrustedOrigin(form));
        FUZZ_CHECK(from_host.OriginAllowed(own));
        FUZZ_CHECK(from_public.OriginAllowed(own));
      }
    }
    for (const BrowserPolicy* policy : {&from_host, &from_public}) {
      if (!policy->OriginAllowed(req) || req.origin.empty()) continue;
      const bool own = (accepted && EqualsIgnoringCase(req.origin, configured)) ||
                       ((policy == &from_host || as_public.public_origin.empty()) && !req.host.empty() &&
                        (EqualsIgnoringCase(req.origin, "https://" + std::string(req.host)) ||
                         EqualsIgnoringCase(req.origin, "http://" + std::string(req.host))));
      FUZZ_CHECK(own);
    }
  }
  if (!accepted) FUZZ_CHECK(!problem.empty());
  return 0;
}
