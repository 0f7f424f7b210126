// TwilioProvider without a server: how it reads Twilio's answers (Classify) and the request it
// builds. Sending to FakeTwilio is twilio_provider_test.cc.

#include "adapters/sms/twilio_provider.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "adapters/common/http_batch_client.h"
#include "tests/adapters/sms/twilio_test_util.h"

namespace ogw {
namespace {

using Outcome = SendResult::Outcome;
using twilio_test::kAccountSid;
using twilio_test::kAuthToken;
using twilio_test::Message;

TEST(TwilioClassifyTest, ErrorCodesAndStatuses) {
  const OutboundMessage message = Message("c1:0");
  const std::vector<std::string> secrets = {kAuthToken};
  auto classify = [&](long status, std::string body, std::string retry_after = "") {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.retry_after = std::move(retry_after);
    return TwilioProvider::Classify(response, message, secrets, 0);
  };
  for (int code : {21211, 21614, 21408, 21612, 21617}) {
    const SendResult r =
        classify(400, R"({"code":)" + std::to_string(code) + R"(,"message":"no","status":400})");
    EXPECT_EQ(r.outcome, Outcome::kPermanent) << code;
    EXPECT_EQ(r.code, "twilio_" + std::to_string(code));
  }
  SendResult r = classify(503, "<html>down</html>", "30");
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "http_503");
  EXPECT_EQ(r.reason, "HTTP 503");
  EXPECT_EQ(r.retry_after_millis, 30000);
  r = classify(429, "", "");
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "http_429");
  // 20429 counts even if a proxy changed the HTTP status; a quoted code is read too.
  r = classify(400, R"({"code":"20429","message":"Too Many Requests"})", "2");
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.retry_after_millis, 2000);
  r = classify(404, R"({"code":20404,"message":"The requested resource was not found"})");
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "twilio_20404");
  r = classify(403, R"({"code":21610,"message":"Attempt to send to unsubscribed recipient"})");
  EXPECT_EQ(r.outcome, Outcome::kOptedOut);
  r = classify(201, R"({"sid":"SM0123","status":"queued"})");
  EXPECT_EQ(r.outcome, Outcome::kAccepted);
  EXPECT_EQ(r.provider_message_id, "SM0123");
  std::string long_message;
  for (int i = 0; i < 150; ++i) long_message += "é";
  r = classify(400, R"({"code":21000,"message":")" + long_message + "\"}");
  EXPECT_EQ(r.reason, long_message.substr(0, 200));
}

TEST(TwilioRequestTest, UrlAndFormEncoding) {
  TwilioConfig config;
  config.api_base = "https://api.twilio.com/";
  config.account_sid = kAccountSid;
  config.from = "+15005550006";
  EXPECT_EQ(
      TwilioProvider::MessagesUrl(config),
      std::string("https://api.twilio.com/2010-04-01/Accounts/") + kAccountSid + "/Messages.json");
  OutboundMessage m = Message("x");
  m.text = "a b&c=d+é";
  EXPECT_EQ(TwilioProvider::RequestBody(config, m),
            "To=%2B4917012345678&From=%2B15005550006&Body=a%20b%26c%3Dd%2B%C3%A9");
}

}  // namespace
}  // namespace ogw
