#include "server/http/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <csignal>
#include <thread>
#include <vector>

namespace sessionkit::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

HttpServer::HttpServer(const HttpServerOptions& options, Services& services,
                       const TrustedProxies& proxies)
    : options_(options),
      ioc_(static_cast<int>(options.threads == 0 ? 1 : options.threads)),
      signals_(ioc_),
      drain_timer_(ioc_) {
  state_.services = &services;
  state_.proxies = &proxies;
  state_.limits = options.limits;
  listener_ = std::make_shared<Listener>(ioc_, state_, options.max_connections);
}

HttpServer::~HttpServer() = default;

Status HttpServer::Listen() {
  boost::beast::error_code ec;
  tcp::resolver resolver(ioc_);
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

  std::vector<std::thread> extra;
  unsigned threads = options_.threads == 0 ? 1 : options_.threads;
  extra.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i) extra.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (std::thread& t : extra) t.join();
}

void HttpServer::RequestStop() {
  net::post(ioc_, [this] { BeginShutdown(); });
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
  std::int64_t in_flight = state_.services->metrics->in_flight();
  if (in_flight <= 0 || std::chrono::steady_clock::now() >= deadline) {
    if (in_flight > 0) spdlog::warn("{} requests still in flight at the drain deadline", in_flight);
    ioc_.stop();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(10));
  drain_timer_.async_wait([this, deadline](boost::beast::error_code) { PollDrain(deadline); });
}

}  // namespace sessionkit::server
