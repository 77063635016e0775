// Connection: one client socket, HTTP/1.1 with keep-alive, one request at a time.
//
// Each request gets a fresh parser (request_parser.h: only what the handlers read, in
// storage reused from request to request) with a header limit and a body limit (1 MiB:
// more is answered 413 and the connection closed, without reading the body). Three
// deadlines drop slow or silent clients: idle (keep-alive connection with no request
// yet), header (the whole header must arrive once the request started) and body (after
// the header; also each response's write). They are checked by the loop's
// DeadlineSweep (deadline_sweep.h), so a deadline fires up to two sweep ticks late. A parse error is answered 400 and the connection closed. After such an early
// answer (400/413) the unread rest of the request is drained for a moment before the
// close, so the client sees the answer instead of a connection reset.
//
// A parsed request goes to the application's HttpHandler (http_handler.h) with a
// Responder that points back here; the handler may answer from any thread: Send() writes at once when
// called on the connection's event loop (a store callback on the same loop) and posts
// the write there otherwise. The parsed message stays alive until the response is
// written, so the handler's Request views stay valid. All socket work runs on the
// connection's loop, which one thread runs (event_loops.h), so no strand is needed;
// shared_from_this() in each completion keeps the connection alive.
#ifndef SESSIONKIT_SERVER_HTTP_CONNECTION_H_
#define SESSIONKIT_SERVER_HTTP_CONNECTION_H_

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "server/http/client_ip.h"
#include "server/http/deadline_sweep.h"
#include "server/http/http_handler.h"
#include "server/http/message.h"
#include "server/http/request_parser.h"

namespace sessionkit::server {

struct ConnectionLimits {
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
};

// Shared by the listener and its connections; outlives them all.
struct ServerState {
  HttpHandler* handler = nullptr;
  HttpGauges* gauges = nullptr;
  const TrustedProxies* proxies = nullptr;  // nullptr or empty: the peer is the client
  ConnectionLimits limits;
  std::atomic<bool> draining{false};        // shutting down: no keep-alive, no new reads
};

class Connection final : public std::enable_shared_from_this<Connection>, public ResponseSink {
 public:
  using Executor = boost::asio::io_context::executor_type;
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;

  // `deadlines` is the sweep of the loop the socket belongs to.
  Connection(Socket&& socket, ServerState& state, DeadlineSweep& deadlines);
  ~Connection() override;

  void Start();
  void Send(Response response) override;  // any thread
  // From the sweep, on the loop: past the deadline, the pending socket operation is
  // cancelled (its handler then closes the connection).
  void OnDeadlineCheck(DeadlineSweep::Clock::time_point now);

 private:
  void WaitForRequest();
  void OnFirstBytes(boost::beast::error_code ec, std::size_t bytes);
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec, std::size_t bytes);
  void OnContinueWritten(boost::beast::error_code ec, std::size_t bytes);
  void ReadBody();
  void OnBody(boost::beast::error_code ec, std::size_t bytes);
  void OnRequest();
  void FailRead(boost::beast::error_code ec);
  void Write(Response response);
  void OnWrite(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void Close();
  void LingerClose();
  void OnDrain(boost::beast::error_code ec, std::size_t bytes);
  void FinishInFlight();
  void ExpireIn(std::chrono::milliseconds timeout) { deadline_ = deadlines_.DeadlineIn(timeout); }
  void NoDeadline() { deadline_ = DeadlineSweep::Clock::time_point::max(); }

  ServerState& state_;
  DeadlineSweep& deadlines_;
  Socket socket_;
  DeadlineSweep::Clock::time_point deadline_ = DeadlineSweep::Clock::time_point::max();
  boost::beast::flat_buffer buffer_;
  RequestData data_;                    // the request being handled (reused)
  std::optional<RequestParser> parser_;  // one per request, over data_
  bool http10_ = false;                  // of the request being answered
  bool keep_alive_ = true;
  // The response being written: the head serialized here (capacity kept across
  // requests, so a response costs no allocation) and the body moved in.
  std::string response_head_;
  std::string response_body_;
  std::optional<boost::beast::http::response<boost::beast::http::empty_body>> continue_;
  IpAddress peer_;
  std::string peer_text_;
  Request request_;
  HttpHandler::Tag tag_ = HttpHandler::kRejectedTag;  // of the request being answered
  std::chrono::steady_clock::time_point started_;
  bool in_flight_ = false;
  bool head_ = false;
  bool linger_ = false;              // after an early error reply: drain, then close
  std::size_t drained_ = 0;
  std::unique_ptr<char[]> drain_buffer_;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_CONNECTION_H_
