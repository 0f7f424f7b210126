// Direct messages, dead letters, queue statistics and the sandbox outbox through the API. No
// worker runs here: where a test needs a message to have been worked on, it plays the worker
// against the queue itself.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/sandbox/sandbox_provider.h"
#include "queue/delivery_queue.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using json = nlohmann::json;

class MessagesApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    post_a_ = CreatePost("Berlin");
    post_b_ = CreatePost("Athens");
    officer_a_ = CreateOfficerToken("officer", {post_a_}, &officer_a_id_);
    officer_b_ = CreateOfficerToken("officer", {post_b_});
    viewer_a_ = CreateOfficerToken("viewer", {post_a_});
    // Ana: e-mail with consent granted, a phone that opted out, a WhatsApp number whose
    // consent was withdrawn, and a Telegram handle with no consent recorded.
    ana_ = CreateContact(
        {{"name", "Ana"},
         {"post_id", post_a_},
         {"addresses",
          {{{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}},
           {{"kind", "phone"},
            {"value", "+4915111111111"},
            {"consent", "granted"},
            {"opted_out", true}},
           {{"kind", "whatsapp"}, {"value", "+4915122222222"}, {"consent", "withdrawn"}},
           {{"kind", "telegram"}, {"value", "@ana_a"}}}}},
        admin_token_);
    bob_ = CreateContact(
        {{"name", "Bob"},
         {"post_id", post_b_},
         {"addresses", {{{"kind", "email"}, {"value", "bob@b.example"}, {"consent", "granted"}}}}},
        admin_token_);
    ASSERT_FALSE(ana_.empty());
    ASSERT_FALSE(bob_.empty());
  }

  HttpResult Send(const json& body, const std::string& token = "") {
    return Post("/v1/messages", body, token.empty() ? officer_a_ : token);
  }

  std::string org_;
  std::string post_a_, post_b_;
  std::string officer_a_, officer_a_id_, officer_b_, viewer_a_;
  std::string ana_, bob_;
};

// ---------------------------------------------------------------------------------------------
// Direct messages.

