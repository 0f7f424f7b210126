#include "templates/tracked_links.h"

#include <gtest/gtest.h>

#include <set>

#include "gateway/core/key_schema.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {
namespace {

class TrackedLinksTest : public RedisTest {
 protected:
  void SetUp() override { FlushAll(); }
  FakeClock clock_;
  TrackedLinks links_{&pool(), &clock_, std::string(40, 's'), 3600};
};

TEST_F(TrackedLinksTest, MintedTokenRedirectsAndRecordsTheClick) {
  LinkOwner owner{"org_1", "cmp_1", "c_1", 2};
  auto token = links_.Mint(owner, "https://survey.example.org/q?lang=ka");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->size(), 18u);
  EXPECT_EQ(TrackedLinks::Url("https://gw.example.org", *token),
            "https://gw.example.org/l/" + *token);
  auto link = links_.Click(*token);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->target_url, "https://survey.example.org/q?lang=ka");
  EXPECT_EQ(link->owner.contact_id, "c_1");
  EXPECT_EQ(link->owner.campaign_id, "cmp_1");
  EXPECT_EQ(link->owner.link_index, 2u);
  auto clicks = pool().Command({"XRANGE", keys::Clicks("org_1"), "-", "+"});
  ASSERT_TRUE(clicks.ok());
  ASSERT_EQ(clicks->elements.size(), 1u);
  const auto& fields = clicks->elements[0].elements[1].elements;
  EXPECT_EQ(fields[0].str, "contact");
  EXPECT_EQ(fields[1].str, "c_1");
  EXPECT_EQ(fields[7].str, std::to_string(clock_.NowMillis()));
}

TEST_F(TrackedLinksTest, TokensAreUniquePerMint) {
  std::set<std::string> tokens;
  for (int i = 0; i < 1000; ++i) {
    auto t = links_.Mint({"org_1", "", "c_" + std::to_string(i), 0}, "https://example.org");
    ASSERT_TRUE(t.ok());
    tokens.insert(*t);
  }
  EXPECT_EQ(tokens.size(), 1000u);
}

TEST_F(TrackedLinksTest, ForgedMistypedAndUnknownTokensAreNotFound) {
  auto token = links_.Mint({"org_1", "", "c_1", 0}, "https://example.org");
  ASSERT_TRUE(token.ok());
  std::string forged = *token;
  forged[0] = forged[0] == 'a' ? 'b' : 'a';  // Random part changed, check no longer matches.
  EXPECT_FALSE(links_.WellFormed(forged));
  EXPECT_EQ(links_.Click(forged).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(links_.Click("").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(links_.Click("../../etc/passwd").status().code(), absl::StatusCode::kNotFound);
  // A well-formed token signed with another secret is rejected too.
  TrackedLinks other(&pool(), &clock_, std::string(40, 'x'), 3600);
  EXPECT_FALSE(other.WellFormed(*token));
  // Expired: the record is gone.
  ASSERT_TRUE(pool().Command({"DEL", keys::TrackedLink(*token)}).ok());
  EXPECT_TRUE(links_.WellFormed(*token));
  EXPECT_EQ(links_.Click(*token).status().code(), absl::StatusCode::kNotFound);
  // No click was recorded for any of these.
  auto clicks = pool().Command({"XLEN", keys::Clicks("org_1")});
  EXPECT_EQ(clicks->integer, 0);
}

TEST_F(TrackedLinksTest, OnlyWebTargetsAndRecordsExpire) {
  EXPECT_EQ(links_.Mint({"org_1", "", "c_1", 0}, "javascript:alert(1)").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto token = links_.Mint({"org_1", "", "c_1", 0}, "http://example.org");
  ASSERT_TRUE(token.ok());
  auto ttl = pool().Command({"TTL", keys::TrackedLink(*token)});
  EXPECT_GT(ttl->integer, 3500);
  EXPECT_LE(ttl->integer, 3600);
}

}  // namespace
}  // namespace ogw::testing
