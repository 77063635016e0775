// CRC16 slots, slot tags and slot-matched session ids. See redis_cluster_slots.h.
#include "src/store/redis/redis_cluster_slots.h"

#include <array>
#include <vector>

#include "sessionkit/session.h"
#include "src/crypto/hex.h"
#include "src/crypto/random.h"
#include "src/store/redis/redis_keys.h"

namespace sessionkit::internal {
namespace {

constexpr std::array<std::uint16_t, 256> MakeCrcTable() {
  std::array<std::uint16_t, 256> table{};
  for (int i = 0; i < 256; ++i) {
    std::uint16_t crc = static_cast<std::uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    table[static_cast<std::size_t>(i)] = crc;
  }
  return table;
}

constexpr std::array<std::uint16_t, 256> kCrcTable = MakeCrcTable();

constexpr std::uint16_t Step(std::uint16_t crc, unsigned char byte) noexcept {
  return static_cast<std::uint16_t>((crc << 8) ^ kCrcTable[((crc >> 8) ^ byte) & 0xff]);
}

std::vector<std::string>* BuildTags() {
  auto* tags = new std::vector<std::string>(kClusterSlots);
  int missing = kClusterSlots;
  for (std::uint64_t n = 0; missing > 0; ++n) {
    std::string text = std::to_string(n);
    std::string& slot_tag = (*tags)[static_cast<std::size_t>(Crc16Xmodem(text) % kClusterSlots)];
    if (slot_tag.empty()) {
      slot_tag = std::move(text);
      --missing;
    }
  }
  return tags;
}

}  // namespace

std::uint16_t Crc16Xmodem(std::string_view data) noexcept {
  std::uint16_t crc = 0;
  for (char c : data) crc = Step(crc, static_cast<unsigned char>(c));
  return crc;
}

std::string_view KeyHashPart(std::string_view key) noexcept {
  const std::size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  const std::size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

int KeySlot(std::string_view key) noexcept { return Crc16Xmodem(KeyHashPart(key)) % kClusterSlots; }

const std::string& SlotTag(int slot) {
  static const std::vector<std::string>* tags = BuildTags();
  return (*tags)[static_cast<std::size_t>(slot) % kClusterSlots];
}

namespace {

// One draw: 30 random bytes (60 hex), then the last 4 hex chosen uniformly at random
// among the 65,536 values whose id puts "session:<id>" in `slot`. Empty when none does:
// CRC16 is affine, so a prefix reaches a fixed fraction of the slots (about 80%) and
// misses the rest; the caller then draws a new prefix.
Result<std::string> TryDrawInSlot(int slot) {
  std::array<char, 30> bytes;
  if (Status s = RandomBytes(bytes.data(), bytes.size()); !s.ok()) return s;
  std::string id;
  id.reserve(kSessionIdLength);
  id.append(kSessionIdPrefix);
  AppendHexLower(id, std::string_view(bytes.data(), bytes.size()));
  // The CRC of "session:sess_<60 hex>" once; each candidate costs 4 table steps.
  std::uint16_t prefix_crc = Crc16Xmodem(kSessionKeyPrefix);
  for (char c : id) prefix_crc = Step(prefix_crc, static_cast<unsigned char>(c));
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<std::uint16_t, 64> matches;  // a prefix matches one slot at most ~12 times
  std::size_t count = 0;
  for (unsigned v = 0; v < 65536; ++v) {
    std::uint16_t crc = prefix_crc;
    crc = Step(crc, static_cast<unsigned char>(kHex[(v >> 12) & 15]));
    crc = Step(crc, static_cast<unsigned char>(kHex[(v >> 8) & 15]));
    crc = Step(crc, static_cast<unsigned char>(kHex[(v >> 4) & 15]));
    crc = Step(crc, static_cast<unsigned char>(kHex[v & 15]));
    if (crc % kClusterSlots == slot && count < matches.size()) matches[count++] = static_cast<std::uint16_t>(v);
  }
  if (count == 0) return std::string();
  std::uint32_t pick = 0;
  if (Status s = RandomBytes(&pick, sizeof pick); !s.ok()) return s;
  const unsigned v = matches[pick % count];  // bias at most count / 2^32
  const char suffix[4] = {kHex[(v >> 12) & 15], kHex[(v >> 8) & 15], kHex[(v >> 4) & 15], kHex[v & 15]};
  id.append(suffix, 4);
  return id;
}

}  // namespace

Result<std::string> NewSessionIdInSlot(int slot) {
  if (slot < 0 || slot >= kClusterSlots) return Status::InvalidArgument("slot out of range");
  for (int draw = 0; draw < 64; ++draw) {
    Result<std::string> id = TryDrawInSlot(slot);
    if (!id.ok() || !id->empty()) return id;
  }
  return Status::Internal("no session id matched slot " + std::to_string(slot) + " in 64 draws");
}

}  // namespace sessionkit::internal
