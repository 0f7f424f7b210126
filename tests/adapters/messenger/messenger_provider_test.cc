// MessengerProvider against FakeMessenger, a stand-in for the Send API on a loopback port: texts
// inside the window as Messenger receives them, nothing sent outside it, and the error answers
// Meta documents; then the messenger type's webhook routes behind a small HTTP server, fed by
// the fake's signed webhooks. Without a server: messenger_send_test.cc and
// messenger_webhooks_test.cc.

#include "adapters/messenger/messenger_provider.h"

#include <httplib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/common/circuit_breaker.h"
#include "adapters/messenger/messenger_type.h"
#include "adapters/meta/meta_webhooks.h"
#include "gateway/core/clock.h"
#include "gateway/core/json_reader.h"
#include "tests/fakes/fake_messenger.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Outcome = SendResult::Outcome;
using Verdict = InboundOutcome::Verdict;
using ogw::testing::FakeMessenger;
using ogw::testing::FakeMessengerMessage;
using ogw::testing::FakeMessengerPost;

constexpr char kToken[] = "EAAJZCpage0access0token0ZBsecretZDZD";
constexpr char kAppSecret[] = "3f9a2c7e51b84d0e9a1b2c3d4e5f6a7b";
constexpr char kVerifyToken[] = "verify-berlin-2026-c1d2e3";
constexpr char kPageId[] = "104729837461234";
constexpr char kAccount[] = "messenger-berlin";
constexpr char kAna[] = "6543210987654321";
constexpr char kJonas[] = "7123456789012345";

std::string Dump(const SendResult& r) {
  return std::string(OutcomeName(r.outcome)) + "|" + r.provider_message_id + "|" + r.code + "|" +
         r.reason + "|" + std::to_string(r.retry_after_millis) + "|" +
         std::to_string(r.pause_account_millis) + "|" + (r.address_invalid ? "invalid" : "");
}

OutboundMessage Message(const std::string& to, bool window_open) {
  OutboundMessage m;
  m.message_id = "cmp_1:" + to;
  m.channel = Channel::kMessenger;
  m.to = to;
  m.text = "Counselling days on 12 June: bring your passport.";
  m.text_format = TextFormat::kPlainText;
  m.window_open = window_open;
  return m;
}

class MessengerProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(fake_.Start(&error)) << error;
  }

  MessengerConfig Config() {
    MessengerConfig config;
    config.name = kAccount;
    config.api_base = fake_.BaseUrl();
    config.page_id = kPageId;
    config.page_access_token = kToken;
    config.timeout_ms = 5000;
    return config;
  }

  std::vector<SendResult> Send(const std::vector<OutboundMessage>& messages) {
    MessengerProvider provider(Config());
    std::vector<SendResult> results(messages.size());
    provider.SendBatch(messages, results);
    for (const SendResult& r : results) EXPECT_THAT(Dump(r), Not(HasSubstr(kToken)));
    return results;
  }

  FakeMessenger fake_{kPageId, kToken, kAppSecret};
};

TEST_F(MessengerProviderTest, InsideTheWindowTheTextIsAcceptedWithItsId) {
  fake_.OpenWindow(kAna);
  fake_.OpenWindow(kJonas);
  const auto results = Send({Message(kAna, true), Message(kJonas, true)});
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  ASSERT_EQ(results[1].outcome, Outcome::kAccepted) << Dump(results[1]);
  const std::vector<FakeMessengerMessage> accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), 2u);
  for (const FakeMessengerMessage& m : accepted) {
    EXPECT_EQ(m.messaging_type, "RESPONSE");
    EXPECT_EQ(m.tag, "");
    EXPECT_EQ(m.text, "Counselling days on 12 June: bring your passport.");
    EXPECT_THAT(m.quick_reply_titles, IsEmpty());
    EXPECT_EQ(m.id, results[m.recipient_id == kAna ? 0 : 1].provider_message_id);
    EXPECT_THAT(m.id, ::testing::StartsWith("m_"));
  }
}

TEST_F(MessengerProviderTest, ButtonsArriveAsQuickRepliesWhosePressComesBackAsTheId) {
  fake_.OpenWindow(kAna);
  OutboundMessage m = Message(kAna, true);
  m.buttons = {{"rsvp:yes", "Yes"}, {"rsvp:no", "No"}, {"rsvp:maybe", "Maybe"}};
  const auto results = Send({m});
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  const std::vector<FakeMessengerMessage> accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].quick_reply_titles, (std::vector<std::string>{"Yes", "No", "Maybe"}));
  EXPECT_EQ(accepted[0].quick_reply_payloads,
            (std::vector<std::string>{"rsvp:yes", "rsvp:no", "rsvp:maybe"}));
}

