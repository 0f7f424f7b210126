// ContainsNoneOf: what it matches, and that its failure text names a leaked secret without
// spelling it out.

#include "tests/testutil/secret_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "f00dfacecafe4711";
constexpr char kPassword[] = "kannel-pass-4711";

// The explanation ContainsNoneOf gives for `text`, and whether it matched.
std::string Explain(const std::string& text, bool* matched) {
  ::testing::StringMatchResultListener listener;
  *matched = ::testing::ExplainMatchResult(ContainsNoneOf({kToken, kPassword}), text, &listener);
  return listener.str();
}

TEST(ContainsNoneOfTest, MatchesTextWithoutAnyOfTheSecrets) {
  EXPECT_THAT(std::string("{\"secrets_set\":[\"password\"]}"), ContainsNoneOf({kToken, kPassword}));
  EXPECT_THAT(std::string("f00dfacecafe47"), ContainsNoneOf({kToken}));  // Only a prefix.
  EXPECT_THAT(std::string("anything"), ContainsNoneOf({}));
}

TEST(ContainsNoneOfTest, NamesEachLeakedSecretByItsFirstCharactersAndLength) {
  bool matched = true;
  const std::string why =
      Explain(std::string("Authorization failed for ") + kPassword + " / " + kToken, &matched);
  EXPECT_FALSE(matched);
  EXPECT_THAT(why, HasSubstr("\"f00...\" (16 chars)"));
  EXPECT_THAT(why, HasSubstr("\"kan...\" (16 chars) at offset 25"));
  EXPECT_THAT(why, Not(HasSubstr(kToken)));
  EXPECT_THAT(why, Not(HasSubstr(kPassword)));

  std::string description =
      ::testing::DescribeMatcher<std::string>(ContainsNoneOf({kToken, kPassword}));
  EXPECT_THAT(description, HasSubstr("2 secret(s)"));
  EXPECT_THAT(description, Not(HasSubstr(kToken)));
  EXPECT_THAT(description, Not(HasSubstr(kPassword)));
}

TEST(ContainsNoneOfTest, AnEmptySecretNeverPasses) {
  EXPECT_THAT(std::string("text"), Not(ContainsNoneOf({""})));
}

}  // namespace
}  // namespace ogw::testing
