// The connection pool: RedisConnection keeps one RedisLink up (reconnecting with
// backoff); RedisClient spreads submissions over the ready ones. See redis_client.h.
#include "src/store/redis/redis_client.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "sessionkit/redis_store.h"
#include "src/store/redis/redis_link.h"

namespace sessionkit::internal {

namespace asio = boost::asio;

// RedisReconnectAttempts() (include/sessionkit/redis_store.h).
std::atomic<std::uint64_t> g_reconnect_attempts{0};

namespace {

std::string Sha1Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

// Counts the connections that finished their first attempt (ready or failed), for
// WaitForFirstAttempts. Shared with the connections, which may outlive the client.
struct FirstAttempts {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t count = 0;  // guarded by mu
};

// One pool slot: owns the current link and brings a new one up after each close.
// Handlers hold a shared_ptr to it, so it stays valid while its loop still runs handlers
// after the client is gone (a client on the application's event loops); it keeps its
// own copy of what it needs for that reason.
class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  RedisConnection(asio::io_context& io, const RedisClientOptions& options,
                  std::shared_ptr<std::atomic<std::uint64_t>> write_counter,
                  std::shared_ptr<FirstAttempts> first_attempts)
      : io_(io),
        link_options_{options.host, options.port, options.password, options.db,
                      options.connect_timeout, std::move(write_counter)},
        backoff_min_(options.reconnect_backoff_min),
        backoff_max_(options.reconnect_backoff_max),
        strand_(asio::make_strand(io)),
        timer_(strand_),
        backoff_(options.reconnect_backoff_min),
        first_attempts_(std::move(first_attempts)) {}

  asio::io_context& io() const noexcept { return io_; }

  void Start() {
    asio::post(strand_, [self = shared_from_this()] { self->Connect(); });
  }

  std::shared_ptr<RedisLink> ReadyLink() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ready_;
  }

  std::string LastError() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_error_;
  }

  std::uint64_t ReconnectAttempts() const noexcept { return reconnects_.load(std::memory_order_relaxed); }

  void Shutdown() {
    std::shared_ptr<RedisLink> link;
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutting_down_ = true;
      link = std::move(current_);
      current_.reset();
      ready_.reset();
    }
    if (link) link->Close(Status::Unavailable("redis store is shutting down"));
    asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
  }

 private:
  // On strand_.
  void Connect() {
    auto link = std::make_shared<RedisLink>(io_, link_options_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutting_down_) return;
      current_ = link;
    }
    RedisLink* raw = link.get();
    // The link holds these handlers (and so this slot) until it closes.
    link->Start([self = shared_from_this(), raw] { self->OnReady(raw); },
                [self = shared_from_this(), raw](const Status& s) { self->OnClosed(raw, s); });
  }

  // On the link's strand.
  void OnReady(RedisLink* link) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutting_down_ || current_.get() != link) return;
      ready_ = current_;
      backoff_ = backoff_min_;
      last_error_.clear();
    }
    FirstAttemptDone();
  }

  // On the link's strand.
  void OnClosed(RedisLink* link, const Status& status) {
    bool reconnect = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (current_.get() == link) {
        current_.reset();
        ready_.reset();
        reconnect = !shutting_down_;
      }
      last_error_ = status.message();
    }
    FirstAttemptDone();
    if (reconnect) asio::post(strand_, [self = shared_from_this()] { self->ScheduleReconnect(); });
  }

  // On strand_.
  void ScheduleReconnect() {
    std::chrono::milliseconds delay;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutting_down_) return;
      delay = backoff_;
      backoff_ = std::min(backoff_ * 2, backoff_max_);
    }
    g_reconnect_attempts.fetch_add(1, std::memory_order_relaxed);
    reconnects_.fetch_add(1, std::memory_order_relaxed);
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->Connect();
    });
  }

  void FirstAttemptDone() {
    if (first_attempt_reported_.exchange(true)) return;
    std::lock_guard<std::mutex> lock(first_attempts_->mu);
    ++first_attempts_->count;
    first_attempts_->cv.notify_all();
  }

  asio::io_context& io_;
  const RedisLinkOptions link_options_;
  const std::chrono::milliseconds backoff_min_;
  std::atomic<std::uint64_t> reconnects_{0};  // ScheduleReconnect calls (metrics)
  const std::chrono::milliseconds backoff_max_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;  // on strand_

  mutable std::mutex mu_;
  std::shared_ptr<RedisLink> current_;  // guarded by mu_: connecting or ready
  std::shared_ptr<RedisLink> ready_;    // guarded by mu_: current_ once it is ready
  std::string last_error_;              // guarded by mu_
  bool shutting_down_ = false;          // guarded by mu_
  std::chrono::milliseconds backoff_;   // guarded by mu_

  std::atomic<bool> first_attempt_reported_{false};
  const std::shared_ptr<FirstAttempts> first_attempts_;
};

