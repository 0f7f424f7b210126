// KannelProvider and the Kannel callback parsers against a real Kannel 1.4 (bearerbox, smsbox
// and fakesmsc from Debian's kannel and kannel-extras), all on loopback ports.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/common/http_answer.h"
#include "adapters/common/http_batch_client.h"
#include "adapters/sms/kannel_provider.h"
#include "adapters/sms/kannel_webhooks.h"
#include "adapters/sms/twilio_webhooks.h"
#include "gateway/core/text.h"
#include "tests/adapters/sms/kannel_test_util.h"
#include "tests/servers/kannel_server.h"
#include "tests/testutil/http_sink.h"
#include "tests/testutil/provider_test_util.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;
using Outcome = SendResult::Outcome;
using State = DeliveryReport::State;
using kannel_test::Query;
using ogw::testing::ContainsNoneOf;
using ogw::testing::DumpResult;
using ogw::testing::FakeSmscMessage;
using ogw::testing::HttpSink;
using ogw::testing::KannelServer;
using ogw::testing::KannelServerOptions;
using ogw::testing::SinkRequest;
using ogw::testing::TestSms;

constexpr char kProvider[] = "kannel-e2e";
constexpr char kSecret[] = "e2e-callback-secret-42";
constexpr char kSender[] = "+15550001";
constexpr auto kWait = std::chrono::seconds(8);
constexpr char kDlrPath[] = "/v1/inbound/kannel/kannel-e2e/dlr";
constexpr char kSmsPath[] = "/v1/inbound/kannel/kannel-e2e/sms";

// The sink's recorded requests once at least `count` have arrived, or after kWait.
std::vector<SinkRequest> WaitForRequests(const HttpSink& sink, size_t count) {
  return ogw::testing::WaitForRequests(sink, count, kWait);
}

std::map<std::string, FakeSmscMessage> ByRecipient(const std::vector<FakeSmscMessage>& all) {
  std::map<std::string, FakeSmscMessage> by_to;
  for (const FakeSmscMessage& m : all) by_to[m.to] = m;
  return by_to;
}

class KannelE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(dlr_sink_.Start(0, &error)) << error;
    ASSERT_TRUE(sms_sink_.Start(0, &error)) << error;
    dlr_sink_.set_recording(200);
    sms_sink_.set_recording(200);
    KannelServerOptions options;
    options.sms_service_get_url =
        KannelSmsServiceGetUrl(sms_sink_.BaseUrl() + kSmsPath, kSecret, kProvider);
    kannel_ = std::make_unique<KannelServer>(options);
    const absl::Status started = kannel_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  void TearDown() override {
    if (HasFailure() && kannel_ != nullptr) std::cerr << kannel_->LogTails();
  }

  KannelConfig Config() const {
    KannelConfig config;
    config.name = kProvider;
    config.sendsms_url = kannel_->SendsmsUrl();
    config.username = kannel_->username();
    config.password = kannel_->password();
    config.from = kSender;
    config.dlr_url_base = dlr_sink_.BaseUrl() + kDlrPath;
    config.dlr_secret = kSecret;
    config.timeout_ms = 5000;
    return config;
  }

  static std::vector<SendResult> Send(const KannelConfig& config,
                                      const std::vector<OutboundMessage>& messages) {
    KannelProvider provider(config);
    std::vector<SendResult> results(messages.size());
    provider.SendBatch(messages, results);
    for (const SendResult& r : results) {
      EXPECT_THAT(DumpResult(r), ContainsNoneOf({config.password, kSecret}));
    }
    return results;
  }

  HttpSink dlr_sink_;
  HttpSink sms_sink_;
  std::unique_ptr<KannelServer> kannel_;
};

