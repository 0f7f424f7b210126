#include "templates/tracked_links.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

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

TEST_F(TrackedLinksTest, MintedTokenResolvesToItsTargetAndOwner) {
  LinkOwner owner{"org_1", "cmp_1", "c_1", 2};
  auto token = links_.Mint(owner, "https://survey.example.org/q?lang=ka");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->size(), 18u);
  EXPECT_EQ(TrackedLinks::Url("https://gw.example.org", *token),
            "https://gw.example.org/l/" + *token);
  auto link = links_.Resolve(*token);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->target_url, "https://survey.example.org/q?lang=ka");
  EXPECT_EQ(link->owner.contact_id, "c_1");
  EXPECT_EQ(link->owner.campaign_id, "cmp_1");
  EXPECT_EQ(link->owner.link_index, 2u);
  // Resolving writes nothing (the caller counts the click with the campaign).
  auto keys = pool().Command({"KEYS", "*"});
  ASSERT_EQ(keys->elements.size(), 2u);  // The link and the person's index of links.
}

TEST_F(TrackedLinksTest, ForgetContactDeletesThatPersonsLinksOnly) {
  std::vector<std::string> victims, others;
  for (int i = 0; i < 3; ++i) {
    victims.push_back(*links_.Mint({"org_1", "cmp_1", "c_victim", static_cast<uint32_t>(i)},
                                   "https://survey.example.org/q?name=Ayana+Tesfaye"));
    others.push_back(*links_.Mint({"org_1", "cmp_1", "c_other", 0}, "https://example.org/"));
  }
  // The same contact id in another organisation is another person.
  const std::string elsewhere = *links_.Mint({"org_2", "cmp_9", "c_victim", 0},
                                             "https://example.org/2");
  ASSERT_TRUE(links_.ForgetContact("org_1", "c_victim").ok());
  for (const auto& t : victims) {
    EXPECT_EQ(links_.Resolve(t).status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(pool().Command({"EXISTS", keys::TrackedLink(t)})->integer, 0);
  }
  for (const auto& t : others) EXPECT_TRUE(links_.Resolve(t).ok());
  EXPECT_TRUE(links_.Resolve(elsewhere).ok());
  EXPECT_EQ(pool().Command({"EXISTS", keys::ContactLinks("org_1", "c_victim")})->integer, 0);
  // Forgetting twice, or someone with no links, is fine.
  EXPECT_TRUE(links_.ForgetContact("org_1", "c_victim").ok());
  EXPECT_TRUE(links_.ForgetContact("org_1", "c_nobody").ok());
}

TEST_F(TrackedLinksTest, APersonsLinkIndexDropsExpiredTokensAndExpires) {
  ASSERT_TRUE(links_.Mint({"org_1", "", "c_1", 0}, "https://example.org/old").ok());
  clock_.Advance(3601 * 1000);
  auto fresh = links_.Mint({"org_1", "", "c_1", 0}, "https://example.org/new");
  ASSERT_TRUE(fresh.ok());
  const std::string index = keys::ContactLinks("org_1", "c_1");
  auto members = pool().Command({"ZRANGE", index, "0", "-1"});
  ASSERT_EQ(members->elements.size(), 1u);
  EXPECT_EQ(members->elements[0].str, *fresh);
  auto ttl = pool().Command({"TTL", index});
  EXPECT_GT(ttl->integer, 3500);
  EXPECT_LE(ttl->integer, 3600);
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
  auto token = links_.Mint({"org_1", "cmp_1", "c_1", 0}, "https://example.org");
  ASSERT_TRUE(token.ok());
  std::string forged = *token;
  forged[0] = forged[0] == 'a' ? 'b' : 'a';  // Random part changed, check no longer matches.
  EXPECT_FALSE(links_.WellFormed(forged));
  EXPECT_EQ(links_.Resolve(forged).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(links_.Resolve("").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(links_.Resolve("../../etc/passwd").status().code(), absl::StatusCode::kNotFound);
  // A well-formed token signed with another secret is rejected too.
  TrackedLinks other(&pool(), &clock_, std::string(40, 'x'), 3600);
  EXPECT_FALSE(other.WellFormed(*token));
  // Expired: the record is gone.
  ASSERT_TRUE(pool().Command({"DEL", keys::TrackedLink(*token)}).ok());
  EXPECT_TRUE(links_.WellFormed(*token));
  EXPECT_EQ(links_.Resolve(*token).status().code(), absl::StatusCode::kNotFound);

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
