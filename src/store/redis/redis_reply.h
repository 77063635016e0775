// RedisReply: one RESP reply as an owned C++ value, and the command encoder.
//
// Replies are parsed by hiredis's RESP reader (redisReader*) and copied into this
// plain value type, so no hiredis type leaves src/store/redis/*.cc. Commands are
// encoded by hiredis's redisFormatCommandArgv. A Redis error reply (-ERR ...) is a
// reply of type kError, not a failed Status: the caller decides what it means.
//
// Value types; no shared state; thread-safe as values are.
#ifndef SESSIONKIT_STORE_REDIS_REDIS_REPLY_H_
#define SESSIONKIT_STORE_REDIS_REDIS_REPLY_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkit/result.h"
#include "sessionkit/status.h"

namespace sessionkit::internal {

struct RedisReply {
  enum class Type : std::uint8_t { kString, kArray, kInteger, kNil, kStatus, kError };

  Type type = Type::kNil;
  std::string str;                  // kString, kStatus, kError
  std::int64_t integer = 0;         // kInteger
  std::vector<RedisReply> elements; // kArray

  bool is_error() const noexcept { return type == Type::kError; }
  bool is_nil() const noexcept { return type == Type::kNil; }
  bool is_string() const noexcept { return type == Type::kString; }
  bool is_integer() const noexcept { return type == Type::kInteger; }
  bool is_array() const noexcept { return type == Type::kArray; }
  bool is_status(std::string_view s) const noexcept { return type == Type::kStatus && str == s; }

  // The first word of an error reply ("NOSCRIPT", "WRONGTYPE", ...); empty otherwise.
  std::string_view ErrorCode() const noexcept;

  // Debug rendering (tests, failure messages): "nil", "42", "\"abc\"", "[...]", "-ERR ...".
  std::string DebugString() const;

  static RedisReply Integer(std::int64_t v) { RedisReply r; r.type = Type::kInteger; r.integer = v; return r; }
  static RedisReply String(std::string v) { RedisReply r; r.type = Type::kString; r.str = std::move(v); return r; }
};

// The Status for an error reply: Unavailable for a server that cannot serve right now
// (LOADING, BUSY, MASTERDOWN, READONLY, TRYAGAIN, CLUSTERDOWN, OOM, NOAUTH), Internal
// otherwise. `what` names the operation ("redis GET").
Status StatusFromErrorReply(const RedisReply& reply, std::string_view what);

// The Status of a command's outcome, for the stores: a transport failure as it is
// (Unavailable), an error reply as StatusFromErrorReply maps it, OK for any other reply.
Status ReplyStatus(const Result<RedisReply>& reply, std::string_view what);

// Internal "<what>: unexpected reply <reply, cut at 120 bytes>", for a reply of a shape
// the command never returns.
Status UnexpectedReply(std::string_view what, const RedisReply& reply);

// Encodes one command as RESP (a multibulk of bulk strings), with hiredis's formatter.
std::string FormatRedisCommand(const std::vector<std::string_view>& args);
std::string FormatRedisCommand(std::initializer_list<std::string_view> args);

// Appends the same bytes to `out` without hiredis and without allocating when `out`
// has the room (the client's hot path encodes into a reused buffer).
void AppendRedisCommand(std::string& out, const std::vector<std::string_view>& args);
void AppendRedisCommand(std::string& out, std::initializer_list<std::string_view> args);
// One command encoded into this thread's buffer (kept between calls, unless a large
// command grew it past 64 KiB): valid until the thread's next call. For a submission that
// copies the bytes before it returns (the links do).
std::string_view EncodeInThreadBuffer(const std::vector<std::string_view>& args);
std::string_view EncodeInThreadBuffer(std::initializer_list<std::string_view> args);

// Incremental RESP parser over hiredis's redisReader: Feed() bytes as they arrive,
// then call Next() until it yields nothing. A protocol error is sticky (Internal), and
// so is an array announcing more than kMaxElements elements (hiredis allocates the
// element table when it reads the count, before any element arrives).
// Not thread-safe; one per connection.
class RedisReplyReader {
 public:
  // No command sessionkit sends is answered with more elements than this.
  static constexpr int kMaxElements = 1 << 20;

  RedisReplyReader();
  ~RedisReplyReader();
  RedisReplyReader(const RedisReplyReader&) = delete;
  RedisReplyReader& operator=(const RedisReplyReader&) = delete;

  Status Feed(const char* data, std::size_t len);
  // A complete reply, std::nullopt when more bytes are needed, or Internal.
  Status Next(std::optional<RedisReply>& out);

 private:
  void* reader_;  // redisReader*
};

// One command's reply handler held by a shared_ptr instead of a std::function: a caller
// that already has a shared record (the cluster client's retry record) queues it as it
// is, with no callback object allocated around it. OnReply gets the queued reference back
// (`self`), exactly once, with the reply or the link's failure.
class RedisReplyHandler {
 public:
  virtual ~RedisReplyHandler() = default;
  virtual void OnReply(std::shared_ptr<RedisReplyHandler> self, Result<RedisReply> reply) = 0;
};
using HandlerCallback = std::shared_ptr<RedisReplyHandler>;

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_REPLY_H_
