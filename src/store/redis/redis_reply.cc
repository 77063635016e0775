// RESP encoding and decoding, delegated to hiredis (its reader and its formatter).
#include "src/store/redis/redis_reply.h"

#include <hiredis/hiredis.h>

#include <array>

namespace sessionkit::internal {
namespace {

RedisReply Convert(const redisReply& in) {
  RedisReply out;
  switch (in.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(in.str, in.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(in.str, in.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(in.str, in.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = in.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(in.elements);
      for (std::size_t i = 0; i < in.elements; ++i) out.elements.push_back(Convert(*in.element[i]));
      break;
    default:  // REDIS_REPLY_NIL
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

redisReader* AsReader(void* p) { return static_cast<redisReader*>(p); }

}  // namespace

std::string_view RedisReply::ErrorCode() const noexcept {
  if (type != Type::kError) return {};
  std::string_view s(str);
  return s.substr(0, s.find(' '));
}

std::string RedisReply::DebugString() const {
  switch (type) {
    case Type::kNil: return "nil";
    case Type::kInteger: return std::to_string(integer);
    case Type::kString: return "\"" + str + "\"";
    case Type::kStatus: return "+" + str;
    case Type::kError: return "-" + str;
    case Type::kArray: {
      std::string out = "[";
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (i > 0) out += ", ";
        out += elements[i].DebugString();
      }
      return out + "]";
    }
  }
  return "?";
}

Status StatusFromErrorReply(const RedisReply& reply, std::string_view what) {
  static constexpr std::array<std::string_view, 8> kTransient = {
      "LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "OOM", "NOAUTH"};
  std::string message = std::string(what) + " failed: " + reply.str;
  for (std::string_view code : kTransient) {
    if (reply.ErrorCode() == code) return Status::Unavailable(std::move(message));
  }
  return Status::Internal(std::move(message));
}

Status ReplyStatus(const Result<RedisReply>& reply, std::string_view what) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return StatusFromErrorReply(*reply, what);
  return Status::Ok();
}

Status UnexpectedReply(std::string_view what, const RedisReply& reply) {
  std::string shown = reply.DebugString();
  if (shown.size() > 120) shown = shown.substr(0, 120) + "...";
  return Status::Internal(std::string(what) + ": unexpected reply " + shown);
}

std::string FormatRedisCommand(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  char* formatted = nullptr;
  int len = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(),
                                   argvlen.data());
  if (len < 0 || formatted == nullptr) return {};  // out of memory
  std::string out(formatted, static_cast<std::size_t>(len));
  redisFreeCommand(formatted);
  return out;
}

std::string FormatRedisCommand(std::initializer_list<std::string_view> args) {
  return FormatRedisCommand(std::vector<std::string_view>(args));
}

namespace {

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

template <class Args>
void AppendCommand(std::string& out, const Args& args) {
  out.push_back('*');
  AppendDecimal(out, args.size());
  out.append("\r\n", 2);
  for (std::string_view a : args) {
    out.push_back('$');
    AppendDecimal(out, a.size());
    out.append("\r\n", 2);
    out.append(a);
    out.append("\r\n", 2);
  }
}

}  // namespace

void AppendRedisCommand(std::string& out, const std::vector<std::string_view>& args) {
  AppendCommand(out, args);
}

void AppendRedisCommand(std::string& out, std::initializer_list<std::string_view> args) {
  AppendCommand(out, args);
}

namespace {

template <class Args>
std::string_view EncodeInThreadBufferOf(const Args& args) {
  thread_local std::string buffer;
  if (buffer.capacity() > 64 * 1024) std::string().swap(buffer);
  buffer.clear();
  AppendRedisCommand(buffer, args);
  return buffer;
}

}  // namespace

std::string_view EncodeInThreadBuffer(const std::vector<std::string_view>& args) {
  return EncodeInThreadBufferOf(args);
}

std::string_view EncodeInThreadBuffer(std::initializer_list<std::string_view> args) {
  return EncodeInThreadBufferOf(args);
}

namespace {

// hiredis's own reply constructors, with createArray refusing a count over kMaxElements:
// returning null makes the reader fail ("Out of memory") instead of allocating what the
// count asks for (a reply "*2000000000" asked for 16 GiB; reproduced with
// fuzz/redis_reply_fuzzer.cc).
const redisReplyObjectFunctions& HiredisFunctions() {
  static const redisReplyObjectFunctions functions = [] {
    redisReader* probe = redisReaderCreate();
    redisReplyObjectFunctions copy = probe != nullptr ? *probe->fn : redisReplyObjectFunctions{};
    if (probe != nullptr) redisReaderFree(probe);
    return copy;
  }();
  return functions;
}

void* CreateBoundedArray(const redisReadTask* task, int elements) {
  if (elements > RedisReplyReader::kMaxElements) return nullptr;
  return HiredisFunctions().createArray(task, elements);
}

redisReplyObjectFunctions* BoundedFunctions() {
  static redisReplyObjectFunctions functions = [] {
    redisReplyObjectFunctions f = HiredisFunctions();
    f.createArray = &CreateBoundedArray;
    return f;
  }();
  return &functions;
}

}  // namespace

RedisReplyReader::RedisReplyReader() : reader_(redisReaderCreate()) {
  if (reader_ != nullptr && HiredisFunctions().createArray != nullptr) {
    AsReader(reader_)->fn = BoundedFunctions();
  }
}

RedisReplyReader::~RedisReplyReader() {
  if (reader_ != nullptr) redisReaderFree(AsReader(reader_));
}

Status RedisReplyReader::Feed(const char* data, std::size_t len) {
  if (reader_ == nullptr) return Status::Internal("redis reply reader: out of memory");
  if (redisReaderFeed(AsReader(reader_), data, len) != REDIS_OK) {
    return Status::Internal(std::string("redis protocol error: ") + AsReader(reader_)->errstr);
  }
  return Status::Ok();
}

Status RedisReplyReader::Next(std::optional<RedisReply>& out) {
  out.reset();
  if (reader_ == nullptr) return Status::Internal("redis reply reader: out of memory");
  void* raw = nullptr;
  if (redisReaderGetReply(AsReader(reader_), &raw) != REDIS_OK) {
    return Status::Internal(std::string("redis protocol error: ") + AsReader(reader_)->errstr);
  }
  if (raw == nullptr) return Status::Ok();
  auto* reply = static_cast<redisReply*>(raw);
  out = Convert(*reply);
  freeReplyObject(reply);
  return Status::Ok();
}

}  // namespace sessionkit::internal
