// The messenger type inside an in-process gateway, against FakeMessenger (a Send API stand-in
// with Meta's errors, windows and signed webhooks): a person writes to the Page first, the
// officer's answer goes inside the window it opened, Meta's delivery event (which names only
// its own message id) reaches the message, a quick reply lands in the conversation once, and
// nothing goes once the window has closed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/fakes/fake_messenger.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kToken[] = "EAAJpagetoken0123456789abcdef";
constexpr char kAppSecret[] = "9a1b2c3d4e5f6a7b3f9a2c7e51b84d0e";
constexpr char kVerifyToken[] = "verify-page-2026-a1b2c3";
constexpr char kPageId[] = "104500000000001";
constexpr char kAccount[] = "messenger-berlin";
constexpr char kPsid[] = "6254879112345678";

class MessengerE2eTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    std::string error;
    ASSERT_TRUE(fake_.Start(&error)) << error;
    setenv("MESSENGER_PAGE_ACCESS_TOKEN", kToken, 1);
    setenv("MESSENGER_APP_SECRET", kAppSecret, 1);
    setenv("MESSENGER_VERIFY_TOKEN", kVerifyToken, 1);
    ConfigureProviders({{{"name", kAccount},
                         {"type", "messenger"},
                         {"channels", {"messenger"}},
                         {"organisation", org_},
                         {"page_access_token", "${MESSENGER_PAGE_ACCESS_TOKEN}"},
                         {"app_secret", "${MESSENGER_APP_SECRET}"},
                         {"verify_token", "${MESSENGER_VERIFY_TOKEN}"},
                         {"page_id", kPageId},
                         {"api_base", fake_.BaseUrl()},
                         {"timeout_ms", 4000}}});
    if (HasFatalFailure()) return;
    worker_ = runtime_->NewWorker();
  }

  void TearDown() override {
    fake_.Stop();
    worker_.reset();
    ApiTest::TearDown();
  }

  std::string WebhookUrl() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1/inbound/messenger/" +
           kAccount;
  }

  void DrainWorker() {
    for (int i = 0; i < 20; ++i) {
      auto handled = worker_->RunOnce();
      ASSERT_TRUE(handled.ok()) << handled.status();
      if (*handled == 0) break;
    }
  }

  std::vector<json> Incoming(const std::string& contact) {
    HttpResult log = Get("/v1/contacts/" + contact + "/conversation", admin_token_);
    EXPECT_EQ(log.status, 200) << log.body;
    std::vector<json> in;
    for (const json& e : log.json.value("entries", json::array())) {
      if (e.value("kind", "") == "in") in.insert(in.begin(), e);
    }
    return in;
  }

  std::string org_;
  FakeMessenger fake_{kPageId, kToken, kAppSecret};
  std::unique_ptr<DeliveryWorker> worker_;
};

TEST_F(MessengerE2eTest, ThePersonWritesFirstAndTheAnswerDeliveryAndQuickReplyFollow) {
  EXPECT_TRUE(fake_.VerifySubscription(WebhookUrl(), kVerifyToken));

  // Someone the embassy does not know writes to its Page: an unverified contact.
  FakeMessengerPost first =
      fake_.SendInboundText(WebhookUrl(), kPsid, "Hello, is the consulate open on Saturday?");
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResult inbox = Get("/v1/inbox?post=none", admin_token_);
  ASSERT_EQ(inbox.status, 200) << inbox.body;
  ASSERT_EQ(inbox.json["items"].size(), 1u) << inbox.body;
  const std::string person = inbox.json["items"][0].value("contact_id", "");
  ASSERT_FALSE(person.empty());
  ASSERT_EQ(Incoming(person).size(), 1u);
  EXPECT_EQ(Incoming(person)[0]["channel"], "messenger");

  // The officer answers without naming a channel: Messenger, where they wrote.
  HttpResult queued =
      Post("/v1/messages", {{"contact_id", person}, {"text", "Yes, from 9 to 13. **Welcome!**"}},
           admin_token_);
  ASSERT_EQ(queued.status, 202) << queued.body;
  EXPECT_EQ(queued.json["channel"], "messenger");
  EXPECT_EQ(queued.json["channel_chosen"], "last_written");
  DrainWorker();
  const std::vector<FakeMessengerMessage> accepted = fake_.Accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].recipient_id, kPsid);
  EXPECT_EQ(accepted[0].messaging_type, "RESPONSE");
  // Messenger shows plain text: the officer's Markdown goes as written.
  EXPECT_EQ(accepted[0].text, "Yes, from 9 to 13. **Welcome!**");
  const std::string id = queued.json.value("id", "");
  EXPECT_EQ(Get("/v1/messages/" + id, admin_token_).json["status"], "sent");

  // Meta's delivery event names only its own mid; the message is found all the same.
  ASSERT_EQ(fake_.SendDelivery(WebhookUrl(), kPsid, {accepted[0].id}).status, 200);
  EXPECT_EQ(Get("/v1/messages/" + id, admin_token_).json["status"], "delivered");
  // The Page's own echo of the answer is not the person writing.
  ASSERT_EQ(fake_.SendEcho(WebhookUrl(), kPsid, "Yes, from 9 to 13. **Welcome!**").status, 200);
  // A quick reply, retried by Meta: once in the conversation, with its payload.
  ASSERT_EQ(fake_.SendQuickReply(WebhookUrl(), kPsid, "Thanks!", "thanks").status, 200);
  ASSERT_EQ(fake_.ResendLast(WebhookUrl()).status, 200);
  const std::vector<json> in = Incoming(person);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[1]["text"], "Thanks!");
  EXPECT_EQ(in[1]["button"], "thanks");

  // A day later the window has closed: the API refuses at once and says why.
  clock_.Advance(24 * 3'600'000);
  fake_.CloseWindow(kPsid);
  HttpResult refused =
      Post("/v1/messages", {{"contact_id", person}, {"channel", "messenger"}, {"text", "Hello?"}},
           admin_token_);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("24 hours"));
  EXPECT_EQ(fake_.Accepted().size(), 1u);
}

}  // namespace
}  // namespace ogw::testing
