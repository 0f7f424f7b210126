// TwilioProvider against FakeTwilio, a stand-in for Twilio's API on a loopback port, and the
// signed callbacks the fake sends back. Without a server: twilio_classify_test.cc (answers and
// requests) and twilio_webhooks_test.cc (signatures, forms, webhook parsing).

#include "adapters/sms/twilio_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/common/http_batch_client.h"
#include "adapters/sms/twilio_webhooks.h"
#include "gateway/core/crypto.h"
#include "tests/adapters/sms/twilio_test_util.h"
#include "tests/fakes/fake_twilio.h"
#include "tests/testutil/http_sink.h"
#include "tests/testutil/provider_test_util.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::Pair;
using Outcome = SendResult::Outcome;
using ogw::testing::ContainsNoneOf;
using ogw::testing::DumpResult;
using ogw::testing::FakeTwilio;
using ogw::testing::FakeTwilioMessage;
using ogw::testing::HttpSink;
using ogw::testing::RefusingPort;
using ogw::testing::SendThrough;
using ogw::testing::SinkRequest;
using twilio_test::kAccountSid;
using twilio_test::kAuthToken;
using twilio_test::Message;

void ExpectNoSecrets(const SendResult& r) {
  const std::string credential = Base64Encode(std::string(kAccountSid) + ":" + kAuthToken);
  EXPECT_THAT(DumpResult(r), ContainsNoneOf({kAuthToken, credential}));
}

class TwilioProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(fake_.Start(&error)) << error;
  }

  TwilioConfig Config() const {
    TwilioConfig config;
    config.name = "twilio-test";
    config.api_base = fake_.BaseUrl();
    config.account_sid = kAccountSid;
    config.auth_token = kAuthToken;
    config.from = "+15005550006";
    config.timeout_ms = 10000;
    return config;
  }

  static SendResult SendOne(TwilioProvider& provider, const OutboundMessage& message) {
    const SendResult result = SendThrough(provider, message);
    ExpectNoSecrets(result);
    return result;
  }
  static SendResult SendOne(const TwilioConfig& config, const OutboundMessage& message) {
    TwilioProvider provider(config);
    return SendOne(provider, message);
  }
  SendResult SendOne(const OutboundMessage& message) { return SendOne(Config(), message); }

  FakeTwilio fake_{kAccountSid, kAuthToken};
};

TEST_F(TwilioProviderTest, AcceptedWithMessageSid) {
  fake_.set_recording(10);
  const SendResult r = SendOne(Message("c1:0"));
  ASSERT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
  EXPECT_THAT(r.provider_message_id, MatchesRegex("SM[0-9a-f]{32}"));
  EXPECT_EQ(r.code, "");

  const std::vector<FakeTwilioMessage> accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].sid, r.provider_message_id);
  EXPECT_EQ(accepted[0].to, "+4917012345678");
  EXPECT_EQ(accepted[0].from, "+15005550006");
  EXPECT_EQ(accepted[0].body, Message("").text);
  EXPECT_EQ(accepted[0].num_segments, 1);

  const std::vector<SinkRequest> seen = fake_.Recorded();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, std::string("/2010-04-01/Accounts/") + kAccountSid + "/Messages.json");
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(seen[0].headers.at("authorization"),
            "Basic " + Base64Encode(std::string(kAccountSid) + ":" + kAuthToken));
  const absl::StatusOr<FormParams> form = ParseFormUrlEncoded(seen[0].body);
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_THAT(*form, ElementsAre(Pair("To", "+4917012345678"), Pair("From", "+15005550006"),
                                 Pair("Body", Message("").text)));
}

