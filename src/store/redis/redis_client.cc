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

#include "src/store/redis/redis_link.h"

namespace sessionkit::internal {

namespace asio = boost::asio;

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

// One pool slot: owns the current link and brings a new one up after each close.
class RedisConnection {
 public:
  RedisConnection(asio::io_context& io, const RedisClientOptions& options,
                  std::atomic<std::uint64_t>* write_counter, std::function<void()> on_first_attempt)
      : io_(io),
        options_(options),
        write_counter_(write_counter),
        strand_(asio::make_strand(io)),
        timer_(strand_),
        backoff_(options.reconnect_backoff_min),
        on_first_attempt_(std::move(on_first_attempt)) {}

  void Start() {
    asio::post(strand_, [this] { Connect(); });
  }

  std::shared_ptr<RedisLink> ReadyLink() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ready_;
  }

  std::string LastError() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_error_;
  }

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
    asio::post(strand_, [this] { timer_.cancel(); });
  }

 private:
  // On strand_.
  void Connect() {
    RedisLinkOptions link_options{options_.host, options_.port, options_.password, options_.db,
                                  options_.connect_timeout, write_counter_};
    auto link = std::make_shared<RedisLink>(io_, std::move(link_options));
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutting_down_) return;
      current_ = link;
    }
    RedisLink* raw = link.get();
    link->Start([this, raw] { OnReady(raw); }, [this, raw](const Status& s) { OnClosed(raw, s); });
  }

  // On the link's strand.
  void OnReady(RedisLink* link) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutting_down_ || current_.get() != link) return;
      ready_ = current_;
      backoff_ = options_.reconnect_backoff_min;
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
    if (reconnect) asio::post(strand_, [this] { ScheduleReconnect(); });
  }

  // On strand_.
  void ScheduleReconnect() {
    std::chrono::milliseconds delay;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutting_down_) return;
      delay = backoff_;
      backoff_ = std::min(backoff_ * 2, options_.reconnect_backoff_max);
    }
    timer_.expires_after(delay);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Connect();
    });
  }

  void FirstAttemptDone() {
    if (first_attempt_reported_.exchange(true)) return;
    on_first_attempt_();
  }

  asio::io_context& io_;
  const RedisClientOptions& options_;
  std::atomic<std::uint64_t>* const write_counter_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;  // on strand_

  mutable std::mutex mu_;
  std::shared_ptr<RedisLink> current_;  // guarded by mu_: connecting or ready
  std::shared_ptr<RedisLink> ready_;    // guarded by mu_: current_ once it is ready
  std::string last_error_;              // guarded by mu_
  bool shutting_down_ = false;          // guarded by mu_
  std::chrono::milliseconds backoff_;   // guarded by mu_

  std::atomic<bool> first_attempt_reported_{false};
  std::function<void()> on_first_attempt_;
};

