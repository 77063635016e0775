// Cluster slots: CRC16/XMODEM, hash tags (values from `redis-cli CLUSTER KEYSLOT` on
// redis 7.0), slot tags, and session ids drawn into a slot.
#include "src/store/redis/redis_cluster_slots.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "sessionkit/session.h"

namespace sessionkit::internal {
namespace {

TEST(ClusterSlotsTest, Crc16IsXmodem) {
  EXPECT_EQ(Crc16Xmodem("123456789"), 0x31C3);  // the CRC's published check value
  EXPECT_EQ(Crc16Xmodem(""), 0);
}

TEST(ClusterSlotsTest, KeySlotsMatchRedis) {
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("user_sessions:42"), 7458);
  EXPECT_EQ(KeySlot("session:sess_0000000000000000000000000000000000000000000000000000000000000001"), 9583);
  EXPECT_EQ(KeySlot("123456789"), 12739);
  EXPECT_EQ(KeySlot(""), 0);
}

TEST(ClusterSlotsTest, HashTagsFollowTheSpecification) {
  EXPECT_EQ(KeySlot("{user1000}.following"), 3443);
  EXPECT_EQ(KeySlot("foo{}{bar}"), 8363);     // empty tag: the whole key
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), 4015);  // tag is "{bar"
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), 5061);  // first tag only: "bar"
  EXPECT_EQ(KeySlot("a{b}c"), 3300);
  EXPECT_EQ(KeyHashPart("no-tag"), "no-tag");
  EXPECT_EQ(KeyHashPart("x{open"), "x{open");
}

TEST(ClusterSlotsTest, SlotTagsLandInTheirSlot) {
  for (int slot : {0, 1, 5061, 9583, 16383}) {
    EXPECT_EQ(KeySlot("{" + SlotTag(slot) + "}:anything"), slot) << slot;
  }
  std::set<std::string> distinct;
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    ASSERT_EQ(KeySlot(SlotTag(slot)), slot);
    distinct.insert(SlotTag(slot));
  }
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kClusterSlots));
}

TEST(ClusterSlotsTest, SessionIdsDrawnIntoASlotAreWellFormedRandomAndInThatSlot) {
  std::set<std::string> ids;
  for (int slot = 0; slot < kClusterSlots; slot += 97) {
    Result<std::string> id = NewSessionIdInSlot(slot);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_TRUE(IsWellFormedSessionId(*id)) << *id;
    EXPECT_EQ(KeySlot("session:" + *id), slot) << *id;
    ids.insert(id->substr(0, id->size() - 4));  // the 60 drawn hex never repeat
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>((kClusterSlots + 96) / 97));
  // The same slot twice: two different ids.
  EXPECT_NE(NewSessionIdInSlot(7458).value(), NewSessionIdInSlot(7458).value());
  EXPECT_FALSE(NewSessionIdInSlot(-1).ok());
  EXPECT_FALSE(NewSessionIdInSlot(kClusterSlots).ok());
}

}  // namespace
}  // namespace sessionkit::internal