TEST_F(MessengerProviderTest, TheTokenTravelsInTheHeaderNeverInTheUrl) {
  fake_.OpenWindow(kAna);
  fake_.set_recording(4);
  const auto results = Send({Message(kAna, true)});
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  const auto recorded = fake_.Recorded();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].method, "POST");
  EXPECT_EQ(recorded[0].path, "/v21.0/me/messages");
  EXPECT_THAT(recorded[0].path, Not(HasSubstr(kToken)));
  EXPECT_THAT(recorded[0].path, Not(HasSubstr("access_token")));
  EXPECT_EQ(recorded[0].headers.at("authorization"), std::string("Bearer ") + kToken);
  EXPECT_THAT(recorded[0].headers.at("content-type"), HasSubstr("application/json"));
  EXPECT_THAT(recorded[0].body, Not(HasSubstr(kToken)));
}

TEST_F(MessengerProviderTest, OutsideTheWindowNothingIsRequested) {
  fake_.OpenWindow(kAna);  // Meta would even take it: the gateway's view decides.
  OutboundMessage too_long = Message(kAna, true);
  too_long.text = std::string(2001, 'a');
  const auto results = Send({Message(kAna, false), too_long});
  EXPECT_EQ(results[0].outcome, Outcome::kPermanent) << Dump(results[0]);
  EXPECT_EQ(results[0].code, "outside_window");
  EXPECT_EQ(results[1].code, "text_too_long") << Dump(results[1]);
  EXPECT_EQ(fake_.requests(), 0u);
  EXPECT_THAT(fake_.Accepted(), IsEmpty());
}

TEST_F(MessengerProviderTest, AnEventUpdateOutsideTheWindowGoesWithItsTag) {
  // No window: the person last wrote weeks ago, but said yes to the event.
  OutboundMessage reminder = Message(kAna, false);
  reminder.message_tag = "CONFIRMED_EVENT_UPDATE";
  const auto results = Send({reminder});
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  const std::vector<FakeMessengerMessage> accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].messaging_type, "MESSAGE_TAG");
  EXPECT_EQ(accepted[0].tag, "CONFIRMED_EVENT_UPDATE");
  // Inside the window the same message is an ordinary response.
  fake_.OpenWindow(kAna);
  reminder.window_open = true;
  ASSERT_EQ(Send({reminder})[0].outcome, Outcome::kAccepted);
  EXPECT_EQ(fake_.Accepted().back().messaging_type, "RESPONSE");
}

TEST_F(MessengerProviderTest, AWindowClosedAtMetasEndIsOutsideWindow) {
  // The gateway still counts the window open; Messenger does not (it closed in between).
  const auto results = Send({Message(kAna, true)});
  EXPECT_EQ(results[0].outcome, Outcome::kPermanent) << Dump(results[0]);
  EXPECT_EQ(results[0].code, "outside_window");
  EXPECT_THAT(results[0].reason, HasSubstr("outside of allowed window"));
  EXPECT_FALSE(results[0].address_invalid);
  EXPECT_EQ(fake_.requests(), 1u);
}

TEST_F(MessengerProviderTest, AnUnknownPersonIsAnInvalidAddress) {
  fake_.OpenWindow(kJonas);
  fake_.Unknown(kJonas);
  const auto results = Send({Message(kJonas, true)});
  EXPECT_EQ(results[0].outcome, Outcome::kPermanent) << Dump(results[0]);
  EXPECT_EQ(results[0].code, "messenger_100_2018001");
  EXPECT_TRUE(results[0].address_invalid);
  EXPECT_EQ(results[0].reason, "(#100) No matching user found");
}

