// The telegram type against FakeTelegram, a stand-in for the Bot API on a loopback port:
// sending (long texts in order), the Bot API's errors, registering the webhook, and polling
// with getUpdates. Without a server: telegram_send_test.cc and telegram_updates_test.cc.

#include "adapters/telegram/telegram_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/telegram/telegram_type.h"
#include "gateway/config/provider_settings.h"
#include "tests/fakes/fake_telegram.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Outcome = SendResult::Outcome;
using ogw::testing::FakeTelegram;
using ogw::testing::FakeTelegramMessage;
using json = nlohmann::json;

constexpr char kToken[] = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
constexpr char kWebhookSecret[] = "wh_3f9a2c7e-51b8";

std::string Dump(const SendResult& r) {
  return std::string(OutcomeName(r.outcome)) + "|" + r.provider_message_id + "|" + r.code + "|" +
         r.reason + "|" + std::to_string(r.retry_after_millis);
}

OutboundMessage Message(const std::string& to, const std::string& text,
                        TextFormat format = TextFormat::kTelegramHtml) {
  OutboundMessage m;
  m.message_id = "m_" + to;
  m.channel = Channel::kTelegram;
  m.to = to;
  m.text = text;
  m.text_format = format;
  return m;
}

// Paragraphs with bold and links, long enough for three parts.
std::string LongHtml(const std::string& tag) {
  std::string text;
  for (int i = 0; i < 60; ++i) {
    text += "<b>" + tag + " paragraph " + std::to_string(i) + "</b>: details on the consular day " +
            "&amp; the documents to bring, <a href=\"https://e.example/l/" + std::to_string(i) +
            "\">see the list</a>. " + std::string(120, 'x') + "\n\n";
  }
  return text;
}

class TelegramProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(fake_.Start(&error)) << error;
  }

  TelegramConfig Config(const std::string& token = kToken) {
    TelegramConfig config;
    config.name = "telegram-berlin";
    config.api_base = fake_.BaseUrl();
    config.bot_token = token;
    config.timeout_ms = 5000;
    return config;
  }

  std::vector<SendResult> Send(const std::vector<OutboundMessage>& messages,
                               const std::string& token = kToken) {
    TelegramProvider provider(Config(token));
    std::vector<SendResult> results(messages.size());
    provider.SendBatch(messages, results);
    for (const SendResult& r : results) {
      EXPECT_THAT(Dump(r), Not(HasSubstr(kToken)));
      EXPECT_THAT(Dump(r), Not(HasSubstr("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")));
    }
    return results;
  }

  FakeTelegram fake_{kToken};
};

TEST_F(TelegramProviderTest, SendsEachMessageWithItsParseModeAndReadsItsId) {
  const auto results = Send({Message("5234567890", "<b>Roundtable</b> on 12 June"),
                             Message("6234567890", "Plain & simple", TextFormat::kPlainText)});
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  ASSERT_EQ(results[1].outcome, Outcome::kAccepted) << Dump(results[1]);
  const std::vector<FakeTelegramMessage> sent = fake_.Sent();
  ASSERT_EQ(sent.size(), 2u);
  std::map<std::string, FakeTelegramMessage> by_chat;
  for (const auto& m : sent) by_chat[m.chat_id] = m;
  EXPECT_EQ(by_chat["5234567890"].parse_mode, "HTML");
  EXPECT_EQ(by_chat["5234567890"].text, "<b>Roundtable</b> on 12 June");
  EXPECT_EQ(by_chat["6234567890"].parse_mode, "");
  EXPECT_TRUE(by_chat["6234567890"].link_preview_disabled);
  EXPECT_EQ(results[0].provider_message_id,
            "5234567890:" + std::to_string(by_chat["5234567890"].message_id));
}

