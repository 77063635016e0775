// HttpHandler: everything the HTTP layer asks of the application, and nothing more.
//
// The connection parses a request, fills a Request (message.h) and calls Handle() on its
// event loop; the handler answers once through the Responder, from any thread. Handle()
// first sets `tag` to a value of its choosing (the route, for metrics), which the
// connection hands back to Answered() with the status and the time from parse to answer;
// it must set it before replying, since a reply on the loop is written at once. A request
// that cannot be parsed (malformed, header or body over its limit) never reaches
// Handle(): the connection asks Reject() for the answer, sends it and closes; its tag is
// kRejectedTag.
//
// The HTTP layer counts open connections and requests in flight itself (HttpGauges): the
// listener enforces max_connections with the first, the shutdown drain waits on the
// second, and the application may read both (Prometheus gauges).
//
// Thread safety: Handle, Reject and Answered are called on the event loops, concurrently
// when there are several; an implementation must be safe for that. HttpGauges are atomics.
#ifndef SESSIONKIT_SERVER_HTTP_HTTP_HANDLER_H_
#define SESSIONKIT_SERVER_HTTP_HTTP_HANDLER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

#include "server/http/message.h"

namespace sessionkit::server {

// Why the connection answered a request without handing it to the handler.
enum class ProtocolError : std::uint8_t { kMalformed, kHeaderTooLarge, kBodyTooLarge };

class HttpHandler {
 public:
  using Tag = std::uint32_t;
  static constexpr Tag kRejectedTag = std::numeric_limits<Tag>::max();

  virtual ~HttpHandler() = default;

  // Sets `tag`, then starts answering `request`, which stays valid until `reply` is called.
  virtual void Handle(const Request& request, Tag& tag, Responder reply) = 0;
  // The answer to a request the connection could not parse (it closes afterwards).
  virtual Response Reject(ProtocolError error) = 0;
  // One per answered request (rejections included), on the loop, as the answer is queued.
  virtual void Answered(Tag tag, int status, std::chrono::nanoseconds latency) noexcept = 0;
};

// Live counts kept by the HTTP layer; the owner outlives the server.
struct HttpGauges {
  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::int64_t> in_flight{0};  // requests parsed and not yet answered
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_HTTP_HANDLER_H_
