#include "adapters/webhook/webhook_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/common/http_batch_client.h"
#include "tests/adapters/webhook/webhook_test_util.h"
#include "tests/testutil/http_sink.h"
#include "tests/testutil/provider_test_util.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Outcome = SendResult::Outcome;
using ogw::testing::AnswerAlways;
using ogw::testing::ContainsNoneOf;
using ogw::testing::DumpResult;
using ogw::testing::HttpSink;
using ogw::testing::RefusingPort;
using ogw::testing::SendThrough;
using ogw::testing::SinkRequest;
using ogw::testing::SinkResponse;
using webhook_test::kSecret;
using webhook_test::Message;

std::vector<OutboundMessage> Messages(const std::string& prefix, size_t count) {
  std::vector<OutboundMessage> messages;
  messages.reserve(count);
  for (size_t i = 0; i < count; ++i) messages.push_back(Message(prefix + std::to_string(i)));
  return messages;
}

class WebhookProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(sink_.Start(0, &error)) << error;
  }

  WebhookConfig Config() const {
    WebhookConfig config;
    config.name = "webhook-test";
    config.url = sink_.BaseUrl() + "/v1/messages";
    config.auth_header = std::string("Authorization: Bearer ") + kSecret;
    config.timeout_ms = 10000;
    return config;
  }

  SendResult SendOne(const OutboundMessage& message, WebhookConfig config) {
    WebhookProvider provider(std::move(config));
    return SendThrough(provider, message);
  }
  SendResult SendOne(const OutboundMessage& message) { return SendOne(message, Config()); }

  void RespondWith(int status, std::string body,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    sink_.set_responder(AnswerAlways({status, std::move(headers), std::move(body)}));
  }

  HttpSink sink_;
};

TEST_F(WebhookProviderTest, AcceptedWithProviderMessageId) {
  const SendResult r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
  EXPECT_EQ(r.provider_message_id, "sink-1");
  EXPECT_EQ(r.code, "");
  EXPECT_EQ(sink_.requests(), 1u);
}

TEST_F(WebhookProviderTest, AcceptedWithoutJsonHasNoProviderId) {
  RespondWith(202, "queued");
  const SendResult r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kAccepted);
  EXPECT_EQ(r.provider_message_id, "");
}

TEST_F(WebhookProviderTest, ServiceUnavailableIsTransient) {
  RespondWith(503, "<html>down for maintenance</html>", {{"Content-Type", "text/html"}});
  const SendResult r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "http_503");
  EXPECT_EQ(r.reason, "Service Unavailable");
  EXPECT_EQ(r.retry_after_millis, 0);
}

TEST_F(WebhookProviderTest, TooManyRequestsHonoursRetryAfterSeconds) {
  RespondWith(429, R"({"message":"slow down"})", {{"Retry-After", "7"}});
  const SendResult r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "http_429");
  EXPECT_EQ(r.retry_after_millis, 7000);
  EXPECT_EQ(r.reason, "slow down");
}

TEST_F(WebhookProviderTest, RequestTimeoutAndTooEarlyAreTransient) {
  for (int status : {408, 425, 500, 502, 504}) {
    RespondWith(status, "{}");
    const SendResult r = SendOne(Message("c1:0"));
    EXPECT_EQ(r.outcome, Outcome::kTransient) << status;
    EXPECT_EQ(r.code, "http_" + std::to_string(status));
  }
}

TEST_F(WebhookProviderTest, BadRequestIsPermanentWithProviderReason) {
  RespondWith(400, R"({"error":"invalid number"})");
  const SendResult r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "http_400");
  EXPECT_EQ(r.reason, "invalid number");
}

TEST_F(WebhookProviderTest, PermanentReasonFallsBackToStatusTextAndIsTruncated) {
  RespondWith(404, "not json");
  SendResult r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "http_404");
  EXPECT_EQ(r.reason, "Not Found");

  // 150 two-byte characters: the cut at 200 bytes must not split one.
  std::string long_error;
  for (int i = 0; i < 150; ++i) long_error += "é";
  RespondWith(422, nlohmann::json({{"error", {{"message", long_error}}}}).dump());
  r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.reason, long_error.substr(0, 200));
}