TEST_F(TelegramProviderTest, LongTextsArrivePartByPartInOrderEachOneValidHtml) {
  const std::string first = LongHtml("First");
  const std::string second = LongHtml("Second");
  const auto results = Send({Message("111", first), Message("222", second)});
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  ASSERT_EQ(results[1].outcome, Outcome::kAccepted) << Dump(results[1]);

  const auto expected_first = SplitTelegramText(first, true);
  const auto expected_second = SplitTelegramText(second, true);
  ASSERT_GE(expected_first.size(), 3u);
  std::vector<FakeTelegramMessage> to_first, to_second;
  for (const auto& m : fake_.Sent()) (m.chat_id == "111" ? to_first : to_second).push_back(m);
  ASSERT_EQ(to_first.size(), expected_first.size());
  ASSERT_EQ(to_second.size(), expected_second.size());
  for (size_t k = 0; k < to_first.size(); ++k) {
    EXPECT_EQ(to_first[k].text, expected_first[k]) << k;
    EXPECT_EQ(to_first[k].parse_mode, "HTML");
    if (k > 0) {
      EXPECT_GT(to_first[k].message_id, to_first[k - 1].message_id);
    }
  }
  for (size_t k = 0; k < to_second.size(); ++k) EXPECT_EQ(to_second[k].text, expected_second[k]);
  // Both first parts went out before either second part: the messages travel side by side.
  EXPECT_LT(to_first[0].message_id, to_second[1].message_id);
  EXPECT_LT(to_second[0].message_id, to_first[1].message_id);
  EXPECT_EQ(results[0].provider_message_id, "111:" + std::to_string(to_first[0].message_id));
}

TEST_F(TelegramProviderTest, ButtonsRideTheLastPartAsAnInlineKeyboard) {
  OutboundMessage m = Message("5234567890", std::string(5000, 'a'), TextFormat::kPlainText);
  m.buttons = {{"rsvp:yes", "Yes"}, {"rsvp:no", "No"}};
  const auto results = Send({m});
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  const std::vector<FakeTelegramMessage> sent = fake_.Sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(sent[0].inline_keyboard.empty());
  using Row = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(sent[1].inline_keyboard, (std::vector<Row>{{{"Yes", "rsvp:yes"}, {"No", "rsvp:no"}}}));
}

TEST_F(TelegramProviderTest, ALaterPartThatIsRefusedFailsTheMessageAndStopsIt) {
  const std::string text = std::string(4000, 'a') + "\n\nREFUSED" + std::string(4000, 'b') +
                           "\n\n" + std::string(100, 'c');
  fake_.RefuseTextContaining("REFUSED");
  const auto results = Send({Message("111", text, TextFormat::kPlainText)});
  EXPECT_EQ(results[0].outcome, Outcome::kPermanent) << Dump(results[0]);
  EXPECT_THAT(results[0].reason, ::testing::StartsWith("part 2 of 3: Bad Request"));
  ASSERT_EQ(fake_.Sent().size(), 1u);
  EXPECT_EQ(fake_.Sent()[0].text, std::string(4000, 'a'));
}

TEST_F(TelegramProviderTest, TheBotApiErrorsAreClassifiedAndNeverCarryTheToken) {
  fake_.AddBlockedChat("301");
  fake_.AddDeactivatedChat("302");
  fake_.AddUnknownChat("303");
  auto results = Send({Message("301", "Hello"), Message("302", "Hello"), Message("303", "Hello"),
                       Message("304", "<b>unclosed")});
  EXPECT_EQ(results[0].outcome, Outcome::kOptedOut) << Dump(results[0]);
  EXPECT_EQ(results[0].code, "telegram_403");
  EXPECT_EQ(results[1].outcome, Outcome::kOptedOut) << Dump(results[1]);
  EXPECT_EQ(results[2].outcome, Outcome::kPermanent) << Dump(results[2]);
  EXPECT_TRUE(results[2].address_invalid);
  EXPECT_EQ(results[2].reason, "Bad Request: chat not found");
  EXPECT_EQ(results[3].outcome, Outcome::kPermanent) << Dump(results[3]);
  EXPECT_FALSE(results[3].address_invalid);

  fake_.ThrottleNext(1, 35);
  results = Send({Message("305", "Hello")});
  EXPECT_EQ(results[0].outcome, Outcome::kTransient) << Dump(results[0]);
  EXPECT_EQ(results[0].code, "telegram_429");
  EXPECT_EQ(results[0].retry_after_millis, 35000);

  fake_.FailNext(1);
  results = Send({Message("305", "Hello")});
  EXPECT_EQ(results[0].outcome, Outcome::kTransient) << Dump(results[0]);
  EXPECT_EQ(results[0].code, "http_502");

  // Another bot's token: Telegram's 401, the account's fault, not the message's.
  results = Send({Message("305", "Hello")}, "7000000002:AAAnotherTokenAnotherTokenAnother");
  EXPECT_EQ(results[0].outcome, Outcome::kTransient) << Dump(results[0]);
  EXPECT_EQ(results[0].code, "telegram_401");
  EXPECT_THAT(Dump(results[0]), Not(HasSubstr("AAAnotherToken")));
}

