// The bulletins' public forms as a reader's browser uses them (form-encoded posts of the
// pages' own forms): a reply reaches the post's inbox and the person's conversation, marked
// with its entry; a subscription is granted only through the confirmation link the sandbox
// outbox holds; and what robots and floods do is refused without storing anything: forms
// sent too fast, with old or forged tokens, with the honeypot filled, too large, too often.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include <httplib.h>

#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

class BulletinFormsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    paris_ = Post("/v1/posts", {{"name", "Paris"}, {"country", "FR"}}, admin_token_)
                 .json.value("id", "");
    ASSERT_FALSE(paris_.empty());
    HttpResult entry =
        Post("/v1/bulletins/entries",
             {{"post_id", paris_},
              {"texts",
               {{"en", {{"title", "Counselling days"}, {"body", "Come and see us."}}},
                {"fr", {{"title", "Journées de conseil"}, {"body", "Venez nous voir."}}}}}},
             admin_token_);
    ASSERT_EQ(entry.status, 201) << entry.body;
    entry_ = entry.json.value("id", "");
  }

  std::string ReplyUrl() { return "/b/" + org_ + "/" + paris_ + "/" + entry_ + "/reply"; }
  std::string SubscribeUrl() { return "/b/" + org_ + "/" + paris_ + "/subscribe"; }

  // The form's page and the token in it.
  std::string TokenOf(const std::string& url) {
    HttpResult page = Get(url + "?lang=fr", "");
    EXPECT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.Header("Cache-Control"), "no-store");
    std::smatch m;
    const std::regex token("name=\"token\" value=\"([^\"]+)\"");
    if (!std::regex_search(page.body, m, token)) {
      ADD_FAILURE() << "no token in " << page.body;
      return "";
    }
    return m[1];
  }

  // Posts `fields` as the browser does, from `client` (an address the harness cannot set: the
  // per-client limit is per peer, so every post here is one client's).
  HttpResult Send(const std::string& url, const httplib::Params& fields) {
    return PostRaw(url, httplib::detail::params_to_query_str(fields),
                   "application/x-www-form-urlencoded", "");
  }

  // A person's use of a form: it is shown, filled in for 4 s, and sent with its token.
  HttpResult Fill(const std::string& url, httplib::Params fields) {
    fields.emplace("token", TokenOf(url));
    clock_.Advance(4'000);
    return Send(url, fields);
  }

  // What the sandbox outbox holds for `to`: the texts, in order.
  std::vector<std::string> SentTo(const std::string& to) {
    auto worker = runtime_->NewWorker();
    EXPECT_TRUE(worker->RunOnce().ok());
    std::vector<std::string> texts;
    const json items = Get("/v1/sandbox/messages", admin_token_).json["items"];
    for (const json& m : items) {
      if (m["to"] == to) texts.push_back(m.value("text", ""));
    }
    return texts;
  }

  // The first match of `pattern`'s group in `text`, or "".
  static std::string Find(const std::string& text, const std::string& pattern) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(pattern))) return "";
    return m[1];
  }

  // A contact of the post by name, from the API.
  json ContactNamed(const std::string& name) {
    const json items = Get("/v1/contacts?post_id=" + paris_, admin_token_).json["items"];
    for (const json& c : items) {
      if (c["name"] == name) return c;
    }
    return json();
  }

  // A Telegram bot serving the post (it only makes links here: nothing listens there).
  void AddTelegramBot() {
    ConfigureProviders({{{"name", "bot-paris"},
                         {"type", "telegram"},
                         {"channels", {"telegram"}},
                         {"organisation", org_},
                         {"post", paris_},
                         {"api_base", "http://127.0.0.1:9"},
                         {"bot_token", "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"},
                         {"bot_username", "paris_embassy_bot"},
                         {"updates", "polling"}}});
  }

  // What Telegram delivers when a person follows t.me/<bot>?start=<code> and presses Start.
  absl::StatusOr<InboundResult> TelegramStart(const std::string& chat, const std::string& code) {
    InboundMessage m;
    m.provider = "bot-paris";
    m.channel = Channel::kTelegram;
    m.provider_message_id = chat + ":1";
    m.from = chat;
    m.text = "/start " + code;
    InboundSource source;
    source.org_id = org_;
    source.post_id = paris_;
    source.provider = "bot-paris";
    return runtime_->inbound().Receive(source, m);
  }

  // Ana Silva, a contact of the post with her e-mail address, its consent `consent`.
  std::string Ana(const std::string& consent = "granted", const std::string& language = "") {
    json contact = {
        {"name", "Ana Silva"},
        {"post_id", paris_},
        {"addresses", {{{"kind", "email"}, {"value", "ana@example.org"}, {"consent", consent}}}}};
    if (!language.empty()) contact["languages"] = {language};
    return CreateContact(contact, admin_token_);
  }

  // The person of chat `chat` presses Start on `code`'s link: the chat must join contact
  // `contact_id` as its one address, with consent from the link.
  void ExpectStartLinks(const std::string& chat, const std::string& code,
                        const std::string& contact_id) {
    auto started = TelegramStart(chat, code);
    ASSERT_TRUE(started.ok()) << started.status();
    EXPECT_TRUE(started->linked);
    EXPECT_EQ(started->contact_id, contact_id);
    const json after = Get("/v1/contacts/" + contact_id, admin_token_).json;
    ASSERT_EQ(after["addresses"].size(), 1u) << after.dump();
    EXPECT_EQ(after["addresses"][0]["kind"], "telegram");
    EXPECT_EQ(after["addresses"][0]["value"], chat);
    EXPECT_EQ(after["addresses"][0]["consent"]["state"], "granted");
    EXPECT_EQ(after["addresses"][0]["consent"]["source"], "link:telegram");
  }

  json Inbox() {
    return Get("/v1/inbox?post=" + paris_, admin_token_).json.value("items", json::array());
  }

  std::string org_, paris_, entry_;
};

