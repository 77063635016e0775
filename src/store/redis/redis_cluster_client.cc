// The cluster client: slot map, routing, redirections, refresh. See redis_cluster_client.h.
#include "src/store/redis/redis_cluster_client.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "src/store/redis/redis_cluster_slots.h"
#include "src/store/redis/redis_link.h"

namespace sessionkit::internal {

namespace asio = boost::asio;

namespace {

constexpr auto kRefreshMinGap = std::chrono::milliseconds(100);
constexpr auto kBusyBackoffFirst = std::chrono::milliseconds(5);
constexpr int kBusyRetries = 6;
constexpr auto kFirstMapRetry = std::chrono::milliseconds(10);

// Commands whose args[1] is not a key.
bool IsKeyless(std::string_view verb) {
  static constexpr std::string_view kKeyless[] = {"PING", "SCAN", "MULTI", "EXEC", "ASKING", "CLUSTER",
                                                  "INFO", "DBSIZE", "FLUSHALL", "AUTH", "SELECT"};
  for (std::string_view k : kKeyless) {
    if (verb.size() == k.size() && std::equal(verb.begin(), verb.end(), k.begin(), [](char a, char b) {
          return (a & ~0x20) == (b & ~0x20);
        })) {
      return true;
    }
  }
  return false;
}

template <class Args>  // a vector or an initializer_list of string_views
int SlotOfCommand(const Args& args) {
  if (args.size() < 2 || IsKeyless(*args.begin())) return -1;
  return KeySlot(*(args.begin() + 1));
}

bool SplitAddress(std::string_view address, std::string& host, int& port) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  host = std::string(address.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  port = std::atoi(std::string(address.substr(colon + 1)).c_str());
  return port > 0 && port < 65536;
}

std::string EncodeEval(std::string_view verb, std::string_view body, const std::vector<std::string>& keys,
                       const std::vector<std::string>& args) {
  const std::string numkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv{verb, body, numkeys};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return FormatRedisCommand(argv);
}

// "MOVED 3999 127.0.0.1:6381" -> slot, address.
bool ParseRedirect(const std::string& error, int& slot, std::string& address) {
  const std::size_t first = error.find(' ');
  if (first == std::string::npos) return false;
  const std::size_t second = error.find(' ', first + 1);
  if (second == std::string::npos) return false;
  slot = std::atoi(error.substr(first + 1, second - first - 1).c_str());
  address = error.substr(second + 1);
  return slot >= 0 && slot < kClusterSlots && !address.empty();
}

// The value of `name` in a RESP2 flat map (an array of name, value, ...).
const RedisReply* Field(const RedisReply& map, std::string_view name) {
  if (!map.is_array()) return nullptr;
  for (std::size_t i = 0; i + 1 < map.elements.size(); i += 2) {
    if (map.elements[i].str == name) return &map.elements[i + 1];
  }
  return nullptr;
}

struct SlotRange {
  int first;
  int last;
  std::string address;
};

// CLUSTER SHARDS -> ranges with their master's address; nullopt for another shape.
std::optional<std::vector<SlotRange>> ParseShards(const RedisReply& reply) {
  if (!reply.is_array()) return std::nullopt;
  std::vector<SlotRange> out;
  for (const RedisReply& shard : reply.elements) {
    const RedisReply* slots = Field(shard, "slots");
    const RedisReply* nodes = Field(shard, "nodes");
    if (slots == nullptr || nodes == nullptr || !slots->is_array() || !nodes->is_array()) return std::nullopt;
    std::string master;
    bool master_online = false;
    for (const RedisReply& node : nodes->elements) {
      const RedisReply* role = Field(node, "role");
      if (role == nullptr || role->str != "master") continue;
      const RedisReply* ip = Field(node, "ip");
      const RedisReply* endpoint = Field(node, "endpoint");
      const RedisReply* port = Field(node, "port");
      const RedisReply* health = Field(node, "health");
      if (port == nullptr || !port->is_integer()) continue;
      std::string host = ip != nullptr && !ip->str.empty() ? ip->str : endpoint != nullptr ? endpoint->str : "";
      if (host.empty() || host == "?") continue;
      const bool online = health == nullptr || health->str == "online";
      if (master.empty() || (online && !master_online)) {
        master = host + ":" + std::to_string(port->integer);
        master_online = online;
      }
    }
    if (master.empty()) continue;
    for (std::size_t i = 0; i + 1 < slots->elements.size(); i += 2) {
      out.push_back({static_cast<int>(slots->elements[i].integer), static_cast<int>(slots->elements[i + 1].integer),
                     master});
    }
  }
  return out;
}

// CLUSTER SLOTS -> ranges.
std::optional<std::vector<SlotRange>> ParseSlots(const RedisReply& reply) {
  if (!reply.is_array()) return std::nullopt;
  std::vector<SlotRange> out;
  for (const RedisReply& range : reply.elements) {
    if (!range.is_array() || range.elements.size() < 3) return std::nullopt;
    const RedisReply& master = range.elements[2];
    if (!master.is_array() || master.elements.size() < 2 || master.elements[0].str.empty()) continue;
    out.push_back({static_cast<int>(range.elements[0].integer), static_cast<int>(range.elements[1].integer),
                   master.elements[0].str + ":" + std::to_string(master.elements[1].integer)});
  }
  return out;
}

// The client's own I/O thread when it is given no loops; shared with that thread so it
// may outlive the client destroyed from one of its callbacks.
struct OwnLoop {
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{asio::make_work_guard(io)};
  std::thread thread;
};

}  // namespace

struct RedisClusterClient::Core : std::enable_shared_from_this<RedisClusterClient::Core> {
  struct Node {
    std::string address;
    std::shared_ptr<RedisClient> client;
    // Counters for metrics (ClusterNodeHealth), relaxed: one increment per send.
    std::atomic<std::uint64_t> sends{0};
    std::atomic<std::uint64_t> failures{0};
    std::atomic<std::uint64_t> error_replies{0};
    std::atomic<std::uint64_t> moved{0};
    std::atomic<std::uint64_t> asked{0};
    std::atomic<std::uint64_t> map_reads{0};
  };

