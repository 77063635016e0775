// The near-cache: per-loop session caches kept coherent by Redis CLIENT TRACKING
// (BCAST, RESP2 redirect to a subscriber of __redis__:invalidate). See redis_near_cache.h.
#include "src/store/redis/redis_near_cache.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <new>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "src/store/redis/redis_keys.h"
#include "src/store/redis/redis_link.h"
#include "src/store/redis/redis_reply.h"

namespace sessionkit::internal {

namespace asio = boost::asio;

// --- SessionNearCache ----------------------------------------------------------------

SessionNearCache::SessionNearCache(std::chrono::nanoseconds max_staleness, std::size_t max_entries)
    : max_staleness_(max_staleness), max_entries_(std::max<std::size_t>(max_entries, 1)) {}

const Session* SessionNearCache::Find(std::string_view id, TimePoint now) {
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.filled) return nullptr;
  const Entry& e = it->second;
  if (!(now < e.read_at + max_staleness_) || !(now < e.session.expires_at) || now < e.read_at) {
    entries_.erase(it);
    return nullptr;
  }
  return &e.session;
}

std::uint64_t SessionNearCache::BeginFill(std::string_view id) {
  if (!tracking_) return 0;
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    if (entries_.size() >= max_entries_) entries_.clear();  // bounded memory: start over
    it = entries_.emplace(std::string(id), Entry{}).first;
  }
  Entry& e = it->second;
  e.filled = false;
  e.ticket = ++next_ticket_;
  return e.ticket;
}

bool SessionNearCache::Fill(std::string_view id, std::uint64_t ticket, const Session& s, TimePoint read_at) {
  if (!tracking_ || ticket == 0) return false;
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.filled || it->second.ticket != ticket) return false;
  Entry& e = it->second;
  e.session = s;
  e.read_at = read_at;
  e.ticket = 0;
  e.filled = true;
  return true;
}

void SessionNearCache::Erase(std::string_view id) {
  auto it = entries_.find(id);
  if (it != entries_.end()) entries_.erase(it);
}

void SessionNearCache::EraseUser(std::string_view user_id) {
  std::erase_if(entries_, [&](const auto& kv) { return !kv.second.filled || kv.second.session.user_id == user_id; });
}

void SessionNearCache::Clear() { entries_.clear(); }

void SessionNearCache::SetTracking(bool on) {
  if (!on) Clear();
  tracking_ = on;
}

// --- one loop: its cache and its invalidation subscriber -------------------------------

namespace {

constexpr std::string_view kInvalidationChannel = "__redis__:invalidate";

std::uint64_t NextStoreSerial() {
  static std::atomic<std::uint64_t> serial{0};
  return serial.fetch_add(1, std::memory_order_relaxed) + 1;
}

class LoopCache;

// Every live loop cache, and the counts of those gone, for RedisNearCacheTotals. The list
// is locked only when caches are made and when the totals are read (a scrape); a cache's
// destructor only adds to the atomics (it may run while a scrape holds a reference).
struct CacheRegistry {
  std::mutex mu;
  std::vector<std::weak_ptr<LoopCache>> live;  // guarded by mu
  std::atomic<std::uint64_t> retired_hits{0}, retired_misses{0}, retired_drops{0};
};

CacheRegistry& Registry() {
  static CacheRegistry* registry = new CacheRegistry;  // never destroyed: used at exit
  return *registry;
}

// Everything of one loop. The cache and the subscriber state are touched only on the
// loop's thread (the link's strand runs there too: one thread runs the loop).
class LoopCache : public std::enable_shared_from_this<LoopCache> {
 public:
  LoopCache(asio::io_context& loop, RedisLinkOptions link_options, const NearCacheOptions& options,
            std::chrono::milliseconds backoff_min, std::chrono::milliseconds backoff_max,
            std::chrono::milliseconds command_timeout)
      : cache(options.max_staleness, options.max_entries_per_loop),
        loop_(loop),
        link_options_(std::move(link_options)),
        ping_interval_(std::clamp<std::chrono::milliseconds>(options.max_staleness / 4, std::chrono::milliseconds(10),
                                                             std::chrono::milliseconds(500))),
        command_timeout_(command_timeout),
        backoff_min_(backoff_min),
        backoff_max_(backoff_max),
        backoff_(backoff_min),
        reconnect_timer_(loop),
        ping_timer_(loop) {}