TEST_F(MessagesApiTest, DirectMessageIsQueuedAndItsStatusReadable) {
  HttpResult r = Send({{"contact_id", ana_},
                       {"channel", "email"},
                       {"subject", "Your passport"},
                       {"text", "Your passport is ready for collection."}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json.value("id", "");
  EXPECT_THAT(id, StartsWith("m_"));
  EXPECT_EQ(r.json["status"], "queued");
  EXPECT_EQ(r.json["contact_id"], ana_);
  EXPECT_EQ(r.json["channel"], "email");

  for (const std::string& token : {officer_a_, viewer_a_, admin_token_}) {
    HttpResult s = Get("/v1/messages/" + id, token);
    ASSERT_EQ(s.status, 200) << s.body;
    EXPECT_EQ(s.json["id"], id);
    EXPECT_EQ(s.json["status"], "queued");
    EXPECT_EQ(s.json["contact_id"], ana_);
    EXPECT_EQ(s.json["channel"], "email");
    EXPECT_EQ(s.json["author"], officer_a_id_);
    EXPECT_EQ(s.json["attempts"], 0);
  }
  // Another post's officer learns nothing.
  ExpectProblem(Get("/v1/messages/" + id, officer_b_), 404);
  ExpectProblem(Get("/v1/messages/m_0000000000aaaaaaaaaaaaaaaa", admin_token_), 404);
  ExpectProblem(Get("/v1/messages/garbage", admin_token_), 404);

  HttpResult stats = Get("/v1/queue/stats", admin_token_);
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(stats.json["lanes"]["direct"], 1);
}

TEST_F(MessagesApiTest, WithoutAChannelTheAnswerGoesWhereThePersonLastWroteElseTheirPreference) {
  const std::string carla =
      CreateContact({{"name", "Carla"},
                     {"post_id", post_a_},
                     {"channel_order", {"email", "sms"}},
                     {"addresses",
                      {{{"kind", "email"}, {"value", "carla@a.example"}, {"consent", "granted"}},
                       {{"kind", "phone"}, {"value", "+4915133333333"}, {"consent", "granted"}}}}},
                    admin_token_);
  HttpResult r = Send({{"contact_id", carla}, {"text", "Your appointment is confirmed."}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json["channel"], "email");
  EXPECT_EQ(r.json["channel_chosen"], "preferred");

  // She answers by SMS: the next answer goes by SMS.
  ASSERT_EQ(
      Post("/v1/sandbox/replies",
           {{"contact_id", carla}, {"channel", "sms"}, {"text", "Can I come at 10?"}}, officer_a_)
          .status,
      201);
  r = Send({{"contact_id", carla}, {"text", "Yes, 10 is fine."}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json["channel"], "sms");
  EXPECT_EQ(r.json["channel_chosen"], "last_written");
  EXPECT_EQ(Get("/v1/messages/" + r.json.value("id", ""), officer_a_).json["channel"], "sms");
  // A named channel is taken as named.
  r = Send({{"contact_id", carla}, {"channel", "email"}, {"text", "Details attached."}});
  EXPECT_EQ(r.json["channel_chosen"], "requested");

  // Ana last wrote by SMS, but opted out there and has no preference: the officer must choose,
  // and is told why.
  ASSERT_EQ(Post("/v1/sandbox/replies",
                 {{"contact_id", ana_}, {"channel", "sms"}, {"text", "Thanks"}}, officer_a_)
                .status,
            201);
  r = Send({{"contact_id", ana_}, {"text", "Hello"}});
  ExpectProblem(r, 422);
  EXPECT_THAT(ErrorFields(r), Contains("channel"));
  EXPECT_THAT(r.body, HasSubstr("last written on sms"));
}

TEST_F(MessagesApiTest, AddressWithoutRecordedConsentMayBeMessaged) {
  HttpResult r = Send({{"contact_id", ana_}, {"channel", "telegram"}, {"text", "Hello"}});
  ASSERT_EQ(r.status, 202) << r.body;
}

TEST_F(MessagesApiTest, ValidationNamesTheField) {
  struct Case {
    std::string label;
    json body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"missing text", {{"contact_id", ana_}, {"channel", "email"}}, "text"},
      {"empty text", {{"contact_id", ana_}, {"channel", "email"}, {"text", ""}}, "text"},
      {"long text",
       {{"contact_id", ana_}, {"channel", "email"}, {"text", std::string(10'001, 'a')}},
       "text"},
      {"text not a string", {{"contact_id", ana_}, {"channel", "email"}, {"text", 5}}, "text"},
      {"missing channel", {{"contact_id", ana_}, {"text", "Hi"}}, "channel"},
      {"bad channel", {{"contact_id", ana_}, {"channel", "fax"}, {"text", "Hi"}}, "channel"},
      {"preferred is for campaigns",
       {{"contact_id", ana_}, {"channel", "preferred"}, {"text", "Hi"}},
       "channel"},
      {"subject on sms",
       {{"contact_id", ana_}, {"channel", "sms"}, {"text", "Hi"}, {"subject", "S"}},
       "subject"},
      {"missing contact", {{"channel", "email"}, {"text", "Hi"}}, "contact_id"},
      {"unknown key",
       {{"contact_id", ana_}, {"channel", "email"}, {"text", "Hi"}, {"to", "x"}},
       "to"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    HttpResult r = Send(c.body);
    ExpectProblem(r, 422);
    EXPECT_THAT(ErrorFields(r), Contains(c.field)) << r.body;
  }
  HttpResult ok =
      Send({{"contact_id", ana_}, {"channel", "email"}, {"text", std::string(10'000, 'a')}});
  EXPECT_EQ(ok.status, 202) << ok.body;
}

TEST_F(MessagesApiTest, ContactMustBeVisible) {
  for (const std::string& id :
       {std::string("c_0000000000aaaaaaaaaaaaaaaa"), std::string("nonsense"), bob_}) {
    SCOPED_TRACE(id);
    HttpResult r = Send({{"contact_id", id}, {"channel", "email"}, {"text", "Hi"}});
    ExpectProblem(r, 404);
    EXPECT_EQ(r.body.find("Bob"), std::string::npos);
  }
  EXPECT_EQ(Send({{"contact_id", bob_}, {"channel", "email"}, {"text", "Hi"}}, officer_b_).status,
            202);
  ExpectProblem(Send({{"contact_id", ana_}, {"channel", "email"}, {"text", "Hi"}}, viewer_a_), 403);
}

TEST_F(MessagesApiTest, AddressMustServeTheChannelAndAllowMessages) {
  struct Case {
    std::string channel;
    std::string detail;
  };
  for (const Case& c :
       {Case{"sms", "opted out"}, Case{"whatsapp", "withdrawn"}, Case{"messenger", "no address"}}) {
    SCOPED_TRACE(c.channel);
    HttpResult r = Send({{"contact_id", ana_}, {"channel", c.channel}, {"text", "Hi"}});
    ExpectProblem(r, 422);
    EXPECT_EQ(r.json.value("field", ""), "channel");
    EXPECT_THAT(r.json.value("detail", ""), HasSubstr(c.detail));
  }
  HttpResult stats = Get("/v1/queue/stats", admin_token_);
  EXPECT_EQ(stats.json["lanes"]["direct"], 0);
}

// ---------------------------------------------------------------------------------------------
// Dead letters.

TEST_F(MessagesApiTest, DeadLettersAreForAdmins) {
  ExpectProblem(Get("/v1/dead-letters", officer_a_), 403);
  ExpectProblem(Get("/v1/dead-letters/x", officer_a_), 403);
  ExpectProblem(Post("/v1/dead-letters/x/requeue", json::object(), officer_a_), 403);
  ExpectProblem(Get("/v1/queue/stats", officer_a_), 403);
  ExpectProblem(Get("/v1/sandbox/messages", viewer_a_), 403);

  HttpResult empty = Get("/v1/dead-letters", admin_token_);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.json["items"], json::array());
  ExpectProblem(Get("/v1/dead-letters/m_0000000000aaaaaaaaaaaaaaaa", admin_token_), 404);
  ExpectProblem(
      Post("/v1/dead-letters/m_0000000000aaaaaaaaaaaaaaaa/requeue", json::object(), admin_token_),
      404);
}

TEST_F(MessagesApiTest, DeadLetterCanBeInspectedAndRequeued) {
  HttpResult sent = Send({{"contact_id", ana_}, {"channel", "email"}, {"text", "Hi"}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = sent.json["id"];

  // Play a worker whose last attempt timed out.
  DeliveryQueue queue(&runtime_->redis(), &clock_);
  auto claimed = queue.ClaimDirect(org_, 10);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(Get("/v1/messages/" + id, officer_a_).json["status"], "sending");
  MessageOutcome dead;
  dead.kind = MessageOutcome::Kind::kDead;
  dead.message = (*claimed)[0];
  dead.code = "timeout";
  dead.reason = "the provider did not answer";
  dead.channel = "email";
  ASSERT_TRUE(queue.Record(org_, {&dead, 1}).ok());

  HttpResult status = Get("/v1/messages/" + id, officer_a_);
  EXPECT_EQ(status.json["status"], "dead");
  EXPECT_EQ(status.json["code"], "timeout");
  EXPECT_EQ(status.json["attempts"], 1);

  HttpResult list = Get("/v1/dead-letters", admin_token_);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["items"].size(), 1u);
  EXPECT_EQ(list.json["items"][0]["id"], id);
  EXPECT_EQ(list.json["items"][0]["code"], "timeout");
  HttpResult one = Get("/v1/dead-letters/" + id, admin_token_);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json, list.json["items"][0]);
  EXPECT_EQ(Get("/v1/queue/stats", admin_token_).json["lanes"]["dead_letters"], 1);

  HttpResult requeued = Post("/v1/dead-letters/" + id + "/requeue", json::object(), admin_token_);
  ASSERT_EQ(requeued.status, 200) << requeued.body;
  EXPECT_EQ(requeued.json, json({{"requeued", id}}));
  ExpectProblem(Get("/v1/dead-letters/" + id, admin_token_), 404);
  ExpectProblem(Post("/v1/dead-letters/" + id + "/requeue", json::object(), admin_token_), 404);
  HttpResult lanes = Get("/v1/queue/stats", admin_token_);
  EXPECT_EQ(lanes.json["lanes"]["dead_letters"], 0);
  EXPECT_EQ(lanes.json["lanes"]["direct"], 1);
}

// ---------------------------------------------------------------------------------------------
// Queue statistics and the sandbox outbox.

TEST_F(MessagesApiTest, QueueStatsListLaunchedCampaigns) {
  const std::string tpl = CreateTemplate(
      {{"name", "Hello"},
       {"default_language", "en"},
       {"variants", {{"en", {{"body", "Hello {{contact.name}}"}, {"subject", "Hello"}}}}}},
      admin_token_);
  const std::string seg = CreateSegment({{"name", "All"}, {"expression", "true"}}, admin_token_);
  json body = {
      {"name", "Launched"}, {"template_id", tpl}, {"segment_id", seg}, {"channel", "email"}};
  HttpResult launched = Post("/v1/campaigns", body, admin_token_);
  ASSERT_EQ(launched.status, 201) << launched.body;
  const std::string id = launched.json["id"];
  body["name"] = "Draft";
  ASSERT_EQ(Post("/v1/campaigns", body, admin_token_).status, 201);
  ASSERT_EQ(Post("/v1/campaigns/" + id + "/launch", json::object(), admin_token_).status, 202);

  HttpResult r = Get("/v1/queue/stats", admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  for (const char* lane : {"scheduled", "direct", "dead_letters", "active_campaigns"}) {
    EXPECT_TRUE(r.json["lanes"].contains(lane)) << lane << ": " << r.body;
  }
  EXPECT_EQ(r.json["lanes"]["active_campaigns"], 1);
  ASSERT_EQ(r.json["campaigns"].size(), 1u) << r.body;  // Drafts are not in the queue.
  const json& c = r.json["campaigns"][0];
  EXPECT_EQ(c["id"], id);
  EXPECT_EQ(c["name"], "Launched");
  EXPECT_EQ(c["state"], "running");
  EXPECT_EQ(c["stats"]["queued"], 2);  // Ana and Bob.
  EXPECT_EQ(c["stats"]["pending"], 2);

  ASSERT_EQ(Post("/v1/campaigns/" + id + "/cancel", json::object(), admin_token_).status, 200);
  EXPECT_EQ(Get("/v1/queue/stats", admin_token_).json["lanes"]["active_campaigns"], 0);
}

TEST_F(MessagesApiTest, SandboxOutboxShowsNewestFirst) {
  SandboxProvider sandbox("email-sandbox", &runtime_->redis(), &clock_);
  std::vector<OutboundMessage> messages(3);
  for (size_t i = 0; i < messages.size(); ++i) {
    messages[i].message_id = "m_" + std::to_string(i);
    messages[i].org_id = org_;
    messages[i].channel = Channel::kEmail;
    messages[i].to = "ana@a.example";
    messages[i].text = "Message " + std::to_string(i);
  }
  std::vector<SendResult> results(messages.size());
  sandbox.SendBatch(messages, results);

  HttpResult all = Get("/v1/sandbox/messages", admin_token_);
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["items"].size(), 3u);
  EXPECT_EQ(all.json["items"][0]["text"], "Message 2");
  HttpResult two = Get("/v1/sandbox/messages?limit=2", admin_token_);
  ASSERT_EQ(two.status, 200) << two.body;
  ASSERT_EQ(two.json["items"].size(), 2u);
  EXPECT_EQ(two.json["items"][1]["text"], "Message 1");
  for (const char* bad : {"0", "-1", "abc", "99999999999"}) {
    SCOPED_TRACE(bad);
    HttpResult r = Get(std::string("/v1/sandbox/messages?limit=") + bad, admin_token_);
    ExpectProblem(r, 400);
    EXPECT_EQ(r.json.value("field", ""), "limit");
  }
  ExpectProblem(Get("/v1/sandbox/messages", officer_a_), 403);
}

}  // namespace
}  // namespace ogw::testing
