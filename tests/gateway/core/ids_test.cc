#include "gateway/core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace ogw {
namespace {

TEST(IdsTest, IdsSortByCreationTime) {
  std::string earlier = NewId("c", 1'700'000'000'000);
  std::string later = NewId("c", 1'700'000'000'001);
  EXPECT_LT(earlier, later);
  EXPECT_LT(NewId("c", 999), NewId("c", 1'000'000'000'000));
}

TEST(IdsTest, IdsAreUniqueWithinOneMillisecond) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(NewId("c", 42));
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(IdsTest, WellFormedChecksPrefixLengthAndAlphabet) {
  std::string id = NewId("seg", 1'700'000'000'000);
  EXPECT_TRUE(IsWellFormedId(id, "seg"));
  EXPECT_FALSE(IsWellFormedId(id, "c"));
  EXPECT_FALSE(IsWellFormedId(id + "x", "seg"));
  std::string bad = id;
  bad.back() = 'u';  // Not in the Crockford alphabet.
  EXPECT_FALSE(IsWellFormedId(bad, "seg"));
  EXPECT_FALSE(IsWellFormedId("../../etc", "seg"));
}

}  // namespace
}  // namespace ogw
