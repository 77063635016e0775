// The API's route table (API.md §6) and ApiHandler, the application's HttpHandler.
//
// ApiRoutes() is the one list of routes: a new route is one row there plus its handler
// (handlers.h). ApiHandler matches a request with a Router over those rows (router.h),
// applies the row's CSRF class (browser.h: the one place the CSRF rules of API.md §8 are
// enforced, before the handler runs), calls the row's handler, answers 404 and 405 (with
// Allow) itself, answers CORS preflights from TRUSTED_ORIGINS (and adds the credentialed
// CORS headers to their requests' answers), answers requests the connection could not
// parse, and records every answer in the metrics under its route's label (rejected
// requests under "unknown_path").
// Thread safety: ApiHandler is immutable after construction; its methods may run on every
// event loop at once (Services is thread-safe).
#ifndef SESSIONKIT_SERVER_HANDLERS_ROUTES_H_
#define SESSIONKIT_SERVER_HANDLERS_ROUTES_H_

#include <span>

#include "server/handlers/services.h"
#include "server/http/http_handler.h"
#include "server/router.h"

namespace sessionkit::server {

std::span<const RouteRow> ApiRoutes() noexcept;

class ApiHandler final : public HttpHandler {
 public:
  // Neither is owned; both outlive the handler. services.metrics is set and counts by
  // router.labels().
  ApiHandler(const Router& router, Services& services) : router_(router), services_(services) {}

  void Handle(const Request& request, Tag& tag, Responder reply) override;
  Response Reject(ProtocolError error) override;
  void Answered(Tag tag, int status, std::chrono::nanoseconds latency) noexcept override;

 private:
  const Router& router_;
  Services& services_;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HANDLERS_ROUTES_H_
