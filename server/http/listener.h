// Listener: accepts TCP connections on loop 0 and starts a Connection for each, on the
// event loops in turn (event_loops.h).
//
// Past ServerState::limits' connection cap (max_connections) a new socket is closed at
// once, so a flood of idle sockets cannot exhaust descriptors. Accept errors (EMFILE...)
// are logged at most once a second and accepting resumes after a short pause. Stop() closes the acceptor
// (no new connections; open ones are left to finish). Runs on loop 0.
#ifndef SESSIONKIT_SERVER_HTTP_LISTENER_H_
#define SESSIONKIT_SERVER_HTTP_LISTENER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <memory>

#include "server/http/connection.h"
#include "server/http/event_loops.h"
#include "sessionkit/status.h"

namespace sessionkit::server {

class Listener final : public std::enable_shared_from_this<Listener> {
 public:
  Listener(EventLoops& loops, ServerState& state, std::size_t max_connections);

  // Binds and listens. Unavailable with the reason if the address cannot be used.
  Status Open(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  void Start();
  void Stop();  // thread-safe: posted to loop 0

 private:
  void Accept();
  void OnAccept(std::size_t loop, boost::beast::error_code ec, Connection::Socket socket);

  EventLoops& loops_;
  ServerState& state_;
  std::size_t max_connections_;
  boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, boost::asio::io_context::executor_type>
      acceptor_;  // on loop 0, like everything of the listener
  boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                    boost::asio::wait_traits<std::chrono::steady_clock>,
                                    boost::asio::io_context::executor_type>
      retry_timer_;  // pause after an accept error (EMFILE...)
  std::int64_t last_error_log_ = 0;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_LISTENER_H_