TEST_F(KannelE2eTest, LatinUnicodeAndLongTextsReachThePhone) {
  std::string long_latin = "Consular notice: ";
  while (long_latin.size() < 400) long_latin += "office hours change on Friday, bring your ID. ";
  std::string long_cyrillic;
  while (long_cyrillic.size() < 150 * 2) long_cyrillic += "Приём в пятницу. ";
  const std::vector<OutboundMessage> messages = {
      TestSms("c1:0", "+46701234567", "Hello from the embassy {fee: €5} [Mon-Fri] ~ä ö ü ß"),
      TestSms("c1:1", "+46701234568", "مرحبا، موعدك يوم الجمعة الساعة ١٠"),
      TestSms("c1:2", "+46701234569",
              "Здравствуйте! Ваш паспорт готов 🙂"),
      TestSms("c1:3", "+46701234570", long_latin),
      TestSms("c1:4", "+46701234571", long_cyrillic),
  };
  const std::vector<SendResult> results = Send(Config(), messages);
  for (const SendResult& r : results) EXPECT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);

  const std::map<std::string, FakeSmscMessage> got =
      ByRecipient(kannel_->WaitForMessages(messages.size(), kWait));
  ASSERT_EQ(got.size(), messages.size());
  for (const OutboundMessage& m : messages) EXPECT_EQ(got.at(m.to).from, kSender) << m.to;
  // GSM-7 text (extension characters included) as coding 0, the rest as UCS-2.
  EXPECT_EQ(got.at("+46701234567").type, "text");
  EXPECT_EQ(got.at("+46701234567").Text(), messages[0].text);
  EXPECT_EQ(got.at("+46701234568").type, "ucs-2");
  EXPECT_EQ(got.at("+46701234568").Text(), messages[1].text);
  EXPECT_EQ(got.at("+46701234569").type, "ucs-2");
  EXPECT_EQ(got.at("+46701234569").Text(), messages[2].text);
  // Long texts in concatenated parts: 153 GSM-7 characters or 67 UCS-2 ones each.
  EXPECT_EQ(got.at("+46701234570").type, "udh");
  EXPECT_EQ(got.at("+46701234570").parts, 3);
  EXPECT_EQ(got.at("+46701234570").payload, long_latin);
  EXPECT_EQ(got.at("+46701234571").parts, 3);
  EXPECT_EQ(got.at("+46701234571").Ucs2Text(), long_cyrillic);
}

TEST_F(KannelE2eTest, BatchOfThirtyInFlightTogetherAllArrive) {
  std::vector<OutboundMessage> messages;
  for (int i = 0; i < 30; ++i) {
    messages.push_back(TestSms("c2:" + std::to_string(i), "+4670100" + std::to_string(1000 + i),
                               "Reminder " + std::to_string(i)));
  }
  const std::vector<SendResult> results = Send(Config(), messages);
  for (const SendResult& r : results) EXPECT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
  const std::map<std::string, FakeSmscMessage> got =
      ByRecipient(kannel_->WaitForMessages(messages.size(), kWait));
  ASSERT_EQ(got.size(), messages.size());
  for (const OutboundMessage& m : messages) EXPECT_EQ(got.at(m.to).Text(), m.text);
}

