// The whatsapp type inside an in-process gateway, against FakeWhatsApp (a Cloud API stand-in
// that follows Meta's formats and signs its webhooks): Meta's subscription handshake, a
// campaign that goes as the approved template outside the 24-hour window, its statuses, the
// person's reply and button press in their conversation, an officer's free-text answer inside
// the window it opened, Meta's retries and forged webhooks, and the window closing again.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/meta/meta_webhooks.h"
#include "tests/fakes/fake_whatsapp.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kToken[] = "EAAGm0PX4ZCpsBAKZCsystemusertoken0123";
constexpr char kAppSecret[] = "3f9a2c7e51b84d0e9a1b2c3d4e5f6a7b";
constexpr char kVerifyToken[] = "verify-berlin-2026-c1d2e3";
constexpr char kPhoneNumberId[] = "106540352242922";
constexpr char kAccount[] = "whatsapp-berlin";
constexpr char kNino[] = "4915112345678";

// Polls `done` for up to 10 s.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 200; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

class WhatsAppE2eTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    std::string error;
    ASSERT_TRUE(fake_.Start(&error)) << error;
    setenv("WHATSAPP_ACCESS_TOKEN", kToken, 1);
    setenv("WHATSAPP_APP_SECRET", kAppSecret, 1);
    setenv("WHATSAPP_VERIFY_TOKEN", kVerifyToken, 1);
    ConfigureProviders({{{"name", kAccount},
                         {"type", "whatsapp"},
                         {"channels", {"whatsapp"}},
                         {"organisation", org_},
                         {"access_token", "${WHATSAPP_ACCESS_TOKEN}"},
                         {"app_secret", "${WHATSAPP_APP_SECRET}"},
                         {"verify_token", "${WHATSAPP_VERIFY_TOKEN}"},
                         {"phone_number_id", kPhoneNumberId},
                         {"phone_number", "+15550001234"},
                         {"api_base", fake_.BaseUrl()},
                         {"timeout_ms", 4000}}});
    if (HasFatalFailure()) return;
    fake_.SetWebhook(WebhookUrl());
    worker_ = runtime_->NewWorker();
  }

  void TearDown() override {
    fake_.Stop();
    worker_.reset();
    ApiTest::TearDown();
  }

  std::string WebhookUrl() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1/inbound/whatsapp/" +
           kAccount;
  }

  void DrainWorker() {
    for (int i = 0; i < 20; ++i) {
      auto handled = worker_->RunOnce();
      ASSERT_TRUE(handled.ok()) << handled.status();
      if (*handled == 0) break;
    }
  }

  // Nino's conversation, oldest first.
  std::vector<json> Conversation(const std::string& contact) {
    HttpResult log = Get("/v1/contacts/" + contact + "/conversation", admin_token_);
    EXPECT_EQ(log.status, 200) << log.body;
    std::vector<json> entries;
    for (const json& e : log.json.value("entries", json::array()))
      entries.insert(entries.begin(), e);
    return entries;
  }
  std::vector<json> EntriesOf(const std::string& contact, const std::string& kind) {
    std::vector<json> out;
    for (const json& e : Conversation(contact)) {
      if (e.value("kind", "") == kind) out.push_back(e);
    }
    return out;
  }

  std::string org_;
  FakeWhatsApp fake_{kPhoneNumberId, kToken, kAppSecret};
  std::unique_ptr<DeliveryWorker> worker_;
};