  // One command (or pipeline) on its way, with what a retry needs: the only allocation of
  // a command on the cluster (a one-command reply comes back to it as a RedisReplyHandler,
  // and a short command's bytes stay inside it).
  struct Op final : RedisReplyHandler {
    static constexpr std::size_t kInlineBytes = 192;

    // The encoded command(s): inline when short (a GET of a session key), else `bytes`.
    std::string_view Bytes() const {
      return inline_size > 0 ? std::string_view(inline_bytes.data(), inline_size) : std::string_view(bytes);
    }
    void SetBytes(std::string_view encoded) {
      if (encoded.size() <= kInlineBytes) {
        std::copy(encoded.begin(), encoded.end(), inline_bytes.begin());
        inline_size = encoded.size();
      } else {
        bytes.assign(encoded);
        inline_size = 0;
      }
    }
    void SetBytes(std::string&& encoded) {
      bytes = std::move(encoded);
      inline_size = 0;
    }

    // Delivers the outcome to whichever callback the op carries.
    void Finish(Result<std::vector<RedisReply>> replies) {
      if (!one) return done(std::move(replies));
      if (!replies.ok()) return one(replies.status());
      if (replies->empty()) return one(Status::Internal("redis: no reply"));
      one(std::move((*replies)[0]));
    }
    void FinishOne(Result<RedisReply> reply) {
      if (one) return one(std::move(reply));
      if (!reply.ok()) return done(reply.status());
      std::vector<RedisReply> replies;
      replies.push_back(std::move(reply).value());
      done(std::move(replies));
    }

    void OnReply(std::shared_ptr<RedisReplyHandler> self, Result<RedisReply> reply) override {
      std::shared_ptr<Core> owner = core.lock();
      if (!owner) return FinishOne(Status::Unavailable("redis store is shutting down"));
      owner->OnOneReply(std::static_pointer_cast<Op>(std::move(self)), *node_sent, std::move(reply));
    }

    std::string bytes;
    std::array<char, kInlineBytes> inline_bytes;
    std::size_t inline_size = 0;
    std::size_t count = 1;
    int slot = -1;   // -1: any master
    int node = -1;   // a fixed node (CommandOnNode), else -1
    SteadyTime deadline;
    int redirects = 0;
    int busy = 0;
    std::string ask_address;  // the next send goes there behind ASKING
    bool asked = false;
    const RedisScript* script = nullptr;  // Eval: NOSCRIPT -> EVAL once
    std::vector<std::string> keys, args;
    std::string wait;  // an encoded WAIT sent right after the script (EvalAndWait)
    RepliesCallback done;  // all replies, or
    ReplyCallback one;     // the first reply (Command, Eval)
    std::weak_ptr<Core> core;   // set by Send for a one-command send
    Node* node_sent = nullptr;  // where that send went
  };