TEST_F(KannelE2eTest, DeliveryReportsComeBackSignedForEachMessage) {
  KannelConfig config = Config();
  // A base with its own query: its '%' must survive Kannel too.
  config.dlr_url_base = dlr_sink_.BaseUrl() + kDlrPath + "?org=org%2F1";
  // Ids whose percent-encoding has bytes Kannel would read as escapes (%C3 as %C).
  const std::vector<OutboundMessage> messages = {
      TestSms("c3:0", "+46701234567", "First"),
      TestSms("dm:ünï 1", "+46701234568", "Second"),
      TestSms("c3:2", "+46701234569", "Привет"),
  };
  for (const SendResult& r : Send(config, messages)) {
    EXPECT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
  }

  // The fake SMSC reports 8 (accepted by the SMSC) and 1 (delivered) for each message.
  const std::vector<SinkRequest> seen = WaitForRequests(dlr_sink_, 2 * messages.size());
  std::map<std::string, std::set<int>> types;
  for (const SinkRequest& request : seen) {
    EXPECT_EQ(request.method, "GET");
    EXPECT_THAT(request.path, StartsWith(std::string(kDlrPath) + "?org=org%2F1&id="));
    const FormParams query = Query(request.path);
    EXPECT_EQ(query.front(), (std::pair<std::string, std::string>("org", "org/1")));
    const absl::StatusOr<KannelDlr> dlr = ParseKannelDlr(query, kProvider, kSecret);
    ASSERT_TRUE(dlr.ok()) << dlr.status() << " for " << request.path;
    const DeliveryReport& report = dlr->report;
    types[report.message_id].insert(dlr->type);
    EXPECT_EQ(report.provider, kProvider);
    EXPECT_EQ(report.code, "dlr_" + std::to_string(dlr->type));
    EXPECT_NEAR(static_cast<double>(dlr->reported_at_ms),
                static_cast<double>(std::time(nullptr)) * 1000, 60000);
    bool known = false;
    for (const OutboundMessage& m : messages) {
      if (m.message_id != report.message_id) continue;
      known = true;
      EXPECT_EQ(report.to, m.to);
    }
    EXPECT_TRUE(known) << report.message_id;
    if (dlr->type == 8) {
      EXPECT_EQ(report.state, State::kSent);
      EXPECT_EQ(report.reason, "ACK/");
    } else {
      EXPECT_EQ(dlr->type, 1);
      EXPECT_EQ(report.state, State::kDelivered);
      // The fake SMSC's message id (a UUID) is Kannel's foreign id.
      EXPECT_THAT(report.provider_message_id, MatchesRegex("[0-9a-f-]{36}"));
    }
    std::string signature;
    for (const auto& [name, value] : query) {
      if (name == "sig") signature = value;
    }
    EXPECT_TRUE(VerifyKannelDlr(kSecret, report.message_id, signature));
    EXPECT_FALSE(VerifyKannelDlr("another-secret", report.message_id, signature));
    EXPECT_EQ(ParseKannelDlr(query, kProvider, "another-secret").status().code(),
              absl::StatusCode::kPermissionDenied);
  }
  for (const OutboundMessage& m : messages) {
    EXPECT_EQ(types[m.message_id], (std::set<int>{1, 8})) << m.message_id;
  }
  EXPECT_EQ(types.size(), messages.size());
}

TEST_F(KannelE2eTest, IncomingSmsReachesTheSmsService) {
  const auto before_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
  ASSERT_TRUE(kannel_->SendMo("+46701234567", kSender, "STOP").ok());
  ASSERT_TRUE(kannel_->SendMo("+46701234567", kSender, "Stop  please,   thanks").ok());
  // Sent by fakesmsc as UCS-2; smsbox's mo-recode makes it UTF-8.
  ASSERT_TRUE(
      kannel_->SendMo("+46709876543", kSender, "Здравствуйте, СТОП 🙂").ok());

  const std::vector<SinkRequest> seen = WaitForRequests(sms_sink_, 3);
  ASSERT_EQ(seen.size(), 3u);
  std::map<std::string, InboundMessage> by_text;
  std::set<std::string> ids;
  for (const SinkRequest& request : seen) {
    EXPECT_EQ(request.method, "GET");
    EXPECT_THAT(request.path, StartsWith(std::string(kSmsPath) + "?id="));
    const FormParams query = Query(request.path);
    const absl::StatusOr<InboundMessage> message = ParseKannelInboundSms(query, kProvider, kSecret);
    ASSERT_TRUE(message.ok()) << message.status() << " for " << request.path;
    EXPECT_EQ(message->provider, kProvider);
    EXPECT_EQ(message->channel, Channel::kSms);
    EXPECT_EQ(message->to, kSender);
    // %I: bearerbox's UUID for the message, unique per message.
    EXPECT_THAT(message->provider_message_id, MatchesRegex("[0-9a-f-]{36}"));
    ids.insert(message->provider_message_id);
    EXPECT_GE(message->received_at_ms, before_ms - 1000);
    EXPECT_LE(message->received_at_ms, before_ms + 60000);
    EXPECT_EQ(ParseKannelInboundSms(query, kProvider, "another-secret").status().code(),
              absl::StatusCode::kPermissionDenied);
    by_text[message->text] = *message;
  }
  EXPECT_EQ(ids.size(), 3u);
  ASSERT_EQ(by_text.count("STOP"), 1u);
  EXPECT_EQ(by_text["STOP"].from, "+46701234567");
  ASSERT_EQ(by_text.count("Stop  please,   thanks"), 1u);  // %b keeps every space.
  ASSERT_EQ(by_text.count("Здравствуйте, СТОП 🙂"), 1u);
  EXPECT_EQ(by_text["Здравствуйте, СТОП 🙂"].from, "+46709876543");
  // The gateway's answer is no SMS reply: fakesmsc got nothing back.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(kannel_->ReceivedMessages().empty());
}