TEST_F(WebhookProviderTest, OptedOutCodeWithAnyClientErrorIsOptOut) {
  RespondWith(400, R"({"code":"opted_out","message":"recipient unsubscribed"})");
  SendResult r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kOptedOut);
  EXPECT_EQ(r.code, "opted_out");
  EXPECT_EQ(r.reason, "recipient unsubscribed");

  RespondWith(403, R"({"code":"opted_out"})");
  r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kOptedOut);
  EXPECT_EQ(r.reason, "Forbidden");
}

TEST_F(WebhookProviderTest, SlowAnswerTimesOut) {
  sink_.set_delay_ms(5000);
  WebhookConfig config = Config();
  config.timeout_ms = 200;
  const SendResult r = SendOne(Message("c1:0"), config);
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "timeout");
  EXPECT_THAT(r.reason, Not(HasSubstr("Γεια")));
}

TEST_F(WebhookProviderTest, ClosedPortIsConnectFailure) {
  RefusingPort refusing;
  ASSERT_NE(refusing.port(), 0);
  WebhookConfig config = Config();
  config.url = refusing.BaseUrl() + "/v1/messages";

  const SendResult r = SendOne(Message("c1:0"), config);
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "connect");
  EXPECT_FALSE(r.reason.empty());
}

TEST_F(WebhookProviderTest, PostsMessageAsJsonWithAuthHeaderThatNeverShowsInResults) {
  sink_.set_recording(10);
  OutboundMessage email = Message("camp_7:42");
  email.channel = Channel::kEmail;
  email.to = "nino.beridze@example.org";
  email.from = "news@example.org";
  email.subject = "გამარჯობა — news";
  email.text = "Plain part";
  email.html = "<p>HTML part</p>";
  const SendResult r = SendOne(email);
  ASSERT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);

  const std::vector<SinkRequest> seen = sink_.Recorded();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/v1/messages");
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(seen[0].headers.at("authorization"), std::string("Bearer ") + kSecret);
  const nlohmann::json body = nlohmann::json::parse(seen[0].body);
  EXPECT_EQ(body, nlohmann::json({{"id", "camp_7:42"},
                                  {"channel", "email"},
                                  {"to", "nino.beridze@example.org"},
                                  {"from", "news@example.org"},
                                  {"subject", "გამარჯობა — news"},
                                  {"text", "Plain part"},
                                  {"text_format", "plain"},
                                  {"html", "<p>HTML part</p>"}}));
  EXPECT_THAT(DumpResult(r), ContainsNoneOf({kSecret}));
}

TEST_F(WebhookProviderTest, FilesTravelAsBase64WithTheirNamesAndTypes) {
  sink_.set_recording(10);
  OutboundMessage email = Message("camp_7:43");
  Attachment& file = email.attachments.emplace_back();
  file.filename = "invite.ics";
  file.content_type = "text/calendar; charset=UTF-8; method=PUBLISH";
  file.data = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
  ASSERT_EQ(SendOne(email).outcome, Outcome::kAccepted);
  const std::vector<SinkRequest> seen = sink_.Recorded();
  ASSERT_EQ(seen.size(), 1u);
  const nlohmann::json body = nlohmann::json::parse(seen[0].body);
  EXPECT_EQ(body["attachments"],
            nlohmann::json::array({{{"filename", "invite.ics"},
                                    {"content_type", "text/calendar; charset=UTF-8; method=PUBLISH"},
                                    {"content_base64", "QkVHSU46VkNBTEVOREFSDQpFTkQ6VkNBTEVOREFSDQo="}}}));
}