  explicit Core(RedisClusterOptions o) : options(std::move(o)) {
    for (auto& s : slots) s.store(-1, std::memory_order_relaxed);
    for (auto& n : nodes) n.store(nullptr, std::memory_order_relaxed);
  }

  ~Core() {
    // Node clients close their links on the loops (which outlive them).
    std::lock_guard<std::mutex> lock(mu);
    owned.clear();
  }

  asio::io_context& LoopHere() const {
    for (asio::io_context* loop : options.loops) {
      if (loop->get_executor().running_in_this_thread()) return *loop;
    }
    return *options.loops[0];
  }

  // The node at `address`, created (with its client) on first sight.
  Node* EnsureNode(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& n : owned) {
      if (n->address == address) return n.get();
    }
    if (owned.size() >= kMaxNodes) return nullptr;
    RedisClientOptions co;
    if (!SplitAddress(address, co.host, co.port)) return nullptr;
    co.password = options.password;
    co.connections = options.connections;
    co.loops = options.loops;
    co.connect_timeout = options.connect_timeout;
    co.command_timeout = options.command_timeout;
    co.reconnect_backoff_min = options.reconnect_backoff_min;
    co.reconnect_backoff_max = options.reconnect_backoff_max;
    Result<std::unique_ptr<RedisClient>> client = RedisClient::Create(co);
    if (!client.ok()) return nullptr;
    auto node = std::make_unique<Node>();
    node->address = address;
    node->client = std::shared_ptr<RedisClient>(std::move(client).value());
    Node* raw = node.get();
    owned.push_back(std::move(node));
    nodes[owned.size() - 1].store(raw, std::memory_order_release);
    node_count.store(owned.size(), std::memory_order_release);
    return raw;
  }

