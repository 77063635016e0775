// HttpServer: the event loops (event_loops.h), the listener, and the shutdown sequence.
// It knows nothing of the application: requests go to an HttpHandler (http_handler.h),
// and everything else it needs (address, limits, trusted proxies) comes in the options.
//
// The I/O threads are the server's event loops; StartLoops() starts them early so that
// a store can run its connections on them (loops()) before the server listens.
// Listen() binds (port 0 picks a free port; endpoint() tells which). Run() starts the
// loops if needed and the listener, and returns after a stop: SIGINT or SIGTERM (Run
// installs the handler) or RequestStop(). Accepted connections are spread over the
// loops. A stop closes the listener, turns keep-alive off, waits for requests in flight
// to be answered (up to drain_timeout), then stops the loops and joins their threads.
//
// Destroy the HttpServer only after everything that may still call a Responder (the
// worker pool, the session store) has stopped: a late Send posts onto a loop, which
// must still exist (it no longer runs, so nothing is written). The destructor stops
// the loops if they still run, and destroys what is queued on them (connections
// included) before the rest of the server.
// Thread safety: RequestStop may be called from any thread; the rest from one.
#ifndef SESSIONKIT_SERVER_HTTP_HTTP_SERVER_H_
#define SESSIONKIT_SERVER_HTTP_HTTP_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "server/http/client_ip.h"
#include "server/http/connection.h"
#include "server/http/http_handler.h"
#include "server/http/event_loops.h"
#include "server/http/listener.h"
#include "sessionkit/status.h"

namespace sessionkit::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  unsigned threads = 1;  // event loops
  std::size_t max_connections = 10000;
  ConnectionLimits limits;
  std::chrono::milliseconds drain_timeout{10000};
  // Peers whose X-Forwarded-For names the client (client_ip.h); nullptr = none. Not
  // owned: outlives the server.
  const TrustedProxies* trusted_proxies = nullptr;
};

class HttpServer {
 public:
  // `handler` and `gauges` are not owned and outlive the server.
  HttpServer(const HttpServerOptions& options, HttpHandler& handler, HttpGauges& gauges);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  EventLoops& loops() noexcept { return loops_; }
  void StartLoops() { loops_.Start(); }

  Status Listen();
  boost::asio::ip::tcp::endpoint endpoint() const;

  void Run();
  void RequestStop();

 private:
  void BeginShutdown();
  void PollDrain(std::chrono::steady_clock::time_point deadline);

  HttpServerOptions options_;
  ServerState state_;
  EventLoops loops_;  // after state_: queued connections are destroyed while it exists
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_timer_;
  std::shared_ptr<Listener> listener_;
  std::atomic<bool> stopping_{false};
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_HTTP_SERVER_H_
