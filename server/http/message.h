// Request and Response: what handlers see of HTTP, without sockets or Beast types.
//
// The connection fills a Request with views into the message it parsed (one parse per
// request) and keeps that message alive until the handler has replied. A handler
// answers exactly once through its Responder, from any thread: the Responder hands the
// Response to its sink (the connection), which writes it on the connection's event
// loop. After replying, a handler must not touch the Request again.
//
// Thread safety: a Request is read by one handler chain at a time; Responder may be
// moved to and invoked from any thread (once).
#ifndef SESSIONKIT_SERVER_HTTP_MESSAGE_H_
#define SESSIONKIT_SERVER_HTTP_MESSAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessionkit::server {

enum class Method : std::uint8_t { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

struct Request {
  Method method = Method::kGet;
  std::string_view path;             // the target without the query string
  std::string_view authorization;    // Authorization header ("" if absent)
  std::string_view user_agent;       // User-Agent header
  std::string_view device_id;        // X-Device-Id header
  std::string_view body;
  std::string client_ip;             // after the trusted-proxy rule (client_ip.h)
  std::string_view require_aal;      // X-Require-AAL header (API.md §9, forward auth)
  // Browser requests (API.md §8): each the first line of its header, "" if absent.
  std::string_view cookie;            // Cookie header, raw
  std::string_view origin;            // Origin
  std::string_view sec_fetch_site;    // Sec-Fetch-Site
  std::string_view csrf_header;       // X-CSRF-Token
  std::string_view auth_transport;    // X-Auth-Transport
  std::string_view forwarded_method;  // X-Forwarded-Method, else X-Original-Method
  std::string_view host;              // Host
};

struct Response {
  int status = 200;
  std::string body;
  std::string_view content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string_view, std::string>> headers;  // extra headers
  bool close = false;  // send Connection: close and close after writing
};

// Where a Response goes: the connection in the server, a capture in tests.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void Send(Response response) = 0;
};

// Answers a request once; a second call is ignored. Cheap to move.
class Responder {
 public:
  Responder() = default;
  explicit Responder(std::shared_ptr<ResponseSink> sink) : sink_(std::move(sink)) {}

  void operator()(Response response) {
    if (auto sink = std::move(sink_)) sink->Send(std::move(response));
  }
  bool answered() const noexcept { return sink_ == nullptr; }

 private:
  std::shared_ptr<ResponseSink> sink_;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_MESSAGE_H_
