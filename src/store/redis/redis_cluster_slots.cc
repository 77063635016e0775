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

// One draw: 32 random bytes; the last two are replaced by the first value from their
// drawn one on whose id the slot matches. Empty when none of the 65,536 does (the hex
// digits are not a linear space, so a few slots may have no match for a given prefix).
Result<std::string> TryDrawInSlot(int slot) {
  // "session:sess_" + 60 hex drawn at random, then 4 hex searched. The CRC of the fixed
  // prefix is computed once; each candidate costs 4 table steps.
  std::array<char, 32> bytes;
  if (Status s = RandomBytes(bytes.data(), bytes.size()); !s.ok()) return s;
  std::string id;
  id.reserve(kSessionIdLength);
  id.append(kSessionIdPrefix);
  AppendHexLower(id, std::string_view(bytes.data(), bytes.size()));
  if (KeyHashPart(std::string(kSessionKeyPrefix) + id).size() != kSessionKeyPrefix.size() + id.size()) {
    return Status::Internal("session key has a hash tag");  // impossible: hex has no '{'
  }
  std::uint16_t prefix_crc = Crc16Xmodem(kSessionKeyPrefix);
  for (std::size_t i = 0; i + 4 < id.size(); ++i) prefix_crc = Step(prefix_crc, static_cast<unsigned char>(id[i]));
  static constexpr char kHex[] = "0123456789abcdef";
  // Start the search at the drawn value of the last two bytes, so which of the matching
  // values is taken is itself uniformly random.
  const unsigned start = (static_cast<unsigned char>(bytes[30]) << 8) | static_cast<unsigned char>(bytes[31]);
  for (unsigned k = 0; k < 65536; ++k) {
    const unsigned v = (start + k) & 0xffff;
    const char c[4] = {kHex[(v >> 12) & 15], kHex[(v >> 8) & 15], kHex[(v >> 4) & 15], kHex[v & 15]};
    std::uint16_t crc = prefix_crc;
    for (char ch : c) crc = Step(crc, static_cast<unsigned char>(ch));
    if (crc % kClusterSlots == slot) {
      id.replace(id.size() - 4, 4, c, 4);
      return id;
    }
  }
  return std::string();
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
