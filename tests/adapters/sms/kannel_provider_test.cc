// KannelProvider against HttpSink answering as smsbox does, on a loopback port. Without a
// server: kannel_classify_test.cc (requests and answers) and kannel_webhooks_test.cc (delivery
// reports and incoming SMS); against a real Kannel: kannel_e2e_test.cc.

#include "adapters/sms/kannel_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "adapters/sms/kannel_webhooks.h"
#include "tests/adapters/sms/kannel_test_util.h"
#include "tests/testutil/http_sink.h"
#include "tests/testutil/provider_test_util.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;
using Outcome = SendResult::Outcome;
using kannel_test::kDlrSecret;
using kannel_test::kPassword;
using kannel_test::kProvider;
using kannel_test::Message;
using kannel_test::Param;
using kannel_test::Query;
using ogw::testing::AnswerAlways;
using ogw::testing::ContainsNoneOf;
using ogw::testing::DumpResult;
using ogw::testing::HttpSink;
using ogw::testing::RefusingPort;
using ogw::testing::SendThrough;
using ogw::testing::SinkRequest;
using ogw::testing::SinkResponse;

constexpr char kDlrBase[] = "http://127.0.0.1:8080/v1/inbound/kannel/kannel-test/dlr";

void ExpectNoSecrets(const SendResult& r) {
  EXPECT_THAT(DumpResult(r), ContainsNoneOf({kPassword, kDlrSecret}));
}

class KannelProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(sink_.Start(0, &error)) << error;
    sink_.set_recording(100);
    Answer(202, "0: Accepted for delivery");
  }

  // smsbox answers text/html, whatever its text.
  void Answer(int status, std::string body) {
    sink_.set_responder(AnswerAlways({status, {{"Content-Type", "text/html"}}, std::move(body)}));
  }

  KannelConfig Config() const {
    KannelConfig config;
    config.name = kProvider;
    config.sendsms_url = sink_.BaseUrl() + "/cgi-bin/sendsms";
    config.username = "gateway";
    config.password = kPassword;
    config.from = "+15550001";
    config.dlr_url_base = kDlrBase;
    config.dlr_secret = kDlrSecret;
    config.timeout_ms = 5000;
    return config;
  }

  static SendResult SendOne(const KannelConfig& config, const OutboundMessage& message) {
    KannelProvider provider(config);
    const SendResult result = SendThrough(provider, message);
    ExpectNoSecrets(result);
    return result;
  }
  SendResult SendOne(const OutboundMessage& message) { return SendOne(Config(), message); }

  SinkRequest LastRequest() const {
    const std::vector<SinkRequest> seen = sink_.Recorded();
    EXPECT_FALSE(seen.empty());
    return seen.empty() ? SinkRequest{} : seen.back();
  }

  HttpSink sink_;
};

// --- Requests -----------------------------------------------------------------------------------

TEST_F(KannelProviderTest, AcceptedGetWithEveryParameter) {
  const SendResult r = SendOne(Message("c1:0"));
  ASSERT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
  EXPECT_EQ(r.code, "");
  EXPECT_EQ(r.provider_message_id, "");  // Kannel names no id; reports carry the gateway's.

  const SinkRequest request = LastRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.body, "");
  EXPECT_THAT(request.path, StartsWith("/cgi-bin/sendsms?username=gateway&password="));
  const std::string dlr_url = std::string(kDlrBase) +
                              "?id=c1%%3A0&sig=" + KannelDlrSignature(kDlrSecret, "c1:0") +
                              "&type=%d&to=%p&answer=%A&fid=%F&ts=%T";
  EXPECT_THAT(Query(request.path),
              ElementsAre(Pair("username", "gateway"), Pair("password", kPassword),
                          Pair("to", "+4917012345678"), Pair("from", "+15550001"),
                          Pair("text", Message("").text), Pair("charset", "UTF-8"),
                          Pair("dlr-mask", "31"), Pair("dlr-url", dlr_url)));
  // '+' must arrive as %2B: smsbox reads a bare '+' as a space.
  EXPECT_THAT(request.path, HasSubstr("&to=%2B4917012345678&from=%2B15550001&"));
  EXPECT_THAT(request.path, Not(HasSubstr("+")));
}

TEST_F(KannelProviderTest, TextOutsideGsm7GoesAsUcs2) {
  struct Case {
    std::string text;
    bool ucs2;
  };
  const std::vector<Case> cases = {
      {"Plain ASCII with {braces} [brackets] ~tilde | pipe \\ and ^", false},
      {"Euro € and £ ¥ è é ù ì ò Ç Ø ø Å å Æ æ ß É ¤ ¡ Ä Ö Ñ Ü § ¿ ä ö ñ ü à", false},
      {"Greek capitals of GSM-7: Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ", false},
      {"line\nbreak\rand form\ffeed", false},
      {"مرحبا، موعدك يوم الجمعة", true},         // Arabic.
      {"Здравствуйте! Приём в пятницу.", true},  // Cyrillic.
      {"Γεια σας", true},                        // Greek small letters are not GSM-7.
      {"ça va", true},                           // Only capital Ç is.
      {"back`tick", true},
      {"tab\there", true},
      {"smile 🙂", true},
  };
  KannelProvider provider(Config());
  for (const Case& c : cases) {
    OutboundMessage m = Message("c1:0");
    m.text = c.text;
    SendResult r;
    provider.SendBatch({&m, 1}, {&r, 1});
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << c.text;
    const FormParams query = Query(LastRequest().path);
    EXPECT_EQ(Param(query, "text"), c.text);
    EXPECT_EQ(Param(query, "charset"), "UTF-8");
    EXPECT_EQ(Param(query, "coding"), c.ucs2 ? "2" : "<absent>") << c.text;
    EXPECT_EQ(KannelProvider::IsGsm7(c.text), !c.ucs2) << c.text;
  }
  // UTF-8 travels percent-encoded byte by byte.
  OutboundMessage arabic = Message("c1:1");
  arabic.text = "مرحبا";
  EXPECT_THAT(KannelProvider::RequestUrl(Config(), arabic),
              HasSubstr("&text=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7&charset=UTF-8&coding=2&"));
}