  int IndexOf(const Node* node) const {
    const std::size_t n = node_count.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
      if (nodes[i].load(std::memory_order_acquire) == node) return static_cast<int>(i);
    }
    return -1;
  }

  Node* NodeForSlot(int slot) {
    if (slot < 0) slot = static_cast<int>(round_robin.fetch_add(1, std::memory_order_relaxed) % kClusterSlots);
    const int index = slots[static_cast<std::size_t>(slot)].load(std::memory_order_acquire);
    if (index < 0) return nullptr;
    return nodes[static_cast<std::size_t>(index)].load(std::memory_order_acquire);
  }

  void Send(const std::shared_ptr<Op>& op) {
    if (shut.load(std::memory_order_acquire)) {
      return op->Finish(Status::Unavailable("redis store is shutting down"));
    }
    Node* node = nullptr;
    const bool asking = !op->ask_address.empty();
    if (asking) {
      node = EnsureNode(op->ask_address);
      op->ask_address.clear();
      op->asked = true;
    } else if (op->node >= 0) {
      node = nodes[static_cast<std::size_t>(op->node)].load(std::memory_order_acquire);
    } else {
      node = NodeForSlot(op->slot);
    }
    if (node == nullptr) {
      RequestRefresh();
      return op->Finish(Status::Unavailable("redis cluster: no master known for slot " + std::to_string(op->slot)));
    }
    node->sends.fetch_add(1, std::memory_order_relaxed);
    if (!asking && op->count == 1) {
      // The hot path: the op itself is the reply handler; nothing is allocated here.
      op->core = weak_from_this();
      op->node_sent = node;
      return node->client->SubmitEncodedOne(op->Bytes(), op);
    }
    std::weak_ptr<Core> weak = weak_from_this();
    // `node` lives as long as the core (the node table only grows).
    auto on_replies = [weak, op, asking, node](Result<std::vector<RedisReply>> replies) mutable {
      std::shared_ptr<Core> core = weak.lock();
      if (!core) return op->Finish(Status::Unavailable("redis store is shutting down"));
      core->OnReplies(op, asking, *node, std::move(replies));
    };
    if (asking) {
      std::string bytes = FormatRedisCommand({"ASKING"});
      bytes += op->Bytes();
      node->client->SubmitEncoded(bytes, op->count + 1, std::move(on_replies));
    } else {
      node->client->SubmitEncoded(op->Bytes(), op->count, std::move(on_replies));
    }
  }

  // What an error reply means for the op: kDeliver (give the replies to the caller) or
  // kTaken (resent, scheduled, or finished here).
  enum class Next { kDeliver, kTaken };
  Next React(const std::shared_ptr<Op>& op, Node& node, const RedisReply& reply, bool& counted) {
    const std::string_view code = reply.ErrorCode();
    if (code == "MOVED") {
      node.moved.fetch_add(1, std::memory_order_relaxed);
      int slot = 0;
      std::string address;
      if (!ParseRedirect(reply.str, slot, address)) return Next::kDeliver;
      if (Node* target = EnsureNode(address); target != nullptr) {
        slots[static_cast<std::size_t>(slot)].store(IndexOf(target), std::memory_order_release);
      }
      RequestRefresh();
      if (++op->redirects > kMaxRedirects || std::chrono::steady_clock::now() >= op->deadline) {
        op->Finish(Status::Unavailable("redis cluster: too many redirections"));
        return Next::kTaken;
      }
      if (op->node >= 0) op->node = -1, op->slot = slot;
      Send(op);
      return Next::kTaken;
    }
    if (code == "ASK") {
      node.asked.fetch_add(1, std::memory_order_relaxed);
      int slot = 0;
      std::string address;
      if (op->asked || !ParseRedirect(reply.str, slot, address)) return Next::kDeliver;
      op->ask_address = std::move(address);
      Send(op);
      return Next::kTaken;
    }
    if (code == "TRYAGAIN" || code == "CLUSTERDOWN") {
      node.error_replies.fetch_add(1, std::memory_order_relaxed);
      counted = true;
      if (code == "CLUSTERDOWN") RequestRefresh();
      const auto delay = kBusyBackoffFirst * (1 << std::min(op->busy, kBusyRetries));
      if (op->busy++ < kBusyRetries && std::chrono::steady_clock::now() + delay < op->deadline) {
        std::weak_ptr<Core> weak = weak_from_this();
        After(delay, [weak, op] {
          if (std::shared_ptr<Core> core = weak.lock()) return core->Send(op);
          op->Finish(Status::Unavailable("redis store is shutting down"));
        });
        return Next::kTaken;
      }
      return Next::kDeliver;  // delivered as it is: the stores map it to Unavailable
    }
    if (code == "NOSCRIPT" && op->script != nullptr) {
      op->SetBytes(EncodeEval("EVAL", op->script->source, op->keys, op->args) + op->wait);
      op->script = nullptr;
      Send(op);
      return Next::kTaken;
    }
    return Next::kDeliver;
  }

  void OnReplies(const std::shared_ptr<Op>& op, bool asking, Node& node, Result<std::vector<RedisReply>> result) {
    if (!result.ok()) {
      node.failures.fetch_add(1, std::memory_order_relaxed);
      RequestRefresh();  // a master may be down: look for its replacement
      return op->Finish(result.status());
    }
    std::vector<RedisReply>& replies = *result;
    if (asking && !replies.empty()) replies.erase(replies.begin());
    bool counted = false;  // an error reply already counted for this send
    for (const RedisReply& reply : replies) {
      if (!reply.is_error()) continue;
      if (React(op, node, reply, counted) == Next::kTaken) return;
      break;
    }
    for (const RedisReply& reply : replies) {
      if (!counted && reply.is_error()) {
        node.error_replies.fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
    op->Finish(std::move(result));
  }

  // The reply of a one-command send (Send's hot path).
  void OnOneReply(const std::shared_ptr<Op>& op, Node& node, Result<RedisReply> result) {
    if (!result.ok()) {
      node.failures.fetch_add(1, std::memory_order_relaxed);
      RequestRefresh();  // a master may be down: look for its replacement
      return op->FinishOne(result.status());
    }
    if (result->is_error()) {
      bool counted = false;
      if (React(op, node, *result, counted) == Next::kTaken) return;
      if (!counted) node.error_replies.fetch_add(1, std::memory_order_relaxed);
    }
    op->FinishOne(std::move(result));
  }

  void After(std::chrono::milliseconds delay, std::function<void()> fn) {
    auto timer = std::make_shared<asio::steady_timer>(LoopHere(), delay);
    timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code&) { fn(); });
  }

  // --- the slot map ---------------------------------------------------------------

  void RequestRefresh(bool force = false) {
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
    if (!force && now_ms - last_refresh_ms.load(std::memory_order_relaxed) < kRefreshMinGap.count()) return;
    if (refreshing.exchange(true)) return;
    last_refresh_ms.store(now_ms, std::memory_order_relaxed);
    RefreshFrom(round_robin.fetch_add(1, std::memory_order_relaxed), 0, false);
  }

  // Asks node (start + attempt) for the map; on failure the next node, until all were asked.
  void RefreshFrom(std::size_t start, std::size_t attempt, bool use_slots) {
    const std::size_t count = node_count.load(std::memory_order_acquire);
    if (attempt >= count || shut.load(std::memory_order_acquire)) {
      refreshing.store(false);
      // No node answered. Before the first map (links still connecting), ask again soon
      // rather than at the next periodic refresh.
      bool ready;
      {
        std::lock_guard<std::mutex> lock(mu);
        ready = map_ready;
      }
      if (!ready && !shut.load(std::memory_order_acquire)) {
        std::weak_ptr<Core> weak = weak_from_this();
        After(kFirstMapRetry, [weak] {
          if (std::shared_ptr<Core> core = weak.lock()) core->RequestRefresh(true);
        });
      }
      return;
    }
    Node* node = nodes[(start + attempt) % count].load(std::memory_order_acquire);
    std::weak_ptr<Core> weak = weak_from_this();
    auto on_reply = [weak, start, attempt, use_slots, node](Result<RedisReply> reply) {
      std::shared_ptr<Core> core = weak.lock();
      if (!core) return;
      if (reply.ok() && reply->is_error() && !use_slots && reply->ErrorCode() == "ERR") {
        return core->RefreshFrom(start, attempt, true);  // no CLUSTER SHARDS: CLUSTER SLOTS
      }
      std::optional<std::vector<SlotRange>> ranges;
      if (reply.ok() && !reply->is_error()) ranges = use_slots ? ParseSlots(*reply) : ParseShards(*reply);
      if (!ranges || ranges->empty()) return core->RefreshFrom(start, attempt + 1, false);
      node->map_reads.fetch_add(1, std::memory_order_relaxed);
      core->Apply(*ranges);
      core->refreshing.store(false);
    };
    if (use_slots) {
      node->client->Command({"CLUSTER", "SLOTS"}, std::move(on_reply));
    } else {
      node->client->Command({"CLUSTER", "SHARDS"}, std::move(on_reply));
    }
  }

  void Apply(const std::vector<SlotRange>& ranges) {
    std::map<int, int> masters_by_first_slot;  // lowest slot -> node index
    for (const SlotRange& range : ranges) {
      Node* node = EnsureNode(range.address);
      if (node == nullptr) continue;
      const int index = IndexOf(node);
      for (int s = std::max(0, range.first); s <= std::min(kClusterSlots - 1, range.last); ++s) {
        slots[static_cast<std::size_t>(s)].store(index, std::memory_order_release);
      }
      bool known = false;
      for (auto& [first, i] : masters_by_first_slot) {
        if (i == index) {
          known = true;
          if (range.first < first) {
            masters_by_first_slot.erase(first);
            masters_by_first_slot[range.first] = index;
          }
          break;
        }
      }
      if (!known) masters_by_first_slot[range.first] = index;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      scan_masters.clear();
      for (auto& [first, index] : masters_by_first_slot) scan_masters.push_back(index);
      map_ready = true;
    }
    map_cv.notify_all();
  }

  void ArmPeriodic() {
    if (!periodic) return;
    periodic->expires_after(options.refresh_interval);
    std::weak_ptr<Core> weak = weak_from_this();
    periodic->async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      std::shared_ptr<Core> core = weak.lock();
      if (!core || core->shut.load()) return;
      core->RequestRefresh(true);
      core->ArmPeriodic();
    });
  }

  RedisClusterOptions options;
  std::shared_ptr<OwnLoop> own;  // null on the application's loops
  std::array<std::atomic<int>, kClusterSlots> slots;
  std::array<std::atomic<Node*>, kMaxNodes> nodes;
  std::atomic<std::size_t> node_count{0};
  std::atomic<std::uint64_t> round_robin{0};
  std::atomic<bool> refreshing{false};
  std::atomic<std::int64_t> last_refresh_ms{-1'000'000};
  std::atomic<bool> shut{false};
  std::unique_ptr<asio::steady_timer> periodic;  // on loops[0]

  mutable std::mutex mu;
  std::vector<std::unique_ptr<Node>> owned;  // guarded by mu (append only)
  std::vector<int> scan_masters;             // guarded by mu
  bool map_ready = false;                    // guarded by mu
  std::condition_variable map_cv;
};