Status ValidateOptions(const RedisClientOptions& o) {
  if (o.host.empty()) return Status::InvalidArgument("redis host is empty");
  if (o.port < 1 || o.port > 65535) return Status::InvalidArgument("redis port must be 1..65535");
  if (o.db < 0) return Status::InvalidArgument("redis db must be >= 0");
  if (o.connections < 1 || o.connections > 64) {
    return Status::InvalidArgument("redis connections must be 1..64");
  }
  if (o.loops.empty() && (o.io_threads < 1 || o.io_threads > 16)) {
    return Status::InvalidArgument("redis io_threads must be 1..16");
  }
  if (o.loops.size() > 64) return Status::InvalidArgument("redis loops must be at most 64");
  for (boost::asio::io_context* loop : o.loops) {
    if (loop == nullptr) return Status::InvalidArgument("redis loops must not be null");
  }
  if (o.connect_timeout.count() <= 0 || o.command_timeout.count() <= 0) {
    return Status::InvalidArgument("redis timeouts must be > 0");
  }
  if (o.reconnect_backoff_min.count() <= 0 || o.reconnect_backoff_max < o.reconnect_backoff_min) {
    return Status::InvalidArgument("redis reconnect backoff must satisfy 0 < min <= max");
  }
  return Status::Ok();
}

}  // namespace

namespace {

std::string EncodeEval(std::string_view verb, std::string_view body, const std::vector<std::string>& keys,
                       const std::vector<std::string>& args) {
  const std::string numkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv{verb, body, numkeys};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return FormatRedisCommand(argv);
}

void DeliverFirst(const ReplyCallback& done, Result<std::vector<RedisReply>> replies) {
  if (!replies.ok()) {
    done(replies.status());
    return;
  }
  done(std::move((*replies)[0]));
}

}  // namespace

RedisScript::RedisScript(std::string src) : source(std::move(src)), sha1(Sha1Hex(source)) {}

// Everything the I/O threads touch. With its own threads, they hold a reference, so a
// client destroyed from one of its own callbacks stays valid until that thread is done.
// On the application's loops, the connections keep what they need themselves and
// callbacks that come back to the core (Eval's retry) hold a weak reference.
struct RedisClient::Core {
  // With one I/O thread the concurrency hint 1 lets handlers that post more work (a
  // callback chaining a command) queue it thread-locally instead of waking the reactor.
  explicit Core(RedisClientOptions o) : options(std::move(o)) {
    if (options.loops.empty()) {
      own_io = std::make_unique<asio::io_context>(static_cast<int>(options.io_threads));
      work.emplace(asio::make_work_guard(*own_io));
      loops.push_back(own_io.get());
    } else {
      loops = options.loops;
    }
  }

  bool external() const noexcept { return own_io == nullptr; }

  std::string UnavailableMessage() const {
    std::string message = "redis at " + options.host + ":" + std::to_string(options.port) + " is unavailable";
    for (const auto& c : connections) {
      std::string last = c->LastError();
      if (!last.empty()) return message + " (" + last + ")";
    }
    return message;
  }

  // The first of the connections [first, first + count), from `start` round robin,
  // that takes the commands.
  template <class Callback>  // BatchCallback or SingleCallback
  bool SubmitTo(std::size_t first, std::size_t count, std::size_t start, std::string_view commands,
                std::size_t n, SteadyTime deadline, Callback& done) {
    for (std::size_t i = 0; i < count; ++i) {
      std::shared_ptr<RedisLink> link = connections[first + (start + i) % count]->ReadyLink();
      if (link && link->Submit(commands, n, deadline, done)) return true;
    }
    return false;
  }

  template <class Callback>
  static void FailWith(Callback& done, Status status) {
    done(std::move(status));
  }
  static void FailWith(HandlerCallback& done, Status status) {
    RedisReplyHandler& h = *done;
    h.OnReply(std::move(done), std::move(status));
  }

