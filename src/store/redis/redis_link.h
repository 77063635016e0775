// RedisLink: one TCP connection to Redis, from connect to close. Internal.
//
// Start() resolves, connects (connect_timeout), sends AUTH/SELECT when configured,
// then reports ready. Submit() queues already-encoded commands from any thread: they
// are appended to one buffer that the link writes in a single write per round
// (auto-pipelining), and their replies are matched in FIFO order. Each queued entry
// has a deadline; when the oldest unanswered entry passes it, the link closes.
// Closing (error, timeout, Close()) fails every queued entry with the close status,
// exactly once, and then calls on_closed once. A closed link is never reused: the
// owner (RedisConnection) makes a new one.
//
// Callbacks run on the link's strand (an I/O thread). Submit() and Close() are
// thread-safe; everything else happens on the strand.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_LINK_H_
#define SESSIONKIT_STORE_REDIS_REDIS_LINK_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "sessionkit/result.h"
#include "src/store/redis/redis_reply.h"

namespace sessionkit::internal {

using SteadyTime = std::chrono::steady_clock::time_point;
using BatchCallback = std::function<void(Result<std::vector<RedisReply>>)>;
using SingleCallback = std::function<void(Result<RedisReply>)>;

struct RedisLinkOptions {
  std::string host;
  int port = 0;
  std::string password;  // AUTH when non-empty; never put in a message
  int db = 0;            // SELECT when non-zero
  std::chrono::milliseconds connect_timeout{1000};
  std::shared_ptr<std::atomic<std::uint64_t>> write_counter;  // counts socket writes (tests)
  // A subscriber link (redis_near_cache.h): RESP2 pub/sub messages (["message", channel,
  // payload]) go here, on the strand, instead of being matched to a queued command.
  // Unset on every other link.
  std::function<void(RedisReply)> on_message;
};

class RedisLink : public std::enable_shared_from_this<RedisLink> {
 public:
  using ReadyHandler = std::function<void()>;
  using ClosedHandler = std::function<void(const Status&)>;

  RedisLink(boost::asio::io_context& io, RedisLinkOptions options);
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  // Starts connecting. on_ready runs once after the handshake; on_closed runs exactly
  // once when the link dies, whether or not it became ready. Call once.
  void Start(ReadyHandler on_ready, ClosedHandler on_closed);

  // Queues `count` encoded commands whose replies go to `done` together. Returns
  // false (leaving `done` untouched) if the link is closed.
  bool Submit(std::string_view commands, std::size_t count, SteadyTime deadline,
              BatchCallback& done);
  // The same for one command (`count` must be 1) whose reply goes to `done` as it is,
  // without a vector around it.
  bool Submit(std::string_view command, std::size_t count, SteadyTime deadline,
              SingleCallback& done);
  // The same with a handler (`count` must be 1; redis_reply.h): nothing allocated around it.
  bool Submit(std::string_view command, std::size_t count, SteadyTime deadline,
              HandlerCallback& done);

  // Closes the link from any thread; queued entries fail with `status`.
  void Close(Status status);

 private:
  enum class Phase { kIdle, kConnecting, kHandshake, kReady, kClosed };
  struct Pending {
    std::size_t count;
    SteadyTime deadline;
    BatchCallback done;      // a batch, or
    SingleCallback single;   // one command's reply, or
    HandlerCallback handler; // one command's reply to a handler
  };
  template <class Take>
  bool Enqueue(std::string_view commands, Pending&& entry, Take take);

  void Connect();
  void ConnectTo(std::vector<boost::asio::ip::tcp::endpoint> endpoints);
  void OnConnected();
  void Handshake();
  void StartRead();
  void OnData(std::size_t n);
  void Deliver(RedisReply reply);
  void Flush();
  void ArmDeadline();
  void ArmTimer(SteadyTime at);
  void OnDeadline();
  void Fail(const Status& status);
  std::string Where() const;

  const RedisLinkOptions options_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer timer_;

  // Strand-only state.
  Phase phase_ = Phase::kIdle;
  bool timer_armed_ = false;
  SteadyTime timer_expiry_{};
  std::uint64_t timer_generation_ = 0;  // a re-armed timer ignores its old wait
  SteadyTime connect_deadline_{};
  ReadyHandler on_ready_;
  ClosedHandler on_closed_;
  RedisReplyReader reader_;
  std::array<char, 16 * 1024> read_buf_{};
  std::string write_buf_;
  std::vector<RedisReply> partial_;  // replies of the oldest entry received so far

  // Shared with submitting threads.
  std::mutex mu_;
  bool closed_ = false;          // guarded by mu_
  bool write_scheduled_ = false; // guarded by mu_: a Flush is posted or a write is running
  std::string out_;              // guarded by mu_: encoded commands not yet written
  std::deque<Pending> pending_;  // guarded by mu_: written or queued, not yet answered
};

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_LINK_H_