Result<std::unique_ptr<RedisClusterClient>> RedisClusterClient::Create(const RedisClusterOptions& options) {
  if (options.seeds.empty()) return Status::InvalidArgument("redis cluster needs at least one seed node");
  for (const auto& [host, port] : options.seeds) {
    if (host.empty() || port < 1 || port > 65535) {
      return Status::InvalidArgument("redis cluster seed must be host:port with a port 1..65535");
    }
  }
  if (options.connections < 1 || options.connections > 16) {
    return Status::InvalidArgument("redis cluster connections must be 1..16");
  }
  if (options.refresh_interval.count() <= 0 || options.command_timeout.count() <= 0 ||
      options.connect_timeout.count() <= 0) {
    return Status::InvalidArgument("redis cluster timeouts must be > 0");
  }
  for (asio::io_context* loop : options.loops) {
    if (loop == nullptr) return Status::InvalidArgument("redis loops must not be null");
  }
  RedisClusterOptions effective = options;
  std::shared_ptr<OwnLoop> own;
  if (effective.loops.empty()) {
    own = std::make_shared<OwnLoop>();
    effective.loops.push_back(&own->io);
  }
  auto core = std::make_shared<Core>(effective);
  core->own = own;
  for (const auto& [host, port] : options.seeds) {
    const bool v6 = host.find(':') != std::string::npos;
    if (core->EnsureNode((v6 ? "[" + host + "]" : host) + ":" + std::to_string(port)) == nullptr) {
      return Status::Internal("cannot create the redis cluster client for " + host);
    }
  }
  core->periodic = std::make_unique<asio::steady_timer>(*effective.loops[0]);
  if (own) {
    own->thread = std::thread([own] {
      for (;;) {
        try {
          own->io.run();
          return;
        } catch (...) {
        }
      }
    });
  }
  std::unique_ptr<RedisClusterClient> client(new RedisClusterClient(core));
  asio::post(*effective.loops[0], [weak = std::weak_ptr<Core>(core)] {
    if (std::shared_ptr<Core> c = weak.lock()) {
      c->RequestRefresh(true);
      c->ArmPeriodic();
    }
  });
  return client;
}

