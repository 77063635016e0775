#include "server/http/connection.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/version.hpp>

namespace sessionkit::server {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

Method ToMethod(http::verb verb) {
  switch (verb) {
    case http::verb::get: return Method::kGet;
    case http::verb::head: return Method::kHead;
    case http::verb::post: return Method::kPost;
    case http::verb::put: return Method::kPut;
    case http::verb::delete_: return Method::kDelete;
    case http::verb::patch: return Method::kPatch;
    case http::verb::options: return Method::kOptions;
    default: return Method::kOther;
  }
}

IpAddress ToIpAddress(const net::ip::address& address) {
  IpAddress ip;
  if (address.is_v4()) {
    auto v4 = address.to_v4().to_bytes();
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::copy(v4.begin(), v4.end(), ip.bytes.begin() + 12);
    ip.v4 = true;
  } else {
    auto v6 = address.to_v6().to_bytes();
    std::copy(v6.begin(), v6.end(), ip.bytes.begin());
    ip.v4 = address.to_v6().is_v4_mapped();
  }
  return ip;
}

std::string_view Sv(beast::string_view s) { return {s.data(), s.size()}; }

// A header value as sent: CR, LF and NUL dropped, so that no value can end the header
// early or start another one.
void AppendHeaderValue(std::string& out, std::string_view value) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\r' || c == '\n' || c == '\0') {
      out.append(value.data() + start, i - start);
      start = i + 1;
    }
  }
  out.append(value.data() + start, value.size() - start);
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ", 2);
  AppendHeaderValue(out, value);
  out.append("\r\n", 2);
}

void AppendDecimal(std::string& out, std::size_t n) {
  char digits[20];
  char* end = digits + sizeof digits;
  char* p = end;
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(p, static_cast<std::size_t>(end - p));
}

// Responses whose body is at most this long go out in the head's buffer (one copy,
// one contiguous write); longer bodies are written from their own string.
constexpr std::size_t kInlineBodyBytes = 4096;
// Buffers that grew past this for one large response are given back afterwards.
constexpr std::size_t kKeptBufferBytes = 64 * 1024;

}  // namespace

Connection::Connection(Socket&& socket, ServerState& state, DeadlineSweep& deadlines)
    : state_(state), deadlines_(deadlines), socket_(std::move(socket)) {
  state_.gauges->open_connections.fetch_add(1, std::memory_order_relaxed);
  beast::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) peer_ = ToIpAddress(endpoint.address());
  peer_text_ = FormatIp(peer_);
}

Connection::~Connection() {
  FinishInFlight();
  state_.gauges->open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::Start() {
  // Run the first read on the connection's loop.
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    const ConnectionLimits& limits = self->state_.limits;
    self->deadlines_.Watch(self, std::min({limits.idle_timeout, limits.header_timeout,
                                           limits.body_timeout}));
    self->WaitForRequest();
  });
}

void Connection::OnDeadlineCheck(DeadlineSweep::Clock::time_point now) {
  if (now < deadline_) return;
  NoDeadline();
  beast::error_code ignored;
  socket_.cancel(ignored);  // the pending read or write ends with operation_aborted
}

void Connection::WaitForRequest() {
  if (state_.draining.load(std::memory_order_relaxed)) return Close();
  data_.Clear();
  parser_.emplace(data_);
  parser_->header_limit(static_cast<std::uint32_t>(state_.limits.max_header_bytes));
  parser_->body_limit(state_.limits.max_body_bytes);
  if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
  // Idle wait: nothing of the next request has arrived yet.
  ExpireIn(state_.limits.idle_timeout);
  socket_.async_read_some(buffer_.prepare(4096),
                          beast::bind_front_handler(&Connection::OnFirstBytes, shared_from_this()));
}

void Connection::OnFirstBytes(beast::error_code ec, std::size_t bytes) {
  if (ec) return Close();  // idle timeout, peer closed, or shutdown
  buffer_.commit(bytes);
  ReadHeader();
}

void Connection::ReadHeader() {
  ExpireIn(state_.limits.header_timeout);
  http::async_read_header(socket_, buffer_, *parser_,
                          beast::bind_front_handler(&Connection::OnHeader, shared_from_this()));
}

void Connection::OnHeader(beast::error_code ec, std::size_t) {
  if (ec) return FailRead(ec);
  if (data_.expect_continue() && !parser_->is_done()) {
    continue_.emplace(http::status::continue_, data_.version());
    ExpireIn(state_.limits.body_timeout);
    http::async_write(socket_, *continue_,
                      beast::bind_front_handler(&Connection::OnContinueWritten, shared_from_this()));
    return;
  }
  ReadBody();
}

void Connection::OnContinueWritten(beast::error_code ec, std::size_t) {
  continue_.reset();
  if (ec) return Close();
  ReadBody();
}

void Connection::ReadBody() {
  if (parser_->is_done()) return OnRequest();
  ExpireIn(state_.limits.body_timeout);
  http::async_read(socket_, buffer_, *parser_,
                   beast::bind_front_handler(&Connection::OnBody, shared_from_this()));
}

void Connection::OnBody(beast::error_code ec, std::size_t) {
  if (ec) return FailRead(ec);
  OnRequest();
}

