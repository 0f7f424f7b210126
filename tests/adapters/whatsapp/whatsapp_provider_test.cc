// WhatsAppProvider against FakeWhatsApp, a stand-in for the Cloud API on a loopback port:
// free text and templates as WhatsApp receives them, the fall-back to the template when
// WhatsApp says the window is closed, and the error answers Meta documents. Without a server:
// whatsapp_send_test.cc and whatsapp_webhooks_test.cc.

#include "adapters/whatsapp/whatsapp_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "adapters/common/circuit_breaker.h"
#include "tests/fakes/fake_whatsapp.h"
#include "tests/testutil/http_sink.h"

namespace ogw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Outcome = SendResult::Outcome;
using ogw::testing::FakeWhatsApp;
using ogw::testing::FakeWhatsAppMessage;

constexpr char kToken[] = "EAAGm0PX4ZCpsBAKZCsystemusertoken0123";
constexpr char kPhoneNumberId[] = "106540352242922";

std::string Dump(const SendResult& r) {
  return std::string(OutcomeName(r.outcome)) + "|" + r.provider_message_id + "|" + r.code + "|" +
         r.reason + "|" + std::to_string(r.retry_after_millis) + "|" +
         std::to_string(r.pause_account_millis);
}

OutboundMessage Message(const std::string& to, bool window_open, bool with_template = false) {
  OutboundMessage m;
  m.message_id = "cmp_1:" + to;
  m.channel = Channel::kWhatsApp;
  m.to = to;
  m.text = "Counselling days on *12 June*: bring your passport.";
  m.text_format = TextFormat::kWhatsAppMarkup;
  m.window_open = window_open;
  if (with_template) {
    ProviderTemplate& t = m.provider_template.emplace();
    t.name = "counselling_days";
    t.language = "en_US";
    t.parameters = {"12 June"};
  }
  return m;
}

class WhatsAppProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(fake_.Start(&error)) << error;
    fake_.AutoStatuses(false);
  }

  WhatsAppConfig Config() {
    WhatsAppConfig config;
    config.name = "whatsapp-berlin";
    config.api_base = fake_.BaseUrl();
    config.phone_number_id = kPhoneNumberId;
    config.access_token = kToken;
    config.timeout_ms = 5000;
    return config;
  }

  std::vector<SendResult> Send(const std::vector<OutboundMessage>& messages) {
    WhatsAppProvider provider(Config());
    std::vector<SendResult> results(messages.size());
    provider.SendBatch(messages, results);
    for (const SendResult& r : results) EXPECT_THAT(Dump(r), Not(HasSubstr(kToken)));
    return results;
  }

  FakeWhatsApp fake_{kPhoneNumberId, kToken, "app-secret-0123456789abcdef"};
};

TEST_F(WhatsAppProviderTest, InsideTheWindowTextAndOutsideItTheTemplate) {
  fake_.OpenWindow("4915112345678");
  const auto results =
      Send({Message("+4915112345678", true, true), Message("+995599123456", false, true)});
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  ASSERT_EQ(results[1].outcome, Outcome::kAccepted) << Dump(results[1]);
  const std::vector<FakeWhatsAppMessage> accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), 2u);
  for (const FakeWhatsAppMessage& m : accepted) {
    if (m.wa_id == "4915112345678") {
      EXPECT_EQ(m.type, "text");
      EXPECT_EQ(m.text, "Counselling days on *12 June*: bring your passport.");
      EXPECT_FALSE(m.preview_url);
      EXPECT_EQ(m.id, results[0].provider_message_id);
      EXPECT_EQ(m.async_error, 0);
    } else {
      EXPECT_EQ(m.type, "template");
      EXPECT_EQ(m.template_name, "counselling_days");
      EXPECT_EQ(m.template_language, "en_US");
      EXPECT_EQ(m.template_parameters, std::vector<std::string>{"12 June"});
      EXPECT_EQ(m.id, results[1].provider_message_id);
    }
    EXPECT_EQ(m.callback_data, "cmp_1:+" + m.wa_id) << "echoed in its statuses";
  }
}