RedisClusterClient::~RedisClusterClient() {
  core_->shut.store(true, std::memory_order_release);
  std::shared_ptr<OwnLoop> own = core_->own;
  core_->own.reset();
  // The periodic timer is cancelled on its loop; the core (and the node clients, which
  // close their links) goes when the last handler holding it is done.
  asio::post(*core_->options.loops[0], [core = core_] {
    if (core->periodic) core->periodic->cancel();
  });
  core_.reset();
  if (own) {
    own->work.reset();
    if (own->thread.get_id() == std::this_thread::get_id()) {
      own->thread.detach();
    } else if (own->thread.joinable()) {
      own->thread.join();
    }
  }
}

bool RedisClusterClient::WaitForMap(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(core_->mu);
  return core_->map_cv.wait_for(lock, limit, [&] { return core_->map_ready; });
}

namespace {


}  // namespace

namespace {

template <class Args>
void SendOne(const std::shared_ptr<RedisClusterClient::Core>& core, const Args& args, ReplyCallback done) {
  auto op = std::make_shared<RedisClusterClient::Core::Op>();
  op->SetBytes(EncodeInThreadBuffer(args));
  op->slot = SlotOfCommand(args);
  op->deadline = std::chrono::steady_clock::now() + core->options.command_timeout;
  op->one = std::move(done);
  core->Send(op);
}

}  // namespace

void RedisClusterClient::Command(const std::vector<std::string_view>& args, ReplyCallback done) {
  SendOne(core_, args, std::move(done));
}