TEST_F(MessengerProviderTest, ThrottlingAndServerTroubleAreTransient) {
  fake_.OpenWindow(kAna);
  fake_.ThrottleNext(1);
  auto r = Send({Message(kAna, true)});
  EXPECT_EQ(r[0].outcome, Outcome::kTransient) << Dump(r[0]);
  EXPECT_EQ(r[0].code, "messenger_613");
  EXPECT_GE(r[0].retry_after_millis, 60'000);
  EXPECT_EQ(r[0].pause_account_millis, 0);

  fake_.FailNext(1);
  r = Send({Message(kAna, true)});
  EXPECT_EQ(r[0].outcome, Outcome::kTransient) << Dump(r[0]);
  EXPECT_EQ(r[0].code, "messenger_2");

  r = Send({Message(kAna, true)});
  EXPECT_EQ(r[0].outcome, Outcome::kAccepted) << Dump(r[0]);
  EXPECT_EQ(fake_.Accepted().size(), 1u);
}

TEST_F(MessengerProviderTest, AnExpiredTokenPausesTheAccountBehindTheBreaker) {
  fake_.OpenWindow(kAna);
  fake_.ExpireToken();
  FakeClock clock;
  CircuitBreakerProvider breaker(std::make_shared<MessengerProvider>(Config()), &clock);
  std::vector<OutboundMessage> messages = {Message(kAna, true)};
  std::vector<SendResult> results(1);
  breaker.SendBatch(messages, results);
  EXPECT_EQ(results[0].code, "messenger_190_463") << Dump(results[0]);
  EXPECT_EQ(results[0].outcome, Outcome::kTransient);
  EXPECT_THAT(Dump(results[0]), Not(HasSubstr(kToken)));
  EXPECT_TRUE(breaker.open());
  const uint64_t requests = fake_.requests();
  breaker.SendBatch(messages, results);
  EXPECT_EQ(results[0].code, "circuit_open");
  EXPECT_EQ(fake_.requests(), requests) << "nothing reaches Messenger while paused";

  // Another token than the Page's: the same, without a subcode.
  MessengerConfig config = Config();
  config.page_access_token = "EAAJZCanother0token";
  MessengerProvider other(config);
  other.SendBatch(messages, results);
  EXPECT_EQ(results[0].code, "messenger_190") << Dump(results[0]);
  EXPECT_EQ(results[0].pause_account_millis, 10 * 60'000);
}

TEST_F(MessengerProviderTest, AnUnreachableApiIsTransient) {
  MessengerConfig config = Config();
  config.api_base = "http://127.0.0.1:1";
  MessengerProvider provider(config);
  std::vector<OutboundMessage> messages = {Message(kAna, true)};
  std::vector<SendResult> results(1);
  provider.SendBatch(messages, results);
  EXPECT_EQ(results[0].outcome, Outcome::kTransient);
  EXPECT_EQ(results[0].code, "connect");
}

// ---- The type: its settings and webhook routes ----

ProviderAccount Account(const std::string& organisation = "org_1") {
  ProviderAccount account;
  account.name = kAccount;
  account.type = "messenger";
  account.channels = {"messenger"};
  account.organisation = organisation;
  account.settings = TypeSettingsPtr(MessengerType().NewSettings());
  *account.settings->Field("page_access_token") = kToken;
  *account.settings->Field("app_secret") = kAppSecret;
  *account.settings->Field("verify_token") = kVerifyToken;
  *account.settings->Field("page_id") = kPageId;
  return account;
}

std::vector<std::string> Problems(const ProviderAccount& account) {
  const nlohmann::json empty = nlohmann::json::object();
  JsonReader r = JsonReader::ForInput(empty);
  MessengerType().Check(account, ProviderSource::kApi, r);
  (void)r.Finish();
  std::vector<std::string> out;
  for (const auto& [path, message] : r.problems()) out.push_back(path);
  return out;
}

TEST(MessengerTypeTest, SettingsAreCheckedAndSecretsMarked) {
  const ProviderType& type = MessengerType();
  EXPECT_EQ(type.name(), "messenger");
  EXPECT_THAT(type.channels(), ElementsAre("messenger"));
  EXPECT_EQ(type.default_per_second(), 300);
  EXPECT_THAT(type.NewSettings()->FieldsOfKind(FieldKind::kSecret),
              ElementsAre("page_access_token", "app_secret", "verify_token"));
  EXPECT_THAT(type.NewSettings()->FieldsOfKind(FieldKind::kDestination), ElementsAre("api_base"));
  EXPECT_EQ(*type.NewSettings()->Field("api_base"), "https://graph.facebook.com");
  EXPECT_EQ(*type.NewSettings()->Field("api_version"), "v21.0");

  EXPECT_THAT(Problems(Account()), IsEmpty());
  EXPECT_THAT(Problems(Account("")), ElementsAre("organisation"));
  ProviderAccount bad = Account();
  *bad.settings->Field("page_access_token") = "EAAJ ZC";
  *bad.settings->Field("app_secret") = "";
  *bad.settings->Field("verify_token") = "";
  *bad.settings->Field("page_id") = "my-page";
  *bad.settings->Field("api_base") = "graph.facebook.com";
  *bad.settings->Field("api_version") = "21";
  EXPECT_THAT(Problems(bad), ElementsAre("page_access_token", "page_id", "app_secret",
                                         "verify_token", "api_base", "api_version"));
  auto provider = type.Make(Account(), ProviderContext());
  ASSERT_TRUE(provider.ok()) << provider.status();
  EXPECT_EQ((*provider)->name(), kAccount);
}

// The type's routes behind an HTTP server at /v1/inbound/messenger/<account>, answering as the
// gateway does (routes_inbound.cc) and keeping every outcome.
class MessengerRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(fake_.Start(&error)) << error;
    for (const InboundRoute& route : MessengerType().inbound_routes()) {
      const auto handle = [this, route](const httplib::Request& req, httplib::Response& res) {
        InboundRequest request;
        request.target = req.target;
        request.body = req.body;
        request.public_url = "https://gateway.example.org" + req.target;
        request.header = [&req](std::string_view name) {
          return req.get_header_value(std::string(name));
        };
        request.query = [&req](std::string_view name) {
          return req.get_param_value(std::string(name));
        };
        InboundOutcome outcome = route.handle(account_, request, ProviderContext());
        if (outcome.verdict == Verdict::kRefuse) {
          res.status = outcome.status;
        } else if (outcome.verdict == Verdict::kInvalid) {
          res.status = 400;
        } else {
          res.status = outcome.status;
          if (!outcome.body.empty()) res.set_content(outcome.body, outcome.content_type);
        }
        std::lock_guard lock(mu_);
        outcomes_.push_back(std::move(outcome));
      };
      const std::string path = std::string("/v1/inbound/messenger/") + kAccount;
      if (route.method == "GET") server_.Get(path, handle);
      if (route.method == "POST") server_.Post(path, handle);
    }
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 200 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/v1/inbound/messenger/" + kAccount;
  }

  // The outcome of the last request.
  InboundOutcome Last() {
    std::lock_guard lock(mu_);
    return outcomes_.empty() ? InboundOutcome() : outcomes_.back();
  }

  FakeMessenger fake_{kPageId, kToken, kAppSecret};
  ProviderAccount account_ = Account();
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<InboundOutcome> outcomes_;
};

