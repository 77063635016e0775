// The account pages (pages.h): static files with the §8 headers, and for the signed-in
// pages the normal Authenticate step, whose 401 becomes a redirect to the login page.
#include "server/handlers/pages.h"

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "server/error_map.h"
#include "server/handlers/bearer.h"
#include "server/handlers/web_assets.h"

namespace sessionkit::server {
namespace {

constexpr std::string_view kLoginPath = "/account/login";

void AddSecurityHeaders(Response& r, std::string_view cache_control) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kPageContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", std::string(cache_control));
}

Response FileResponse(const WebAsset& file, int status, std::string_view cache_control) {
  Response r;
  r.status = status;
  r.body.assign(file.bytes);
  r.content_type = file.content_type;
  AddSecurityHeaders(r, cache_control);
  return r;
}

// What a page shows only when mail is configured sits between these two markers.
constexpr std::string_view kMailPartBegin = "<!--mail-->";
constexpr std::string_view kMailPartEnd = "<!--/mail-->";

std::string WithoutMailParts(std::string_view page) {
  std::string out;
  out.reserve(page.size());
  for (;;) {
    std::size_t begin = page.find(kMailPartBegin);
    std::size_t end = begin == std::string_view::npos ? begin : page.find(kMailPartEnd, begin);
    if (end == std::string_view::npos) break;
    out.append(page.substr(0, begin));
    page.remove_prefix(end + kMailPartEnd.size());
  }
  out.append(page);
  return out;
}

// The pages that have mail parts, without them: made once, on first use.
const std::map<std::string_view, std::string>& PagesWithoutMail() {
  static const std::map<std::string_view, std::string> pages = [] {
    std::map<std::string_view, std::string> cut;
    for (const WebAsset& file : WebAssets()) {
      if (file.bytes.find(kMailPartBegin) != std::string_view::npos) {
        cut.emplace(file.name, WithoutMailParts(file.bytes));
      }
    }
    return cut;
  }();
  return pages;
}

// A page of server/web/. The files are compiled in, so a missing one is a build bug.
Response Page(std::string_view name, int status = 200, bool mail = true) {
  const WebAsset* file = FindWebAsset(name);
  if (file == nullptr) {
    spdlog::error("web UI: the page {} is not compiled in", name);
    return ErrorResponse(ApiError::kInternal, "Page missing");
  }
  Response r = FileResponse(*file, status, "no-store");
  if (!mail) {
    const auto& cut = PagesWithoutMail();
    if (auto found = cut.find(name); found != cut.end()) r.body = found->second;
  }
  return r;
}

Response Redirect(std::string_view location) {
  Response r;
  r.status = 302;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", std::string(location));
  AddSecurityHeaders(r, "no-store");
  return r;
}

// WEB_UI=off: the pages do not exist.
bool AnsweredAsOff(const Services& s, Responder& reply) {
  if (s.web_ui) return false;
  reply(ErrorResponse(ApiError::kNotFound, "Route not found"));
  return true;
}

// Between Authenticate and the connection: a signed-in page goes through unchanged; a
// store outage becomes the "unavailable" page; anything else Authenticate refuses
// (no token, expired, revoked, tampered) becomes the way to the login page.
class SignedInPageSink final : public ResponseSink {
 public:
  explicit SignedInPageSink(Responder reply) : reply_(std::move(reply)) {}

  void Send(Response response) override {
    if (response.status == 200) return reply_(std::move(response));
    if (response.status == 503) {
      Response page = Page("unavailable.html", 503);
      page.headers.emplace_back("Retry-After", "5");
      return reply_(std::move(page));
    }
    reply_(Redirect(kLoginPath));
  }

 private:
  Responder reply_;
};

// SMTP_URL unset (or WEB_UI=off): the mail pages do not exist, as their API routes.
bool MailPageAnsweredAsOff(const Services& s, Responder& reply) {
  if (AnsweredAsOff(s, reply)) return true;
  if (s.mail_pages) return false;
  reply(ErrorResponse(ApiError::kNotFound, "Route not found"));
  return true;
}

void SignedInPage(Services& s, const Request& req, std::string_view name, Responder reply) {
  if (AnsweredAsOff(s, reply)) return;
  Responder page_reply(std::make_shared<SignedInPageSink>(std::move(reply)));
  Authenticate(s, req, std::move(page_reply),
               [name, mail = s.mail_pages](AuthContextPtr, Responder reply) {
                 reply(Page(name, 200, mail));
               });
}

}  // namespace

const WebAsset* FindWebAsset(std::string_view name) noexcept {
  for (const WebAsset& asset : WebAssets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

void HandleRootPage(Services& s, const Request&, Responder reply) {
  if (AnsweredAsOff(s, reply)) return;
  reply(Redirect("/account"));
}

void HandleLoginPage(Services& s, const Request&, Responder reply) {
  if (AnsweredAsOff(s, reply)) return;
  reply(Page("login.html", 200, s.mail_pages));
}

void HandleRegisterPage(Services& s, const Request&, Responder reply) {
  if (AnsweredAsOff(s, reply)) return;
  reply(Page("register.html"));
}

void HandleAccountPage(Services& s, const Request& req, Responder reply) {
  SignedInPage(s, req, "account.html", std::move(reply));
}

void HandleSecurityPage(Services& s, const Request& req, Responder reply) {
  SignedInPage(s, req, "security.html", std::move(reply));
}

void HandleForgotPasswordPage(Services& s, const Request&, Responder reply) {
  if (MailPageAnsweredAsOff(s, reply)) return;
  reply(Page("forgot.html"));
}

void HandleResetPasswordPage(Services& s, const Request&, Responder reply) {
  if (MailPageAnsweredAsOff(s, reply)) return;
  reply(Page("reset.html"));
}

void HandleVerifyEmailPage(Services& s, const Request&, Responder reply) {
  if (MailPageAnsweredAsOff(s, reply)) return;
  reply(Page("verify-email.html"));
}

void HandleWebAsset(Services& s, const Request&, std::string_view name, Responder reply) {
  if (AnsweredAsOff(s, reply)) return;
  const WebAsset* file = FindWebAsset(name);
  // Pages have their own routes; only styles, scripts and images are assets.
  if (file == nullptr ||
      !(name.ends_with(".css") || name.ends_with(".js") || name.ends_with(".svg"))) {
    return reply(ErrorResponse(ApiError::kNotFound, "Route not found"));
  }
  reply(FileResponse(*file, 200, "no-cache"));
}

}  // namespace sessionkit::server