// No vector is built from the list (the store's GET comes this way).
void RedisClusterClient::Command(std::initializer_list<std::string_view> args, ReplyCallback done) {
  SendOne(core_, args, std::move(done));
}

void RedisClusterClient::Pipeline(const std::vector<std::vector<std::string_view>>& commands, RepliesCallback done) {
  auto op = std::make_shared<Core::Op>();
  std::string encoded;
  for (const auto& args : commands) {
    encoded += FormatRedisCommand(args);
    if (op->slot < 0) op->slot = SlotOfCommand(args);
  }
  op->SetBytes(std::move(encoded));
  op->count = commands.size();
  op->deadline = std::chrono::steady_clock::now() + core_->options.command_timeout;
  op->done = std::move(done);
  core_->Send(op);
}

void RedisClusterClient::Eval(const RedisScript& script, std::vector<std::string> keys,
                              std::vector<std::string> args, ReplyCallback done) {
  auto op = std::make_shared<Core::Op>();
  op->SetBytes(EncodeEval("EVALSHA", script.sha1, keys, args));
  op->slot = keys.empty() ? -1 : KeySlot(keys[0]);
  op->script = &script;
  op->keys = std::move(keys);
  op->args = std::move(args);
  op->deadline = std::chrono::steady_clock::now() + core_->options.command_timeout;
  op->one = std::move(done);
  core_->Send(op);
}

std::size_t RedisClusterClient::ScanNodes() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->scan_masters.size();
}

void RedisClusterClient::CommandOnNode(std::size_t node, const std::vector<std::string_view>& args,
                                       ReplyCallback done) {
  int index = -1;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    if (node < core_->scan_masters.size()) index = core_->scan_masters[node];
  }
  if (index < 0) return done(Status::Unavailable("redis cluster: no such master"));
  auto op = std::make_shared<Core::Op>();
  op->SetBytes(EncodeInThreadBuffer(args));
  op->node = index;
  op->deadline = std::chrono::steady_clock::now() + core_->options.command_timeout;
  op->one = std::move(done);
  core_->Send(op);
}

void RedisClusterClient::EvalAndWait(const RedisScript& script, std::vector<std::string> keys,
                                     std::vector<std::string> args, int replicas, std::chrono::milliseconds timeout,
                                     ReplyCallback done) {
  auto op = std::make_shared<Core::Op>();
  op->wait = EncodeWait(replicas, timeout);
  op->SetBytes(EncodeEval("EVALSHA", script.sha1, keys, args) + op->wait);
  op->count = 2;
  op->slot = keys.empty() ? -1 : KeySlot(keys[0]);
  op->script = &script;
  op->keys = std::move(keys);
  op->args = std::move(args);
  op->deadline = std::chrono::steady_clock::now() + core_->options.command_timeout + timeout;
  op->done = ScriptThenWaitReplies(replicas, std::move(done));
  core_->Send(op);
}

void RedisClusterClient::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  core_->After(delay, std::move(fn));
}

std::vector<ClusterNodeHealth> RedisClusterClient::Health() const {
  std::vector<ClusterNodeHealth> out;
  std::lock_guard<std::mutex> lock(core_->mu);
  std::vector<bool> listed(core_->owned.size(), false);
  auto add = [&](std::size_t i, bool master) {
    const auto& node = core_->owned[i];
    ClusterNodeHealth h;
    h.address = node->address;
    h.serves_slots = master;
    h.connected = node->client->ReadyConnections() > 0;
    h.commands = node->sends.load(std::memory_order_relaxed);
    h.failures = node->failures.load(std::memory_order_relaxed);
    h.error_replies = node->error_replies.load(std::memory_order_relaxed);
    h.moved = node->moved.load(std::memory_order_relaxed);
    h.asked = node->asked.load(std::memory_order_relaxed);
    h.reconnects = node->client->ReconnectAttempts();
    h.map_reads = node->map_reads.load(std::memory_order_relaxed);
    out.push_back(std::move(h));
    listed[i] = true;
  };
  for (int i : core_->scan_masters) add(static_cast<std::size_t>(i), true);
  for (std::size_t i = 0; i < core_->owned.size(); ++i) {
    if (!listed[i]) add(i, false);
  }
  return out;
}

void RedisClusterClient::RefreshNow() { core_->RequestRefresh(true); }

}  // namespace sessionkit::internal