TEST_F(MessengerRoutesTest, MetasHandshakeEchoesTheChallengeOnlyForTheVerifyToken) {
  EXPECT_TRUE(fake_.VerifySubscription(Url(), kVerifyToken));
  EXPECT_FALSE(fake_.VerifySubscription(Url(), "verify-someone-else"));
  EXPECT_EQ(Last().verdict, Verdict::kRefuse);
}

TEST_F(MessengerRoutesTest, SignedMessagesPostbacksAndDeliveriesAreStoredAndAnswered200) {
  FakeMessengerPost post = fake_.SendInboundText(Url(), kAna, "Ja, ich komme am Dienstag");
  EXPECT_EQ(post.status, 200);
  InboundOutcome out = Last();
  ASSERT_EQ(out.verdict, Verdict::kAccept);
  ASSERT_EQ(out.batch.messages.size(), 1u);
  EXPECT_EQ(out.batch.messages[0].provider, kAccount);
  EXPECT_EQ(out.batch.messages[0].channel, Channel::kMessenger);
  EXPECT_EQ(out.batch.messages[0].from, kAna);
  EXPECT_EQ(out.batch.messages[0].to, kPageId);
  EXPECT_EQ(out.batch.messages[0].text, "Ja, ich komme am Dienstag");
  EXPECT_EQ(out.batch.messages[0].provider_message_id, post.message_id);
  EXPECT_EQ(out.batch.quarantine_reason, "");
  EXPECT_TRUE(fake_.WindowOpen(kAna));

  // Meta's retry: the same bytes, the same id (the pipeline deduplicates on it).
  FakeMessengerPost again = fake_.ResendLast(Url());
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, post.body);
  EXPECT_EQ(Last().batch.messages.at(0).provider_message_id, post.message_id);

  post = fake_.SendQuickReply(Url(), kAna, "Termin bestätigen", "appointment:confirm");
  EXPECT_EQ(post.status, 200);
  out = Last();
  ASSERT_EQ(out.batch.messages.size(), 1u);
  EXPECT_EQ(out.batch.messages[0].text, "Termin bestätigen");
  EXPECT_EQ(out.batch.messages[0].button, "appointment:confirm");

  post = fake_.SendPostback(Url(), kJonas, "Termin vereinbaren", "menu:appointment");
  EXPECT_EQ(post.status, 200);
  out = Last();
  ASSERT_EQ(out.batch.messages.size(), 1u);
  EXPECT_EQ(out.batch.messages[0].from, kJonas);
  EXPECT_EQ(out.batch.messages[0].text, "Termin vereinbaren");
  EXPECT_EQ(out.batch.messages[0].button, "menu:appointment");
  EXPECT_EQ(out.batch.messages[0].provider_message_id, post.message_id);
  EXPECT_TRUE(fake_.WindowOpen(kJonas)) << "a postback opens the window too";

  // What the provider sent, reported delivered.
  MessengerProvider provider([&] {
    MessengerConfig config;
    config.name = kAccount;
    config.api_base = fake_.BaseUrl();
    config.page_access_token = kToken;
    return config;
  }());
  std::vector<OutboundMessage> messages = {Message(kAna, true), Message(kJonas, true)};
  std::vector<SendResult> results(2);
  provider.SendBatch(messages, results);
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  post = fake_.SendDelivery(Url(), kAna, {results[0].provider_message_id});
  EXPECT_EQ(post.status, 200);
  out = Last();
  EXPECT_THAT(out.batch.messages, IsEmpty());
  ASSERT_EQ(out.batch.reports.size(), 1u);
  EXPECT_EQ(out.batch.reports[0].provider_message_id, results[0].provider_message_id);
  EXPECT_EQ(out.batch.reports[0].state, DeliveryReport::State::kDelivered);
  EXPECT_EQ(out.batch.reports[0].to, kAna);
}

