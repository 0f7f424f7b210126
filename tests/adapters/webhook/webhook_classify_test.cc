// WebhookProvider without a server: how it classifies a failed transport, and the names of
// the outcomes. Its answers over HTTP are webhook_provider_test.cc.

#include "adapters/webhook/webhook_provider.h"

#include <gtest/gtest.h>

#include "adapters/common/http_batch_client.h"
#include "tests/adapters/webhook/webhook_test_util.h"

namespace ogw {
namespace {

using Outcome = SendResult::Outcome;
using webhook_test::kSecret;
using webhook_test::Message;

TEST(WebhookClassifyTest, TransportFailuresAreTransient) {
  const OutboundMessage message = Message("c1:0");
  HttpResponse response;
  response.curl_code = CURLE_RECV_ERROR;
  response.error = "Connection reset by peer";
  const SendResult r = WebhookProvider::Classify(response, message, kSecret, 0);
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "transport");
  EXPECT_EQ(r.reason, "Connection reset by peer");
}

TEST(WebhookClassifyTest, OutcomeNames) {
  EXPECT_EQ(OutcomeName(Outcome::kAccepted), "accepted");
  EXPECT_EQ(OutcomeName(Outcome::kTransient), "transient");
  EXPECT_EQ(OutcomeName(Outcome::kPermanent), "permanent");
  EXPECT_EQ(OutcomeName(Outcome::kOptedOut), "opted_out");
}

}  // namespace
}  // namespace ogw