TEST_F(KannelE2eTest, RefusalsArePermanentAndAMissingSmsboxTransient) {
  KannelConfig wrong_password = Config();
  wrong_password.password = "not-the-password";
  SendResult r = Send(wrong_password, {TestSms("c4:0", "+46701234567", "Hello")})[0];
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "kannel_403");
  EXPECT_EQ(r.reason, "Authorization failed for sendsms");

  KannelConfig no_sender = Config();
  no_sender.from = "";
  r = Send(no_sender, {TestSms("c4:1", "+46701234567", "Hello")})[0];
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "kannel_400");
  EXPECT_EQ(r.reason, "Sender missing and no global set, rejected");

  // smsbox would send this with the stray byte dropped; the provider refuses it.
  r = Send(Config(), {TestSms("c4:2", "+46701234567", "broken \xC3 text")})[0];
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "invalid_text");

  r = Send(Config(), {TestSms("c4:3", "", "Hello")})[0];
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.reason, "Empty receiver number not allowed, rejected");

  KannelConfig wrong_path = Config();
  wrong_path.sendsms_url = kannel_->SendsmsUrl() + "-typo";
  r = Send(wrong_path, {TestSms("c4:4", "+46701234567", "Hello")})[0];
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "kannel_404");
  EXPECT_EQ(r.reason, "Unknown request.");

  EXPECT_TRUE(kannel_->WaitForMessages(1, std::chrono::milliseconds(500)).empty());

  kannel_->StopSmsbox();
  const auto start = std::chrono::steady_clock::now();
  r = Send(Config(), {TestSms("c4:5", "+46701234567", "Hello")})[0];
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "connect");
}

TEST_F(KannelE2eTest, QueuedWhileNoSmscIsConnectedThenDelivered) {
  kannel_->StopFakesmsc();
  const OutboundMessage message = TestSms("c5:0", "+46701234567", "Queued until the SMSC is back");
  // What smsbox answers, read raw, and how the provider takes it.
  HttpBatchClient client;
  HttpRequest request;
  request.method = "GET";
  request.url = KannelProvider::RequestUrl(Config(), message);
  HttpResponse response;
  client.Perform({&request, 1}, {&response, 1});
  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(TrimAsciiSpace(response.body), "3: Queued for later delivery");
  EXPECT_EQ(KannelProvider::Classify(response, message, {}, 0).outcome, Outcome::kAccepted);

  ASSERT_TRUE(kannel_->StartFakesmsc().ok());
  const std::vector<FakeSmscMessage> got = kannel_->WaitForMessages(1, kWait);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].to, message.to);
  EXPECT_EQ(got[0].Text(), message.text);
}

}  // namespace
}  // namespace ogw
