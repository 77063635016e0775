#include "src/crypto/hmac.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <string>

#include "src/crypto/hex.h"

namespace sessionkit::internal {
namespace {

std::string MacHex(std::string_view key, std::string_view message) {
  return HexLower(AsBytes(HmacSha256Key(key).Mac(message)));
}

// OpenSSL's one-shot HMAC, as an independent reference.
std::string ReferenceMac(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

TEST(HmacSha256Test, Rfc4231Vectors) {
  EXPECT_EQ(MacHex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(MacHex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(MacHex(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  // Keys longer than the block are hashed first.
  EXPECT_EQ(MacHex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(MacHex(std::string(131, '\xaa'),
                   "This is a test using a larger than block-size key and a larger than "
                   "block-size data. The key needs to be hashed before being used by the "
                   "HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256Test, MatchesOpenSslAcrossKeyAndMessageLengths) {
  std::mt19937 rng(7);  // deterministic
  auto random_string = [&rng](std::size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  for (std::size_t key_len : {0u, 1u, 31u, 32u, 63u, 64u, 65u, 150u}) {
    const std::string key = random_string(key_len);
    const HmacSha256Key prepared(key);
    for (std::size_t msg_len = 0; msg_len < 300; msg_len += 7) {
      const std::string msg = random_string(msg_len);
      EXPECT_EQ(std::string(AsBytes(prepared.Mac(msg))), ReferenceMac(key, msg))
          << "key " << key_len << " message " << msg_len;
    }
  }
}

TEST(HmacSha256Test, PreparedKeyIsReusableAndCopyable) {
  const HmacSha256Key key("k");
  const Sha256Digest first = key.Mac("message");
  EXPECT_EQ(key.Mac("other"), HmacSha256Key("k").Mac("other"));
  EXPECT_EQ(key.Mac("message"), first);  // state not consumed by earlier calls
  const HmacSha256Key copy = key;
  EXPECT_EQ(copy.Mac("message"), first);
}

TEST(HmacSha256Test, VerifyAcceptsOnlyTheExactMac) {
  const HmacSha256Key key("secret");
  const Sha256Digest mac = key.Mac("payload");
  std::string good(AsBytes(mac));
  EXPECT_TRUE(key.Verify("payload", good));
  EXPECT_FALSE(key.Verify("payload.", good));
  EXPECT_FALSE(HmacSha256Key("secret2").Verify("payload", good));
  std::string flipped = good;
  flipped[31] ^= 1;
  EXPECT_FALSE(key.Verify("payload", flipped));
  EXPECT_FALSE(key.Verify("payload", good.substr(0, 31)));
  EXPECT_FALSE(key.Verify("payload", good + "x"));
  EXPECT_FALSE(key.Verify("payload", ""));
}

}  // namespace
}  // namespace sessionkit::internal
