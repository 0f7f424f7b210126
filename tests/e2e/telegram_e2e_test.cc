// The telegram type inside an in-process gateway: a message to a person's Telegram chat goes out
// through the delivery worker, and the person's reply and button press come back into their
// conversation: by polling against the real emulator telegram-test-api, and by webhook (with
// its secret token, which the emulator does not send) against FakeTelegram.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gateway/config/provider_settings.h"
#include "gateway/inbound/mailbox_watcher.h"
#include "tests/fakes/fake_telegram.h"
#include "tests/servers/telegram_emulator.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kToken[] = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
constexpr char kWebhookSecret[] = "wh_3f9a2c7e-51b8-4d0e";
constexpr char kAccount[] = "telegram-berlin";
constexpr int64_t kChat = 5234567890;

class TelegramE2eTest : public ApiTest {
 protected:
  void Configure(GatewayConfig& config) override {
    // setWebhook takes only https URLs; nothing connects to this one.
    config.links.public_base_url = "https://gw.example.org";
  }

  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
  }

  // The account as the configuration file gives it; the gateway restarts with it.
  void ConfigureBot(const std::string& api_base, const std::string& updates) {
    setenv("TELEGRAM_BOT_TOKEN", kToken, 1);
    const json account = {{"name", kAccount},
                          {"type", "telegram"},
                          {"channels", {"telegram"}},
                          {"organisation", org_},
                          {"bot_token", "${TELEGRAM_BOT_TOKEN}"},
                          {"api_base", api_base},
                          {"bot_username", "berlin_embassy_bot"},
                          {"updates", updates},
                          {"webhook_secret", kWebhookSecret},
                          {"timeout_ms", 4000},
                          {"per_second", 30}};
    ConfigureProviders({account});
  }

  std::string CreateAna() {
    return CreateContact(
        {{"name", "Ana"},
         {"addresses",
          {{{"kind", "telegram"}, {"value", std::to_string(kChat)}, {"consent", "granted"}}}}},
        admin_token_);
  }

  // Queues a direct message to `contact` on Telegram and runs the worker once.
  std::string SendDirect(const std::string& contact, const std::string& text) {
    HttpResult queued =
        Post("/v1/messages", {{"contact_id", contact}, {"channel", "telegram"}, {"text", text}},
             admin_token_);
    EXPECT_EQ(queued.status, 202) << queued.body;
    auto worker = runtime_->NewWorker();
    EXPECT_TRUE(worker->RunOnce().ok());
    return queued.json.value("id", "");
  }

  // The texts of the person's messages in their conversation, oldest first.
  std::vector<std::string> Replies(const std::string& contact) {
    HttpResult log = Get("/v1/contacts/" + contact + "/conversation", admin_token_);
    EXPECT_EQ(log.status, 200) << log.body;
    std::vector<std::string> texts;
    for (const json& entry : log.json.value("entries", json::array())) {
      if (entry.value("kind", "") != "in") continue;
      EXPECT_EQ(entry.value("channel", ""), "telegram");
      texts.push_back(entry.value("text", ""));
    }
    std::sort(texts.begin(), texts.end());
    return texts;
  }

  std::string WebhookUrl() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1/inbound/telegram/" +
           kAccount;
  }

  std::string org_;
};