void Connection::FailRead(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset ||
      ec == net::error::eof) {
    return Close();  // a silent, slow or departed client: nothing to answer
  }
  tag_ = HttpHandler::kRejectedTag;
  started_ = std::chrono::steady_clock::now();
  head_ = false;
  http10_ = false;  // answered as HTTP/1.1 whatever was parsed, and closed
  keep_alive_ = false;
  ProtocolError error = ec == http::error::body_limit     ? ProtocolError::kBodyTooLarge
                        : ec == http::error::header_limit ? ProtocolError::kHeaderTooLarge
                                                          : ProtocolError::kMalformed;
  Response r = state_.handler->Reject(error);
  r.close = true;
  linger_ = true;
  Write(std::move(r));
}

void Connection::OnRequest() {
  NoDeadline();  // the handler runs with no socket operation pending
  keep_alive_ = parser_->keep_alive();
  http10_ = data_.version() == 10;
  parser_.reset();
  started_ = std::chrono::steady_clock::now();
  in_flight_ = true;
  state_.gauges->in_flight.fetch_add(1, std::memory_order_relaxed);

  std::string_view target = data_.target();
  request_.method = ToMethod(data_.method());
  head_ = request_.method == Method::kHead;
  request_.path = target.substr(0, target.find('?'));
  request_.authorization = data_.authorization();
  request_.user_agent = data_.user_agent();
  request_.device_id = data_.device_id();
  request_.require_aal = data_.require_aal();
  request_.body = data_.body();
  request_.cookie = data_.cookie();
  request_.origin = data_.origin();
  request_.sec_fetch_site = data_.sec_fetch_site();
  request_.csrf_header = data_.csrf_token();
  request_.auth_transport = data_.auth_transport();
  request_.forwarded_method = data_.forwarded_method();
  request_.host = data_.host();
  if (state_.proxies != nullptr && !state_.proxies->empty()) {
    request_.client_ip = state_.proxies->ClientIp(peer_, data_.forwarded_for());
  } else {
    request_.client_ip = peer_text_;
  }
  state_.handler->Handle(request_, tag_, Responder(shared_from_this()));
}

void Connection::Send(Response response) {
  net::dispatch(socket_.get_executor(),
                [self = shared_from_this(), response = std::move(response)]() mutable {
                  self->Write(std::move(response));
                });
}

// The head is serialized by hand into a buffer the connection keeps (Beast's
// serializer allocated and walked a field list for every response): status line,
// Content-Type, the handler's headers, Connection when it differs from the version's
// default, Content-Length.
void Connection::Write(Response r) {
  state_.handler->Answered(tag_, r.status, std::chrono::steady_clock::now() - started_);
  const bool http10 = http10_;
  bool keep_alive = !r.close && keep_alive_ &&
                    !state_.draining.load(std::memory_order_relaxed);
  std::string& out = response_head_;
  out.clear();
  out.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ", 9);
  AppendDecimal(out, static_cast<std::size_t>(r.status));
  out.push_back(' ');
  out.append(Sv(http::obsolete_reason(static_cast<http::status>(r.status))));
  out.append("\r\n", 2);
  if (!r.content_type.empty()) AppendHeader(out, "Content-Type", r.content_type);
  for (const auto& [name, value] : r.headers) AppendHeader(out, name, value);
  if (http10 && keep_alive) out.append("Connection: keep-alive\r\n");
  if (!http10 && !keep_alive) out.append("Connection: close\r\n");
  out.append("Content-Length: ", 16);
  AppendDecimal(out, r.body.size());  // HEAD: the length of the body a GET would get
  out.append("\r\n\r\n", 4);

  std::array<net::const_buffer, 2> buffers{net::buffer(out), net::const_buffer()};
  if (!head_) {
    if (r.body.size() <= kInlineBodyBytes) {
      out.append(r.body);
      buffers[0] = net::buffer(out);
    } else {
      response_body_ = std::move(r.body);
      buffers[1] = net::buffer(response_body_);
    }
  }

  ExpireIn(state_.limits.body_timeout);
  net::async_write(socket_, buffers,
                   beast::bind_front_handler(&Connection::OnWrite, shared_from_this(), keep_alive));
}

void Connection::OnWrite(bool keep_alive, beast::error_code ec, std::size_t) {
  if (response_head_.capacity() > kKeptBufferBytes) std::string().swap(response_head_);
  std::string().swap(response_body_);
  FinishInFlight();
  request_ = Request{};  // its views die with data_'s next Clear()
  if (ec) return Close();
  if (linger_) return LingerClose();
  if (!keep_alive) return Close();
  WaitForRequest();
}

void Connection::FinishInFlight() {
  if (!in_flight_) return;
  in_flight_ = false;
  state_.gauges->in_flight.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::LingerClose() {
  constexpr std::size_t kChunk = 16 * 1024;
  constexpr std::size_t kMaxDrain = 8 * 1024 * 1024;
  if (!drain_buffer_) {
    beast::error_code ec;
    socket_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
    drain_buffer_ = std::make_unique<char[]>(kChunk);
    ExpireIn(std::min<std::chrono::milliseconds>(state_.limits.body_timeout,
                                                              std::chrono::milliseconds(2000)));
  }
  if (drained_ > kMaxDrain) return Close();
  socket_.async_read_some(net::buffer(drain_buffer_.get(), kChunk),
                          beast::bind_front_handler(&Connection::OnDrain, shared_from_this()));
}

void Connection::OnDrain(beast::error_code ec, std::size_t bytes) {
  drained_ += bytes;
  if (ec) return Close();  // EOF from the client, the drain deadline, or an error
  LingerClose();
}

void Connection::Close() {
  beast::error_code ec;
  NoDeadline();
  socket_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
  socket_.close(ec);
}

}  // namespace sessionkit::server