TEST_F(KannelProviderTest, MessageSenderSmscAndNoReports) {
  KannelConfig config = Config();
  config.smsc = "smpp-eu";
  config.dlr_url_base = "";
  OutboundMessage m = Message("c1:0");
  m.from = "Embassy";
  ASSERT_EQ(SendOne(config, m).outcome, Outcome::kAccepted);
  EXPECT_THAT(Query(LastRequest().path),
              ElementsAre(Pair("username", "gateway"), Pair("password", kPassword),
                          Pair("to", "+4917012345678"), Pair("from", "Embassy"),
                          Pair("text", m.text), Pair("charset", "UTF-8"), Pair("smsc", "smpp-eu")));
  config.from = "";
  ASSERT_EQ(SendOne(config, Message("c1:1")).outcome, Outcome::kAccepted);
  EXPECT_EQ(Param(Query(LastRequest().path), "from"), "<absent>");  // smsbox's default-sender.
}

// --- Answers over HTTP --------------------------------------------------------------------------

TEST_F(KannelProviderTest, AnswersOverHttp) {
  Answer(403, "Authorization failed for sendsms");
  SendResult r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "kannel_403");
  EXPECT_EQ(r.reason, "Authorization failed for sendsms");

  Answer(503, "Temporal failure, try again later.");
  r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "kannel_503");

  Answer(202, "3: Queued for later delivery");
  EXPECT_EQ(SendOne(Message("c1:0")).outcome, Outcome::kAccepted);

  // A server that echoes the request (and with it the password) in its error.
  sink_.set_responder([](const SinkRequest& request) {
    return SinkResponse{400, {{"Content-Type", "text/plain"}}, "bad request " + request.path};
  });
  r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.reason, "Bad Request");
}

TEST_F(KannelProviderTest, SlowAnswerTimesOut) {
  sink_.set_delay_ms(3000);
  KannelConfig config = Config();
  config.timeout_ms = 200;
  const auto start = std::chrono::steady_clock::now();
  const SendResult r = SendOne(config, Message("c1:0"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "timeout");
}

TEST_F(KannelProviderTest, ClosedPortIsConnectFailure) {
  RefusingPort refusing;
  ASSERT_NE(refusing.port(), 0);
  KannelConfig config = Config();
  config.sendsms_url = refusing.BaseUrl() + "/cgi-bin/sendsms";
  const SendResult r = SendOne(config, Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "connect");
}

TEST_F(KannelProviderTest, WhatSmsboxWouldMishandleIsRefusedWithoutARequest) {
  KannelProvider provider(Config());
  std::vector<OutboundMessage> messages = {
      // smsbox would send to "+4917011111111" and "+4917022222222" both.
      Message("a", "+4917011111111 +4917022222222"),
      Message("b", "+4917033333333"),
      // smsbox would drop the stray byte and send the rest.
      Message("c", "+4917044444444"),
  };
  messages[2].text = "broken \xC3 text";
  std::vector<SendResult> results(messages.size());
  provider.SendBatch(messages, results);
  EXPECT_EQ(results[0].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[0].code, "invalid_address");
  EXPECT_EQ(results[1].outcome, Outcome::kAccepted);
  EXPECT_EQ(results[2].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[2].code, "invalid_text");
  EXPECT_EQ(results[2].reason, "text is not UTF-8");
  EXPECT_EQ(sink_.requests(), 1u);
  EXPECT_EQ(Param(Query(LastRequest().path), "to"), "+4917033333333");
}

TEST_F(KannelProviderTest, BatchIsInFlightTogether) {
  sink_.set_delay_ms(300);
  KannelProvider provider(Config());
  std::vector<OutboundMessage> messages;
  for (int i = 0; i < 50; ++i) {
    messages.push_back(Message("c2:" + std::to_string(i), "+491701" + std::to_string(1000000 + i)));
  }
  std::vector<SendResult> results(messages.size());
  const auto start = std::chrono::steady_clock::now();
  provider.SendBatch(messages, results);
  // One after the other would take 15 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  for (const SendResult& r : results) EXPECT_EQ(r.outcome, Outcome::kAccepted) << DumpResult(r);
  std::set<std::string> recipients;
  std::set<std::string> ids;
  for (const SinkRequest& request : sink_.Recorded()) {
    const FormParams query = Query(request.path);
    recipients.insert(Param(query, "to"));
    ids.insert(Param(query, "dlr-url"));
  }
  EXPECT_EQ(recipients.size(), messages.size());
  EXPECT_EQ(ids.size(), messages.size());
}

}  // namespace
}  // namespace ogw