TEST_F(WhatsAppE2eTest, ACampaignReplyButtonAndAnswerTravelThroughOneConversation) {
  // The administrator reads what to paste into the app's webhook settings.
  HttpResult account = Get(std::string("/v1/providers/") + kAccount, admin_token_);
  ASSERT_EQ(account.status, 200) << account.body;
  ASSERT_EQ(account.json["setup"].size(), 3u) << account.body;
  EXPECT_EQ(account.json["setup"][0]["value"],
            config_.links.public_base_url + "/v1/inbound/whatsapp/" + kAccount);
  EXPECT_EQ(account.json["setup"][2]["value"], "messages");
  EXPECT_THAT(account.body, Not(HasSubstr(kVerifyToken)));
  EXPECT_THAT(account.body, Not(HasSubstr(kAppSecret)));
  // Meta verifies the webhook URL before it sends anything.
  EXPECT_TRUE(fake_.VerifySubscription(WebhookUrl(), kVerifyToken));
  EXPECT_FALSE(fake_.VerifySubscription(WebhookUrl(), "someone-else's-token"));

  const std::string nino = CreateContact(
      {{"name", "Nino"},
       {"languages", {"ka", "en"}},
       {"addresses",
        {{{"kind", "whatsapp"}, {"value", "+" + std::string(kNino)}, {"consent", "granted"}}}}},
      admin_token_);
  ASSERT_FALSE(nino.empty());
  const std::string tmpl = CreateTemplate(
      {{"name", "Counselling days"},
       {"default_language", "en"},
       {"variants",
        {{"en",
          {{"body", "Counselling days for {{contact.name}} on *12 June*."},
           {"buttons",
            {{{"id", "rsvp:yes"}, {"title", "Yes"}}, {{"id", "rsvp:no"}, {"title", "No"}}}},
           {"media",
            {{"kind", "document"},
             {"url", "https://consulate.example/counselling.pdf"},
             {"filename", "counselling.pdf"}}},
           {"whatsapp",
            {{"name", "counselling_days"},
             {"language", "en_US"},
             {"category", "utility"},
             {"parameters", {"{{contact.name}}", "12 June"}},
             {"media_header", true},
             {"quick_reply_buttons", true}}}}}}}},
      admin_token_);
  const std::string segment =
      CreateSegment({{"name", "On WhatsApp"}, {"expression", "has(whatsapp)"}}, admin_token_);
  HttpResult created = Post("/v1/campaigns",
                            {{"name", "Counselling"},
                             {"template_id", tmpl},
                             {"segment_id", segment},
                             {"channel", "whatsapp"}},
                            admin_token_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string campaign = created.json.value("id", "");
  ASSERT_EQ(Post("/v1/campaigns/" + campaign + "/launch", json::object(), admin_token_).status,
            202);
  DrainWorker();

  // Nino never wrote: the approved template went, with her name.
  std::vector<FakeWhatsAppMessage> accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].wa_id, kNino);
  EXPECT_EQ(accepted[0].type, "template");
  EXPECT_EQ(accepted[0].template_name, "counselling_days");
  EXPECT_EQ(accepted[0].template_parameters, (std::vector<std::string>{"Nino", "12 June"}));
  // With the invitation as its header and the buttons' ids as their payloads, so a press
  // outside the window comes back as the same answer as one inside it.
  EXPECT_EQ(accepted[0].header_type, "document");
  EXPECT_EQ(accepted[0].media_link, "https://consulate.example/counselling.pdf");
  EXPECT_EQ(accepted[0].template_button_payloads,
            (std::vector<std::string>{"rsvp:yes", "rsvp:no"}));
  // WhatsApp's sent and delivered statuses reach the campaign and her conversation.
  ASSERT_TRUE(fake_.WaitForStatuses(5000));
  ASSERT_TRUE(Eventually([&] {
    return Get("/v1/campaigns/" + campaign, admin_token_).json["stats"].value("delivered", 0) == 1;
  })) << Get("/v1/campaigns/" + campaign, admin_token_).body;
  EXPECT_FALSE(EntriesOf(nino, "status").empty());

  // She answers, then presses a button; Meta retries the press.
  FakeWhatsAppPost reply = fake_.SendInboundText(WebhookUrl(), kNino, "დიახ, მოვალ");
  EXPECT_EQ(reply.status, 200) << reply.body;
  FakeWhatsAppPost press =
      fake_.SendButtonReply(WebhookUrl(), kNino, accepted[0].id, "rsvp:yes", "Yes");
  EXPECT_EQ(press.status, 200);
  EXPECT_EQ(fake_.ResendLast(WebhookUrl()).status, 200);
  std::vector<json> in = EntriesOf(nino, "in");
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].value("text", ""), "დიახ, მოვალ");
  EXPECT_EQ(in[0].value("channel", ""), "whatsapp");
  EXPECT_EQ(in[1].value("text", ""), "Yes");
  EXPECT_EQ(in[1].value("button", ""), "rsvp:yes");

  // Her message opened the window: the officer's answer, with no channel named, goes where
  // she last wrote, as free text.
  HttpResult queued = Post(
      "/v1/messages", {{"contact_id", nino}, {"text", "Thank you, **Nino**: see you on 12 June."}},
      admin_token_);
  ASSERT_EQ(queued.status, 202) << queued.body;
  EXPECT_EQ(queued.json["channel"], "whatsapp");
  EXPECT_EQ(queued.json["channel_chosen"], "last_written");
  DrainWorker();
  accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), 2u);
  EXPECT_EQ(accepted[1].type, "text");
  EXPECT_EQ(accepted[1].text, "Thank you, *Nino*: see you on 12 June.");
  EXPECT_EQ(accepted[1].async_error, 0) << "sent inside WhatsApp's own window";
  EXPECT_EQ(Get("/v1/messages/" + queued.json.value("id", ""), admin_token_).json["status"],
            "sent");

  // A message queued inside the window but due after it closed is not sent.
  queued = Post("/v1/messages",
                {{"contact_id", nino}, {"channel", "whatsapp"}, {"text", "Are you still there?"}},
                admin_token_);
  ASSERT_EQ(queued.status, 202) << queued.body;
  clock_.Advance(24 * 3'600'000);
  fake_.CloseWindow(kNino);
  DrainWorker();
  EXPECT_EQ(fake_.Accepted().size(), 2u);
  const json status = Get("/v1/messages/" + queued.json.value("id", ""), admin_token_).json;
  EXPECT_EQ(status["status"], "failed") << status.dump();
  EXPECT_EQ(status["code"], "outside_window") << status.dump();
  // From now on the API says so at once, whether WhatsApp is named or chosen.
  HttpResult refused =
      Post("/v1/messages", {{"contact_id", nino}, {"channel", "whatsapp"}, {"text", "Hello?"}},
           admin_token_);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("24 hours"));
  refused = Post("/v1/messages", {{"contact_id", nino}, {"text", "Hello?"}}, admin_token_);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("last written on whatsapp"));
}