TEST_F(TwilioProviderTest, MessageSenderMessagingServiceAndStatusCallback) {
  fake_.set_recording(10);
  TwilioConfig config = Config();
  config.from = "";
  config.messaging_service_sid = "MG0123456789abcdef0123456789abcdef";
  config.status_callback_url = "https://gw.example.org/twilio/status?org=org_1";
  TwilioProvider provider(config);
  ASSERT_EQ(SendOne(provider, Message("c1:0")).outcome, Outcome::kAccepted);
  OutboundMessage with_sender = Message("c1:1");
  with_sender.from = "Diaspora";
  ASSERT_EQ(SendOne(provider, with_sender).outcome, Outcome::kAccepted);

  const std::vector<FakeTwilioMessage> accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), 2u);
  EXPECT_EQ(accepted[0].from, "");
  EXPECT_EQ(accepted[0].messaging_service_sid, config.messaging_service_sid);
  EXPECT_EQ(accepted[0].status_callback, config.status_callback_url + "&m=c1%3A0");
  EXPECT_EQ(accepted[0].num_segments, 0);  // The service has not picked a sender yet.
  EXPECT_EQ(accepted[1].from, "Diaspora");
  const absl::StatusOr<FormParams> form = ParseFormUrlEncoded(fake_.Recorded()[0].body);
  ASSERT_TRUE(form.ok());
  EXPECT_THAT(*form, ElementsAre(Pair("To", "+4917012345678"),
                                 Pair("MessagingServiceSid", config.messaging_service_sid),
                                 Pair("Body", Message("").text),
                                 Pair("StatusCallback",
                                      "https://gw.example.org/twilio/status?org=org_1&m=c1%3A0")));
}

TEST_F(TwilioProviderTest, WrongTokenIsPermanentAuthenticate) {
  TwilioConfig config = Config();
  config.auth_token = "wrong-token-0000";
  const SendResult r = SendOne(config, Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "twilio_20003");
  EXPECT_EQ(r.reason, "Authenticate");
  EXPECT_THAT(DumpResult(r), ContainsNoneOf({"wrong-token-0000"}));
  EXPECT_TRUE(fake_.Accepted().empty());

  config = Config();
  config.account_sid = "AC00000000000000000000000000000000";
  EXPECT_EQ(SendOne(config, Message("c1:0")).code, "twilio_20003");
}

