// The whole gateway against real servers: campaigns go out through a real Kannel (fakesmsc as
// the phone network) and a real SMTP server; delivery reports, replies and STOP come back
// through Kannel's callbacks and a real IMAP mailbox into the person's conversation. And one
// campaign over e-mail, SMS (Twilio's API), Telegram and WhatsApp (their fakes) to people who
// prefer each, every reply threaded into its own person's conversation. And an in-channel
// survey answered from phones through Kannel.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "adapters/email/mime_parser.h"
#include "adapters/sms/kannel_webhooks.h"
#include "tests/e2e/gateway_e2e_fixture.h"
#include "tests/fakes/fake_telegram.h"
#include "tests/fakes/fake_twilio.h"
#include "tests/fakes/fake_whatsapp.h"
#include "tests/servers/imap_server.h"
#include "tests/servers/smtp_server.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kInboundSecret[] = "kannel-inbound-secret-0123456789";

TEST_F(GatewayE2eTest, SmsThroughKannelBothWays) {
  const std::string provider = "kannel-berlin";
  std::unique_ptr<KannelServer> started = OpenWithKannel(provider, kInboundSecret, "+4930123456");
  ASSERT_NE(started, nullptr);
  KannelServer& kannel = *started;

  const std::string ana = CreateContact(
      {{"name", "Ana"},
       {"languages", {"fr"}},
       {"addresses", {{{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}}}}},
      admin_token_);
  const std::string campaign = RunCampaign(
      {{"name", "Roundtable"},
       {"default_language", "fr"},
       {"variants", {{"fr", {{"body", "Bonjour {{contact.name}}, table ronde jeudi à 18h."}}}}}},
      "sms");

  // The phone network got it. (The fake SMSC's line protocol carries a text message's lines
  // as separate messages, so the opt-out line that follows arrives on its own.)
  EXPECT_TRUE(Eventually([&] { return Received(kannel, "Bonjour Ana, table ronde jeudi à 18h."); }))
      << kannel.LogTails();
  EXPECT_THAT(kannel.ReceivedMessages()[0].to, HasSubstr("4915111111111"));

  // Kannel's delivery report reaches the gateway: the campaign counts it, the log shows it.
  EXPECT_TRUE(Eventually([&] {
    return Get("/v1/campaigns/" + campaign, admin_token_).json["stats"].value("delivered", 0) ==
           1;
  })) << Get("/v1/campaigns/" + campaign, admin_token_).body << kannel.LogTails();
  // Kannel reports "accepted by the SMSC" and "delivered", not always in that order.
  EXPECT_TRUE(Eventually([&] {
    for (const json& e : Entries(ana)) {
      if (e["kind"] == "status" && e["state"] == "delivered") return true;
    }
    return false;
  }));
  json out = Find(ana, "out");
  ASSERT_TRUE(out.is_object());
  EXPECT_EQ(out["campaign"], campaign);

  // Ana answers from her phone: the reply is in her conversation.
  ASSERT_TRUE(kannel.SendMo("+4915111111111", "+4930123456", "Merci, je viendrai").ok());
  EXPECT_TRUE(Eventually([&] {
    json in = Find(ana, "in");
    return in.is_object() && in["text"] == "Merci, je viendrai";
  })) << Entries(ana).dump() << kannel.LogTails();
  json in = Find(ana, "in");
  EXPECT_EQ(in["provider"], provider);

  // STOP withdraws consent at once and brings one confirmation, in French.
  ASSERT_TRUE(kannel.SendMo("+4915111111111", "+4930123456", "STOP").ok());
  EXPECT_TRUE(Eventually([&] {
    return Get("/v1/contacts/" + ana, admin_token_).json["addresses"][0].value("opted_out", false);
  }));
  // The confirmation is queued just after the consent change shows: drain until it is out.
  EXPECT_TRUE(Eventually([&] {
    DrainWorker();
    return Received(kannel, "désabonné");
  })) << kannel.LogTails();
}