TEST_F(WhatsAppE2eTest, APersonalLinkSentByEmailTiesTheirWhatsAppToTheirContact) {
  const std::string ana = CreateContact(
      {{"name", "Ana"},
       {"addresses", {{{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
      admin_token_);
  HttpResult links = Get("/v1/contacts/" + ana + "/chat-links", admin_token_);
  ASSERT_EQ(links.status, 200) << links.body;
  const std::string link = links.json["links"].value("whatsapp", "");
  const std::string prefix = "https://wa.me/15550001234?text=";
  ASSERT_TRUE(link.starts_with(prefix)) << links.body;
  const std::string code = link.substr(prefix.size());

  // She opens the link on her phone and sends the prefilled code from her WhatsApp.
  ASSERT_EQ(fake_.SendInboundText(WebhookUrl(), "995599123456", code).status, 200);
  const json contact = Get("/v1/contacts/" + ana, admin_token_).json;
  ASSERT_EQ(contact["addresses"].size(), 2u) << contact.dump();
  EXPECT_EQ(contact["addresses"][1]["kind"], "whatsapp");
  EXPECT_EQ(contact["addresses"][1]["value"], "+995599123456");
  EXPECT_EQ(contact["addresses"][1]["consent"]["state"], "granted");
  EXPECT_EQ(contact["addresses"][1]["consent"]["source"], "link:whatsapp");
  EXPECT_EQ(EntriesOf(ana, "in").size(), 1u);
  // The window is open and the chat hers: the answer goes there.
  HttpResult answer =
      Post("/v1/messages", {{"contact_id", ana}, {"text", "Welcome, Ana!"}}, admin_token_);
  ASSERT_EQ(answer.status, 202) << answer.body;
  EXPECT_EQ(answer.json["channel"], "whatsapp");
  // The code is a credential, sent only on channels that already reach her: a second chat
  // of hers that sends it joins her too.
  ASSERT_EQ(fake_.SendInboundText(WebhookUrl(), "4915112345678", code).status, 200);
  EXPECT_EQ(Get("/v1/contacts/" + ana, admin_token_).json["addresses"].size(), 3u);
}

TEST_F(WhatsAppE2eTest, OnlyWebhooksSignedWithTheAppSecretAreHeard) {
  const std::string nino = CreateContact(
      {{"name", "Nino"},
       {"addresses",
        {{{"kind", "whatsapp"}, {"value", "+" + std::string(kNino)}, {"consent", "granted"}}}}},
      admin_token_);
  const std::string body =
      R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[)"
      R"({"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":)"
      R"("15550001234","phone_number_id":"106540352242922"},"contacts":[{"profile":)"
      R"({"name":"Nino"},"wa_id":"4915112345678"}],"messages":[{"from":"4915112345678",)"
      R"("id":"wamid.FORGED1","timestamp":"1700000000","type":"text","text":{"body":)"
      R"("STOP"}}]},"field":"messages"}]}]})";
  const std::string path = std::string("/v1/inbound/whatsapp/") + kAccount;
  HttpResult unsigned_post = PostRaw(path, body, "application/json", "");
  EXPECT_EQ(unsigned_post.status, 401) << unsigned_post.body;
  HttpResult forged = PostRaw(path, body, "application/json", "",
                              {{"X-Hub-Signature-256", MetaSignature("not-the-secret", body)}});
  EXPECT_EQ(forged.status, 403) << forged.body;
  EXPECT_TRUE(EntriesOf(nino, "in").empty()) << "a forged STOP changes nothing";
  HttpResult contact = Get("/v1/contacts/" + nino, admin_token_);
  EXPECT_EQ(contact.json["addresses"][0]["consent"]["state"], "granted") << contact.body;

  HttpResult signed_post = PostRaw(path, body, "application/json", "",
                                   {{"X-Hub-Signature-256", MetaSignature(kAppSecret, body)}});
  EXPECT_EQ(signed_post.status, 200) << signed_post.body;
  EXPECT_EQ(EntriesOf(nino, "in").size(), 1u);
  contact = Get("/v1/contacts/" + nino, admin_token_);
  EXPECT_EQ(contact.json["addresses"][0]["consent"]["state"], "withdrawn") << contact.body;
}

}  // namespace
}  // namespace ogw::testing
