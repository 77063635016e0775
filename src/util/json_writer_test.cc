#include "src/util/json_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace sessionkit::internal {
namespace {

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quote("l1\nl2\tx\r"), R"("l1\nl2\tx\r")");
  EXPECT_EQ(Quote(std::string_view("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(Quote(std::string_view("nul\0x", 5)), R"("nul\u0000x")");
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quote("Mozilla/5.0 (Ubuntu; Français) 日本語 😀"),
            "\"Mozilla/5.0 (Ubuntu; Français) 日本語 😀\"");
  EXPECT_EQ(Quote("a\xff" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(Quote("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");      // overlong '/'
  EXPECT_EQ(Quote("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
  EXPECT_EQ(Quote("\xE6\x97"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");      // truncated
}

TEST(JsonWriterTest, SameTextAfterUtf8RepairComparesAsWritten) {
  EXPECT_TRUE(SameTextAfterUtf8Repair("Mozilla/5.0", "Mozilla/5.0"));
  EXPECT_FALSE(SameTextAfterUtf8Repair("Mozilla/5.0", "Mozilla/5.1"));
  EXPECT_FALSE(SameTextAfterUtf8Repair("Mozilla", "Mozilla/5.0"));
  EXPECT_TRUE(SameTextAfterUtf8Repair("", ""));
  EXPECT_TRUE(SameTextAfterUtf8Repair("日本語", "日本語"));
  // Latin-1 "café" against its stored copy (and the other way round).
  EXPECT_TRUE(SameTextAfterUtf8Repair("caf\xe9", "caf\xEF\xBF\xBD"));
  EXPECT_TRUE(SameTextAfterUtf8Repair("caf\xEF\xBF\xBD", "caf\xe9"));
  EXPECT_TRUE(SameTextAfterUtf8Repair("caf\xe9", "caf\xff"));  // both become U+FFFD
  EXPECT_FALSE(SameTextAfterUtf8Repair("caf\xe9", "caf\xC3\xA9"));  // "é" is not U+FFFD
  EXPECT_FALSE(SameTextAfterUtf8Repair("caf\xe9\xe9", "caf\xEF\xBF\xBD"));
  // Whatever the input, it equals the text AppendJsonString writes for it.
  for (std::string_view s : {"a\xff" "b", "\xC0\xAF", "\xED\xA0\x80", "\xE6\x97", "x\xE6"}) {
    std::string quoted = Quote(s);
    EXPECT_TRUE(SameTextAfterUtf8Repair(s, std::string_view(quoted).substr(1, quoted.size() - 2)))
        << quoted;
  }
}

TEST(JsonWriterTest, InsertsCommasBetweenMembersAndElements) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().Bool(true).Null().String("x").EndArray();
  w.Key("c").Raw("42").Key("d").BeginObject().EndObject().EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":[true,null,"x"],"c":42,"d":{}})");
}

}  // namespace
}  // namespace sessionkit::internal
