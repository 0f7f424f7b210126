#include "gateway/core/crypto.h"

#include <gtest/gtest.h>

#include "gateway/core/secret_box.h"

namespace ogw {
namespace {

TEST(CryptoTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, HmacSha1MatchesRfc2202Case2) {
  EXPECT_EQ(HexEncode(HmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(CryptoTest, Base64AndBase32Encode) {
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base32Encode("foobar"), "mzxw6ytboi");
}

TEST(CryptoTest, RandomBytesDifferAndHaveRequestedLength) {
  std::string a = RandomBytes(32), b = RandomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
}

TEST(SecretBoxTest, OpensWhatItSealedOnlyWithTheSameKeyAndContext) {
  auto box = SecretBox::FromHexKey(std::string(64, 'a'));
  ASSERT_TRUE(box.ok());
  const std::string sealed = box->Seal("twilio-auth-token", "tw-berlin/auth_token");
  EXPECT_TRUE(sealed.starts_with("s1:"));
  EXPECT_EQ(sealed.find("twilio-auth-token"), std::string::npos);
  EXPECT_NE(sealed, box->Seal("twilio-auth-token", "tw-berlin/auth_token"));  // Fresh nonce.
  EXPECT_EQ(*box->Open(sealed, "tw-berlin/auth_token"), "twilio-auth-token");
  EXPECT_EQ(*box->Open(box->Seal("", "x"), "x"), "");

  // Moved to another account or field, sealed under another key, or changed: refused.
  EXPECT_EQ(box->Open(sealed, "tw-athens/auth_token").status().code(),
            absl::StatusCode::kDataLoss);
  auto other = SecretBox::FromHexKey(std::string(64, 'b'));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->Open(sealed, "tw-berlin/auth_token").ok());
  std::string changed = sealed;
  changed[10] = changed[10] == '0' ? '1' : '0';
  EXPECT_FALSE(box->Open(changed, "tw-berlin/auth_token").ok());
  EXPECT_FALSE(box->Open("s1:zz", "x").ok());
  EXPECT_FALSE(box->Open("plain", "x").ok());
  EXPECT_FALSE(box->Open(sealed.substr(0, 20), "tw-berlin/auth_token").ok());

  EXPECT_FALSE(SecretBox::FromHexKey("abcd").ok());
  EXPECT_FALSE(SecretBox::FromHexKey(std::string(64, 'g')).ok());
}

}  // namespace
}  // namespace ogw