TEST_F(TelegramProviderTest, NoServerIsATransientConnectFailure) {
  TelegramConfig config = Config();
  fake_.Stop();
  TelegramProvider provider(config);
  std::vector<SendResult> results(1);
  const std::vector<OutboundMessage> messages = {Message("1", "Hello")};
  provider.SendBatch(messages, results);
  EXPECT_EQ(results[0].outcome, Outcome::kTransient) << Dump(results[0]);
  EXPECT_EQ(results[0].code, "connect");
  EXPECT_THAT(Dump(results[0]), Not(HasSubstr(kToken)));
}

// ---- The type: registering and polling ----

ProviderAccount Account(const std::string& api_base, const std::string& updates) {
  const json definition = {{"name", "telegram-berlin"},
                           {"type", "telegram"},
                           {"channels", {"telegram"}},
                           {"organisation", "org_1"},
                           {"bot_token", kToken},
                           {"api_base", api_base},
                           {"bot_username", "berlin_embassy_bot"},
                           {"webhook_secret", kWebhookSecret},
                           {"updates", updates},
                           {"timeout_ms", 4000}};
  auto account = ProviderAccountFromJson(definition, ProviderSource::kConfig);
  EXPECT_TRUE(account.ok()) << account.status();
  return account.ok() ? *account : ProviderAccount{};
}

ProviderContext Context(const std::string& public_base_url) {
  ProviderContext context;
  context.public_base_url = public_base_url;
  return context;
}

TEST_F(TelegramProviderTest, RegisteringSetsTheWebhookWithItsSecretOrDeletesItForPolling) {
  const ProviderType& type = TelegramType();
  ASSERT_TRUE(type.registers());
  const ProviderAccount webhook = Account(fake_.BaseUrl(), "webhook");
  ASSERT_TRUE(type.Register(webhook, Context("https://gw.example.org")).ok());
  ASSERT_TRUE(type.Register(webhook, Context("https://gw.example.org")).ok());  // Idempotent.
  auto set = fake_.Webhook();
  EXPECT_EQ(set.url, "https://gw.example.org/v1/inbound/telegram/telegram-berlin");
  EXPECT_EQ(set.secret_token, kWebhookSecret);
  EXPECT_THAT(set.allowed_updates, ElementsAre("message", "callback_query", "my_chat_member"));
  EXPECT_EQ(set.set_calls, 2);

  // Telegram's refusal is said, the token never.
  fake_.set_recording(10);
  const absl::Status refused = type.Register(webhook, Context("http://gw.example.org"));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.message()), HasSubstr("An HTTPS URL must be provided"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("setWebhook"));
  EXPECT_THAT(std::string(refused.message()), Not(HasSubstr(kToken)));

  ASSERT_TRUE(type.Register(Account(fake_.BaseUrl(), "polling"), Context("https://x")).ok());
  EXPECT_EQ(fake_.Webhook().url, "");
  EXPECT_EQ(fake_.Webhook().delete_calls, 1);

  // Unreachable: Unavailable, so the directory tries again.
  fake_.Stop();
  const absl::Status down = type.Register(webhook, Context("https://gw.example.org"));
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_THAT(std::string(down.message()), Not(HasSubstr(kToken)));
}