TEST_F(MessengerRoutesTest, ThePagesOwnEchoesAreNotThePersons) {
  const FakeMessengerPost post =
      fake_.SendEcho(Url(), kAna, "Counselling days on 12 June: bring your passport.");
  EXPECT_EQ(post.status, 200);
  const InboundOutcome out = Last();
  EXPECT_EQ(out.verdict, Verdict::kAccept);
  EXPECT_THAT(out.batch.messages, IsEmpty());
  EXPECT_THAT(out.batch.reports, IsEmpty());
  EXPECT_FALSE(fake_.WindowOpen(kAna)) << "the Page writing opens no window";
}

TEST_F(MessengerRoutesTest, ForgedUnreadableAndForeignBodies) {
  // Signed with another secret, or not at all: refused before anything is read.
  const std::string body = R"({"object":"page","entry":[]})";
  httplib::Client client("127.0.0.1", port_);
  const std::string path = std::string("/v1/inbound/messenger/") + kAccount;
  auto forged = client.Post(path, {{"X-Hub-Signature-256", MetaSignature("another-secret", body)}},
                            body, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  auto unsigned_post = client.Post(path, body, "application/json");
  ASSERT_TRUE(unsigned_post);
  EXPECT_EQ(unsigned_post->status, 401);

  // Signed but unreadable: quarantined (by the gateway), and Meta is told 200.
  const std::string odd =
      R"({"object":"page","entry":[{"id":"104729837461234","messaging":[)"
      R"({"sender":{"id":"6543210987654321"},"recipient":{"id":"104729837461234"},)"
      R"("timestamp":1,"message":{"text":"Geheimnis 4711"}}]}]})";
  auto unreadable = client.Post(path, {{"X-Hub-Signature-256", MetaSignature(kAppSecret, odd)}},
                                odd, "application/json");
  ASSERT_TRUE(unreadable);
  EXPECT_EQ(unreadable->status, 200);
  InboundOutcome out = Last();
  EXPECT_EQ(out.verdict, Verdict::kUnreadable);
  EXPECT_EQ(out.reason, "entry[0].messaging[0].message.mid: missing");
  EXPECT_EQ(out.quarantine_source, "messenger");
  EXPECT_EQ(out.quarantine_sample, odd);

  // Another Page of the app: stored nothing of it, the request quarantined with a reason.
  FakeMessenger other("118877665544332", "EAAJZCother0page0token", kAppSecret);
  ASSERT_TRUE(other.Start());
  const FakeMessengerPost post = other.SendInboundText(Url(), kAna, "Hallo?");
  EXPECT_EQ(post.status, 200);
  out = Last();
  EXPECT_EQ(out.verdict, Verdict::kAccept);
  EXPECT_THAT(out.batch.messages, IsEmpty());
  EXPECT_THAT(out.batch.quarantine_reason, HasSubstr("Page ids this account does not serve"));
}

}  // namespace
}  // namespace ogw
