// Fuzz target: the Redis reply reader (src/store/redis/redis_reply.h), i.e. hiredis's
// RESP reader and our copy of its replies.
//
// Input: one byte choosing a cut, then the bytes a server sends. The bytes are read
// twice: fed whole, and fed in two pieces cut at byte0 (modulo the length), draining
// Next() after each Feed as the client does. Both must yield the same replies (compared
// by DebugString) and end the same way (a protocol error or not). Every reply also
// renders (DebugString), and only an error reply has an ErrorCode().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "src/store/redis/redis_reply.h"

namespace {

using sessionkit::Status;
using sessionkit::internal::RedisReply;
using sessionkit::internal::RedisReplyReader;


struct Reading {
  std::vector<std::string> replies;  // DebugString of each
  bool failed = false;
};

// Drains the reader; false once it failed.
bool Drain(RedisReplyReader& reader, Reading& reading) {
  for (;;) {
    std::optional<RedisReply> reply;
    if (!reader.Next(reply).ok()) {
      reading.failed = true;
      return false;
    }
    if (!reply) return true;
    if (!reply->is_error()) FUZZ_CHECK(reply->ErrorCode().empty());
    reading.replies.push_back(reply->DebugString());
  }
}

Reading Read(std::string_view wire, std::size_t cut) {
  RedisReplyReader reader;
  Reading reading;
  for (std::string_view piece : {wire.substr(0, cut), wire.substr(cut)}) {
    if (piece.empty()) continue;
    if (!reader.Feed(piece.data(), piece.size()).ok()) {
      reading.failed = true;
      break;
    }
    if (!Drain(reader, reading)) break;
  }
  return reading;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t cut = wire.empty() ? 0 : data[0] % (wire.size() + 1);
  const Reading whole = Read(wire, wire.size());
  const Reading pieces = Read(wire, cut);
  FUZZ_CHECK(whole.failed == pieces.failed);
  FUZZ_CHECK(whole.replies == pieces.replies);
  return 0;
}