  // `commands` is copied before this returns; `done` may run inline (Unavailable).
  template <class Callback>
  void Submit(std::string_view commands, std::size_t count, Callback done) {
    if (commands.empty()) {
      FailWith(done, Status::Internal("redis command could not be encoded"));
      return;
    }
    if (!shut.load(std::memory_order_acquire)) {
      const SteadyTime deadline = std::chrono::steady_clock::now() + options.command_timeout;
      const std::size_t start = next.fetch_add(1, std::memory_order_relaxed);
      if (external()) {
        // On one of the loops: that loop's own connections first, so the command is
        // written, and its callback run, on the calling thread.
        for (std::size_t l = 0; l < loops.size(); ++l) {
          if (!loops[l]->get_executor().running_in_this_thread()) continue;
          if (SubmitTo(l * per_loop, per_loop, start, commands, count, deadline, done)) return;
          break;
        }
      }
      if (SubmitTo(0, connections.size(), start, commands, count, deadline, done)) return;
    }
    FailWith(done, Status::Unavailable(shut.load() ? "redis store is shutting down" : UnavailableMessage()));
  }

  const RedisClientOptions options;
  std::unique_ptr<asio::io_context> own_io;  // null on the application's loops
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<asio::io_context*> loops;      // where the connections run
  std::size_t per_loop = 0;                  // connections per loop
  // Loop-major: loop l has connections [l * per_loop, (l + 1) * per_loop).
  std::vector<std::shared_ptr<RedisConnection>> connections;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> shut{false};
  const std::shared_ptr<std::atomic<std::uint64_t>> writes = std::make_shared<std::atomic<std::uint64_t>>(0);
  const std::shared_ptr<FirstAttempts> first = std::make_shared<FirstAttempts>();
};

Result<std::unique_ptr<RedisClient>> RedisClient::Create(const RedisClientOptions& options) {
  Status valid = ValidateOptions(options);
  if (!valid.ok()) return valid;
  try {
    auto core = std::make_shared<Core>(options);
    core->per_loop = options.connections;
    for (asio::io_context* loop : core->loops) {
      for (std::size_t i = 0; i < options.connections; ++i) {
        core->connections.push_back(
            std::make_shared<RedisConnection>(*loop, core->options, core->writes, core->first));
      }
    }
    std::unique_ptr<RedisClient> client(new RedisClient(core));
    if (!core->external()) {
      for (std::size_t i = 0; i < options.io_threads; ++i) {
        core->threads.emplace_back([core] {
          for (;;) {
            try {
              core->own_io->run();
              return;
            } catch (...) {
              // A callback threw; callbacks must not, but the I/O thread keeps serving.
            }
          }
        });
      }
    }
    for (auto& c : core->connections) c->Start();
    return client;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot start the redis client: ") + e.what());
  }
}

RedisClient::RedisClient(std::shared_ptr<Core> core) : core_(std::move(core)) {}

RedisClient::~RedisClient() {
  core_->shut.store(true, std::memory_order_release);
  for (auto& c : core_->connections) c->Shutdown();
  if (core_->external()) return;  // the loops close the links; nothing of ours to join
  core_->work.reset();
  for (std::thread& t : core_->threads) {
    if (!t.joinable()) continue;
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // destroyed from our own callback: this thread finishes run() by itself
    } else {
      t.join();
    }
  }
}

void RedisClient::WaitForFirstAttempts(std::chrono::milliseconds limit) {
  FirstAttempts& first = *core_->first;
  std::unique_lock<std::mutex> lock(first.mu);
  first.cv.wait_for(lock, limit, [&] { return first.count >= core_->connections.size(); });
}

void RedisClient::Submit(std::string commands, std::size_t count, RepliesCallback done) {
  core_->Submit(std::string_view(commands), count, std::move(done));
}

void RedisClient::SubmitEncoded(std::string_view commands, std::size_t count, RepliesCallback done) {
  core_->Submit(commands, count, std::move(done));
}

void RedisClient::SubmitEncodedOne(std::string_view command, HandlerCallback done) {
  core_->Submit(command, 1, std::move(done));
}

// A single command's reply goes straight to `done` (no vector, no wrapping callback).
void RedisClient::Command(const std::vector<std::string_view>& args, ReplyCallback done) {
  core_->Submit(EncodeInThreadBuffer(args), 1, std::move(done));
}

void RedisClient::Command(std::initializer_list<std::string_view> args, ReplyCallback done) {
  core_->Submit(EncodeInThreadBuffer(args), 1, std::move(done));
}

