// GET /l/{token}: the public redirect of personal tracked links.

#include <gtest/gtest.h>

#include "gateway/core/key_schema.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

class LinksApiTest : public ApiTest {};

TEST_F(LinksApiTest, TrackedLinkRedirectsWithoutAKeyAndCountsTheClick) {
  auto token = runtime_->links().Mint({"org_x", "cmp_1", "c_1", 0},
                                      "https://survey.example.org/start");
  ASSERT_TRUE(token.ok());
  client_->set_follow_location(false);
  HttpResult r = Get("/l/" + *token, "");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.Header("Location"), "https://survey.example.org/start");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  auto clicks =
      pool().Command({"HGET", keys::CampaignQueue("org_x", "cmp_1") + ":stats", "clicks"});
  EXPECT_EQ(clicks->str, "1");
}

TEST_F(LinksApiTest, UnknownOrForgedTokenIs404) {
  EXPECT_EQ(Get("/l/aaaaaaaaaaaaaaaaaa", "").status, 404);
  EXPECT_EQ(Get("/l/nope", "").status, 404);
}

TEST_F(LinksApiTest, GeneratedSigningSecretIsSharedThroughRedis) {
  auto token = runtime_->links().Mint({"org_x", "", "c_1", 0}, "https://example.org");
  ASSERT_TRUE(token.ok());
  // A second gateway process on the same Redis accepts the first one's tokens.
  auto second = Runtime::Open(config_, &clock_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE((*second)->links().WellFormed(*token));
}

}  // namespace
}  // namespace ogw::testing