  ~LoopCache() {
    CacheRegistry& r = Registry();
    r.retired_hits.fetch_add(hits.load(std::memory_order_relaxed), std::memory_order_relaxed);
    r.retired_misses.fetch_add(misses.load(std::memory_order_relaxed), std::memory_order_relaxed);
    r.retired_drops.fetch_add(drops.load(std::memory_order_relaxed), std::memory_order_relaxed);
  }

  asio::io_context& loop() const noexcept { return loop_; }
  bool OnThisThread() const noexcept { return loop_.get_executor().running_in_this_thread(); }

  void Start() {
    asio::post(loop_, [self = shared_from_this()] { self->Connect(); });
  }

  // From any thread: no new connection; the current one closes on the loop.
  void Stop() {
    stopping_.store(true, std::memory_order_release);
    asio::post(loop_, [self = shared_from_this()] {
      self->reconnect_timer_.cancel();
      self->ping_timer_.cancel();
      if (auto link = self->link_.lock()) link->Close(Status::Unavailable("near-cache is shutting down"));
    });
  }

  // Loop thread: drops the whole cache (counted).
  void DropAll() {
    if (cache.size() > 0) drops.store(drops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    cache.Clear();
  }

  void CountHit() { hits.store(hits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  void CountMiss() { misses.store(misses.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }

  SessionNearCache cache;  // loop thread only
  std::atomic<std::uint64_t> hits{0}, misses{0}, drops{0};
  std::atomic<bool> tracking{false};

 private:
  void Connect() {
    if (stopping_.load(std::memory_order_acquire)) return;
    RedisLinkOptions options = link_options_;
    std::weak_ptr<LoopCache> weak = weak_from_this();
    options.on_message = [weak](RedisReply message) {
      if (auto self = weak.lock()) self->OnMessage(message);
    };
    auto link = std::make_shared<RedisLink>(loop_, std::move(options));
    link_ = link;
    current_ = link.get();
    RedisLink* raw = link.get();
    link->Start([self = shared_from_this(), raw] { self->OnReady(raw); },
                [self = shared_from_this(), raw](const Status&) { self->OnClosed(raw); });
  }

  // CLIENT ID, then tracking redirected to this very connection, then the subscription.
  void OnReady(RedisLink* raw) {
    if (current_ != raw) return;
    SingleCallback got_id = [self = shared_from_this(), raw](Result<RedisReply> reply) {
      if (self->current_ != raw || !reply.ok()) return;
      if (!reply->is_integer()) {
        raw->Close(Status::Unavailable("redis CLIENT ID: unexpected reply"));
        return;
      }
      self->Subscribe(raw, reply->integer);
    };
    const std::string command = FormatRedisCommand({"CLIENT", "ID"});
    raw->Submit(command, 1, Deadline(command_timeout_), got_id);
  }

  void Subscribe(RedisLink* raw, std::int64_t client_id) {
    const std::string id = std::to_string(client_id);
    std::string commands = FormatRedisCommand(
        {"CLIENT", "TRACKING", "on", "REDIRECT", id, "BCAST", "PREFIX", kSessionKeyPrefix});
    commands += FormatRedisCommand({"SUBSCRIBE", kInvalidationChannel});
    BatchCallback subscribed = [self = shared_from_this(), raw](Result<std::vector<RedisReply>> replies) {
      if (self->current_ != raw || !replies.ok()) return;
      const std::vector<RedisReply>& r = *replies;
      const bool ok = r.size() == 2 && r[0].is_status("OK") && r[1].is_array() && !r[1].elements.empty() &&
                      r[1].elements[0].str == "subscribe";
      if (!ok) {  // e.g. a Redis before 6 (no CLIENT TRACKING): no cache, retried later
        raw->Close(Status::Unavailable("redis refused CLIENT TRACKING / SUBSCRIBE"));
        return;
      }
      self->backoff_ = self->backoff_min_;
      self->cache.SetTracking(true);
      self->tracking.store(true, std::memory_order_release);
      self->SchedulePing(raw);
    };
    raw->Submit(commands, 2, Deadline(command_timeout_), subscribed);
  }

  // A PING unanswered within command_timeout closes the link (its deadline).
  void SchedulePing(RedisLink* raw) {
    ping_timer_.expires_after(ping_interval_);
    ping_timer_.async_wait([self = shared_from_this(), raw](const boost::system::error_code& ec) {
      if (ec || self->current_ != raw) return;
      SingleCallback pong = [](Result<RedisReply>) {};
      static const std::string ping = FormatRedisCommand({"PING"});
      if (!raw->Submit(ping, 1, Deadline(self->command_timeout_), pong)) return;
      self->SchedulePing(raw);
    });
  }

  void OnMessage(const RedisReply& message) {
    if (message.elements[1].str != kInvalidationChannel) return;
    const RedisReply& keys = message.elements[2];
    if (!keys.is_array()) {  // nil: FLUSHDB / FLUSHALL, or the server's table overflowed
      DropAll();
      return;
    }
    for (const RedisReply& key : keys.elements) {
      std::string_view k = key.str;
      if (k.starts_with(kSessionKeyPrefix)) cache.Erase(k.substr(kSessionKeyPrefix.size()));
    }
  }

  void OnClosed(RedisLink* raw) {
    if (current_ != raw) return;
    current_ = nullptr;
    link_.reset();
    tracking.store(false, std::memory_order_release);
    if (cache.size() > 0) drops.store(drops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    cache.SetTracking(false);
    ping_timer_.cancel();
    if (stopping_.load(std::memory_order_acquire)) return;
    const std::chrono::milliseconds delay = backoff_;
    backoff_ = std::min(backoff_ * 2, backoff_max_);
    reconnect_timer_.expires_after(delay);
    reconnect_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->Connect();
    });
  }

  static SteadyTime Deadline(std::chrono::milliseconds in) { return std::chrono::steady_clock::now() + in; }

  asio::io_context& loop_;
  const RedisLinkOptions link_options_;
  const std::chrono::milliseconds ping_interval_;
  const std::chrono::milliseconds command_timeout_;
  const std::chrono::milliseconds backoff_min_;
  const std::chrono::milliseconds backoff_max_;
  std::chrono::milliseconds backoff_;  // loop thread
  asio::steady_timer reconnect_timer_;
  asio::steady_timer ping_timer_;
  // Loop thread: the current subscriber. Not owned: the link's own pending operations
  // keep it alive while it is open, and its handlers hold this object (no cycle, so a
  // loop destroyed with handlers pending frees both).
  std::weak_ptr<RedisLink> link_;
  RedisLink* current_ = nullptr;
  std::atomic<bool> stopping_{false};
};

// --- the store -------------------------------------------------------------------------

class NearCachedSessionStore final : public SessionStore,
                                     public std::enable_shared_from_this<NearCachedSessionStore> {
 public:
  NearCachedSessionStore(SessionStorePtr inner, const Clock& clock, std::vector<std::shared_ptr<LoopCache>> loops)
      : inner_(std::move(inner)), clock_(clock), loops_(std::move(loops)) {}

  ~NearCachedSessionStore() override {
    for (auto& l : loops_) l->Stop();
  }

  NearCacheCounters Counters(std::size_t i) const {
    if (i >= loops_.size()) return {};
    const LoopCache& l = *loops_[i];
    return {l.hits.load(std::memory_order_relaxed), l.misses.load(std::memory_order_relaxed),
            l.drops.load(std::memory_order_relaxed), l.tracking.load(std::memory_order_acquire)};
  }

  Result<std::string> NewSessionIdFor(std::string_view user_id) override { return inner_->NewSessionIdFor(user_id); }

  void InsertAsync(const Session& s, std::uint32_t max_per_user,
                   ResultCallback<std::vector<std::string>> done) override {
    inner_->InsertAsync(s, max_per_user, [self = shared_from_this(), done = std::move(done)](
                                             Result<std::vector<std::string>> evicted) mutable {
      if (!evicted.ok() || evicted->empty()) return done(std::move(evicted));
      std::vector<std::string> ids = *evicted;
      self->EverywhereThen(
          [ids = std::move(ids)](SessionNearCache& c) {
            for (const std::string& id : ids) c.Erase(id);
          },
          [evicted = std::move(evicted), done = std::move(done)]() mutable { done(std::move(evicted)); });
    });
  }

  // The hot path: a hit costs a hash lookup and the record's copy.
  void GetAsync(std::string_view session_id, ResultCallback<Session> done) override {
    LoopCache* loop = CurrentLoop();
    if (loop == nullptr) return inner_->GetAsync(session_id, std::move(done));
    const TimePoint now = clock_.Now();
    if (const Session* cached = loop->cache.Find(session_id, now)) {
      loop->CountHit();
      Session copy = *cached;
      return done(std::move(copy));
    }
    loop->CountMiss();
    const std::uint64_t ticket = loop->cache.BeginFill(session_id);
    inner_->GetAsync(session_id, [self = shared_from_this(), loop, ticket, now, id = std::string(session_id),
                                  done = std::move(done)](Result<Session> session) mutable {
      if (loop->OnThisThread()) {
        if (session.ok()) {
          loop->cache.Fill(id, ticket, *session, now);
        } else if (session.status().code() == Code::kUnavailable) {
          loop->DropAll();  // the data connection failed: nothing cached is trusted
        }
      }
      done(std::move(session));
    });
  }

  void TouchAsync(const Session& current, TimePoint last_seen, TimePoint expires_at,
                  StatusCallback done) override {
    if (LoopCache* loop = CurrentLoop()) loop->cache.Erase(current.id);
    inner_->TouchAsync(current, last_seen, expires_at, std::move(done));
  }

  void DeleteAsync(std::string_view session_id, ResultCallback<bool> done) override {
    if (LoopCache* loop = CurrentLoop()) loop->cache.Erase(session_id);
    inner_->DeleteAsync(session_id, [self = shared_from_this(), id = std::string(session_id),
                                     done = std::move(done)](Result<bool> deleted) mutable {
      self->EverywhereThen([id = std::move(id)](SessionNearCache& c) { c.Erase(id); },
                           [deleted = std::move(deleted), done = std::move(done)]() mutable {
                             done(std::move(deleted));
                           });
    });
  }

  void DeleteAllForUserAsync(std::string_view user_id, std::string_view keep_session_id,
                             ResultCallback<std::uint64_t> done) override {
    inner_->DeleteAllForUserAsync(
        user_id, keep_session_id,
        [self = shared_from_this(), user = std::string(user_id), done = std::move(done)](
            Result<std::uint64_t> deleted) mutable {
          self->EverywhereThen([user = std::move(user)](SessionNearCache& c) { c.EraseUser(user); },
                               [deleted = std::move(deleted), done = std::move(done)]() mutable {
                                 done(std::move(deleted));
                               });
        });
  }

  void ListForUserAsync(std::string_view user_id, ResultCallback<std::vector<Session>> done) override {
    inner_->ListForUserAsync(user_id, std::move(done));
  }
  void CountAsync(ResultCallback<std::uint64_t> done) override { inner_->CountAsync(std::move(done)); }
  void ScanAsync(std::string_view cursor, std::size_t limit, ResultCallback<ScanPage> done) override {
    inner_->ScanAsync(cursor, limit, std::move(done));
  }
  void PingAsync(StatusCallback done) override { inner_->PingAsync(std::move(done)); }
  // Purged records are past expires_at: a cached copy is refused on a hit already, and
  // the delete's invalidation drops it.
  void PurgeDeadAsync(std::string_view cursor, std::size_t limit, ResultCallback<PurgePage> done) override {
    inner_->PurgeDeadAsync(cursor, limit, std::move(done));
  }

 private:
  // The calling thread's loop, or nullptr. Remembered per thread (one loop per thread).
  LoopCache* CurrentLoop() const {
    thread_local std::uint64_t owner = 0;
    thread_local LoopCache* mine = nullptr;
    if (owner == serial_) return mine;
    for (const auto& l : loops_) {
      if (l->OnThisThread()) {
        owner = serial_;
        mine = l.get();
        return mine;
      }
    }
    return nullptr;
  }

  // Runs `drop` on every loop's cache (this thread's at once), then `then` once all ran.
  void EverywhereThen(std::function<void(SessionNearCache&)> drop, std::function<void()> then) {
    auto remaining = std::make_shared<std::atomic<std::size_t>>(loops_.size());
    auto shared_drop = std::make_shared<std::function<void(SessionNearCache&)>>(std::move(drop));
    auto shared_then = std::make_shared<std::function<void()>>(std::move(then));
    for (const auto& l : loops_) {
      auto step = [l, remaining, shared_drop, shared_then] {
        (*shared_drop)(l->cache);
        if (remaining->fetch_sub(1, std::memory_order_acq_rel) == 1) (*shared_then)();
      };
      if (l->OnThisThread()) {
        step();
      } else {
        asio::post(l->loop(), std::move(step));
      }
    }
  }

  const SessionStorePtr inner_;
  const Clock& clock_;
  const std::vector<std::shared_ptr<LoopCache>> loops_;
  const std::uint64_t serial_ = NextStoreSerial();
};

}  // namespace

Result<SessionStorePtr> OpenNearCachedSessionStore(SessionStorePtr inner, const RedisStoreOptions& redis,
                                                   const NearCacheOptions& options,
                                                   std::vector<boost::asio::io_context*> loops) {
  if (inner == nullptr) return Status::InvalidArgument("near-cache needs a session store");
  if (loops.empty()) return Status::InvalidArgument("near-cache needs the application's event loops");
  if (!redis.cluster_nodes.empty()) {
    return Status::InvalidArgument("the near-cache is for one Redis only, not a Redis Cluster");
  }
  if (options.max_staleness.count() < 1 || options.max_staleness.count() > 60000) {
    return Status::InvalidArgument("near-cache max staleness must be 1..60000 ms");
  }
  try {
    RedisLinkOptions link{redis.host, redis.port, redis.password, redis.db, redis.connect_timeout, nullptr, nullptr};
    std::vector<std::shared_ptr<LoopCache>> caches;
    for (boost::asio::io_context* loop : loops) {
      if (loop == nullptr) return Status::InvalidArgument("near-cache loops must not be null");
      caches.push_back(std::make_shared<LoopCache>(*loop, link, options, redis.reconnect_backoff_min,
                                                   redis.reconnect_backoff_max, redis.command_timeout));
    }
    {
      CacheRegistry& r = Registry();
      std::lock_guard<std::mutex> lock(r.mu);
      std::erase_if(r.live, [](const std::weak_ptr<LoopCache>& w) { return w.expired(); });
      for (auto& c : caches) r.live.push_back(c);
    }
    for (auto& c : caches) c->Start();
    return SessionStorePtr(
        std::make_shared<NearCachedSessionStore>(std::move(inner), ClockOrSystem(redis.clock), std::move(caches)));
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory creating the near-cache");
  }
}

}  // namespace sessionkit::internal

namespace sessionkit {

RedisNearCacheCounts RedisNearCacheTotals() noexcept {
  internal::CacheRegistry& r = internal::Registry();
  std::vector<std::weak_ptr<internal::LoopCache>> live;
  {
    std::lock_guard<std::mutex> lock(r.mu);
    live = r.live;
  }
  RedisNearCacheCounts total{r.retired_hits.load(std::memory_order_relaxed),
                             r.retired_misses.load(std::memory_order_relaxed),
                             r.retired_drops.load(std::memory_order_relaxed)};
  for (const auto& weak : live) {
    if (auto c = weak.lock()) {
      total.hits += c->hits.load(std::memory_order_relaxed);
      total.misses += c->misses.load(std::memory_order_relaxed);
      total.drops += c->drops.load(std::memory_order_relaxed);
    }
  }
  return total;
}

}  // namespace sessionkit

namespace sessionkit::internal {

NearCacheCounters NearCacheCountersOf(const SessionStore& store, std::size_t loop) {
  const auto* cached = dynamic_cast<const NearCachedSessionStore*>(&store);
  return cached == nullptr ? NearCacheCounters{} : cached->Counters(loop);
}

}  // namespace sessionkit::internal