TEST_F(WhatsAppProviderTest, ButtonsAndAFileInsideTheWindowAndAsTheTemplatesPartsOutsideIt) {
  fake_.OpenWindow("4915112345678");
  const MediaLink pdf{MediaLink::Kind::kDocument, "https://example.org/invitation.pdf",
                      "invitation.pdf"};
  OutboundMessage inside = Message("+4915112345678", true);
  inside.buttons = {{"rsvp:yes", "Yes"}, {"rsvp:no", "No"}, {"rsvp:maybe", "Maybe"}};
  inside.media = pdf;
  OutboundMessage outside = Message("+995599123456", false, true);
  outside.buttons = inside.buttons;
  outside.provider_template->header_media = pdf;
  outside.provider_template->button_payloads = {"rsvp:yes", "rsvp:no", "rsvp:maybe"};
  OutboundMessage poster = Message("+4915112345678", true);
  poster.message_id = "cmp_1:poster";
  poster.media = MediaLink{MediaLink::Kind::kImage, "https://example.org/poster.jpg", ""};
  const auto results = Send({inside, outside, poster});
  for (const SendResult& r : results) ASSERT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
  std::map<std::string, FakeWhatsAppMessage> by_id;
  for (const FakeWhatsAppMessage& m : fake_.Accepted()) by_id[m.callback_data] = m;
  const FakeWhatsAppMessage& buttons = by_id["cmp_1:+4915112345678"];
  EXPECT_EQ(buttons.type, "interactive");
  EXPECT_EQ(buttons.interactive_body, inside.text);
  EXPECT_EQ(buttons.button_ids, (std::vector<std::string>{"rsvp:yes", "rsvp:no", "rsvp:maybe"}));
  EXPECT_EQ(buttons.button_titles, (std::vector<std::string>{"Yes", "No", "Maybe"}));
  EXPECT_EQ(buttons.header_type, "document");
  EXPECT_EQ(buttons.media_link, pdf.url);
  EXPECT_EQ(buttons.filename, "invitation.pdf");
  const FakeWhatsAppMessage& tmpl = by_id["cmp_1:+995599123456"];
  EXPECT_EQ(tmpl.type, "template");
  EXPECT_EQ(tmpl.header_type, "document");
  EXPECT_EQ(tmpl.media_link, pdf.url);
  EXPECT_EQ(tmpl.template_button_payloads,
            (std::vector<std::string>{"rsvp:yes", "rsvp:no", "rsvp:maybe"}));
  const FakeWhatsAppMessage& image = by_id["cmp_1:poster"];
  EXPECT_EQ(image.type, "image");
  EXPECT_EQ(image.media_link, "https://example.org/poster.jpg");
  EXPECT_EQ(image.caption, poster.text);
}