TEST_F(BulletinFormsApiTest, AReplyReachesThePostsInboxMarkedWithItsEntry) {
  // The entry's page links its reply form.
  HttpResult page = Get("/b/" + org_ + "/" + paris_ + "/" + entry_ + "?lang=fr", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr(entry_ + "/reply?lang=fr\">Répondre à cet avis</a>"));

  const std::string token = TokenOf(ReplyUrl());
  clock_.Advance(5'000);  // A person reads and writes.
  const httplib::Params form = {{"token", token},
                                {"lang", "fr"},
                                {"message", "Bonjour, faut-il prendre rendez-vous ?"},
                                {"name", "Amina Diallo"},
                                {"email", "Amina.Diallo@Example.org"},
                                {"phone", "06 12 34 56 78"},
                                {"consent", "yes"},
                                {"website", ""}};
  HttpResult sent = Send(ReplyUrl(), form);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_THAT(sent.body, HasSubstr("role=\"status\""));
  EXPECT_THAT(sent.body, HasSubstr("Votre message nous est parvenu."));

  // The browser sends the form again (back, reload): one message.
  ASSERT_EQ(Send(ReplyUrl(), form).status, 200);
  const json inbox = Inbox();
  ASSERT_EQ(inbox.size(), 1u) << inbox.dump();
  const json& item = inbox[0];
  EXPECT_EQ(item["text"], "Bonjour, faut-il prendre rendez-vous ?");
  EXPECT_EQ(item["bulletin_entry"], entry_);
  EXPECT_EQ(item["provider"], "bulletin");
  EXPECT_EQ(item["channel"], "email");
  EXPECT_EQ(item["address"], "Amina.Diallo@example.org");
  EXPECT_EQ(item["subject"], "Journées de conseil");
  EXPECT_EQ(item["post"], paris_);
  EXPECT_EQ(item["contact_verified"], false);

  // A new, unverified contact of the post with both ways to reach her, neither consented.
  HttpResult contact = Get("/v1/contacts/" + item["contact_id"].get<std::string>(), admin_token_);
  ASSERT_EQ(contact.status, 200);
  EXPECT_EQ(contact.json["name"], "Amina Diallo");
  EXPECT_EQ(contact.json["post_id"], paris_);
  EXPECT_EQ(contact.json["languages"], json::array({"fr"}));
  ASSERT_EQ(contact.json["addresses"].size(), 2u) << contact.body;
  EXPECT_EQ(contact.json["addresses"][1]["value"], "+33612345678");  // Read in France.
  for (const json& a : contact.json["addresses"]) {
    EXPECT_EQ(a["verified"], false);
    EXPECT_NE(a["consent"]["state"], "granted");
  }
}

TEST_F(BulletinFormsApiTest, AKnownAddressRepliesIntoItsContactWhichTheFormDoesNotChange) {
  const std::string ana = Ana();
  const std::string token = TokenOf(ReplyUrl());
  clock_.Advance(4'000);
  // STOP typed in a web form is a message: anyone could have typed Ana's address.
  ASSERT_EQ(Send(ReplyUrl(), {{"token", token},
                              {"message", "STOP"},
                              {"name", "Someone Else"},
                              {"email", "ana@example.org"},
                              {"consent", "yes"}})
                .status,
            200);
  const json inbox = Inbox();
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0]["contact_id"], ana);
  EXPECT_EQ(inbox[0].value("keyword", ""), "");
  HttpResult contact = Get("/v1/contacts/" + ana, admin_token_);
  EXPECT_EQ(contact.json["name"], "Ana Silva");
  EXPECT_EQ(contact.json["addresses"][0]["consent"]["state"], "granted");
  EXPECT_EQ(contact.json["addresses"][0]["opted_out"], false);
}

