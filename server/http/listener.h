// Listener: accepts TCP connections and starts a Connection for each, each on its
// own strand of the shared io_context.
//
// Past ServerState::limits' connection cap (max_connections) a new socket is closed at
// once, so a flood of idle sockets cannot exhaust descriptors. Accept errors (EMFILE...)
// are logged at most once a second and accepting resumes after a short pause. Stop() closes the acceptor
// (no new connections; open ones are left to finish). Runs on the io_context's threads.
#ifndef SESSIONKIT_SERVER_HTTP_LISTENER_H_
#define SESSIONKIT_SERVER_HTTP_LISTENER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstddef>
#include <memory>

#include "server/http/connection.h"
#include "sessionkit/status.h"

namespace sessionkit::server {

class Listener final : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& ioc, ServerState& state, std::size_t max_connections);

  // Binds and listens. Unavailable with the reason if the address cannot be used.
  Status Open(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  void Start();
  void Stop();  // thread-safe: posted to the acceptor's strand

 private:
  void Accept();
  void OnAccept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  ServerState& state_;
  std::size_t max_connections_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;  // pause after an accept error (EMFILE...)
  std::int64_t last_error_log_ = 0;
};

}  // namespace sessionkit::server

#endif  // SESSIONKIT_SERVER_HTTP_LISTENER_H_
