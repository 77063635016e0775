// Redis Cluster key slots: CRC16 (XMODEM) of a key's hash part, and the session-id
// choice that puts `session:<id>` in the slot of `user_sessions:<uid>`. Internal.
//
// KeySlot follows the cluster specification: the hashed part is the text between the
// first '{' and the first '}' after it when that text is not empty, else the whole key;
// slot = CRC16(part) mod 16384. SlotTag(slot) is a short text whose CRC16 lands in
// `slot`, so "{<tag>}..." keys can be placed in any slot (keys sessionkit alone owns).
//
// NewSessionIdInSlot draws a §1 id (32 CSPRNG bytes as 64 hex) and then searches the
// last two bytes (65,536 candidates, 4 hex characters) for one whose session key hashes
// to `slot`; the first 30 bytes stay as drawn (240 bits) and the last two keep the
// entropy of the choice among the matching values (docs/redis.md has the arithmetic).
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