TEST_F(WebhookProviderTest, ProviderEchoesNeverReachTheReason) {
  // A careless provider quotes the credential, or the message, back in its error.
  sink_.set_responder([](const SinkRequest& request) {
    const nlohmann::json body = nlohmann::json::parse(request.body);
    if (body["id"] == "echo-auth") {
      return SinkResponse{
          401,
          {},
          nlohmann::json({{"error", "bad token " + request.headers.at("authorization")}}).dump()};
    }
    return SinkResponse{
        400,
        {},
        nlohmann::json({{"error", "rejected: " + body["text"].get<std::string>()}}).dump()};
  });
  WebhookProvider provider(Config());
  const std::vector<OutboundMessage> messages = {Message("echo-auth"), Message("echo-text")};
  std::vector<SendResult> results(messages.size());
  provider.SendBatch(messages, results);

  EXPECT_EQ(results[0].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[0].code, "http_401");
  EXPECT_EQ(results[0].reason, "Unauthorized");
  EXPECT_EQ(results[1].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[1].reason, "Bad Request");
  for (const SendResult& r : results) {
    EXPECT_THAT(DumpResult(r), ContainsNoneOf({kSecret}));
    EXPECT_THAT(DumpResult(r), Not(HasSubstr("Meeting on Friday")));
  }
}

TEST_F(WebhookProviderTest, LargeBatchIsInFlightAtOnce) {
  // 2000 answers each 50 ms late: only concurrency lets the sink see more than 100 sockets.
  sink_.set_delay_ms(50);
  WebhookProvider provider(Config());
  const std::vector<OutboundMessage> messages = Messages("c2:", 2000);
  std::vector<SendResult> results(messages.size());
  provider.SendBatch(messages, results);

  std::set<std::string> ids;
  for (const SendResult& r : results) {
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
    ids.insert(r.provider_message_id);
  }
  EXPECT_EQ(ids.size(), messages.size());
  EXPECT_EQ(sink_.requests(), messages.size());
  EXPECT_GT(sink_.peak_connections(), 100);
}

TEST_F(WebhookProviderTest, ConcurrentBatchesFromTwoThreadsGetTheirOwnAnswers) {
  sink_.set_delay_ms(10);
  sink_.set_responder([](const SinkRequest& request) {
    const nlohmann::json body = nlohmann::json::parse(request.body);
    return SinkResponse{
        200, {}, nlohmann::json({{"id", "p-" + body["id"].get<std::string>()}}).dump()};
  });
  WebhookProvider provider(Config());
  const std::vector<OutboundMessage> a = Messages("a:", 300);
  const std::vector<OutboundMessage> b = Messages("b:", 300);
  std::vector<SendResult> ra(a.size());
  std::vector<SendResult> rb(b.size());
  std::thread ta([&] { provider.SendBatch(a, ra); });
  std::thread tb([&] { provider.SendBatch(b, rb); });
  ta.join();
  tb.join();

  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(ra[i].outcome, Outcome::kAccepted) << DumpResult(ra[i]);
    EXPECT_EQ(ra[i].provider_message_id, "p-" + a[i].message_id);
    EXPECT_EQ(rb[i].outcome, Outcome::kAccepted) << DumpResult(rb[i]);
    EXPECT_EQ(rb[i].provider_message_id, "p-" + b[i].message_id);
  }
  EXPECT_EQ(sink_.requests(), a.size() + b.size());
}

// Sends `count` messages twice through one client with `max_in_flight` requests on the wire,
// answers 20 ms late so that a wave stays on the wire together; the second batch must open no
// connection. Returns how many the first opened.
uint64_t ConnectionsOfTwoBatches(HttpSink& sink, WebhookConfig config, size_t max_in_flight,
                                 const std::string& prefix, size_t count) {
  sink.set_delay_ms(20);
  config.max_in_flight = max_in_flight;
  config.clients = 1;
  WebhookProvider provider(config);
  const std::vector<OutboundMessage> messages = Messages(prefix, count);
  std::vector<SendResult> results(messages.size());

  provider.SendBatch(messages, results);
  for (const SendResult& r : results) EXPECT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
  const uint64_t after_first = sink.connections_accepted();
  provider.SendBatch(messages, results);

  for (const SendResult& r : results) EXPECT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
  EXPECT_EQ(sink.requests(), 2 * count);
  EXPECT_EQ(sink.connections_accepted(), after_first);
  return after_first;
}

TEST_F(WebhookProviderTest, SuccessiveBatchesReuseConnections) {
  EXPECT_LE(ConnectionsOfTwoBatches(sink_, Config(), 10, "c3:", 100), 10u);
}