TEST_F(TwilioProviderTest, InvalidNumberIsPermanentWithTwilioMessage) {
  const SendResult r = SendOne(Message("c1:0", "5551234567"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "twilio_21211");
  EXPECT_EQ(r.reason, "The 'To' number 5551234567 is not a valid phone number.");
  EXPECT_EQ(r.retry_after_millis, 0);
}

TEST_F(TwilioProviderTest, MissingParametersAreTwilioValidationErrors) {
  EXPECT_EQ(SendOne(Message("c1:0", "")).code, "twilio_21604");
  OutboundMessage empty = Message("c1:1");
  empty.text = "";
  EXPECT_EQ(SendOne(empty).code, "twilio_21602");
  TwilioConfig no_sender = Config();
  no_sender.from = "";
  const SendResult r = SendOne(no_sender, Message("c1:2"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "twilio_21603");
  OutboundMessage too_long = Message("c1:3");
  too_long.text = std::string(1601, 'x');
  EXPECT_EQ(SendOne(too_long).code, "twilio_21617");
  EXPECT_TRUE(fake_.Accepted().empty());
}

TEST_F(TwilioProviderTest, UnsubscribedRecipientIsOptedOut) {
  fake_.AddOptedOut("+4917099999999");
  const SendResult r = SendOne(Message("c1:0", "+4917099999999"));
  EXPECT_EQ(r.outcome, Outcome::kOptedOut);
  EXPECT_EQ(r.code, "twilio_21610");
  EXPECT_EQ(r.reason, "Attempt to send to unsubscribed recipient");
  EXPECT_TRUE(fake_.Accepted().empty());
}

TEST_F(TwilioProviderTest, ServerErrorIsTransientThenAccepted) {
  fake_.FailNext(1);
  TwilioProvider provider(Config());
  const SendResult first = SendOne(provider, Message("c1:0"));
  EXPECT_EQ(first.outcome, Outcome::kTransient);
  EXPECT_EQ(first.code, "twilio_20500");
  EXPECT_EQ(first.retry_after_millis, 0);
  const SendResult second = SendOne(provider, Message("c1:0"));
  EXPECT_EQ(second.outcome, Outcome::kAccepted) << DumpResult(second);
  EXPECT_EQ(fake_.Accepted().size(), 1u);
}

TEST_F(TwilioProviderTest, TooManyRequestsHonoursRetryAfter) {
  fake_.ThrottleNext(1, 7);
  TwilioProvider provider(Config());
  const SendResult r = SendOne(provider, Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "twilio_20429");
  EXPECT_EQ(r.retry_after_millis, 7000);
  EXPECT_EQ(SendOne(provider, Message("c1:0")).outcome, Outcome::kAccepted);
}

TEST_F(TwilioProviderTest, SlowAnswerTimesOut) {
  fake_.HangNext(1, 3000);
  TwilioConfig config = Config();
  config.timeout_ms = 200;
  const auto start = std::chrono::steady_clock::now();
  const SendResult r = SendOne(config, Message("c1:0"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "timeout");
  EXPECT_THAT(r.reason, Not(HasSubstr("Γεια")));
}

TEST_F(TwilioProviderTest, ClosedPortIsConnectFailure) {
  RefusingPort refusing;
  ASSERT_NE(refusing.port(), 0);
  TwilioConfig config = Config();
  config.api_base = refusing.BaseUrl();
  const SendResult r = SendOne(config, Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "connect");
}

TEST_F(TwilioProviderTest, AuthTokenNeverAppearsInAnyResult) {
  fake_.AddOptedOut("+4917099999999");
  fake_.FailNext(1);
  TwilioProvider provider(Config());
  const std::vector<OutboundMessage> messages = {
      Message("a", "+4917011111111"), Message("b", "5551234567"), Message("c", "+4917099999999"),
      Message("d", "+4917022222222"), Message("e", ""),
  };
  std::vector<SendResult> results(messages.size());
  provider.SendBatch(messages, results);
  std::set<Outcome> outcomes;
  for (const SendResult& r : results) {
    ExpectNoSecrets(r);
    outcomes.insert(r.outcome);
  }
  EXPECT_EQ(outcomes.size(), 4u);  // Accepted, transient, permanent and opted out all seen.

  // Twilio (or a proxy) quoting the credential or the message back never reaches the reason.
  HttpResponse echo;
  echo.status = 400;
  echo.status_text = "Bad Request";
  echo.body = std::string(R"({"code":21999,"message":"bad token )") + kAuthToken + "\"}";
  const std::vector<std::string> secrets = {kAuthToken};
  SendResult r = TwilioProvider::Classify(echo, Message("x"), secrets, 0);
  EXPECT_EQ(r.code, "twilio_21999");
  EXPECT_EQ(r.reason, "Bad Request");
  echo.body = R"({"code":30007,"message":"filtered: Γεια σας! Meeting on Friday at"})";
  r = TwilioProvider::Classify(echo, Message("x"), secrets, 0);
  EXPECT_EQ(r.reason, "Bad Request");
}

TEST_F(TwilioProviderTest, BatchOfFiveHundredIsAcceptedConcurrently) {
  TwilioProvider provider(Config());
  std::vector<OutboundMessage> messages;
  for (int i = 0; i < 500; ++i) {
    messages.push_back(Message("c2:" + std::to_string(i), "+491701" + std::to_string(1000000 + i)));
  }
  std::vector<SendResult> results(messages.size());
  provider.SendBatch(messages, results);

  std::set<std::string> sids;
  for (const SendResult& r : results) {
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
    sids.insert(r.provider_message_id);
  }
  EXPECT_EQ(sids.size(), messages.size());
  const std::vector<FakeTwilioMessage> accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), messages.size());
  std::set<std::string> recipients;
  for (const FakeTwilioMessage& m : accepted) {
    EXPECT_EQ(sids.count(m.sid), 1u);
    recipients.insert(m.to);
  }
  EXPECT_EQ(recipients.size(), messages.size());
}

TEST_F(TwilioProviderTest, ConcurrentBatchesFromTwoThreads) {
  TwilioProvider provider(Config());
  std::vector<OutboundMessage> a;
  std::vector<OutboundMessage> b;
  for (int i = 0; i < 200; ++i) {
    a.push_back(Message("a:" + std::to_string(i), "+4915" + std::to_string(10000000 + i)));
    b.push_back(Message("b:" + std::to_string(i), "+4916" + std::to_string(10000000 + i)));
  }
  std::vector<SendResult> ra(a.size());
  std::vector<SendResult> rb(b.size());
  std::thread ta([&] { provider.SendBatch(a, ra); });
  std::thread tb([&] { provider.SendBatch(b, rb); });
  ta.join();
  tb.join();
  std::set<std::string> sids;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(ra[i].outcome, Outcome::kAccepted) << DumpResult(ra[i]);
    ASSERT_EQ(rb[i].outcome, Outcome::kAccepted) << DumpResult(rb[i]);
    sids.insert(ra[i].provider_message_id);
    sids.insert(rb[i].provider_message_id);
  }
  EXPECT_EQ(sids.size(), a.size() + b.size());
  EXPECT_EQ(fake_.Accepted().size(), a.size() + b.size());
}

