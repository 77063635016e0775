// Test-only: answer a Request through the API's route table without a socket.
//
// CaptureSink receives the one Response of a request; CallApi routes a Request with the
// real table (handlers/routes.h) over the given Services and waits for the answer (a
// test failure and an empty Response after 30 s). Include from *_test.cc only.
// Thread safety: CallApi may run from any test thread; the answer may come from any.
#ifndef SESSIONKIT_SERVER_TESTING_API_CALL_H_
#define SESSIONKIT_SERVER_TESTING_API_CALL_H_

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "server/handlers/routes.h"
#include "server/handlers/services.h"
#include "server/http/message.h"
#include "server/router.h"

namespace sessionkit::server {

class CaptureSink final : public ResponseSink {
 public:
  void Send(Response response) override { promise_.set_value(std::move(response)); }
  std::future<Response> future() { return promise_.get_future(); }

 private:
  std::promise<Response> promise_;
};

inline Response CallApi(Services& services, const Request& request) {
  static const Router router(ApiRoutes());
  ApiHandler handler(router, services);
  auto sink = std::make_shared<CaptureSink>();
  std::future<Response> answer = sink->future();
  HttpHandler::Tag tag = HttpHandler::kRejectedTag;
  handler.Handle(request, tag, Responder(sink));
  if (answer.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    ADD_FAILURE() << "no response for " << request.path;
    return {};
  }
  return answer.get();
}

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_TESTING_API_CALL_H_
