// Conversations through the API: replies (sandbox and a signed Twilio webhook) land in the
// person's log and their post's inbox, exactly once; keywords change consent; delivery reports
// and one-click unsubscribes; scope; erasure.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "adapters/sms/twilio_webhooks.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kAuthToken[] = "twilio-test-auth-token-0123456789";

class ConversationsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    post_a_ = CreatePost("Berlin");
    post_b_ = CreatePost("Athens");
    officer_a_ = CreateOfficerToken("officer", {post_a_});
    officer_b_ = CreateOfficerToken("officer", {post_b_});
    ana_ = CreateContact(
        {{"name", "Ana"},
         {"post_id", post_a_},
         {"languages", {"fr"}},
         {"addresses",
          {{{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}},
           {{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
        admin_token_);
    ASSERT_FALSE(ana_.empty());

    // The server again with its public URL (Twilio signs it); then a Twilio account that
    // belongs to post B (its number), added through the API.
    client_.reset();
    server_->Stop();
    ApiServices services = runtime_->Services();
    services.public_base_url = "https://gw.example.org";
    server_ = std::make_unique<ApiServer>(services, config_.server);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    HttpResult added = Post("/v1/providers",
                            {{"name", "tw-athens"},
                             {"type", "twilio"},
                             {"channels", {"sms"}},
                             {"post", post_b_},
                             {"account_sid", "AC0123456789abcdef0123456789abcdef"},
                             {"auth_token", kAuthToken},
                             {"from", "+302100000000"}},
                            admin_token_);
    ASSERT_EQ(added.status, 201) << added.body;
  }

  HttpResult Reply(const std::string& contact, const std::string& channel,
                   const std::string& text, const std::string& token = "") {
    return Post("/v1/sandbox/replies", {{"contact_id", contact}, {"channel", channel},
                                        {"text", text}},
                token.empty() ? officer_a_ : token);
  }

  // POSTs a form to `path` as Twilio would, signed unless `signature` is given.
  HttpResult Twilio(const std::string& path, const FormParams& form,
                    const std::string& signature = "sign") {
    const std::string sig = signature == "sign"
                                ? TwilioSignature(kAuthToken, "https://gw.example.org" + path, form)
                                : signature;
    httplib::Headers headers;
    if (!sig.empty()) headers.emplace("X-Twilio-Signature", sig);
    return PostRaw(path, EncodeFormUrlEncoded(form), "application/x-www-form-urlencoded", "",
                   headers);
  }

  FormParams IncomingSms(const std::string& sid, const std::string& from,
                         const std::string& body) {
    return {{"MessageSid", sid}, {"AccountSid", "AC0123"}, {"From", from},
            {"To", "+302100000000"}, {"Body", body}, {"NumSegments", "1"}};
  }

  json Entries(const std::string& contact, const std::string& token = "") {
    HttpResult r = Get("/v1/contacts/" + contact + "/conversation",
                       token.empty() ? admin_token_ : token);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.value("entries", json::array());
  }

  json Contact(const std::string& id) { return Get("/v1/contacts/" + id, admin_token_).json; }

  std::string org_, post_a_, post_b_, officer_a_, officer_b_, ana_;
};

TEST_F(ConversationsApiTest, SandboxReplyLandsInTheConversationAndThePostInbox) {
  HttpResult r = Reply(ana_, "sms", "Je viendrai à la réunion");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json["contact_id"], ana_);

  json entries = Entries(ana_, officer_a_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["kind"], "in");
  EXPECT_EQ(entries[0]["channel"], "sms");
  EXPECT_EQ(entries[0]["address"], "+4915111111111");
  EXPECT_EQ(entries[0]["text"], "Je viendrai à la réunion");

  HttpResult inbox = Get("/v1/inbox", officer_a_);
  ASSERT_EQ(inbox.status, 200) << inbox.body;
  ASSERT_EQ(inbox.json["items"].size(), 1u);
  EXPECT_EQ(inbox.json["items"][0]["contact_id"], ana_);
  EXPECT_EQ(inbox.json["items"][0]["text"], "Je viendrai à la réunion");

  // Post B's officer sees neither the person nor the reply.
  EXPECT_EQ(Get("/v1/contacts/" + ana_ + "/conversation", officer_b_).status, 404);
  HttpResult other = Get("/v1/inbox", officer_b_);
  ASSERT_EQ(other.status, 200);
  EXPECT_TRUE(other.json["items"].empty());
  EXPECT_EQ(Get("/v1/inbox?post=" + post_a_, officer_b_).status, 404);
  EXPECT_EQ(Reply(ana_, "sms", "x", officer_b_).status, 404);
}

TEST_F(ConversationsApiTest, SimulatedReplyIsValidated) {
  HttpResult r = Post("/v1/sandbox/replies", {{"contact_id", ana_}, {"channel", "fax"}},
                      officer_a_);
  ExpectProblem(r, 422);
  EXPECT_THAT(ErrorFields(r), ::testing::ElementsAre("text", "channel"));
  ExpectProblem(Reply(ana_, "telegram", "hi"), 422);  // Ana has no Telegram address.
  ExpectProblem(Get("/v1/contacts/" + ana_ + "/conversation?before=abc", admin_token_), 400);
  ExpectProblem(Get("/v1/inbox", admin_token_), 400);  // Organisation-wide: post required.
}

TEST_F(ConversationsApiTest, TwilioWebhookIsVerifiedStoredOnceAndThreadedToThePerson) {
  // Unsigned and forged requests are refused and store nothing.
  EXPECT_EQ(Twilio("/v1/inbound/twilio/tw-athens", IncomingSms("SM1", "+4915111111111", "hi"),
                   "").status,
            401);
  EXPECT_EQ(Twilio("/v1/inbound/twilio/tw-athens", IncomingSms("SM1", "+4915111111111", "hi"),
                   "bm90IGEgc2lnbmF0dXJl").status,
            403);
  EXPECT_EQ(Twilio("/v1/inbound/twilio/nobody", IncomingSms("SM1", "+4915111111111", "hi"))
                .status,
            404);
  EXPECT_TRUE(Entries(ana_).empty());

  // Twilio retries: the same MessageSid is stored once.
  for (int i = 0; i < 3; ++i) {
    HttpResult r = Twilio("/v1/inbound/twilio/tw-athens",
                          IncomingSms("SM1", "+4915111111111", "Merci !"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.body, HasSubstr("<Response>"));
  }
  json entries = Entries(ana_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["provider"], "tw-athens");
  EXPECT_EQ(entries[0]["provider_message_id"], "SM1");
  // Athens' number received it, but Ana belongs to Berlin: Berlin's inbox, not Athens'.
  EXPECT_EQ(entries[0]["post"], post_b_);
  EXPECT_EQ(Get("/v1/inbox", officer_a_).json["items"].size(), 1u);
  EXPECT_TRUE(Get("/v1/inbox", officer_b_).json["items"].empty());
}

TEST_F(ConversationsApiTest, UnknownSenderBecomesUnverifiedContactOfTheReceivingPost) {
  ASSERT_EQ(Twilio("/v1/inbound/twilio/tw-athens",
                   IncomingSms("SM2", "+306900000001", "Γεια σας"))
                .status,
            200);
  HttpResult inbox = Get("/v1/inbox", officer_b_);
  ASSERT_EQ(inbox.json["items"].size(), 1u);
  const std::string id = inbox.json["items"][0]["contact_id"];
  EXPECT_EQ(inbox.json["items"][0]["contact_verified"], false);
  json c = Contact(id);
  EXPECT_EQ(c["post_id"], post_b_);
  EXPECT_EQ(c["verified"], false);
  EXPECT_EQ(c["addresses"][0]["value"], "+306900000001");
  EXPECT_EQ(Entries(id, officer_b_)[0]["text"], "Γεια σας");
  // A second message from the number finds the same contact.
  ASSERT_EQ(Twilio("/v1/inbound/twilio/tw-athens", IncomingSms("SM3", "+306900000001", "?"))
                .status,
            200);
  EXPECT_EQ(Entries(id).size(), 2u);
}

TEST_F(ConversationsApiTest, StopKeywordWithdrawsConsentAndQueuesOneConfirmation) {
  ASSERT_EQ(Reply(ana_, "sms", "  Arrêter ! ").status, 201);
  json c = Contact(ana_);
  EXPECT_EQ(c["addresses"][0]["opted_out"], true);
  EXPECT_EQ(c["addresses"][0]["consent"]["state"], "withdrawn");
  EXPECT_EQ(c["addresses"][0]["consent"]["source"], "keyword:sms");
  EXPECT_EQ(c["addresses"][1]["opted_out"], false);  // E-mail is another channel.
  json entries = Entries(ana_);
  ASSERT_EQ(entries.size(), 2u);  // Newest first: the consent change, then the message.
  EXPECT_EQ(entries[0]["kind"], "in");
  EXPECT_EQ(entries[0]["keyword"], "stop");
  EXPECT_EQ(entries[1]["kind"], "consent");
  EXPECT_EQ(entries[1]["state"], "withdrawn");

  // The confirmation goes out (in French) although the address is now opted out; a second
  // STOP changes nothing and confirms nothing.
  auto worker = runtime_->NewWorker();
  ASSERT_TRUE(worker->RunOnce().ok());
  ASSERT_EQ(Reply(ana_, "sms", "STOP").status, 201);
  ASSERT_TRUE(worker->RunOnce().ok());
  HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
  ASSERT_EQ(outbox.status, 200);
  ASSERT_EQ(outbox.json["items"].size(), 1u) << outbox.body;
  EXPECT_THAT(outbox.json["items"][0]["text"].get<std::string>(), HasSubstr("désabonné"));
  entries = Entries(ana_);
  ASSERT_EQ(entries[1]["kind"], "out");  // The confirmation, in the log.
  EXPECT_THAT(entries[1]["text"].get<std::string>(), HasSubstr("START"));

  // START re-grants consent (resubscribe_on_start defaults to true).
  ASSERT_EQ(Reply(ana_, "sms", "start").status, 201);
  c = Contact(ana_);
  EXPECT_EQ(c["addresses"][0]["opted_out"], false);
  EXPECT_EQ(c["addresses"][0]["consent"]["state"], "granted");
}

TEST_F(ConversationsApiTest, AnOptOutOutlivesTheAddressBeingDeletedAndAddedAgain) {
  ASSERT_EQ(Reply(ana_, "sms", "STOP").status, 201);
  const json email_only = {{{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}};
  json with_phone = email_only;
  with_phone.push_back({{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}});
  // Deleted, then added back as if consent had been given: still opted out.
  ASSERT_EQ(Patch("/v1/contacts/" + ana_, {{"addresses", email_only}}, admin_token_).status, 200);
  HttpResult back = Patch("/v1/contacts/" + ana_, {{"addresses", with_phone}}, admin_token_);
  ASSERT_EQ(back.status, 200) << back.body;
  json phone = Contact(ana_)["addresses"][1];
  EXPECT_EQ(phone["opted_out"], true);
  EXPECT_EQ(phone["consent"]["state"], "withdrawn");
  // Nor does it come back through another contact.
  ASSERT_EQ(Patch("/v1/contacts/" + ana_, {{"addresses", email_only}}, admin_token_).status, 200);
  const std::string other = CreateContact(
      {{"name", "Ana again"},
       {"post_id", post_a_},
       {"addresses", {{{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}}}}},
      admin_token_);
  EXPECT_EQ(Contact(other)["addresses"][0]["opted_out"], true);
  ExpectProblem(Post("/v1/messages", {{"contact_id", other}, {"channel", "sms"}, {"text", "Hi"}},
                     officer_a_),
                422);
  // Until the person opts in again herself.
  ASSERT_EQ(Reply(other, "sms", "START").status, 201);
  EXPECT_EQ(Contact(other)["addresses"][0]["opted_out"], false);
  EXPECT_EQ(Post("/v1/messages", {{"contact_id", other}, {"channel", "sms"}, {"text", "Hi"}},
                 officer_a_)
                .status,
            202);
}

TEST_F(ConversationsApiTest, SentMessagesAndDeliveryReportsAreInTheLog) {
  HttpResult sent = Post("/v1/messages",
                         {{"contact_id", ana_}, {"channel", "sms"}, {"text", "Rendez-vous à 10h"}},
                         officer_a_);
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = sent.json["id"];
  auto worker = runtime_->NewWorker();
  ASSERT_TRUE(worker->RunOnce().ok());
  json entries = Entries(ana_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["kind"], "out");
  EXPECT_EQ(entries[0]["message"], id);
  EXPECT_EQ(entries[0]["text"], "Rendez-vous à 10h");

  // Twilio reports the message undelivered: unknown destination. Twice (a retry).
  const std::string path = "/v1/inbound/twilio/tw-athens/status?m=" + id;
  const FormParams report = {{"MessageSid", "SM9"}, {"MessageStatus", "undelivered"},
                             {"ErrorCode", "30005"}, {"To", "+4915111111111"}};
  for (int i = 0; i < 2; ++i) ASSERT_EQ(Twilio(path, report).status, 204);
  HttpResult status = Get("/v1/messages/" + id, officer_a_);
  EXPECT_EQ(status.json["status"], "undelivered");
  EXPECT_EQ(status.json["code"], "twilio_30005");
  entries = Entries(ana_);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["kind"], "status");
  EXPECT_EQ(entries[0]["state"], "failed");
  json c = Contact(ana_);
  EXPECT_EQ(c["addresses"][0]["invalid"], true);
  // An invalid address is not used again: refused when the message is written.
  HttpResult again =
      Post("/v1/messages", {{"contact_id", ana_}, {"channel", "sms"}, {"text", "2"}}, officer_a_);
  ExpectProblem(again, 422);
  EXPECT_THAT(again.json.value("detail", ""), HasSubstr("not exist"));
  ASSERT_TRUE(worker->RunOnce().ok());
  EXPECT_EQ(Get("/v1/sandbox/messages", admin_token_).json["items"].size(), 1u);

  // A report signed for another URL (a different message id) is refused.
  EXPECT_EQ(Twilio("/v1/inbound/twilio/tw-athens/status?m=m_other", report,
                   TwilioSignature(kAuthToken, "https://gw.example.org" + path, report))
                .status,
            403);
}

TEST_F(ConversationsApiTest, ClicksOnPersonalLinksAreInTheConversation) {
  auto token = runtime_->links().Mint({org_, "cmp_none", ana_, 2}, "https://survey.example.org/q");
  ASSERT_TRUE(token.ok()) << token.status();
  HttpResult click = Get("/l/" + *token, "");
  ASSERT_EQ(click.status, 302);
  json entries = Entries(ana_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["kind"], "click");
  EXPECT_EQ(entries[0]["campaign"], "cmp_none");
  EXPECT_EQ(entries[0]["link"], "2");
  EXPECT_EQ(entries[0]["url"], "https://survey.example.org/q");
}

TEST_F(ConversationsApiTest, OneClickUnsubscribeWithdrawsEmailConsent) {
  const std::string token = runtime_->tokens().UnsubscribeToken(org_, ana_, "email");
  HttpResult page = Get("/u/" + token, "");
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("<form method=\"post\""));
  EXPECT_EQ(Contact(ana_)["addresses"][1]["opted_out"], false);  // Looking changes nothing.

  HttpResult done = PostRaw("/u/" + token, "List-Unsubscribe=One-Click",
                            "application/x-www-form-urlencoded", "");
  EXPECT_EQ(done.status, 200);
  json c = Contact(ana_);
  EXPECT_EQ(c["addresses"][1]["opted_out"], true);
  EXPECT_EQ(c["addresses"][1]["consent"]["source"], "unsubscribe:email");
  EXPECT_EQ(c["addresses"][0]["opted_out"], false);

  std::string forged = token;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(PostRaw("/u/" + forged, "", "application/x-www-form-urlencoded", "").status, 404);
  EXPECT_EQ(Get("/u/not-a-token", "").status, 404);
}

TEST_F(ConversationsApiTest, ReplyTokensNameThePersonAndCannotBeForged) {
  const PersonTokens& tokens = runtime_->tokens();
  const std::string token = tokens.ReplyToken(org_, ana_);
  EXPECT_LE(token.size() + 6, 64u);
  EXPECT_EQ(tokens.ContactOfReplyToken(org_, token), ana_);
  std::string upper = token;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(tokens.ContactOfReplyToken(org_, upper), ana_);
  EXPECT_FALSE(tokens.ContactOfReplyToken("org_other", token));
  std::string forged = token;
  forged[3] = forged[3] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(tokens.ContactOfReplyToken(org_, forged));
}

TEST_F(ConversationsApiTest, ErasureRemovesTheConversation) {
  ASSERT_EQ(Reply(ana_, "sms", "bonjour").status, 201);
  ASSERT_EQ(Delete("/v1/contacts/" + ana_, admin_token_).status, 204);
  EXPECT_EQ(Get("/v1/contacts/" + ana_ + "/conversation", admin_token_).status, 404);
  auto keys = runtime_->redis().Command({"KEYS", "*conv*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->elements.empty());
  // The inbox reference remains (ids only) but is not shown.
  EXPECT_TRUE(Get("/v1/inbox", officer_a_).json["items"].empty());
}

TEST_F(ConversationsApiTest, ConversationsExportFollowsScopeAndTimeRange) {
  ASSERT_EQ(Reply(ana_, "sms", "Bonjour, une question").status, 201);
  const std::string bob = CreateContact(
      {{"name", "Bob"},
       {"post_id", post_b_},
       {"addresses", {{{"kind", "phone"}, {"value", "+302101111111"}, {"consent", "granted"}}}}},
      admin_token_);
  ASSERT_EQ(Reply(bob, "sms", "Hello from Athens", officer_b_).status, 201);
  auto replies = [](const HttpResult& r) {
    std::set<std::string> out;
    for (const json& e : r.json["entries"]) {
      if (e["kind"] == "in")
        out.insert(e["name"].get<std::string>() + ":" + e["text"].get<std::string>());
    }
    return out;
  };
  HttpResult all = Get("/v1/conversations/export?format=json", admin_token_);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(replies(all),
            (std::set<std::string>{"Ana:Bonjour, une question", "Bob:Hello from Athens"}));
  // An officer exports their own posts' people only.
  HttpResult mine = Get("/v1/conversations/export?format=json", officer_a_);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(replies(mine), (std::set<std::string>{"Ana:Bonjour, une question"}));
  for (const json& e : mine.json["entries"]) EXPECT_EQ(e["contact_id"], ana_);
  EXPECT_EQ(Get("/v1/conversations/export?post=" + post_b_, officer_a_).status, 404);
  HttpResult csv = Get("/v1/conversations/export?format=csv&post=" + post_a_, officer_a_);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_THAT(csv.body, ::testing::StartsWith("at,contact_id,name,kind,channel,address,subject,"
                                              "text,campaign,message,state,code,author,"
                                              "entry_id\r\n"));
  EXPECT_THAT(csv.body, HasSubstr("Bonjour, une question"));
  EXPECT_THAT(csv.Header("Content-Disposition"), HasSubstr("conversations.csv"));
  // A long log is read page by page: every entry comes out once.
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(Reply(ana_, "sms", "Message " + std::to_string(i)).status, 201);
  }
  HttpResult long_log = Get("/v1/conversations/export?format=json&post=" + post_a_, officer_a_);
  ASSERT_EQ(long_log.status, 200);
  std::set<std::string> ids;
  size_t in = 0;
  for (const json& e : long_log.json["entries"]) {
    EXPECT_TRUE(ids.insert(e["entry_id"].get<std::string>()).second) << e.dump();
    if (e["kind"] == "in") ++in;
  }
  EXPECT_EQ(in, 61u);
  // A time range: nothing was written in the year 2999.
  HttpResult later =
      Get("/v1/conversations/export?format=json&from=2999-01-01T00:00:00Z", admin_token_);
  ASSERT_EQ(later.status, 200) << later.body;
  EXPECT_TRUE(later.json["entries"].empty());
  ExpectProblem(Get("/v1/conversations/export?from=yesterday", admin_token_), 400);
  ExpectProblem(Get("/v1/conversations/export?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z",
                    admin_token_),
                400);
  const std::string viewer = CreateOfficerToken("viewer", {post_a_});
  EXPECT_EQ(Get("/v1/conversations/export", viewer).status, 403);
}

}  // namespace
}  // namespace ogw::testing