// --- Callbacks from the fake, verified as the gateway would --------------------------------------

class TwilioCallbackTest : public TwilioProviderTest {
 protected:
  void SetUp() override {
    TwilioProviderTest::SetUp();
    std::string error;
    ASSERT_TRUE(receiver_.Start(0, &error)) << error;
    receiver_.set_recording(10);
  }

  // The form of the last callback, after checking its signature against `url`.
  FormParams VerifiedForm(const std::string& url) {
    const std::vector<SinkRequest> seen = receiver_.Recorded();
    EXPECT_FALSE(seen.empty());
    if (seen.empty()) return {};
    const SinkRequest& request = seen.back();
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.headers.at("content-type"), "application/x-www-form-urlencoded");
    const absl::StatusOr<FormParams> form = ParseFormUrlEncoded(request.body);
    EXPECT_TRUE(form.ok()) << form.status();
    if (!form.ok()) return {};
    EXPECT_TRUE(
        VerifyTwilioSignature(kAuthToken, url, *form, request.headers.at("x-twilio-signature")));
    EXPECT_FALSE(
        VerifyTwilioSignature("other-token", url, *form, request.headers.at("x-twilio-signature")));
    return *form;
  }

  HttpSink receiver_;
};

TEST_F(TwilioCallbackTest, SignedStatusCallback) {
  const SendResult sent = SendOne(Message("c1:0"));
  ASSERT_EQ(sent.outcome, Outcome::kAccepted);
  const std::string url = receiver_.BaseUrl() + "/twilio/status?org=org_1";
  const ogw::testing::FakeTwilioCallback callback =
      fake_.SendStatusCallback(url, sent.provider_message_id, "undelivered", 30003);
  EXPECT_EQ(callback.status, 200);
  const absl::StatusOr<TwilioStatusUpdate> update = ParseTwilioStatusUpdate(VerifiedForm(url));
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->message_sid, sent.provider_message_id);
  EXPECT_EQ(update->status, "undelivered");
  EXPECT_EQ(update->error_code, 30003);
  EXPECT_EQ(update->to, "+4917012345678");
  EXPECT_EQ(update->from, "+15005550006");
}

TEST_F(TwilioCallbackTest, SignedInboundStopOptsTheSenderOut) {
  const std::string url = receiver_.BaseUrl() + "/twilio/inbound";
  ogw::testing::FakeTwilioCallback callback =
      fake_.SendInboundSms(url, "+4917012345678", "+15005550006", "stop");
  EXPECT_EQ(callback.status, 200);
  absl::StatusOr<TwilioInboundSms> sms = ParseTwilioInboundSms(VerifiedForm(url));
  ASSERT_TRUE(sms.ok()) << sms.status();
  EXPECT_EQ(sms->message_sid, callback.message_sid);
  EXPECT_EQ(sms->from, "+4917012345678");
  EXPECT_EQ(sms->body, "stop");
  EXPECT_EQ(sms->opt_out_type, "STOP");
  EXPECT_EQ(SendOne(Message("c1:0")).outcome, Outcome::kOptedOut);

  callback = fake_.SendInboundSms(url, "+4917012345678", "+15005550006", "Grüße, START again");
  sms = ParseTwilioInboundSms(VerifiedForm(url));
  ASSERT_TRUE(sms.ok());
  EXPECT_EQ(sms->body, "Grüße, START again");
  EXPECT_EQ(sms->opt_out_type, "");  // Only a message that is just a keyword counts.
  callback = fake_.SendInboundSms(url, "+4917012345678", "+15005550006", "START");
  sms = ParseTwilioInboundSms(VerifiedForm(url));
  ASSERT_TRUE(sms.ok());
  EXPECT_EQ(sms->opt_out_type, "START");
  EXPECT_EQ(SendOne(Message("c1:1")).outcome, Outcome::kAccepted);
}

}  // namespace
}  // namespace ogw
