// One Redis connection: connect + handshake, pipelined writes, FIFO reply matching,
// per-entry deadlines. See redis_link.h.
#include "src/store/redis/redis_link.h"

#include <optional>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace sessionkit::internal {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

RedisLink::RedisLink(asio::io_context& io, RedisLinkOptions options)
    : options_(std::move(options)),
      strand_(asio::make_strand(io)),
      socket_(strand_),
      resolver_(strand_),
      timer_(strand_) {}

std::string RedisLink::Where() const {
  return options_.host + ":" + std::to_string(options_.port);
}

void RedisLink::Start(ReadyHandler on_ready, ClosedHandler on_closed) {
  asio::post(strand_, [self = shared_from_this(), on_ready = std::move(on_ready),
                       on_closed = std::move(on_closed)]() mutable {
    self->on_ready_ = std::move(on_ready);
    self->on_closed_ = std::move(on_closed);
    self->Connect();
  });
}

void RedisLink::Close(Status status) {
  asio::post(strand_, [self = shared_from_this(), status = std::move(status)] { self->Fail(status); });
}

void RedisLink::Connect() {
  if (phase_ != Phase::kIdle) return;  // closed before it started
  phase_ = Phase::kConnecting;
  connect_deadline_ = std::chrono::steady_clock::now() + options_.connect_timeout;
  ArmTimer(connect_deadline_);

  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    ConnectTo({tcp::endpoint(address, static_cast<unsigned short>(options_.port))});
    return;
  }
  resolver_.async_resolve(
      options_.host, std::to_string(options_.port),
      [self = shared_from_this()](const boost::system::error_code& ec, tcp::resolver::results_type results) {
        if (self->phase_ == Phase::kClosed) return;
        if (ec) {
          self->Fail(Status::Unavailable("cannot resolve redis host " + self->Where() + ": " + ec.message()));
          return;
        }
        std::vector<tcp::endpoint> endpoints;
        for (const auto& entry : results) endpoints.push_back(entry.endpoint());
        self->ConnectTo(std::move(endpoints));
      });
}

void RedisLink::ConnectTo(std::vector<tcp::endpoint> endpoints) {
  asio::async_connect(socket_, endpoints,
                      [self = shared_from_this()](const boost::system::error_code& ec, const tcp::endpoint&) {
                        if (self->phase_ == Phase::kClosed) return;
                        if (ec) {
                          self->Fail(Status::Unavailable("cannot connect to redis at " + self->Where() +
                                                         ": " + ec.message()));
                          return;
                        }
                        self->OnConnected();
                      });
}

void RedisLink::OnConnected() {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  phase_ = Phase::kHandshake;
  StartRead();
  Handshake();
}

// AUTH and SELECT go first on every connection, before any caller's command (callers
// see the link only once it is ready). Their deadline is the connect deadline.
void RedisLink::Handshake() {
  std::string commands;
  std::size_t count = 0;
  if (!options_.password.empty()) {
    commands += FormatRedisCommand({"AUTH", options_.password});
    ++count;
  }
  if (options_.db != 0) {
    commands += FormatRedisCommand({"SELECT", std::to_string(options_.db)});
    ++count;
  }
  if (count == 0) {
    phase_ = Phase::kReady;
    if (on_ready_) on_ready_();
    return;
  }
  const bool with_auth = !options_.password.empty();
  BatchCallback done = [self = shared_from_this(), with_auth](Result<std::vector<RedisReply>> replies) {
    if (!replies.ok() || self->phase_ == Phase::kClosed) return;  // already failing
    std::size_t i = 0;
    if (with_auth) {
      const RedisReply& auth = (*replies)[i++];
      if (auth.is_error()) {
        // Only the error code: the server's text is not ours to trust with secrets.
        self->Fail(Status::Unavailable("redis at " + self->Where() + " rejected AUTH (" +
                                       std::string(auth.ErrorCode()) + ")"));
        return;
      }
    }
    if (i < replies->size() && (*replies)[i].is_error()) {
      self->Fail(Status::Unavailable("redis at " + self->Where() + " rejected SELECT " +
                                     std::to_string(self->options_.db) + ": " + (*replies)[i].str));
      return;
    }
    self->phase_ = Phase::kReady;
    if (self->on_ready_) self->on_ready_();
  };
  // False only if the link closed meanwhile, and then on_closed_ has already run.
  Submit(commands, count, connect_deadline_, done);
}

// Appends the commands and queues the entry; `take` moves the caller's callback into the
// queued entry only once the link is known to be open (else the caller keeps it).
template <class Take>
bool RedisLink::Enqueue(std::string_view commands, Pending&& entry, Take take) {
  bool post_flush = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    out_.append(commands);
    pending_.push_back(std::move(entry));
    take(pending_.back());
    if (!write_scheduled_) {
      write_scheduled_ = true;
      post_flush = true;
    }
  }
  if (post_flush) asio::post(strand_, [self = shared_from_this()] { self->Flush(); });
  return true;
}

bool RedisLink::Submit(std::string_view commands, std::size_t count, SteadyTime deadline,
                       BatchCallback& done) {
  Pending entry{count, deadline, nullptr, nullptr, nullptr};
  return Enqueue(commands, std::move(entry), [&](Pending& queued) { queued.done = std::move(done); });
}

bool RedisLink::Submit(std::string_view command, std::size_t count, SteadyTime deadline,
                       SingleCallback& done) {
  Pending entry{count, deadline, nullptr, nullptr, nullptr};
  return Enqueue(command, std::move(entry), [&](Pending& queued) { queued.single = std::move(done); });
}

