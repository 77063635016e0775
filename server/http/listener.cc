#include "server/http/listener.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <chrono>

namespace sessionkit::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Listener::Listener(EventLoops& loops, ServerState& state, std::size_t max_connections)
    : loops_(loops),
      state_(state),
      max_connections_(max_connections),
      acceptor_(loops.at(0).get_executor()),
      retry_timer_(loops.at(0).get_executor()) {}

Status Listener::Open(const tcp::endpoint& endpoint) {
  boost::beast::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("cannot listen: " + ec.message());
  return Status::Ok();
}

tcp::endpoint Listener::local_endpoint() const {
  boost::beast::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Listener::Start() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->Accept(); });
}

void Listener::Stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::beast::error_code ec;
    self->acceptor_.close(ec);
    self->retry_timer_.cancel();
  });
}

void Listener::Accept() {
  if (!acceptor_.is_open()) return;
  // The socket is created on the next loop; the handler runs here, on loop 0.
  std::size_t loop = loops_.NextIndex();
  acceptor_.async_accept(loops_.at(loop).get_executor(),
                         boost::beast::bind_front_handler(&Listener::OnAccept, shared_from_this(), loop));
}

void Listener::OnAccept(std::size_t loop, boost::beast::error_code ec, Connection::Socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count();
    if (now != last_error_log_) {
      last_error_log_ = now;
      spdlog::warn("accept failed: {}", ec.message());
    }
    retry_timer_.expires_after(std::chrono::milliseconds(50));
    retry_timer_.async_wait([self = shared_from_this()](boost::beast::error_code) { self->Accept(); });
    return;
  } else if (static_cast<std::size_t>(state_.gauges->open_connections.load(
                 std::memory_order_relaxed)) >= max_connections_ ||
             state_.draining.load(std::memory_order_relaxed)) {
    boost::beast::error_code ignored;
    socket.close(ignored);  // over the cap: refuse at once
  } else {
    boost::beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Connection>(std::move(socket), state_, loops_.deadlines(loop))->Start();
  }
  Accept();
}

}  // namespace sessionkit::server