TEST_F(WhatsAppProviderTest, ThrottlingWaitsAndASpamLimitOrExpiredTokenPausesTheAccount) {
  fake_.OpenWindow("4915112345678");
  fake_.ThrottleNext(1);
  auto r = Send({Message("+4915112345678", true)});
  EXPECT_EQ(r[0].outcome, Outcome::kTransient) << Dump(r[0]);
  EXPECT_EQ(r[0].code, "whatsapp_130429");
  EXPECT_GE(r[0].retry_after_millis, 60'000);

  fake_.PairRateLimitNext(1);
  r = Send({Message("+4915112345678", true)});
  EXPECT_EQ(r[0].code, "whatsapp_131056") << Dump(r[0]);
  EXPECT_EQ(r[0].pause_account_millis, 0);

  fake_.SpamLimitNext(1);
  r = Send({Message("+4915112345678", true)});
  EXPECT_EQ(r[0].code, "whatsapp_131048") << Dump(r[0]);
  EXPECT_EQ(r[0].pause_account_millis, 30 * 60'000);

  // Behind the gateway's circuit breaker an expired token stops every send at once.
  fake_.ExpireToken();
  FakeClock clock;
  CircuitBreakerProvider breaker(std::make_shared<WhatsAppProvider>(Config()), &clock);
  std::vector<OutboundMessage> messages = {Message("+4915112345678", true)};
  std::vector<SendResult> results(1);
  breaker.SendBatch(messages, results);
  EXPECT_EQ(results[0].code, "whatsapp_190") << Dump(results[0]);
  EXPECT_FALSE(results[0].attempted);
  EXPECT_TRUE(breaker.open());
  const uint64_t requests = fake_.requests();
  breaker.SendBatch(messages, results);
  EXPECT_EQ(results[0].code, "circuit_open");
  EXPECT_EQ(fake_.requests(), requests) << "nothing reaches WhatsApp while paused";
}

TEST_F(WhatsAppProviderTest, ServerTroubleIsTransientAndBadRequestsPermanentWithWhatsAppsText) {
  fake_.OpenWindow("4915112345678");
  fake_.FailNext(1);
  auto r = Send({Message("+4915112345678", true)});
  EXPECT_EQ(r[0].outcome, Outcome::kTransient) << Dump(r[0]);
  EXPECT_EQ(r[0].code, "whatsapp_2");

  OutboundMessage blank = Message("+4915112345678", true);
  blank.text = "";
  r = Send({blank});
  EXPECT_EQ(r[0].outcome, Outcome::kPermanent) << Dump(r[0]);
  EXPECT_FALSE(r[0].reason.empty());

  OutboundMessage long_text = Message("+4915112345678", true);
  long_text.text = std::string(4097, 'a');
  const uint64_t requests = fake_.requests();
  r = Send({long_text});
  EXPECT_EQ(r[0].code, "text_too_long");
  EXPECT_EQ(fake_.requests(), requests);
}

// Should WhatsApp refuse free text at once as outside the window (the window closed between
// the worker's check and the send), the template goes in the same batch.
TEST(WhatsAppWindowRefusalTest, FreeTextRefusedAsOutsideTheWindowGoesAgainAsTheTemplate) {
  ogw::testing::HttpSink sink;
  std::string error;
  ASSERT_TRUE(sink.Start(0, &error)) << error;
  sink.set_recording(10);
  sink.set_responder([](const ogw::testing::SinkRequest& request) {
    ogw::testing::SinkResponse r;
    if (request.body.find("\"type\":\"template\"") != std::string::npos) {
      r.status = 200;
      r.body = R"({"messaging_product":"whatsapp","contacts":[{"input":"4915112345678",)"
               R"("wa_id":"4915112345678"}],"messages":[{"id":"wamid.TEMPLATE1"}]})";
    } else {
      r.status = 400;
      r.body = R"({"error":{"message":"(#131047) Re-engagement message","type":"OAuthException",)"
               R"("code":131047,"error_data":{"messaging_product":"whatsapp","details":)"
               R"("Message failed to send because more than 24 hours have passed since the )"
               R"(customer last replied to this number."},"fbtrace_id":"A1b2C3"}})";
    }
    return r;
  });
  WhatsAppConfig config;
  config.name = "whatsapp-berlin";
  config.api_base = sink.BaseUrl();
  config.phone_number_id = kPhoneNumberId;
  config.access_token = kToken;
  WhatsAppProvider provider(config);
  std::vector<OutboundMessage> messages = {Message("+4915112345678", true, true),
                                           Message("+4915112345679", true, false)};
  std::vector<SendResult> results(2);
  provider.SendBatch(messages, results);
  EXPECT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  EXPECT_EQ(results[0].provider_message_id, "wamid.TEMPLATE1");
  EXPECT_EQ(results[1].outcome, Outcome::kPermanent) << Dump(results[1]);
  EXPECT_EQ(results[1].code, "outside_window");
  EXPECT_THAT(results[1].reason, HasSubstr("24 hours"));
  EXPECT_EQ(sink.requests(), 3u);
}

TEST_F(WhatsAppProviderTest, AnUnreachableApiIsTransient) {
  WhatsAppConfig config = Config();
  config.api_base = "http://127.0.0.1:1";
  WhatsAppProvider provider(config);
  std::vector<OutboundMessage> messages = {Message("+4915112345678", true)};
  std::vector<SendResult> results(1);
  provider.SendBatch(messages, results);
  EXPECT_EQ(results[0].outcome, Outcome::kTransient);
  EXPECT_EQ(results[0].code, "connect");
}

}  // namespace
}  // namespace ogw
