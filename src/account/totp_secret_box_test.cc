#include "src/account/totp_secret_box.h"

#include <gtest/gtest.h>

#include "src/util/base64url.h"

namespace sessionkit::internal {
namespace {

TotpEncryptionKey Key(std::string id, char fill) { return {std::move(id), std::string(32, fill)}; }

TEST(TotpSecretBox, SealsAndOpensBoundToUserAndKeyId) {
  auto box = TotpSecretBox::Make({Key("k1", 'a')});
  ASSERT_TRUE(box.ok());
  const std::string secret(20, '\x07');
  Result<SealedSecret> sealed = box->Seal("user-1", secret);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->key_id, "k1");
  EXPECT_EQ(sealed->sealed.find(Base64UrlEncode(secret)), std::string::npos);
  EXPECT_EQ(box->Open("user-1", "k1", sealed->sealed).value(), secret);
  // Another user's row, a tampered byte: the tag refuses.
  EXPECT_EQ(box->Open("user-2", "k1", sealed->sealed).status().code(), Code::kMalformed);
  std::string tampered = sealed->sealed;
  tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
  EXPECT_EQ(box->Open("user-1", "k1", tampered).status().code(), Code::kMalformed);
  EXPECT_EQ(box->Open("user-1", "k1", "not base64!").status().code(), Code::kMalformed);
  // A fresh nonce per seal.
  EXPECT_NE(box->Seal("user-1", secret)->sealed, sealed->sealed);
}

TEST(TotpSecretBox, RotationKeepsOldSecretsOpenAndSealsWithTheFirstKey) {
  auto old_box = TotpSecretBox::Make({Key("old", 'a')});
  ASSERT_TRUE(old_box.ok());
  Result<SealedSecret> sealed = old_box->Seal("u", "secret");
  ASSERT_TRUE(sealed.ok());
  auto rotated = TotpSecretBox::Make({Key("new", 'b'), Key("old", 'a')});
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->Open("u", "old", sealed->sealed).value(), "secret");
  EXPECT_EQ(rotated->Seal("u", "secret")->key_id, "new");
  // A key id relabelled onto a sealed secret does not open (the id is additional data).
  auto same_bytes = TotpSecretBox::Make({Key("other", 'a')});
  EXPECT_EQ(same_bytes->Open("u", "other", sealed->sealed).status().code(), Code::kMalformed);
  // The old key removed too early: NotFound, so the log can name the missing id.
  auto without_old = TotpSecretBox::Make({Key("new", 'b')});
  EXPECT_EQ(without_old->Open("u", "old", sealed->sealed).status().code(), Code::kNotFound);
}

TEST(TotpSecretBox, RefusesBadKeys) {
  EXPECT_FALSE(TotpSecretBox::Make({}).ok());
  EXPECT_FALSE(TotpSecretBox::Make({{"k", std::string(31, 'a')}}).ok());
  EXPECT_FALSE(TotpSecretBox::Make({Key("bad id", 'a')}).ok());
  EXPECT_FALSE(TotpSecretBox::Make({Key("k", 'a'), Key("k", 'b')}).ok());
}

TEST(TotpEncryptionKeys, ParsesTheSettingWithoutEchoingKeys) {
  // 32 bytes of 'a' in standard base64, and 32 bytes of 0xfb in URL-safe base64 without padding.
  const std::string a = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=";
  const std::string fb = Base64UrlEncode(std::string(32, '\xfb'));
  auto keys = ParseTotpEncryptionKeys("2026-12:" + a + ", 2026-01:" + fb);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "2026-12");
  EXPECT_EQ((*keys)[0].key, std::string(32, 'a'));
  EXPECT_EQ((*keys)[1].key, std::string(32, '\xfb'));

  auto short_key = ParseTotpEncryptionKeys("k1:YWFh");
  ASSERT_FALSE(short_key.ok());
  EXPECT_NE(short_key.status().message().find("k1"), std::string::npos);
  EXPECT_EQ(short_key.status().message().find("YWFh"), std::string::npos);
  EXPECT_FALSE(ParseTotpEncryptionKeys("").ok());
  EXPECT_FALSE(ParseTotpEncryptionKeys("nocolon").ok());
  EXPECT_FALSE(ParseTotpEncryptionKeys("k:" + a + ",k:" + a).ok());
}

TEST(TotpEncryptionKeys, DerivedKeyIsStableAndNamedAfterItsFingerprint) {
  const TotpEncryptionKey a = DeriveTotpEncryptionKey(std::string(32, 's'));
  const TotpEncryptionKey b = DeriveTotpEncryptionKey(std::string(32, 's'));
  const TotpEncryptionKey c = DeriveTotpEncryptionKey(std::string(32, 't'));
  EXPECT_EQ(a.key.size(), 32u);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.id.rfind("jwt-", 0), 0u);
  EXPECT_EQ(a.id.size(), 12u);
  EXPECT_NE(a.id, c.id);
  EXPECT_NE(a.key, c.key);
}

}  // namespace
}  // namespace sessionkit::internal