TEST_F(TelegramE2eTest, ThroughTheEmulatorACampaignOffersButtonsAndThePressComesBack) {
  TelegramEmulator emulator;
  const absl::Status started = emulator.Start();
  ASSERT_TRUE(started.ok()) << started;
  ConfigureBot(emulator.BaseUrl(), "polling");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(RegisterProviders()) << emulator.Log();

  const std::string ana = CreateAna();
  const std::string tmpl =
      CreateTemplate({{"name", "Roundtable"},
                      {"default_language", "en"},
                      {"variants",
                       {{"en",
                         {{"body", "**Roundtable** on 12 June: will you come?"},
                          {"buttons",
                           {{{"id", "rsvp:yes"}, {"title", "Yes"}},
                            {{"id", "rsvp:no"}, {"title", "No"}},
                            {{"id", "rsvp:maybe"}, {"title", "Maybe"}}}}}}}}},
                     admin_token_);
  const std::string segment =
      CreateSegment({{"name", "On Telegram"}, {"expression", "has(telegram)"}}, admin_token_);
  HttpResult created = Post("/v1/campaigns",
                            {{"name", "Roundtable"},
                             {"template_id", tmpl},
                             {"segment_id", segment},
                             {"channel", "telegram"}},
                            admin_token_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string campaign = created.json.value("id", "");
  ASSERT_EQ(Post("/v1/campaigns/" + campaign + "/launch", json::object(), admin_token_).status,
            202);
  auto worker = runtime_->NewWorker();
  for (int i = 0; i < 10; ++i) {
    auto handled = worker->RunOnce();
    ASSERT_TRUE(handled.ok()) << handled.status();
    if (*handled == 0) break;
  }

  // The emulated chat got the text with its keyboard, as the Bot API takes it.
  auto received = emulator.BotMessages(kToken, kChat);
  ASSERT_TRUE(received.ok()) << received.status();
  ASSERT_EQ(received->size(), 1u) << received->dump() << emulator.Log();
  json markup = (*received)[0].value("reply_markup", json());
  if (markup.is_string()) markup = json::parse(markup.get<std::string>());
  EXPECT_EQ(markup, json::parse(R"({"inline_keyboard": [[
      {"text": "Yes", "callback_data": "rsvp:yes"},
      {"text": "No", "callback_data": "rsvp:no"},
      {"text": "Maybe", "callback_data": "rsvp:maybe"}]]})"))
      << received->dump();

  // Ana presses "Maybe": her conversation has the button's id.
  ASSERT_TRUE(emulator.UserPresses(kToken, kChat, "rsvp:maybe", 1).ok());
  auto mailboxes = runtime_->NewMailboxWatcher();
  ASSERT_TRUE(mailboxes->PollAllOnce().ok()) << emulator.Log();
  EXPECT_EQ(Replies(ana), (std::vector<std::string>{"rsvp:maybe"}));
}

TEST_F(TelegramE2eTest, ThroughTheEmulatorAMessageGoesOutAndRepliesComeBackByPolling) {
  TelegramEmulator emulator;
  const absl::Status started = emulator.Start();
  ASSERT_TRUE(started.ok()) << started;
  ConfigureBot(emulator.BaseUrl(), "polling");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(RegisterProviders()) << emulator.Log();  // deleteWebhook.

  const std::string ana = CreateAna();
  ASSERT_FALSE(ana.empty());
  const std::string id = SendDirect(ana, "**Roundtable** on 12 June: will you come?");
  HttpResult status = Get("/v1/messages/" + id, admin_token_);
  EXPECT_EQ(status.json["status"], "sent") << status.body << emulator.Log();

  // The emulated chat got it, in Telegram's HTML parse mode.
  auto received = emulator.BotMessages(kToken, kChat);
  ASSERT_TRUE(received.ok()) << received.status();
  ASSERT_EQ(received->size(), 1u) << received->dump();
  const json& message = (*received)[0];
  EXPECT_EQ(message.value("parse_mode", ""), "HTML");
  EXPECT_THAT(message.value("text", ""), HasSubstr("<b>Roundtable</b>"));
  EXPECT_EQ(message["link_preview_options"], json({{"is_disabled", true}}));

  // Ana answers and presses a button; the gateway polls.
  ASSERT_TRUE(emulator.UserSends(kToken, kChat, "Sim, estarei presente").ok());
  ASSERT_TRUE(emulator.UserPresses(kToken, kChat, "rsvp:yes", 1).ok());
  auto mailboxes = runtime_->NewMailboxWatcher();
  ASSERT_TRUE(mailboxes->PollAllOnce().ok()) << emulator.Log();
  EXPECT_EQ(Replies(ana), (std::vector<std::string>{"Sim, estarei presente", "rsvp:yes"}));

  // Nothing new: nothing more in the conversation.
  ASSERT_TRUE(mailboxes->PollAllOnce().ok());
  EXPECT_EQ(Replies(ana).size(), 2u);
}

