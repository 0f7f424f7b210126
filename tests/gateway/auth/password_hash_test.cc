// Officers' passwords: scrypt with a salt of its own per hash, verified only by the password
// it was made from, and nothing that does not read (or asks for unbounded work) verifies.

#include "gateway/auth/password_hash.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ogw {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(PasswordHashTest, OnlyThePasswordVerifiesAndEachHashHasItsOwnSalt) {
  const std::string password = "correct horse battery staple";
  const std::string stored = HashPassword(password);
  EXPECT_THAT(stored, StartsWith("scrypt$15$8$1$"));
  EXPECT_THAT(stored, ::testing::Not(HasSubstr(password)));
  EXPECT_TRUE(VerifyPassword(password, stored));
  EXPECT_FALSE(VerifyPassword("correct horse battery stapler", stored));
  EXPECT_FALSE(VerifyPassword("", stored));
  // The same password twice: two salts, two hashes, both good.
  const std::string again = HashPassword(password);
  EXPECT_NE(again, stored);
  EXPECT_TRUE(VerifyPassword(password, again));
  // Non-ASCII passwords are bytes like any other.
  const std::string arabic = "كلمة السر الطويلة";
  EXPECT_TRUE(VerifyPassword(arabic, HashPassword(arabic)));
}

TEST(PasswordHashTest, WhatDoesNotReadNeverVerifies) {
  const std::string stored = HashPassword("correct horse battery staple");
  std::string flipped = stored;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyPassword("correct horse battery staple", flipped));
  for (const std::string& bad : std::vector<std::string>{
           "", "scrypt", "bcrypt$15$8$1$00$00", "scrypt$15$8$1$zz$" + std::string(64, '0'),
           "scrypt$15$8$1$" + std::string(32, '0') + "$00",
           // Costs past the bounds: a tampered hash must not ask for gigabytes.
           "scrypt$30$8$1$" + std::string(32, '0') + "$" + std::string(64, '0'),
           "scrypt$15$8$99$" + std::string(32, '0') + "$" + std::string(64, '0'),
           "scrypt$-1$8$1$" + std::string(32, '0') + "$" + std::string(64, '0')}) {
    EXPECT_FALSE(VerifyPassword("correct horse battery staple", bad)) << bad;
  }
}

TEST(PasswordHashTest, PasswordsPeopleCanTypeAndRememberAreAccepted) {
  EXPECT_EQ(PasswordProblem("ten chars!"), "");
  EXPECT_EQ(PasswordProblem("mot de passe très sûr"), "");
  EXPECT_EQ(PasswordProblem("نص طويل بالعربية"), "");
  EXPECT_EQ(PasswordProblem("nine char"), "must be at least 10 characters");
  // Characters, not bytes: five Arabic letters are ten bytes but five characters.
  EXPECT_EQ(PasswordProblem("كلمةس"), "must be at least 10 characters");
  EXPECT_EQ(PasswordProblem(std::string(257, 'a')), "must be at most 256 characters");
  EXPECT_EQ(PasswordProblem("tab\there is bad"), "must be text without control characters");
  EXPECT_EQ(PasswordProblem("bad utf8 \xff\xfe here"), "must be text without control characters");
}

}  // namespace
}  // namespace ogw
