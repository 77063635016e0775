// Redis Cluster key slots: CRC16 (XMODEM) of a key's hash part, and the session-id
// choice that puts `session:<id>` in the slot of `user_sessions:<uid>`. Internal.
//
// KeySlot follows the cluster specification: the hashed part is the text between the
// first '{' and the first '}' after it when that text is not empty, else the whole key;
// slot = CRC16(part) mod 16384. SlotTag(slot) is a short text whose CRC16 lands in
// `slot`, so "{<tag>}..." keys can be placed in any slot (keys sessionkit alone owns).
//
// NewSessionIdInSlot draws a §1 id whose session key hashes to `slot`: 30 CSPRNG bytes
// (60 hex), then the last 4 hex chosen uniformly among the values that match (about 5 on
// average; a prefix with none, about 1 in 5, is drawn again). docs/redis.md has the
// entropy arithmetic.
//
// Pure functions (the tag table is built once, thread-safely).
#ifndef SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_SLOTS_H_
#define SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_SLOTS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sessionkit/result.h"

namespace sessionkit::internal {

inline constexpr int kClusterSlots = 16384;

std::uint16_t Crc16Xmodem(std::string_view data) noexcept;

// The bytes a cluster hashes for `key` (its hash tag, or the whole key).
std::string_view KeyHashPart(std::string_view key) noexcept;

int KeySlot(std::string_view key) noexcept;

// A short decimal text whose slot is `slot` (0..16383).
const std::string& SlotTag(int slot);

// A new well-formed session id whose "session:<id>" key hashes to `slot`.
Result<std::string> NewSessionIdInSlot(int slot);

}  // namespace sessionkit::internal

#endif  // SESSIONKIT_STORE_REDIS_REDIS_CLUSTER_SLOTS_H_
