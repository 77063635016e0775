// HttpServer: the io_context, its threads, the listener, and the shutdown sequence.
//
// Listen() binds (port 0 picks a free port; endpoint() tells which). Run() runs the
// I/O threads on the calling thread plus threads-1 others until a stop: SIGINT or
// SIGTERM (Run installs the handler) or RequestStop(). A stop closes the listener,
// turns keep-alive off, waits for requests in flight to be answered (up to
// drain_timeout), then stops the io_context and joins its threads; Run then returns.
//
// Destroy the HttpServer only after everything that may still call a Responder (the
// worker pool, the session store's threads) has stopped: a late Send posts onto this
// io_context, which must still exist (it no longer runs, so nothing is written).
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

#include "server/client_ip.h"
#include "server/handlers/services.h"
#include "server/http/connection.h"
#include "server/http/listener.h"
#include "sessionkit/status.h"

namespace sessionkit::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  unsigned threads = 1;
  std::size_t max_connections = 10000;
  ConnectionLimits limits;
  std::chrono::milliseconds drain_timeout{10000};
};

class HttpServer {
 public:
  HttpServer(const HttpServerOptions& options, Services& services, const TrustedProxies& proxies);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  Status Listen();
  boost::asio::ip::tcp::endpoint endpoint() const;

  void Run();
  void RequestStop();

 private:
  void BeginShutdown();
  void PollDrain(std::chrono::steady_clock::time_point deadline);

  HttpServerOptions options_;
  ServerState state_;
  boost::asio::io_context ioc_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_timer_;
  std::shared_ptr<Listener> listener_;
  std::atomic<bool> stopping_{false};
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_HTTP_SERVER_H_
