#include "server/http/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <csignal>

namespace sessionkit::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

HttpServer::HttpServer(const HttpServerOptions& options, HttpHandler& handler,
                       HttpGauges& gauges)
    : options_(options),
      loops_(options.threads),
      signals_(loops_.at(0)),
      drain_timer_(loops_.at(0)) {
  state_.handler = &handler;
  state_.gauges = &gauges;
  state_.proxies = options.trusted_proxies;
  state_.limits = options.limits;
  listener_ = std::make_shared<Listener>(loops_, state_, options.max_connections);
}

HttpServer::~HttpServer() {
  loops_.Stop();
  loops_.Join();
}

Status HttpServer::Listen() {
  boost::beast::error_code ec;
  tcp::resolver resolver(loops_.at(0));
  auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Status::Unavailable("cannot resolve HTTP_ADDR host '" + options_.host + "'");
  }
  return listener_->Open(results.begin()->endpoint());
}

tcp::endpoint HttpServer::endpoint() const { return listener_->local_endpoint(); }

void HttpServer::Run() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](boost::beast::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("{}: shutting down (finishing requests in flight)",
                 signal == SIGTERM ? "SIGTERM" : "SIGINT");
    BeginShutdown();
  });
  listener_->Start();
  loops_.Start();
  loops_.Join();
}

void HttpServer::RequestStop() {
  net::post(loops_.at(0), [this] { BeginShutdown(); });
}

void HttpServer::BeginShutdown() {
  if (stopping_.exchange(true)) return;
  state_.draining.store(true);
  listener_->Stop();
  boost::beast::error_code ignored;
  signals_.cancel(ignored);
  PollDrain(std::chrono::steady_clock::now() + options_.drain_timeout);
}

void HttpServer::PollDrain(std::chrono::steady_clock::time_point deadline) {
  std::int64_t in_flight = state_.gauges->in_flight.load(std::memory_order_relaxed);
  if (in_flight <= 0 || std::chrono::steady_clock::now() >= deadline) {
    if (in_flight > 0) spdlog::warn("{} requests still in flight at the drain deadline", in_flight);
    loops_.Stop();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(10));
  drain_timer_.async_wait([this, deadline](boost::beast::error_code) { PollDrain(deadline); });
}

}  // namespace sessionkit::server