TEST_F(WebhookProviderTest, SuccessiveBatchesReuseConnectionsSpreadOverSeveralMultiHandles) {
  // 100 in flight take four of the client's multi handles (32 transfers each); each keeps its
  // own connections.
  const uint64_t opened = ConnectionsOfTwoBatches(sink_, Config(), 100, "c4:", 400);
  EXPECT_GT(opened, 32u);  // More than one multi handle's worth were on the wire at once.
  EXPECT_LE(opened, 100u);
}

TEST_F(WebhookProviderTest, OneClientKeepsEachRequestsMethodHeadersAndBodyApart) {
  // One transfer handle (one in flight) serves every request in turn, so what one request set
  // (a body, a method, a header) must not reach the next, whether the method changes or not.
  struct Case {
    HttpRequest request;
    std::string x_a;  // The X-A header the sink must see ("" = none).
  };
  const std::string url = sink_.BaseUrl() + "/r";
  const std::vector<Case> cases = {
      {{"POST", url + "0", {"X-A: 1"}, "first"}, "1"},
      {{"POST", url + "1", {"X-A: 1"}, "second"}, "1"},
      {{"POST", url + "2", {}, "third"}, ""},      // Same method, header gone.
      {{"POST", url + "3", {"X-A: 4"}, ""}, "4"},  // Same method, empty body.
      {{"GET", url + "4", {}, ""}, ""},
      {{"PUT", url + "5", {"X-A: 5"}, "fourth"}, "5"},
      {{"PUT", url + "6", {"X-A: 5"}, "fifth"}, "5"},
      {{"POST", url + "7", {}, "sixth"}, ""},
      {{"HEAD", url + "8", {"X-A: 8"}, ""}, "8"},
      {{"POST", url + "9", {"X-A: 9"}, "seventh"}, "9"},  // After HEAD: a body again.
  };
  sink_.set_recording(cases.size());
  HttpBatchClientOptions options;
  options.max_in_flight = 1;
  HttpBatchClient client(options);
  std::vector<HttpRequest> requests;
  for (const Case& c : cases) requests.push_back(c.request);
  std::vector<HttpResponse> responses(requests.size());
  client.Perform(requests, responses);

  const std::vector<SinkRequest> seen = sink_.Recorded();
  ASSERT_EQ(seen.size(), cases.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    const HttpRequest& sent = cases[i].request;
    EXPECT_EQ(responses[i].status, 200) << i << " " << responses[i].error;
    EXPECT_EQ(seen[i].method, sent.method) << i;
    EXPECT_EQ(seen[i].path, "/r" + std::to_string(i)) << i;
    EXPECT_EQ(seen[i].body, sent.body) << i;
    EXPECT_EQ(seen[i].headers.count("x-a") ? seen[i].headers.at("x-a") : "", cases[i].x_a) << i;
    if (sent.method == "POST" || sent.method == "PUT") {
      ASSERT_TRUE(seen[i].headers.count("content-length")) << i;
      EXPECT_EQ(seen[i].headers.at("content-length"), std::to_string(sent.body.size())) << i;
    }
  }
}

TEST_F(WebhookProviderTest, RequestsOnEveryMultiHandleTimeOut) {
  // 100 requests in flight span four multi handles, each with its own timer: every one of them
  // must time out, not only those of the first.
  sink_.set_delay_ms(5000);
  WebhookConfig config = Config();
  config.timeout_ms = 200;
  config.max_in_flight = 100;
  WebhookProvider provider(config);
  const std::vector<OutboundMessage> messages = Messages("t:", 100);
  std::vector<SendResult> results(messages.size());
  const auto start = std::chrono::steady_clock::now();
  provider.SendBatch(messages, results);
  const auto took = std::chrono::steady_clock::now() - start;

  for (const SendResult& r : results) {
    EXPECT_EQ(r.outcome, Outcome::kTransient) << DumpResult(r);
    EXPECT_EQ(r.code, "timeout") << DumpResult(r);
  }
  EXPECT_LT(took, std::chrono::seconds(3));  // Well before the sink would have answered.
}

}  // namespace
}  // namespace ogw