TEST_F(BulletinFormsApiTest, RobotsAndMistakesStoreNothingAndEveryProblemIsShownByItsField) {
  const std::string token = TokenOf(ReplyUrl());
  const httplib::Params good = {
      {"token", token}, {"message", "Hello"}, {"email", "x@example.org"}, {"consent", "yes"}};

  // Sent at once: no person fills a form in under three seconds. The form comes back with a
  // new token and what was typed.
  HttpResult fast = Send(ReplyUrl(), good);
  EXPECT_EQ(fast.status, 422);
  EXPECT_THAT(fast.body, HasSubstr("role=\"alert\""));
  EXPECT_THAT(fast.body, HasSubstr(">Hello</textarea>"));
  clock_.Advance(4'000);

  // The honeypot filled: thanked, nothing kept.
  httplib::Params robot = good;
  robot.emplace("website", "http://spam.example");
  HttpResult thanked = Send(ReplyUrl(), robot);
  EXPECT_EQ(thanked.status, 200);
  EXPECT_THAT(thanked.body, HasSubstr("role=\"status\""));

  // A forged token, and one for another form.
  httplib::Params forged = good;
  forged.erase("token");
  forged.emplace("token", "1700000000.AAAAAAAAAAAAAAAA");
  EXPECT_EQ(Send(ReplyUrl(), forged).status, 422);
  EXPECT_EQ(
      Send(
          SubscribeUrl(),
          {{"token", token}, {"channels", "email"}, {"email", "x@example.org"}, {"consent", "yes"}})
          .status,
      422);

  // Each bad field named next to it, what was typed escaped.
  HttpResult bad = Send(ReplyUrl(), {{"token", token},
                                     {"message", "<script>alert(1)</script>"},
                                     {"email", "not an address"},
                                     {"phone", "12"},
                                     {"name", std::string(101, 'n')}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_THAT(bad.body, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;</textarea>"));
  EXPECT_THAT(bad.body, Not(HasSubstr("<script>")));
  for (const char* field : {"email", "phone", "name", "consent"}) {
    EXPECT_THAT(bad.body, HasSubstr("aria-describedby=\"e-" + std::string(field) + "\"")) << field;
  }
  EXPECT_THAT(bad.body, HasSubstr("This e-mail address does not look right."));
  HttpResult nobody = Send(ReplyUrl(), {{"token", token}, {"message", "Hi"}, {"consent", "yes"}});
  EXPECT_EQ(nobody.status, 422);
  EXPECT_THAT(nobody.body, HasSubstr("Please give an e-mail address or a phone number."));
  HttpResult empty =
      Send(ReplyUrl(), {{"token", token}, {"email", "x@example.org"}, {"consent", "yes"}});
  EXPECT_THAT(empty.body, HasSubstr("aria-describedby=\"e-message\""));
  HttpResult long_message = Send(ReplyUrl(), {{"token", token},
                                              {"message", std::string(2001, 'a')},
                                              {"email", "x@example.org"},
                                              {"consent", "yes"}});
  EXPECT_EQ(long_message.status, 422);

  // Too large to be a form, or not a form at all.
  EXPECT_EQ(Send(ReplyUrl(), {{"token", token}, {"message", std::string(20'000, 'a')}}).status,
            413);
  EXPECT_EQ(PostRaw(ReplyUrl(), R"({"message":"hi"})", "application/json", "").status, 415);

  // A day later the token is too old.
  clock_.Advance(86'400'000 + 1'000);
  EXPECT_EQ(Send(ReplyUrl(), good).status, 422);

  // A withdrawn entry takes no more replies.
  ASSERT_EQ(Delete("/v1/bulletins/entries/" + entry_, admin_token_).status, 200);
  EXPECT_EQ(Get(ReplyUrl(), "").status, 404);

  EXPECT_EQ(Inbox().size(), 0u);
}

TEST_F(BulletinFormsApiTest, AFloodOfFormsIsRefusedWhileThePagesAnswer) {
  const std::string token = TokenOf(ReplyUrl());
  clock_.Advance(4'000);
  int accepted = 0;
  int refused = 0;
  std::string retry_after;
  for (int i = 0; i < 15; ++i) {
    HttpResult r = Send(ReplyUrl(), {{"token", token},
                                     {"lang", "fr"},
                                     {"message", "Message " + std::to_string(i)},
                                     {"email", "flood@example.org"},
                                     {"consent", "yes"}});
    if (r.status == 200) ++accepted;
    if (r.status == 429) {
      ++refused;
      retry_after = r.Header("Retry-After");
      EXPECT_THAT(r.body, HasSubstr("Trop de messages arrivent en ce moment."));
    }
  }
  // The default budget of one address: 10 at once, then one every 20 seconds.
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(refused, 5);
  EXPECT_FALSE(retry_after.empty());
  EXPECT_EQ(Get("/b/" + org_ + "/" + paris_ + "/", "").status, 200);
  EXPECT_EQ(Inbox().size(), 10u);
}

TEST_F(BulletinFormsApiTest, ASubscriptionIsGrantedOnlyThroughTheConfirmationLink) {
  HttpResult index = Get("/b/" + org_ + "/" + paris_ + "/?lang=fr", "");
  EXPECT_THAT(index.body, HasSubstr("/subscribe?lang=fr\">S’abonner à ces avis</a>"));
  const std::string token = TokenOf(SubscribeUrl());
  clock_.Advance(4'000);
  HttpResult sent = Send(SubscribeUrl(), {{"token", token},
                                          {"lang", "fr"},
                                          {"name", "Jean Dupont"},
                                          {"channels", "email"},
                                          {"channels", "sms"},
                                          {"email", "jean@example.org"},
                                          {"phone", "+33 6 98 76 54 32"},
                                          {"consent", "yes"}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_THAT(sent.body, HasSubstr("Encore une étape"));

  HttpResult found = Get("/v1/contacts?post_id=" + paris_, admin_token_);
  ASSERT_EQ(found.status, 200);
  json jean;
  for (const json& c : found.json["items"]) {
    if (c["name"] == "Jean Dupont") jean = c;
  }
  ASSERT_TRUE(jean.is_object()) << found.body;
  EXPECT_EQ(jean["languages"], json::array({"fr"}));
  ASSERT_EQ(jean["addresses"].size(), 2u);
  for (const json& a : jean["addresses"]) EXPECT_NE(a["consent"]["state"], "granted");

  // The confirmations go out in French; the e-mail's link grants the e-mail address only.
  auto worker = runtime_->NewWorker();
  ASSERT_TRUE(worker->RunOnce().ok());
  json outbox = Get("/v1/sandbox/messages", admin_token_).json["items"];
  std::string link;
  int to_jean = 0;
  for (const json& m : outbox) {
    if (m["to"] != "jean@example.org" && m["to"] != "+33698765432") continue;
    ++to_jean;
    std::smatch match;
    const std::string text = m.value("text", "");
    if (m["channel"] == "email" && std::regex_search(text, match, std::regex("/c/([^\\s)>\"]+)"))) {
      link = "/c/" + match[1].str();
    }
  }
  EXPECT_EQ(to_jean, 2) << outbox.dump();
  ASSERT_FALSE(link.empty()) << outbox.dump();
  EXPECT_EQ(Get(link, "").status, 200);  // Shows a button: mail scanners follow links.
  ASSERT_EQ(PostRaw(link, "", "application/x-www-form-urlencoded", "").status, 200);
  HttpResult after = Get("/v1/contacts/" + jean["id"].get<std::string>(), admin_token_);
  for (const json& a : after.json["addresses"]) {
    if (a["kind"] == "email") {
      EXPECT_EQ(a["consent"]["state"], "granted");
      EXPECT_EQ(a["consent"]["source"], "confirmed:email");
    } else {
      EXPECT_NE(a["consent"]["state"], "granted");
    }
  }
  // The request and where it came from are in the conversation.
  HttpResult log =
      Get("/v1/contacts/" + jean["id"].get<std::string>() + "/conversation", admin_token_);
  EXPECT_THAT(log.body, HasSubstr("\"source\":\"bulletin:" + paris_ + "\""));
  EXPECT_THAT(log.body, HasSubstr("\"state\":\"requested\""));
}

TEST_F(BulletinFormsApiTest, AnOptedOutAddressStaysOutUntilItsOwnerConfirms) {
  const std::string ana = Ana("withdrawn");
  const std::string token = TokenOf(SubscribeUrl());
  clock_.Advance(4'000);
  // Someone subscribes Ana's address and a phone of their own: the phone is not added to Ana.
  ASSERT_EQ(Send(SubscribeUrl(), {{"token", token},
                                  {"channels", "email"},
                                  {"channels", "sms"},
                                  {"email", "ana@example.org"},
                                  {"phone", "+33 6 11 22 33 44"},
                                  {"consent", "yes"}})
                .status,
            200);
  HttpResult contact = Get("/v1/contacts/" + ana, admin_token_);
  ASSERT_EQ(contact.json["addresses"].size(), 1u) << contact.body;
  EXPECT_EQ(contact.json["addresses"][0]["consent"]["state"], "withdrawn");
  EXPECT_EQ(contact.json["name"], "Ana Silva");

  // Once a day at most: a second form sends Ana nothing more.
  const std::string again = TokenOf(SubscribeUrl());
  clock_.Advance(4'000);
  ASSERT_EQ(Send(SubscribeUrl(), {{"token", again},
                                  {"channels", "email"},
                                  {"email", "ana@example.org"},
                                  {"consent", "yes"}})
                .status,
            200);
  auto worker = runtime_->NewWorker();
  ASSERT_TRUE(worker->RunOnce().ok());
  int to_ana = 0;
  const json sent = Get("/v1/sandbox/messages", admin_token_).json["items"];
  for (const json& m : sent) {
    if (m["to"] == "ana@example.org") ++to_ana;
  }
  EXPECT_EQ(to_ana, 1);

  // Every field checked: no channel, a channel without its address, no consent.
  HttpResult bad = Send(SubscribeUrl(), {{"token", again}, {"channels", "fax"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_THAT(bad.body, HasSubstr("aria-describedby=\"e-channels\""));
  EXPECT_THAT(bad.body, HasSubstr("aria-describedby=\"e-consent\""));
  HttpResult no_phone =
      Send(SubscribeUrl(), {{"token", again}, {"channels", "sms"}, {"consent", "yes"}});
  EXPECT_THAT(no_phone.body, HasSubstr("aria-describedby=\"e-phone\""));
}

TEST_F(BulletinFormsApiTest, AnSmsSubscriptionIsConfirmedByTheCodeTheSmsCarries) {
  const std::string token = TokenOf(SubscribeUrl());
  clock_.Advance(4'000);
  HttpResult sent = Send(SubscribeUrl(), {{"token", token},
                                          {"lang", "fr"},
                                          {"name", "Lina Haddad"},
                                          {"channels", "sms"},
                                          {"phone", "06 55 44 33 22"},
                                          {"consent", "yes"}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  // The page asks for the code, in French, and says nothing about an e-mail.
  EXPECT_THAT(sent.body, HasSubstr("Nous avons envoyé un code à six chiffres"));
  EXPECT_THAT(sent.body, Not(HasSubstr("par e-mail pour confirmer")));
  EXPECT_THAT(sent.body, HasSubstr("autocomplete=\"one-time-code\""));
  EXPECT_THAT(sent.body, HasSubstr("action=\"http"));
  const std::string code_token = Find(sent.body, "name=\"code_token\" value=\"([^\"]+)\"");
  ASSERT_FALSE(code_token.empty()) << sent.body;

  // One SMS, in French, with a six-digit code and no link.
  const std::vector<std::string> sms = SentTo("+33655443322");
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_THAT(sms[0], HasSubstr("Votre code de confirmation"));
  EXPECT_THAT(sms[0], Not(HasSubstr("http")));
  const std::string code = Find(sms[0], "([0-9]{6})");
  ASSERT_EQ(code.size(), 6u) << sms[0];
  // The page's token is no confirmation link.
  EXPECT_EQ(PostRaw("/c/" + code_token, "", "application/x-www-form-urlencoded", "").status, 404);

  const json lina = ContactNamed("Lina Haddad");
  ASSERT_TRUE(lina.is_object());
  const std::string confirm = SubscribeUrl() + "/confirm";
  // A wrong code: the page again, the problem tied to the field.
  const std::string wrong = code == "000000" ? "111111" : "000000";
  HttpResult refused = Send(confirm, {{"code_token", code_token}, {"lang", "fr"}, {"code", wrong}});
  EXPECT_EQ(refused.status, 422);
  EXPECT_THAT(refused.body, HasSubstr("Ce code n’est pas le bon."));
  EXPECT_THAT(refused.body, HasSubstr("aria-describedby=\"e-code\""));
  EXPECT_THAT(refused.body, HasSubstr("role=\"alert\""));
  // Another organisation's page, a forged token: expired.
  std::string forged = code_token;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  HttpResult forged_answer = Send(confirm, {{"code_token", forged}, {"code", code}});
  EXPECT_EQ(forged_answer.status, 422);
  EXPECT_THAT(forged_answer.body, HasSubstr("This page has expired."));
  EXPECT_NE(Get("/v1/contacts/" + lina["id"].get<std::string>(), admin_token_)
                .json["addresses"][0]["consent"]["state"],
            "granted");

  // The code as people type it, with a space: granted, from the SMS.
  HttpResult granted = Send(confirm, {{"code_token", code_token},
                                      {"lang", "fr"},
                                      {"code", code.substr(0, 3) + " " + code.substr(3)}});
  ASSERT_EQ(granted.status, 200) << granted.body;
  EXPECT_THAT(granted.body, HasSubstr("Vous êtes abonné."));
  const json address =
      Get("/v1/contacts/" + lina["id"].get<std::string>(), admin_token_).json["addresses"][0];
  EXPECT_EQ(address["value"], "+33655443322");
  EXPECT_EQ(address["consent"]["state"], "granted");
  EXPECT_EQ(address["consent"]["source"], "confirmed:sms");
}

TEST_F(BulletinFormsApiTest, CodesCannotBeTriedOneByOne) {
  const std::string token = TokenOf(SubscribeUrl());
  clock_.Advance(4'000);
  HttpResult sent = Send(
      SubscribeUrl(),
      {{"token", token}, {"channels", "sms"}, {"phone", "+33 6 55 44 33 21"}, {"consent", "yes"}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string code_token = Find(sent.body, "name=\"code_token\" value=\"([^\"]+)\"");
  const std::vector<std::string> sms = SentTo("+33655443321");
  ASSERT_EQ(sms.size(), 1u);
  const std::string code = Find(sms[0], "([0-9]{6})");
  const std::string confirm = SubscribeUrl() + "/confirm";
  int wrong_answers = 0;
  std::string last;
  for (int i = 0; i < 5; ++i) {
    const std::string guess = std::to_string(100000 + i);
    if (guess == code) continue;
    HttpResult r = Send(confirm, {{"code_token", code_token}, {"code", guess}});
    EXPECT_EQ(r.status, 422);
    last = r.body;
    ++wrong_answers;
  }
  ASSERT_GE(wrong_answers, 4);
  // Five wrong codes in a day: even the right one waits for tomorrow.
  HttpResult blocked = Send(confirm, {{"code_token", code_token}, {"code", code}});
  EXPECT_EQ(blocked.status, 422);
  EXPECT_THAT(blocked.body, HasSubstr("Too many wrong codes."));
  // Malformed codes are not counted, and say what is wrong.
  HttpResult short_code = Send(confirm, {{"code_token", code_token}, {"code", "12"}});
  EXPECT_EQ(short_code.status, 422);
  clock_.Advance(86'401'000);
  HttpResult expired = Send(confirm, {{"code_token", code_token}, {"code", code}});
  EXPECT_THAT(expired.body, HasSubstr("This page has expired."));
}

TEST_F(BulletinFormsApiTest, TelegramAloneIsConfirmedByStartingTheBotFromTheLinkShown) {
  AddTelegramBot();
  ASSERT_FALSE(HasFatalFailure());
  HttpResult form = Get(SubscribeUrl() + "?lang=en", "");
  EXPECT_THAT(form.body, HasSubstr("value=\"telegram\""));
  EXPECT_THAT(form.body, Not(HasSubstr("value=\"whatsapp\"")));  // No account for it.
  const std::string token = TokenOf(SubscribeUrl());
  clock_.Advance(4'000);
  HttpResult sent = Send(SubscribeUrl(), {{"token", token},
                                          {"lang", "en"},
                                          {"name", "Omar Farah"},
                                          {"channels", "telegram"},
                                          {"consent", "yes"}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string code =
      Find(sent.body, "href=\"https://t\\.me/paris_embassy_bot\\?start=([a-z0-9]+)\"");
  ASSERT_EQ(code.size(), PersonTokens::kChatLinkTokenChars) << sent.body;
  EXPECT_THAT(sent.body, HasSubstr("press Start"));
  const json omar = ContactNamed("Omar Farah");
  ASSERT_TRUE(omar.is_object());
  EXPECT_TRUE(omar["addresses"].empty()) << omar.dump();

  // He presses Start: his chat is his contact's, with consent from the bot's own chat.
  ExpectStartLinks("5234567890", code, omar["id"]);
  // A channel the post does not offer is refused by its field.
  const std::string again = TokenOf(SubscribeUrl());
  clock_.Advance(4'000);
  HttpResult refused =
      Send(SubscribeUrl(), {{"token", again}, {"channels", "whatsapp"}, {"consent", "yes"}});
  EXPECT_EQ(refused.status, 422);
  EXPECT_THAT(refused.body, HasSubstr("aria-describedby=\"e-channels\""));
}

TEST_F(BulletinFormsApiTest, AKnownPersonsChatLinkGoesOnlyToTheirOwnAddress) {
  AddTelegramBot();
  ASSERT_FALSE(HasFatalFailure());
  const std::string ana = Ana("granted", "pt");
  const std::string token = TokenOf(SubscribeUrl());
  clock_.Advance(4'000);
  // Someone types Ana's address and asks for Telegram: the page shows no link to take.
  HttpResult sent = Send(SubscribeUrl(), {{"token", token},
                                          {"channels", "email"},
                                          {"channels", "telegram"},
                                          {"email", "ana@example.org"},
                                          {"consent", "yes"}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_THAT(sent.body, Not(HasSubstr("t.me/")));
  EXPECT_THAT(sent.body, HasSubstr("come with that message"));
  // Ana, already subscribed by e-mail, receives her own link in Portuguese.
  const std::vector<std::string> mail = SentTo("ana@example.org");
  ASSERT_EQ(mail.size(), 1u);
  const std::string code = runtime_->tokens().ChatLinkToken(org_, ana);
  EXPECT_THAT(mail[0], HasSubstr("numa aplicação de conversa"));
  EXPECT_THAT(mail[0], HasSubstr("Telegram: https://t.me/paris_embassy_bot?start=" + code));
  EXPECT_THAT(mail[0], Not(HasSubstr("/c/")));  // Her e-mail is granted already.
  auto started = TelegramStart("5234567891", code);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->contact_id, ana);
}

TEST_F(BulletinFormsApiTest, ConfirmationAndUnsubscribePagesSpeakTheReadersLanguage) {
  const std::string ana = Ana();
  const std::string unsubscribe = "/u/" + runtime_->tokens().UnsubscribeToken(org_, ana, "email");
  HttpResult page = Get(unsubscribe + "?lang=ar", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("dir=\"rtl\""));
  EXPECT_EQ(page.Header("Content-Language"), "ar");
  // One click (RFC 8058) still withdraws at once, whatever the language.
  HttpResult done =
      PostRaw(unsubscribe, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded", "",
              {{"Accept-Language", "fr-CA,fr;q=0.9"}});
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(done.Header("Content-Language"), "fr");
  EXPECT_EQ(Get("/v1/contacts/" + ana, admin_token_).json["addresses"][0]["consent"]["state"],
            "withdrawn");
  HttpResult invalid = Get("/c/not-a-token", "");
  EXPECT_EQ(invalid.status, 404);
  EXPECT_EQ(invalid.Header("Content-Language"), "en");
}

TEST_F(BulletinFormsApiTest, AReaderWithNoAddressIsAnsweredOnTheChatAppTheyChose) {
  AddTelegramBot();
  ASSERT_FALSE(HasFatalFailure());
  HttpResult form = Get(ReplyUrl() + "?lang=en", "");
  EXPECT_THAT(form.body, HasSubstr("or choose a chat app"));
  EXPECT_THAT(form.body,
              HasSubstr("id=\"f-channels-telegram\" name=\"channels\" value=\"telegram\""));
  const std::string token = TokenOf(ReplyUrl());
  clock_.Advance(5'000);
  const httplib::Params fields = {{"token", token},
                                  {"lang", "en"},
                                  {"message", "Is the consulate open on Saturday?"},
                                  {"name", "Omar Farah"},
                                  {"channels", "telegram"},
                                  {"consent", "yes"}};
  HttpResult sent = Send(ReplyUrl(), fields);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_THAT(sent.body, HasSubstr("Your message has reached us."));
  EXPECT_THAT(sent.body, Not(HasSubstr("at the address you gave")));
  const std::string code =
      Find(sent.body, "href=\"https://t\\.me/paris_embassy_bot\\?start=([a-z0-9]+)\"");
  ASSERT_EQ(code.size(), PersonTokens::kChatLinkTokenChars) << sent.body;

  // Sent again (a reload): one message, one contact, the same link.
  HttpResult again = Send(ReplyUrl(), fields);
  EXPECT_THAT(again.body, HasSubstr("?start=" + code + "\""));
  json inbox = Inbox();
  ASSERT_EQ(inbox.size(), 1u) << inbox.dump();
  EXPECT_EQ(inbox[0]["channel"], "telegram");
  EXPECT_EQ(inbox[0]["bulletin_entry"], entry_);
  EXPECT_EQ(inbox[0].value("address", ""), "");
  const json omar = ContactNamed("Omar Farah");
  ASSERT_TRUE(omar.is_object());
  EXPECT_EQ(inbox[0]["contact_id"], omar["id"]);
  EXPECT_TRUE(omar["addresses"].empty()) << omar.dump();
  EXPECT_EQ(omar["languages"], json::array({"en"}));

  // He presses Start: his chat joins the contact that holds his question, with consent, so
  // the officer's answer can reach him there.
  ExpectStartLinks("5234567892", code, omar["id"]);
}

TEST_F(BulletinFormsApiTest, WithAnAddressTheAnswerGoesThereAndNoChatLinkIsShown) {
  AddTelegramBot();
  ASSERT_FALSE(HasFatalFailure());
  const std::string ana = Ana();
  // Someone types Ana's address and ticks Telegram: Ana's contact gets the message, and the
  // page gives nobody a link to tie a chat to it.
  HttpResult sent = Fill(ReplyUrl(), {{"lang", "en"},
                                      {"message", "Hello"},
                                      {"email", "ana@example.org"},
                                      {"channels", "telegram"},
                                      {"consent", "yes"}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_THAT(sent.body, HasSubstr("at the address you gave"));
  EXPECT_THAT(sent.body, Not(HasSubstr("t.me/")));
  const json inbox = Inbox();
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0]["contact_id"], ana);
  EXPECT_EQ(inbox[0]["channel"], "email");

  // A chat-link code pasted into the message proves no chat and links nothing.
  const std::string code = runtime_->tokens().ChatLinkToken(org_, ana);
  ASSERT_EQ(Fill(ReplyUrl(),
                 {{"message", "/start " + code}, {"channels", "telegram"}, {"consent", "yes"}})
                .status,
            200);
  EXPECT_EQ(Get("/v1/contacts/" + ana, admin_token_).json["addresses"].size(), 1u);
}

TEST_F(BulletinFormsApiTest, AWayToAnswerIsRequiredAndOnlyOfferedChatAppsCount) {
  // No chat app offered (the bot went since the form was shown): an address is asked for,
  // as the legend says.
  HttpResult none =
      Fill(ReplyUrl(),
           {{"lang", "en"}, {"message", "Hello"}, {"channels", "telegram"}, {"consent", "yes"}});
  EXPECT_EQ(none.status, 422);
  EXPECT_THAT(none.body, HasSubstr("aria-describedby=\"e-email\""));
  EXPECT_THAT(none.body, HasSubstr("<p class=\"error\" id=\"e-email\">Please give an e-mail "
                                   "address or a phone number.</p>"));
  EXPECT_THAT(none.body, Not(HasSubstr("e-channels")));
  AddTelegramBot();
  ASSERT_FALSE(HasFatalFailure());
  HttpResult missing =
      Fill(ReplyUrl(), {{"lang", "fr"}, {"message", "Bonjour"}, {"consent", "yes"}});
  EXPECT_EQ(missing.status, 422);
  EXPECT_THAT(missing.body, HasSubstr("ou choisissez une application de messagerie."));
  EXPECT_TRUE(Inbox().empty());
}

}  // namespace
}  // namespace ogw::testing