TEST_F(GatewayE2eTest, InChannelSurveyOverKannelAsksEachQuestionInThePersonsLanguage) {
  constexpr char kNumber[] = "+4930123456";
  std::unique_ptr<KannelServer> started = OpenWithKannel("kannel-berlin", kInboundSecret, kNumber);
  ASSERT_NE(started, nullptr);
  KannelServer& kannel = *started;
  auto person = [&](const std::string& name, const std::string& language,
                    const std::string& phone) {
    return CreateContact(
        {{"name", name},
         {"languages", {language}},
         {"addresses", {{{"kind", "phone"}, {"value", phone}, {"consent", "granted"}}}}},
        admin_token_);
  };
  const std::string ana = person("Ana", "fr", "+4915111111111");
  const std::string ben = person("Ben", "en", "+4915122222222");
  const std::string tmpl = CreateTemplate(
      {{"name", "Counselling days"},
       {"default_language", "en"},
       {"variants",
        {{"en", {{"body", "Hello {{contact.name}}, counselling days on 12 March."}}},
         {"fr", {{"body", "Bonjour {{contact.name}}, journees de conseil le 12 mars."}}}}}},
      admin_token_);
  const json attend = {
      {"key", "attend"},
      {"text", {{"en", "Will you come? 1 yes, 2 no"}, {"fr", "Viendrez-vous ? 1 oui, 2 non"}}},
      {"choices",
       {{{"value", "yes"}, {"words", {"oui"}}}, {{"value", "no"}, {"words", {"non"}}}}}};
  const json topic = {
      {"key", "topic"},
      {"text",
       {{"en", "What about? 1 passport, 2 pension"}, {"fr", "Quel sujet ? 1 passeport, 2 retraite"}}},
      {"choices", {{{"value", "passport"}, {"words", {"passeport"}}},
                   {{"value", "pension"}, {"words", {"retraite"}}}}}};
  HttpResult created = Post(
      "/v1/campaigns",
      {{"name", "Counselling days"},
       {"template_id", tmpl},
       {"segment_id", CreateSegment({{"name", "Everyone"}, {"expression", "true"}}, admin_token_)},
       {"channel", "sms"},
       {"in_channel_survey",
        {{"questions", {attend, topic}},
         {"thanks", {{"en", "Thank you, see you there"}, {"fr", "Merci, a bientot"}}}}}},
      admin_token_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json["id"];
  ASSERT_EQ(Post("/v1/campaigns/" + id + "/launch", json::object(), admin_token_).status, 202);
  DrainWorker();
  // Each phone gets the first question with the message, in its person's language (on a line
  // of its own, below the text).
  EXPECT_TRUE(Eventually([&] { return Received(kannel, "Bonjour Ana, journees de conseil"); }))
      << kannel.LogTails();
  EXPECT_TRUE(kannel.LoggedLine("Viendrez-vous ? 1 oui, 2 non")) << kannel.LogTails();
  EXPECT_TRUE(Eventually([&] { return Received(kannel, "Hello Ben, counselling days"); }));
  EXPECT_TRUE(kannel.LoggedLine("Will you come? 1 yes, 2 no"));

  // Phones answer as phones do: sender digits without "+", words and numbers.
  auto answer = [&](const std::string& phone, const std::string& text,
                    const std::string& expected_next) {
    clock_.Advance(1000);  // People take a moment to answer.
    ASSERT_TRUE(kannel.SendMo(phone, kNumber, text).ok());
    EXPECT_TRUE(Eventually([&] {
      DrainWorker();
      return Received(kannel, expected_next);
    })) << text << " did not bring " << expected_next << "\n"
        << Entries(phone == "+4915111111111" ? ana : ben).dump() << kannel.LogTails();
  };
  answer("+4915111111111", "OUI", "Quel sujet ? 1 passeport, 2 retraite");
  answer("+4915111111111", "2", "Merci, a bientot");
  clock_.Advance(1000);
  ASSERT_TRUE(kannel.SendMo("+4915122222222", kNumber, "maybe, depends on work").ok());
  EXPECT_TRUE(Eventually([&] {
    const json in = Find(ben, "in");
    return in.is_object() && in.value("answer", "") == "unclear";
  })) << Entries(ben).dump();
  answer("+4915122222222", "2", "What about? 1 passport, 2 pension");

  const json stats = Get("/v1/campaigns/" + id, admin_token_).json["stats"];
  EXPECT_EQ(stats.value("answer:attend:yes", 0), 1) << stats.dump();
  EXPECT_EQ(stats.value("answer:attend:no", 0), 1);
  EXPECT_EQ(stats.value("answer:attend:unclear", 0), 1);
  EXPECT_EQ(stats.value("answer:topic:pension", 0), 1);
  const json last = Find(ana, "in");
  EXPECT_EQ(last["survey"], id);
  EXPECT_EQ(last["question"], "topic");
  EXPECT_EQ(last["answer"], "pension");
  HttpResult coming = Post("/v1/segments/preview?sample=10",
                           {{"expression", "answered(\"" + id + "\", \"attend\", \"yes\")"}},
                           admin_token_);
  ASSERT_EQ(coming.status, 200) << coming.body;
  ASSERT_EQ(coming.json["sample"].size(), 1u);
  EXPECT_EQ(coming.json["sample"][0]["id"], ana);
}

TEST_F(GatewayE2eTest, EmailThroughSmtpAndImapBothWays) {
  SmtpServerOptions smtp_options;
  smtp_options.reject = {"gone@b.example"};
  SmtpServer smtp(smtp_options);
  ASSERT_TRUE(smtp.Start().ok());
  ImapServer imap;
  ASSERT_TRUE(imap.Start().ok()) << imap.LogTail();
  Reopen([&](GatewayConfig& c, const std::string& org) {
    auto p = ProviderAccountFromJson({{"name", "mail-berlin"},
                                      {"type", "smtp"},
                                      {"channels", {"email"}},
                                      {"organisation", org},
                                      {"url", smtp.Url()},
                                      {"starttls", "none"},
                                      {"from", "embassy@berlin.example"},
                                      {"from_name", "Botschaft Berlin"},
                                      {"imap_url", imap.Url()},
                                      {"imap_username", imap.username()},
                                      {"imap_password", imap.password()}},
                                     ProviderSource::kConfig);
    ASSERT_TRUE(p.ok()) << p.status();
    c.delivery.providers = {*p};
    c.inbound.reply_domain = "replies.berlin.example";
  });

  const std::string ana = CreateContact(
      {{"name", "Ana"},
       {"addresses", {{{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
      admin_token_);
  const std::string bob = CreateContact(
      {{"name", "Bob"},
       {"addresses", {{{"kind", "email"}, {"value", "bob@b.example"}, {"consent", "granted"}}}}},
      admin_token_);
  const std::string gone = CreateContact(
      {{"name", "Gone"},
       {"addresses", {{{"kind", "email"}, {"value", "gone@b.example"}, {"consent", "granted"}}}}},
      admin_token_);
  RunCampaign({{"name", "Survey"},
               {"default_language", "en"},
               {"variants",
                {{"en",
                  {{"subject", "Diaspora survey"},
                   {"body", "Dear {{contact.name}}, please take **our survey**."}}}}}},
              "email");

  // Two arrive (the third address is refused at RCPT: a hard bounce, marked invalid at once).
  ASSERT_EQ(smtp.Received().size(), 2u);
  EXPECT_EQ(Get("/v1/contacts/" + gone, admin_token_).json["addresses"][0]["invalid"], true);
  std::string to_ana;
  for (const ReceivedEmail& e : smtp.Received()) {
    if (e.rcpt_tos == std::vector<std::string>{"ana@a.example"}) to_ana = e.data;
  }
  ASSERT_FALSE(to_ana.empty());
  EXPECT_THAT(to_ana, HasSubstr("Subject: Diaspora survey"));
  EXPECT_THAT(to_ana, HasSubstr("multipart/alternative"));
  EXPECT_THAT(to_ana, HasSubstr("<strong>our survey</strong>"));
  EXPECT_THAT(to_ana, HasSubstr("List-Unsubscribe: <" + config_.links.public_base_url + "/u/"));
  EXPECT_THAT(to_ana, HasSubstr("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
  // The body links to the same page.
  auto parsed = ParseEmail(to_ana);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->message.text, HasSubstr(config_.links.public_base_url + "/u/"));
  const std::string reply_to =
      "reply+" + runtime_->tokens().ReplyToken(org_, ana) + "@replies.berlin.example";
  EXPECT_THAT(to_ana, HasSubstr(reply_to));
  json out = Find(ana, "out");
  ASSERT_TRUE(out.is_object());
  const std::string message_id = out["provider_message_id"];
  EXPECT_THAT(message_id, HasSubstr("@berlin.example"));

  // Ana replies from another address of hers, quoting the message: the reply token threads it
  // to her, and only what she wrote is kept.
  const std::string reply =
      "From: Ana Work <ana@work.example>\r\n"
      "To: " + reply_to + "\r\n"
      "Subject: Re: Diaspora survey\r\n"
      "Message-ID: <reply-1@work.example>\r\n"
      "In-Reply-To: <" + message_id + ">\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Done, thank you!\r\n"
      "\r\n"
      "On Mon, 30 Nov 2026, Botschaft Berlin wrote:\r\n"
      "> Dear Ana, please take our survey.\r\n";
  ASSERT_TRUE(imap.Deliver(reply).ok());
  // A bounce of Bob's message, as a mail server sends it later (RFC 3464).
  std::string bob_message_id;
  for (const json& e : Entries(bob)) {
    if (e["kind"] == "out") bob_message_id = e["provider_message_id"];
  }
  ASSERT_FALSE(bob_message_id.empty());
  const std::string bounce =
      "From: Mail Delivery System <MAILER-DAEMON@mx.b.example>\r\n"
      "To: embassy@berlin.example\r\n"
      "Subject: Undelivered Mail Returned to Sender\r\n"
      "Message-ID: <bounce-1@mx.b.example>\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n"
      "\r\n"
      "--b1\r\nContent-Type: text/plain\r\n\r\nThe mailbox does not exist.\r\n"
      "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
      "Reporting-MTA: dns; mx.b.example\r\n\r\n"
      "Final-Recipient: rfc822; bob@b.example\r\n"
      "Action: failed\r\n"
      "Status: 5.1.1\r\n"
      "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
      "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
      "Message-ID: <" + bob_message_id + ">\r\n"
      "Subject: Diaspora survey\r\n"
      "--b1--\r\n";
  ASSERT_TRUE(imap.Deliver(bounce).ok());

  auto mailboxes = runtime_->NewMailboxWatcher();
  ASSERT_TRUE(mailboxes->PollAllOnce().ok());
  json in = Find(ana, "in");
  ASSERT_TRUE(in.is_object()) << Entries(ana).dump();
  EXPECT_EQ(in["text"], "Done, thank you!");
  EXPECT_EQ(in["subject"], "Re: Diaspora survey");
  EXPECT_EQ(in["address"], "ana@work.example");
  // Its In-Reply-To is our signed Message-ID of the campaign message to Ana.
  EXPECT_EQ(in["in_reply_to"], out["message"]);
  json bob_contact = Get("/v1/contacts/" + bob, admin_token_).json;
  EXPECT_EQ(bob_contact["addresses"][0]["invalid"], true);
  json status = Find(bob, "status");
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["state"], "failed");
  EXPECT_EQ(status["code"], "5.1.1");
  // Both were acknowledged only once stored: nothing left unseen, and a second poll adds
  // nothing.
  auto unseen = imap.Search("UNSEEN");
  ASSERT_TRUE(unseen.ok());
  EXPECT_TRUE(unseen->empty());
  const size_t entries = Entries(ana).size();
  ASSERT_TRUE(mailboxes->PollAllOnce().ok());
  EXPECT_EQ(Entries(ana).size(), entries);
}

// An embassy's own mailbox, added through the API while the gateway runs: its post's e-mail
// goes out through its SMTP server, and its IMAP mailbox is polled without a restart until
// the account is removed.
TEST_F(GatewayE2eTest, PostMailboxAddedThroughTheApiSendsAndIsPolledWhileRunning) {
  SmtpServer smtp;
  ASSERT_TRUE(smtp.Start().ok());
  ImapServer imap;
  ASSERT_TRUE(imap.Start().ok()) << imap.LogTail();
  // Polled every second, which the installation must allow for accounts of the API.
  Reopen([](GatewayConfig& config, const std::string&) { config.api.min_poll_seconds = 1; });
  auto mailboxes = runtime_->NewMailboxWatcher();
  ASSERT_TRUE(mailboxes->Start().ok());

  const std::string berlin = CreatePost("Berlin");
  const std::string ana = CreateContact(
      {{"name", "Ana"},
       {"post_id", berlin},
       {"addresses", {{{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
      admin_token_);
  HttpResult added = Post("/v1/providers",
                          {{"name", "mail-berlin"},
                           {"type", "smtp"},
                           {"channels", {"email"}},
                           {"post", berlin},
                           {"url", smtp.Url()},
                           {"starttls", "none"},
                           {"from", "consulate@berlin.example"},
                           {"imap_url", imap.Url()},
                           {"imap_username", imap.username()},
                           {"imap_password", imap.password()},
                           {"poll_seconds", 1}},
                          admin_token_);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_THAT(added.body, Not(HasSubstr(imap.password())));

  ASSERT_EQ(Post("/v1/messages",
                 {{"contact_id", ana}, {"channel", "email"}, {"subject", "Termin"},
                  {"text", "Ihr Termin ist am Montag."}},
                 admin_token_)
                .status,
            202);
  clock_.Advance(1000);
  DrainWorker();
  std::vector<ReceivedEmail> sent = smtp.Received();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].mail_from, "consulate@berlin.example");

  const auto reply = [](const std::string& text, const std::string& id) {
    return "From: Ana <ana@a.example>\r\nTo: consulate@berlin.example\r\n"
           "Subject: Re: Termin\r\nMessage-ID: <" + id + "@a.example>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n";
  };
  ASSERT_TRUE(imap.Deliver(reply("Danke, ich komme.", "r1")).ok());
  EXPECT_TRUE(Eventually([&] {
    json in = Find(ana, "in");
    return in.is_object() && in["text"] == "Danke, ich komme.";
  })) << Entries(ana).dump() << imap.LogTail();
  EXPECT_EQ(Find(ana, "in")["provider"], "mail-berlin");

  // Removed: the mailbox is no longer polled.
  ASSERT_EQ(Delete("/v1/providers/mail-berlin", admin_token_).status, 204);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // A reconcile and a poll interval.
  ASSERT_TRUE(imap.Deliver(reply("Noch eine Frage", "r2")).ok());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto unseen = imap.Search("UNSEEN");
  ASSERT_TRUE(unseen.ok());
  EXPECT_EQ(unseen->size(), 1u);
  mailboxes->Stop();
}

TEST_F(GatewayE2eTest, OneCampaignReachesEachPersonOnTheirPreferredChannelAndEveryReplyComesHome) {
  constexpr char kRelaySecret[] = "mail-relay-secret-0123456789abcdef";
  constexpr char kTelegramToken[] = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
  constexpr char kTelegramSecret[] = "wh_3f9a2c7e-51b8-4d0e";
  constexpr char kWhatsAppToken[] = "EAAGm0PX4ZCpsBAKZCsystemusertoken0123";
  constexpr char kAppSecret[] = "3f9a2c7e51b84d0e9a1b2c3d4e5f6a7b";
  SmtpServer smtp;
  ASSERT_TRUE(smtp.Start().ok());
  FakeTwilio twilio("AC0123456789abcdef0123456789abcdef", "twilio-auth-token-0123456789ab");
  FakeTelegram telegram(kTelegramToken);
  FakeWhatsApp whatsapp("106540352242922", kWhatsAppToken, kAppSecret);
  std::string error;
  ASSERT_TRUE(twilio.Start(&error)) << error;
  ASSERT_TRUE(telegram.Start(&error)) << error;
  ASSERT_TRUE(whatsapp.Start(&error)) << error;
  whatsapp.AutoStatuses(false);
  Reopen([&](GatewayConfig& c, const std::string& org) {
    const json accounts[] = {{{"name", "mail"},
                              {"type", "smtp"},
                              {"channels", {"email"}},
                              {"organisation", org},
                              {"url", smtp.Url()},
                              {"starttls", "none"},
                              {"from", "embassy@berlin.example"},
                              {"inbound_secret", kRelaySecret}},
                             {{"name", "sms"},
                              {"type", "twilio"},
                              {"channels", {"sms"}},
                              {"organisation", org},
                              {"api_base", twilio.BaseUrl()},
                              {"account_sid", twilio.account_sid()},
                              {"auth_token", twilio.auth_token()},
                              {"from", "+4930123456"}},
                             {{"name", "bot"},
                              {"type", "telegram"},
                              {"channels", {"telegram"}},
                              {"organisation", org},
                              {"api_base", telegram.BaseUrl()},
                              {"bot_token", kTelegramToken},
                              {"webhook_secret", kTelegramSecret}},
                             {{"name", "wa"},
                              {"type", "whatsapp"},
                              {"channels", {"whatsapp"}},
                              {"organisation", org},
                              {"api_base", whatsapp.BaseUrl()},
                              {"access_token", kWhatsAppToken},
                              {"app_secret", kAppSecret},
                              {"verify_token", "verify-0123456789"},
                              {"phone_number_id", "106540352242922"}}};
    c.delivery.providers.clear();
    for (const json& a : accounts) {
      auto p = ProviderAccountFromJson(a, ProviderSource::kConfig);
      ASSERT_TRUE(p.ok()) << p.status();
      c.delivery.providers.push_back(*p);
    }
  });
  ASSERT_FALSE(HasFatalFailure());
  const std::string base = config_.links.public_base_url;

  // Four people, each with an e-mail address and the channel they prefer.
  const auto person = [&](const std::string& name, const std::string& email, const json& other,
                          const std::string& preferred) {
    json addresses = {{{"kind", "email"}, {"value", email}, {"consent", "granted"}}};
    if (!other.is_null()) addresses.push_back(other);
    return CreateContact(
        {{"name", name},
         {"languages", {"en"}},
         {"channel_order",
          preferred == "email" ? json::array({"email"}) : json::array({preferred, "email"})},
         {"addresses", addresses}},
        admin_token_);
  };
  const std::string ana = person("Ana", "ana@a.example", nullptr, "email");
  const std::string bo =
      person("Bo", "bo@b.example",
             {{"kind", "phone"}, {"value", "+4915111111112"}, {"consent", "granted"}}, "sms");
  const std::string chen =
      person("Chen", "chen@c.example",
             {{"kind", "telegram"}, {"value", "5234567890"}, {"consent", "granted"}}, "telegram");
  const std::string dana = person(
      "Dana", "dana@d.example",
      {{"kind", "whatsapp"}, {"value", "+995599123456"}, {"consent", "granted"}}, "whatsapp");

  const std::string campaign = RunCampaign(
      {{"name", "Roundtable"},
       {"default_language", "en"},
       {"variants",
        {{"en",
          {{"subject", "Roundtable on 12 June"},
           {"body", "Dear {{contact.name}}, join our roundtable on 12 June. Will you come?"},
           {"buttons",
            {{{"id", "rsvp:yes"}, {"title", "Yes"}}, {{"id", "rsvp:no"}, {"title", "No"}}}},
           {"whatsapp",
            {{"name", "roundtable_invitation"},
             {"language", "en"},
             {"category", "utility"},
             {"parameters", {"{{contact.name}}"}},
             {"quick_reply_buttons", true}}}}}}}},
      "preferred");

  // Each person got it once, on their channel.
  ASSERT_EQ(smtp.Received().size(), 1u);
  EXPECT_THAT(smtp.Received()[0].rcpt_tos, ::testing::ElementsAre("ana@a.example"));
  ASSERT_EQ(twilio.Accepted().size(), 1u);
  EXPECT_EQ(twilio.Accepted()[0].to, "+4915111111112");
  ASSERT_EQ(telegram.Sent().size(), 1u);
  EXPECT_EQ(telegram.Sent()[0].chat_id, "5234567890");
  ASSERT_EQ(whatsapp.Accepted().size(), 1u);
  EXPECT_EQ(whatsapp.Accepted()[0].wa_id, "995599123456");
  EXPECT_EQ(whatsapp.Accepted()[0].type, "template") << "Dana never wrote: outside the window";
  // The quick answers go where a person can press them; mail and SMS say it in words.
  using Row = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(telegram.Sent()[0].inline_keyboard,
            (std::vector<Row>{{{"Yes", "rsvp:yes"}, {"No", "rsvp:no"}}}));
  EXPECT_EQ(whatsapp.Accepted()[0].template_button_payloads,
            (std::vector<std::string>{"rsvp:yes", "rsvp:no"}));
  EXPECT_THAT(twilio.Accepted()[0].body, Not(HasSubstr("rsvp:")));
  EXPECT_EQ(Get("/v1/campaigns/" + campaign, admin_token_).json["stats"].value("sent", 0), 4);

  // Everyone answers on the channel they were reached on.
  const std::string mail =
      "From: Ana <ana@a.example>\r\nTo: embassy@berlin.example\r\nSubject: Re: Roundtable on "
      "12 June\r\nMessage-ID: <r1@a.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
      "Yes, I will come.\r\n";
  EXPECT_EQ(PostRaw("/v1/inbound/email/mail", mail, "message/rfc822", "",
                    {{"Authorization", std::string("Bearer ") + kRelaySecret}})
                .status,
            204);
  EXPECT_EQ(twilio
                .SendInboundSms(base + "/v1/inbound/twilio/sms", "+4915111111112", "+4930123456",
                                "Ja, ich komme")
                .status,
            200);
  EXPECT_EQ(telegram
                .Deliver(base + "/v1/inbound/telegram/bot",
                         telegram.MessageUpdate(5234567890, "我会来的"), kTelegramSecret)
                .status,
            204);
  EXPECT_EQ(
      whatsapp.SendInboundText(base + "/v1/inbound/whatsapp/wa", "995599123456", "დიახ, მოვალ")
          .status,
      200);

  // Every reply is in its own person's conversation, on its channel, after what they got.
  const std::pair<std::string, std::pair<std::string, std::string>> expected[] = {
      {ana, {"email", "Yes, I will come."}},
      {bo, {"sms", "Ja, ich komme"}},
      {chen, {"telegram", "我会来的"}},
      {dana, {"whatsapp", "დიახ, მოვალ"}}};
  for (const auto& [contact, reply] : expected) {
    SCOPED_TRACE(reply.first);
    const json entries = Entries(contact);
    std::vector<std::string> in, out;
    for (const json& e : entries) {
      if (e["kind"] == "in") in.push_back(e.value("channel", "") + "|" + e.value("text", ""));
      if (e["kind"] == "out") out.push_back(e.value("channel", ""));
    }
    EXPECT_EQ(in, std::vector<std::string>{reply.first + "|" + reply.second}) << entries.dump();
    EXPECT_EQ(out, std::vector<std::string>{reply.first}) << entries.dump();
  }
  // And an officer's answer to Dana now goes where she wrote, as free text.
  HttpResult answer =
      Post("/v1/messages", {{"contact_id", dana}, {"text", "Thank you, Dana!"}}, admin_token_);
  ASSERT_EQ(answer.status, 202) << answer.body;
  EXPECT_EQ(answer.json["channel"], "whatsapp");
  DrainWorker();
  ASSERT_EQ(whatsapp.Accepted().size(), 2u);
  EXPECT_EQ(whatsapp.Accepted()[1].type, "text");
}

}  // namespace
}  // namespace ogw::testing