void RedisClient::Pipeline(const std::vector<std::vector<std::string_view>>& commands, RepliesCallback done) {
  std::string encoded;
  for (const auto& args : commands) {
    std::string one = FormatRedisCommand(args);
    if (one.empty()) {
      done(Status::Internal("redis command could not be encoded"));
      return;
    }
    encoded += one;
  }
  Submit(std::move(encoded), commands.size(), std::move(done));
}

void RedisClient::Eval(const RedisScript& script, std::vector<std::string> keys,
                       std::vector<std::string> args, ReplyCallback done) {
  std::string evalsha = EncodeEval("EVALSHA", script.sha1, keys, args);
  // The retry may come after the client is gone (its loops are the application's).
  std::weak_ptr<Core> weak_core = core_;
  Submit(std::move(evalsha), 1,
         [weak_core = std::move(weak_core), script = &script, keys = std::move(keys), args = std::move(args),
          done = std::move(done)](Result<std::vector<RedisReply>> replies) mutable {
           if (!replies.ok() || (*replies)[0].ErrorCode() != "NOSCRIPT") {
             DeliverFirst(done, std::move(replies));
             return;
           }
           std::shared_ptr<Core> core = weak_core.lock();
           if (!core) {
             done(Status::Unavailable("redis store is shutting down"));
             return;
           }
           core->Submit(EncodeEval("EVAL", script->source, keys, args), 1, std::move(done));
         });
}

std::string EncodeWait(int replicas, std::chrono::milliseconds timeout) {
  return FormatRedisCommand({"WAIT", std::to_string(replicas), std::to_string(timeout.count())});
}

RepliesCallback ScriptThenWaitReplies(int replicas, ReplyCallback done) {
  return [replicas, done = std::move(done)](Result<std::vector<RedisReply>> replies) {
    if (!replies.ok()) return done(replies.status());
    if (replies->size() != 2) return done(Status::Internal("redis: WAIT reply missing"));
    RedisReply& result = (*replies)[0];
    const RedisReply& acked = (*replies)[1];
    if (result.is_error()) return done(std::move(result));
    if (!acked.is_integer() || acked.integer < replicas) {
      return done(Status::Unavailable("redis: the write reached " +
                                      (acked.is_integer() ? std::to_string(acked.integer) : std::string("no")) +
                                      " of " + std::to_string(replicas) + " replicas in time"));
    }
    done(std::move(result));
  };
}

void RedisClient::EvalAndWait(const RedisScript& script, std::vector<std::string> keys,
                              std::vector<std::string> args, int replicas, std::chrono::milliseconds timeout,
                              ReplyCallback done) {
  std::string wait = EncodeWait(replicas, timeout);
  std::string evalsha = EncodeEval("EVALSHA", script.sha1, keys, args) + wait;
  std::weak_ptr<Core> weak_core = core_;
  Submit(std::move(evalsha), 2,
         [weak_core = std::move(weak_core), script = &script, keys = std::move(keys), args = std::move(args),
          wait = std::move(wait), checked = ScriptThenWaitReplies(replicas, std::move(done))](
             Result<std::vector<RedisReply>> replies) mutable {
           if (!replies.ok() || replies->empty() || (*replies)[0].ErrorCode() != "NOSCRIPT") {
             checked(std::move(replies));
             return;
           }
           std::shared_ptr<Core> core = weak_core.lock();
           if (!core) {
             checked(Status::Unavailable("redis store is shutting down"));
             return;
           }
           core->Submit(EncodeEval("EVAL", script->source, keys, args) + wait, 2, std::move(checked));
         });
}

std::size_t RedisClient::ReadyConnections() const {
  std::size_t n = 0;
  for (const auto& c : core_->connections) n += c->ReadyLink() ? 1 : 0;
  return n;
}

std::uint64_t RedisClient::ReconnectAttempts() const {
  std::uint64_t n = 0;
  for (const auto& c : core_->connections) n += c->ReconnectAttempts();
  return n;
}

std::uint64_t RedisClient::WritesForTest() const { return core_->writes->load(std::memory_order_relaxed); }

}  // namespace sessionkit::internal

namespace sessionkit {

std::uint64_t RedisReconnectAttempts() noexcept {
  return internal::g_reconnect_attempts.load(std::memory_order_relaxed);
}

}  // namespace sessionkit