bool RedisLink::Submit(std::string_view command, std::size_t count, SteadyTime deadline,
                       HandlerCallback& done) {
  Pending entry{count, deadline, nullptr, nullptr, nullptr};
  return Enqueue(command, std::move(entry), [&](Pending& queued) { queued.handler = std::move(done); });
}

// Writes everything queued so far in one write, then loops until the queue is empty.
void RedisLink::Flush() {
  if (phase_ == Phase::kClosed) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (out_.empty()) {
      write_scheduled_ = false;
      return;
    }
    write_buf_.clear();
    write_buf_.swap(out_);
  }
  ArmDeadline();
  if (options_.write_counter != nullptr) options_.write_counter->fetch_add(1, std::memory_order_relaxed);
  asio::async_write(socket_, asio::buffer(write_buf_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      if (self->phase_ == Phase::kClosed) return;
                      if (ec) {
                        self->Fail(Status::Unavailable("redis write to " + self->Where() +
                                                       " failed: " + ec.message()));
                        return;
                      }
                      self->Flush();
                    });
}

// One timer per link, armed at the oldest entry's deadline. Entries are queued in
// deadline order, so the oldest unanswered entry is the first to expire; the timer is
// moved earlier when needed (after the handshake it may still point at the later
// connect deadline) and otherwise re-armed lazily when it fires.
void RedisLink::ArmDeadline() {
  SteadyTime deadline;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.empty()) return;
    deadline = pending_.front().deadline;
  }
  if (timer_armed_ && timer_expiry_ <= deadline) return;
  ArmTimer(deadline);
}

void RedisLink::ArmTimer(SteadyTime at) {
  timer_armed_ = true;
  timer_expiry_ = at;
  const std::uint64_t generation = ++timer_generation_;
  timer_.expires_at(at);  // cancels an earlier wait, whose handler then sees a stale generation
  timer_.async_wait([self = shared_from_this(), generation](const boost::system::error_code& ec) {
    if (generation != self->timer_generation_) return;
    self->timer_armed_ = false;
    if (ec || self->phase_ == Phase::kClosed) return;
    self->OnDeadline();
  });
}

void RedisLink::OnDeadline() {
  if (phase_ == Phase::kConnecting) {
    Fail(Status::Unavailable("connecting to redis at " + Where() + " timed out"));
    return;
  }
  bool expired = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.empty()) return;
    expired = pending_.front().deadline <= std::chrono::steady_clock::now();
  }
  if (!expired) {
    ArmDeadline();
    return;
  }
  Fail(Status::Unavailable(phase_ == Phase::kHandshake
                               ? "redis at " + Where() + " did not answer the handshake in time"
                               : "redis at " + Where() + " did not answer in time"));
}

void RedisLink::StartRead() {
  socket_.async_read_some(asio::buffer(read_buf_), [self = shared_from_this()](
                                                       const boost::system::error_code& ec, std::size_t n) {
    if (self->phase_ == Phase::kClosed) return;
    if (ec) {
      self->Fail(Status::Unavailable(ec == asio::error::eof
                                         ? "redis at " + self->Where() + " closed the connection"
                                         : "redis read from " + self->Where() + " failed: " + ec.message()));
      return;
    }
    self->OnData(n);
    if (self->phase_ != Phase::kClosed) self->StartRead();
  });
}

void RedisLink::OnData(std::size_t n) {
  Status fed = reader_.Feed(read_buf_.data(), n);
  if (!fed.ok()) {
    Fail(Status::Unavailable(fed.message()));
    return;
  }
  while (phase_ != Phase::kClosed) {
    std::optional<RedisReply> reply;
    Status next = reader_.Next(reply);
    if (!next.ok()) {
      Fail(Status::Unavailable(next.message()));
      return;
    }
    if (!reply) return;
    Deliver(std::move(*reply));
  }
}

void RedisLink::Deliver(RedisReply reply) {
  if (options_.on_message && reply.is_array() && reply.elements.size() == 3 &&
      reply.elements[0].str == "message") {
    options_.on_message(std::move(reply));
    return;
  }
  BatchCallback batch;
  SingleCallback single;
  HandlerCallback handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pending_.empty()) {
      Pending& front = pending_.front();
      if (front.handler) {
        handler = std::move(front.handler);
      } else if (front.single) {
        single = std::move(front.single);
      } else {
        partial_.push_back(std::move(reply));
        if (partial_.size() < front.count) return;
        batch = std::move(front.done);
      }
      pending_.pop_front();
    }
  }
  if (handler) {
    RedisReplyHandler& h = *handler;
    h.OnReply(std::move(handler), std::move(reply));
    return;
  }
  if (single) {
    single(std::move(reply));
    return;
  }
  if (!batch) {
    Fail(Status::Unavailable("redis at " + Where() + " sent a reply nobody asked for"));
    return;
  }
  std::vector<RedisReply> replies;
  replies.swap(partial_);
  batch(std::move(replies));
}

void RedisLink::Fail(const Status& status) {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  std::deque<Pending> failed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    failed.swap(pending_);
    out_.clear();
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
  resolver_.cancel();
  timer_.cancel();
  partial_.clear();
  // Tell the owner first, so that new commands stop coming here, then fail the queue.
  if (on_closed_) {
    ClosedHandler on_closed = std::move(on_closed_);
    on_closed_ = nullptr;
    on_closed(status);
  }
  on_ready_ = nullptr;
  for (Pending& p : failed) {
    if (p.handler) {
      RedisReplyHandler& h = *p.handler;
      h.OnReply(std::move(p.handler), status);
    } else if (p.single) {
      p.single(status);
    } else {
      p.done(status);
    }
  }
}

}  // namespace sessionkit::internal
