// DestinationPolicy enforced by libcurl at connect time, whatever a name resolved to when it
// was checked: HttpBatchClient against HttpSink, an in-process endpoint on a loopback port.

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "adapters/common/destination_policy.h"
#include "adapters/common/http_batch_client.h"
#include "tests/adapters/common/destination_policy_test_util.h"
#include "tests/testutil/http_sink.h"

namespace ogw {
namespace {

using destination_policy_test::Policy;

TEST(DestinationPolicyTest, TheClientNeverConnectsWhereThePolicyRefuses) {
  // What DNS rebinding looks like from here: a URL that passed its check now leads to
  // loopback. The connection itself is refused; the sink never sees a request.
  testing::HttpSink sink;
  ASSERT_TRUE(sink.Start());
  sink.set_recording(10);
  std::array<HttpRequest, 1> requests;
  requests[0].url = sink.BaseUrl() + "/send";
  requests[0].body = "{}";
  std::array<HttpResponse, 1> responses;

  HttpBatchClientOptions guarded;
  guarded.destinations = Policy();
  HttpBatchClient refused(guarded);
  refused.Perform(requests, responses);
  EXPECT_EQ(responses[0].status, 0);
  EXPECT_NE(responses[0].curl_code, CURLE_OK);
  EXPECT_TRUE(sink.Recorded().empty());

  HttpBatchClientOptions allowed;
  allowed.destinations = Policy({"127.0.0.0/8"});
  HttpBatchClient client(allowed);
  client.Perform(requests, responses);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(sink.Recorded().size(), 1u);
}

}  // namespace
}  // namespace ogw
