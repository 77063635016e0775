#include "sessionkit/password_hasher.h"

#include <gtest/gtest.h>

#include <string>

namespace sessionkit {
namespace {

PasswordHasher Hasher(PasswordCost cost = MinimumCost()) {
  Result<PasswordHasher> h = PasswordHasher::Create(cost);
  EXPECT_TRUE(h.ok());
  return std::move(h).value();
}

TEST(PasswordHasherTest, Argon2idRoundTrip) {
  PasswordHasher h = Hasher();
  Result<std::string> hash = h.Hash("correct horse battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$")) << "not argon2id";
  EXPECT_EQ(h.Verify(*hash, "correct horse battery"), PasswordCheck::kMatch);
  EXPECT_EQ(h.Verify(*hash, "correct horse batterY"), PasswordCheck::kMismatch);
  EXPECT_EQ(h.Verify(*hash, ""), PasswordCheck::kMismatch);
}

TEST(PasswordHasherTest, SaltsDiffer) {
  PasswordHasher h = Hasher();
  EXPECT_NE(*h.Hash("same password"), *h.Hash("same password"));
}

TEST(PasswordHasherTest, InteractiveCostArgon2id) {
  PasswordHasher h = Hasher(InteractiveCost());
  Result<std::string> hash = h.Hash("pass word 1");
  ASSERT_TRUE(hash.ok());
  EXPECT_NE(hash->find("m=65536"), std::string::npos) << *hash;  // MEMLIMIT_INTERACTIVE
  EXPECT_EQ(h.Verify(*hash, "pass word 1"), PasswordCheck::kMatch);
}

// Issue 10: OWASP's minimum (m = 19 MiB, t = 2, p = 1) by default, not 64 MiB.
TEST(PasswordHasherTest, DefaultCostIsOwaspMinimum) {
  Result<PasswordHasher> h = PasswordHasher::Create();
  ASSERT_TRUE(h.ok());
  Result<std::string> hash = h->Hash("pass word 1");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *hash;
  EXPECT_EQ(h->Verify(*hash, "pass word 1"), PasswordCheck::kMatch);
  // An old 64 MiB hash still verifies, and asks to be rehashed at the new cost.
  std::string old = *Hasher(InteractiveCost()).Hash("pass word 1");
  EXPECT_EQ(h->Verify(old, "pass word 1"), PasswordCheck::kMatchNeedsRehash);
  EXPECT_EQ(h->Verify(old, "pass word 2"), PasswordCheck::kMismatch);
}

TEST(PasswordHasherTest, ConfiguredCostIsUsedAndBounded) {
  PasswordHasher h = Hasher(Argon2idCost(8 * 1024, 3));
  Result<std::string> hash = h.Hash("pass word 1");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=8192,t=3,p=1$")) << *hash;
  EXPECT_EQ(h.Verify(*hash, "pass word 1"), PasswordCheck::kMatch);
  EXPECT_EQ(Hasher(Argon2idCost(8 * 1024, 2)).Verify(*hash, "pass word 1"),
            PasswordCheck::kMatchNeedsRehash)
      << "another t is another cost";
  Result<PasswordHasher> zero_passes = PasswordHasher::Create(Argon2idCost(8 * 1024, 0));
  ASSERT_FALSE(zero_passes.ok());
  EXPECT_EQ(zero_passes.status().code(), Code::kInvalidArgument);
}

TEST(PasswordHasherTest, OtherArgonCostMatchesButNeedsRehash) {
  std::string weak = *Hasher(MinimumCost()).Hash("pass word 1");
  PasswordHasher strong = Hasher(InteractiveCost());
  EXPECT_EQ(strong.Verify(weak, "pass word 1"), PasswordCheck::kMatchNeedsRehash);
  EXPECT_EQ(strong.Verify(weak, "pass word 2"), PasswordCheck::kMismatch);
}

// Vectors made with Python's crypt module (libxcrypt), cost 4.
constexpr std::string_view kBcrypt2b = "$2b$04$PeD7pX9a9EtEUxrlPy9xaeu4upttR9VADvxd4Hp/jLy92Uz.RPr7S";
constexpr std::string_view kBcrypt2a = "$2a$04$PeD7pX9a9EtEUxrlPy9xaeu4upttR9VADvxd4Hp/jLy92Uz.RPr7S";
constexpr std::string_view kBcrypt2y = "$2y$04$PeD7pX9a9EtEUxrlPy9xaeu4upttR9VADvxd4Hp/jLy92Uz.RPr7S";

TEST(PasswordHasherTest, BcryptFromTheGoServiceVerifiesAndAsksForRehash) {
  PasswordHasher h = Hasher();
  for (std::string_view hash : {kBcrypt2b, kBcrypt2a, kBcrypt2y}) {
    EXPECT_EQ(h.Verify(hash, "correct horse battery"), PasswordCheck::kMatchNeedsRehash) << hash;
    EXPECT_EQ(h.Verify(hash, "correct horse batter"), PasswordCheck::kMismatch) << hash;
  }
}

TEST(PasswordHasherTest, OpenwallBcryptVector) {
  // crypt_blowfish's published test vector: "U*U".
  EXPECT_EQ(Hasher().Verify("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"),
            PasswordCheck::kMatchNeedsRehash);
}

TEST(PasswordHasherTest, BcryptOfTheGoPeersPrehashForLongPasswords) {
  // The Go peer bcrypts "sha256$" + base64(SHA-256(pw)) for passwords over 72 bytes.
  constexpr std::string_view kPrehashed =
      "$2b$04$PeD7pX9a9EtEUxrlPy9xaeGGI4T4ShHAZVGvjsEf8vDNTBr0bO6.K";
  PasswordHasher h = Hasher();
  EXPECT_EQ(h.Verify(kPrehashed, std::string(100, 'x')), PasswordCheck::kMatchNeedsRehash);
  EXPECT_EQ(h.Verify(kPrehashed, std::string(99, 'x')), PasswordCheck::kMismatch);
}

TEST(PasswordHasherTest, GarbageHashesNeverMatch) {
  PasswordHasher h = Hasher();
  for (std::string_view hash : {"", "plain", "$1$abc$def", "$2b$04$short", "*0",
                                "$argon2id$v=19$m=65536,t=2,p=1$broken"}) {
    EXPECT_EQ(h.Verify(hash, "anything at all"), PasswordCheck::kMismatch) << hash;
  }
  EXPECT_EQ(h.Verify(kBcrypt2b, std::string("correct horse battery\0x", 23)),
            PasswordCheck::kMismatch);
}

TEST(PasswordHasherTest, DummyVerifyRuns) {
  Hasher().VerifyDummy("whatever");  // must not crash; timing is not asserted
}

}  // namespace
}  // namespace sessionkit