TEST_F(TelegramE2eTest, ByWebhookOnlyTheRegisteredSecretIsHeardAndRetriesCountOnce) {
  FakeTelegram fake(kToken);
  std::string error;
  ASSERT_TRUE(fake.Start(&error)) << error;
  ConfigureBot(fake.BaseUrl(), "webhook");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(RegisterProviders());
  EXPECT_EQ(fake.Webhook().url,
            std::string("https://gw.example.org/v1/inbound/telegram/") + kAccount);
  EXPECT_EQ(fake.Webhook().secret_token, kWebhookSecret);

  const std::string ana = CreateAna();
  ASSERT_FALSE(ana.empty());
  const std::string update = fake.MessageUpdate(kChat, "Posso levar a minha filha?");
  EXPECT_EQ(fake.Deliver(WebhookUrl(), update, "").status, 401);
  EXPECT_EQ(fake.Deliver(WebhookUrl(), update, "wh_wrong-secret").status, 403);
  EXPECT_EQ(fake.Deliver(WebhookUrl(), update, kWebhookSecret).status, 204);
  EXPECT_EQ(fake.Deliver(WebhookUrl(), update, kWebhookSecret).status, 204);  // A retry.

  // A button: the answer performs answerCallbackQuery.
  const std::string button = fake.CallbackUpdate(kChat, "rsvp:maybe");
  const auto answered = fake.Deliver(WebhookUrl(), button, kWebhookSecret);
  EXPECT_EQ(answered.status, 200);
  EXPECT_THAT(answered.content_type, HasSubstr("application/json"));
  const json answer = json::parse(answered.body, nullptr, false);
  EXPECT_EQ(answer.value("method", ""), "answerCallbackQuery");
  EXPECT_EQ(answer.value("callback_query_id", ""),
            json::parse(button)["callback_query"]["id"].get<std::string>());

  // Boris blocks the bot: his consent for that chat is withdrawn at once (no reply: the bot
  // cannot reach him); a retry of the update changes nothing more.
  const std::string boris = CreateContact(
      {{"name", "Boris"},
       {"addresses", {{{"kind", "telegram"}, {"value", "5234567891"}, {"consent", "granted"}}}}},
      admin_token_);
  ASSERT_FALSE(boris.empty());
  const std::string kicked =
      R"({"update_id":900000001,"my_chat_member":{"chat":{"id":5234567891,"type":"private"},)"
      R"("from":{"id":5234567891,"is_bot":false,"first_name":"Boris"},"date":1717430500,)"
      R"("old_chat_member":{"user":{"id":7000000001,"is_bot":true,"first_name":"E"},)"
      R"("status":"member"},"new_chat_member":{"user":{"id":7000000001,"is_bot":true,)"
      R"("first_name":"E"},"status":"kicked","until_date":0}}})";
  EXPECT_EQ(fake.Deliver(WebhookUrl(), kicked, kWebhookSecret).status, 204);
  EXPECT_EQ(fake.Deliver(WebhookUrl(), kicked, kWebhookSecret).status, 204);
  const json blocked = Get("/v1/contacts/" + boris, admin_token_).json;
  ASSERT_EQ(blocked["addresses"].size(), 1u) << blocked;
  EXPECT_EQ(blocked["addresses"][0]["consent"].value("state", ""), "withdrawn") << blocked;
  EXPECT_EQ(blocked["addresses"][0]["consent"].value("source", ""),
            std::string("provider:") + kAccount);
  for (const FakeTelegramMessage& sent : fake.Sent()) {
    EXPECT_NE(sent.chat_id, "5234567891") << "nothing is sent to confirm it";
  }
  // Ana's consent is untouched.
  EXPECT_EQ(
      Get("/v1/contacts/" + ana, admin_token_).json["addresses"][0]["consent"].value("state", ""),
      "granted");

  // An edit and an update that cannot be read: acknowledged, nothing kept; the last one
  // quarantined.
  EXPECT_EQ(fake.Deliver(WebhookUrl(), R"({"update_id":900000002,"message":{"text":"x"}})",
                         kWebhookSecret)
                .status,
            204);
  EXPECT_EQ(Replies(ana), (std::vector<std::string>{"Posso levar a minha filha?", "rsvp:maybe"}));
  HttpResult quarantine =
      Get(std::string("/v1/providers/") + kAccount + "/quarantine", admin_token_);
  ASSERT_EQ(quarantine.status, 200) << quarantine.body;
  ASSERT_EQ(quarantine.json["items"].size(), 1u) << quarantine.body;
  EXPECT_EQ(quarantine.json["items"][0].value("source", ""), "telegram");
  EXPECT_EQ(quarantine.json["items"][0].value("reason", ""), "message.chat: missing");

  // Sending after she blocked the bot: Telegram's 403 withdraws her consent.
  fake.AddBlockedChat(std::to_string(kChat));
  const std::string id = SendDirect(ana, "Reminder: the roundtable is tomorrow");
  HttpResult status = Get("/v1/messages/" + id, admin_token_);
  EXPECT_NE(status.json.value("status", ""), "sent") << status.body;
  HttpResult contact = Get("/v1/contacts/" + ana, admin_token_);
  EXPECT_THAT(contact.body, HasSubstr("\"opted_out\":true")) << contact.body;
}

}  // namespace
}  // namespace ogw::testing