Status ValidateOptions(const RedisClientOptions& o) {
  if (o.host.empty()) return Status::InvalidArgument("redis host is empty");
  if (o.port < 1 || o.port > 65535) return Status::InvalidArgument("redis port must be 1..65535");
  if (o.db < 0) return Status::InvalidArgument("redis db must be >= 0");
  if (o.connections < 1 || o.connections > 64) {
    return Status::InvalidArgument("redis connections must be 1..64");
  }
  if (o.io_threads < 1 || o.io_threads > 16) return Status::InvalidArgument("redis io_threads must be 1..16");
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

// Everything the I/O threads touch. The threads hold a reference, so a client
// destroyed from one of its own callbacks stays valid until that thread is done.
struct RedisClient::Core {
  // With one I/O thread the concurrency hint 1 lets handlers that post more work (a
  // callback chaining a command) queue it thread-locally instead of waking the reactor.
  explicit Core(RedisClientOptions o)
      : options(std::move(o)), io(static_cast<int>(options.io_threads)), work(asio::make_work_guard(io)) {}

  std::string UnavailableMessage() const {
    std::string message = "redis at " + options.host + ":" + std::to_string(options.port) + " is unavailable";
    for (const auto& c : connections) {
      std::string last = c->LastError();
      if (!last.empty()) return message + " (" + last + ")";
    }
    return message;
  }

  void Submit(std::string commands, std::size_t count, RepliesCallback done) {
    if (commands.empty()) {
      done(Status::Internal("redis command could not be encoded"));
      return;
    }
    if (!shut.load(std::memory_order_acquire)) {
      const SteadyTime deadline = std::chrono::steady_clock::now() + options.command_timeout;
      const std::size_t n = connections.size();
      const std::size_t start = next.fetch_add(1, std::memory_order_relaxed);
      for (std::size_t i = 0; i < n; ++i) {
        std::shared_ptr<RedisLink> link = connections[(start + i) % n]->ReadyLink();
        if (link && link->Submit(commands, count, deadline, done)) return;
      }
    }
    done(Status::Unavailable(shut.load() ? "redis store is shutting down" : UnavailableMessage()));
  }

  const RedisClientOptions options;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::unique_ptr<RedisConnection>> connections;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> shut{false};
  std::atomic<std::uint64_t> writes{0};

  std::mutex first_mu;
  std::condition_variable first_cv;
  std::size_t first_attempts = 0;  // guarded by first_mu
};

Result<std::unique_ptr<RedisClient>> RedisClient::Create(const RedisClientOptions& options) {
  Status valid = ValidateOptions(options);
  if (!valid.ok()) return valid;
  try {
    auto core = std::make_shared<Core>(options);
    Core* raw = core.get();
    for (std::size_t i = 0; i < options.connections; ++i) {
      core->connections.push_back(std::make_unique<RedisConnection>(core->io, core->options, &core->writes, [raw] {
        std::lock_guard<std::mutex> lock(raw->first_mu);
        ++raw->first_attempts;
        raw->first_cv.notify_all();
      }));
    }
    std::unique_ptr<RedisClient> client(new RedisClient(core));
    for (std::size_t i = 0; i < options.io_threads; ++i) {
      core->threads.emplace_back([core] {
        for (;;) {
          try {
            core->io.run();
            return;
          } catch (...) {
            // A callback threw; callbacks must not, but the I/O thread keeps serving.
          }
        }
      });
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
  std::unique_lock<std::mutex> lock(core_->first_mu);
  core_->first_cv.wait_for(lock, limit, [this] { return core_->first_attempts >= core_->connections.size(); });
}

void RedisClient::Submit(std::string commands, std::size_t count, RepliesCallback done) {
  core_->Submit(std::move(commands), count, std::move(done));
}

void RedisClient::Command(const std::vector<std::string_view>& args, ReplyCallback done) {
  Submit(FormatRedisCommand(args), 1, [done = std::move(done)](Result<std::vector<RedisReply>> replies) {
    DeliverFirst(done, std::move(replies));
  });
}

void RedisClient::Command(std::initializer_list<std::string_view> args, ReplyCallback done) {
  Command(std::vector<std::string_view>(args), std::move(done));
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
  Core* core = core_.get();  // the retry runs on an I/O thread, which keeps the core alive
  Submit(std::move(evalsha), 1,
         [core, script = &script, keys = std::move(keys), args = std::move(args),
          done = std::move(done)](Result<std::vector<RedisReply>> replies) mutable {
           if (!replies.ok() || (*replies)[0].ErrorCode() != "NOSCRIPT") {
             DeliverFirst(done, std::move(replies));
             return;
           }
           core->Submit(EncodeEval("EVAL", script->source, keys, args), 1,
                        [done = std::move(done)](Result<std::vector<RedisReply>> r) {
                          DeliverFirst(done, std::move(r));
                        });
         });
}

std::size_t RedisClient::ReadyConnections() const {
  std::size_t n = 0;
  for (const auto& c : core_->connections) n += c->ReadyLink() ? 1 : 0;
  return n;
}

std::uint64_t RedisClient::WritesForTest() const { return core_->writes.load(std::memory_order_relaxed); }

}  // namespace sessionkit::internal