TEST_F(TelegramProviderTest, TheSettingsAreCheckedWithTheirFieldNames) {
  json definition = {{"name", "t"},           {"type", "telegram"}, {"channels", {"telegram"}},
                     {"bot_token", "1:AB/C"}, {"updates", "push"},  {"webhook_secret", "no spaces"},
                     {"bot_username", "@x"}};
  auto account = ProviderAccountFromJson(definition, ProviderSource::kConfig);
  ASSERT_FALSE(account.ok());
  const std::string message(account.status().message());
  for (const char* field :
       {"bot_token", "updates", "webhook_secret", "bot_username", "organisation"}) {
    EXPECT_THAT(message, HasSubstr(field)) << message;
  }
  definition = {{"name", "t"},
                {"type", "telegram"},
                {"channels", {"telegram"}},
                {"bot_token", kToken},
                {"organisation", "org_1"}};
  account = ProviderAccountFromJson(definition, ProviderSource::kConfig);
  ASSERT_FALSE(account.ok());
  EXPECT_THAT(std::string(account.status().message()),
              HasSubstr("webhook_secret: required with updates: webhook"));
  definition["updates"] = "polling";
  account = ProviderAccountFromJson(definition, ProviderSource::kConfig);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->settings->poll_seconds(), 1);
}

// What a poller handed over.
class RecordingSink final : public InboundSink {
 public:
  absl::Status Store(const InboundBatch& batch) override {
    if (!store_error.ok()) return store_error;
    for (const InboundMessage& m : batch.messages) stored.push_back(m);
    return absl::OkStatus();
  }
  absl::Status Quarantine(std::string_view source, std::string_view why, uint64_t,
                          std::string_view) override {
    quarantined.push_back(std::string(source) + ": " + std::string(why));
    return absl::OkStatus();
  }
  absl::Status store_error;
  std::vector<InboundMessage> stored;
  std::vector<std::string> quarantined;
};

TEST_F(TelegramProviderTest, PollingStoresUpdatesBeforeConfirmingThemAndAnswersButtons) {
  const ProviderAccount account = Account(fake_.BaseUrl(), "polling");
  auto poller = TelegramType().MakePoller(account, Context("https://x"));
  ASSERT_TRUE(poller.ok()) << poller.status();
  ASSERT_NE(*poller, nullptr);
  EXPECT_EQ(*TelegramType().MakePoller(Account(fake_.BaseUrl(), "webhook"), Context("")), nullptr);

  fake_.QueueUpdate(fake_.MessageUpdate(5234567890, "Sim, estarei presente"));
  const std::string button = fake_.CallbackUpdate(5234567890, "rsvp:yes");
  fake_.QueueUpdate(button);
  fake_.QueueUpdate(R"({"update_id":800000999,"message":{"message_id":1}})");
  fake_.QueueUpdate(R"({"update_id":801000000,"edited_message":{"message_id":1,"chat":)"
                    R"({"id":1,"type":"private"},"date":1,"text":"x"}})");

  // Redis is down: nothing is confirmed, so the next poll reads the same updates again.
  RecordingSink sink;
  sink.store_error = absl::UnavailableError("redis down");
  EXPECT_FALSE((*poller)->PollOnce(sink).ok());
  sink.store_error = absl::OkStatus();
  auto taken = (*poller)->PollOnce(sink);
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(*taken, 4);
  ASSERT_EQ(sink.stored.size(), 2u);
  EXPECT_EQ(sink.stored[0].from, "5234567890");
  EXPECT_EQ(sink.stored[0].text, "Sim, estarei presente");
  EXPECT_EQ(sink.stored[0].to, "berlin_embassy_bot");
  EXPECT_EQ(sink.stored[0].channel, Channel::kTelegram);
  EXPECT_EQ(sink.stored[1].text, "rsvp:yes");
  const std::string callback_id = json::parse(button)["callback_query"]["id"];
  EXPECT_EQ(sink.stored[1].provider_message_id, "cb:" + callback_id);
  EXPECT_THAT(sink.quarantined, ElementsAre("telegram: message.chat: missing"));
  EXPECT_THAT(fake_.AnsweredCallbacks(), ElementsAre(callback_id));

  // The next poll confirms them: Telegram hands out nothing twice.
  taken = (*poller)->PollOnce(sink);
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(*taken, 0);
  EXPECT_EQ(sink.stored.size(), 2u);

  // With a webhook set, Telegram refuses getUpdates; the poller says why.
  ASSERT_TRUE(TelegramType()
                  .Register(Account(fake_.BaseUrl(), "webhook"), Context("https://gw.example.org"))
                  .ok());
  const auto conflict = (*poller)->PollOnce(sink);
  ASSERT_FALSE(conflict.ok());
  EXPECT_THAT(std::string(conflict.status().message()), HasSubstr("deleteWebhook"));
}

}  // namespace
}  // namespace ogw
