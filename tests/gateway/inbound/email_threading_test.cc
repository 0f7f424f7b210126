// E-mail replies and bounces through the e-mail intake (TakeEmail, as the mailbox poller and
// the inbound e-mail webhook call it) into the inbound pipeline, against a real Redis: who a
// reply belongs to (sender address, then reply token, then the signed Message-ID it answers,
// always within the organisation), which message it answers (`in_reply_to`), and that only
// Message-IDs the gateway signed count, for threading and for bounces.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "adapters/email/email_intake.h"
#include "adapters/email/email_message_id.h"
#include "gateway/inbound/account_inbox.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using json = nlohmann::json;

constexpr char kDomain[] = "berlin.example";

class EmailThreadingTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    post_ = CreatePost("Berlin");
    ana_ = CreateContact(
        {{"name", "Ana"},
         {"post_id", post_},
         {"addresses", {{{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
        admin_token_);
    bob_ = CreateContact(
        {{"name", "Bob"},
         {"post_id", post_},
         {"addresses", {{{"kind", "email"}, {"value", "bob@b.example"}, {"consent", "granted"}}}}},
        admin_token_);
    ASSERT_FALSE(ana_.empty());
    ASSERT_FALSE(bob_.empty());

    // A newsletter to both: campaign message "<campaign>:<index>" per person.
    const std::string tmpl = CreateTemplate(
        {{"name", "News"},
         {"default_language", "en"},
         {"variants", {{"en", {{"subject", "News"}, {"body", "Hello {{contact.name}}"}}}}}},
        admin_token_);
    const std::string segment =
        CreateSegment({{"name", "Everyone"}, {"expression", "true"}}, admin_token_);
    HttpResult created = Post("/v1/campaigns",
                              {{"name", "Newsletter"},
                               {"template_id", tmpl},
                               {"segment_id", segment},
                               {"channel", "email"}},
                              admin_token_);
    ASSERT_EQ(created.status, 201) << created.body;
    campaign_ = created.json.value("id", "");
    HttpResult launched =
        Post("/v1/campaigns/" + campaign_ + "/launch", json::object(), admin_token_);
    ASSERT_EQ(launched.status, 202) << launched.body;
    for (int64_t i = 0; i < 2; ++i) {
      auto recipient = runtime_->queue().CampaignRecipient(org_, campaign_, i);
      ASSERT_TRUE(recipient.ok()) << recipient.status();
      ASSERT_TRUE(recipient->has_value());
      message_of_[(*recipient)->contact_id] = campaign_ + ":" + std::to_string(i);
    }
    ASSERT_EQ(message_of_.size(), 2u);

    mail_.name = "mail-berlin";
    mail_.type = "smtp";
    mail_.channels = {"email"};
    mail_.organisation = org_;
    mail_.post = post_;
    ASSERT_EQ(MessageIdDomain(std::string("news@") + kDomain), kDomain);
  }

  // The Message-ID the gateway gave (would give) gateway message `id`, without brackets.
  std::string SignedId(const std::string& id, const std::string& domain = kDomain) {
    auto value = NewEmailMessageId(id, domain, runtime_->tokens().EmailMessageIdKey());
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? value->substr(1, value->size() - 2) : "";
  }

  // A Message-ID in our format for gateway message `id`, its signature made up.
  static std::string MadeUpId(std::string id) {
    std::replace(id.begin(), id.end(), ':', '.');
    return id + ".abcdefgh.abcdefghijklmnop@" + kDomain;
  }

  // An e-mail as a mail client writes a reply; empty headers are left out.
  static std::string Email(const std::string& from, const std::string& message_id,
                           const std::string& in_reply_to, const std::string& references = "",
                           const std::string& to = "news@berlin.example") {
    std::string raw = "From: " + from + "\r\nTo: " + to + "\r\nSubject: Re: News\r\n" +
                      "Message-ID: <" + message_id + ">\r\n";
    if (!in_reply_to.empty()) raw += "In-Reply-To: <" + in_reply_to + ">\r\n";
    if (!references.empty()) raw += "References: " + references + "\r\n";
    return raw + "Content-Type: text/plain; charset=utf-8\r\n\r\nCount me in.\r\n";
  }

  void Take(const std::string& raw, const ProviderAccount* provider = nullptr) {
    const ProviderAccount& account = provider ? *provider : mail_;
    AccountInbox inbox(&runtime_->inbound(), /*quarantine=*/nullptr, account);
    const absl::Status taken = TakeEmail(inbox, "imap", raw, account.name, kDomain,
                                         runtime_->tokens().EmailMessageIdKey());
    ASSERT_TRUE(taken.ok()) << taken;
  }

  json Entries(const std::string& contact) {
    HttpResult r = Get("/v1/contacts/" + contact + "/conversation", admin_token_);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.value("entries", json::array());
  }

  // The contact that owns e-mail address `address` in `org`, or "".
  std::string OwnerOf(const std::string& address, const std::string& org = "") {
    auto owners = runtime_->contacts().FindOwners(org.empty() ? org_ : org,
                                                  {AddressKey(AddressKind::kEmail, address)});
    EXPECT_TRUE(owners.ok()) << owners.status();
    return owners.ok() ? (*owners)[0] : "";
  }

  std::string org_, post_, ana_, bob_, campaign_;
  std::map<std::string, std::string> message_of_;  // Contact -> campaign message id.
  ProviderAccount mail_;
};

TEST_F(EmailThreadingTest, UnknownSenderAnsweringOurMessageIsItsRecipient) {
  // Ana writes from her work address, answering the newsletter.
  Take(Email("Ana <ana@work.example>", "r1@work.example", SignedId(message_of_[ana_])));
  json entries = Entries(ana_);
  ASSERT_EQ(entries.size(), 1u) << entries.dump();
  EXPECT_EQ(entries[0]["kind"], "in");
  EXPECT_EQ(entries[0]["address"], "ana@work.example");
  EXPECT_EQ(entries[0]["text"], "Count me in.");
  EXPECT_EQ(entries[0]["in_reply_to"], message_of_[ana_]);
  EXPECT_EQ(OwnerOf("ana@work.example"), "");  // No contact made for the address.
  EXPECT_TRUE(Entries(bob_).empty());

  // A direct message works alike; References alone is enough.
  HttpResult sent = Post("/v1/messages",
                         {{"contact_id", bob_},
                          {"channel", "email"},
                          {"subject", "Visa"},
                          {"text", "Your appointment is on Monday."}},
                         admin_token_);
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string direct = sent.json["id"];
  Take(Email("bob@home.example", "r2@home.example", "",
             "<unrelated@elsewhere.example> <" + SignedId(direct) + ">"));
  entries = Entries(bob_);
  ASSERT_EQ(entries.size(), 1u) << entries.dump();
  EXPECT_EQ(entries[0]["address"], "bob@home.example");
  EXPECT_EQ(entries[0]["in_reply_to"], direct);
}

TEST_F(EmailThreadingTest, ForgedOrForeignMessageIdsThreadNothing) {
  const std::string real = SignedId(message_of_[ana_]);
  // Our format with the signature altered or made up, signed for another domain, and a signed
  // id of no message of this organisation (one key signs for every organisation).
  std::string forged = real;
  const size_t mac = forged.find('@') - 16;
  forged.replace(mac, 16, "abcdefghijklmnop");
  const std::vector<std::string> ids = {forged, MadeUpId(message_of_[ana_]),
                                        SignedId(message_of_[ana_], "other.example"),
                                        SignedId("cmp_01nothere:0")};
  int n = 0;
  for (const std::string& id : ids) {
    SCOPED_TRACE(id);
    const std::string from = "stranger" + std::to_string(n) + "@x.example";
    Take(Email(from, "f" + std::to_string(n++) + "@x.example", id, "<" + id + ">"));
    const std::string stranger = OwnerOf(from);
    ASSERT_FALSE(stranger.empty());
    EXPECT_NE(stranger, ana_);
    json c = Get("/v1/contacts/" + stranger, admin_token_).json;
    EXPECT_EQ(c["verified"], false);
    EXPECT_EQ(c["post_id"], post_);
    json entries = Entries(stranger);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_FALSE(entries[0].contains("in_reply_to")) << entries.dump();
  }
  EXPECT_TRUE(Entries(ana_).empty());

  // A mailbox of another organisation receiving a genuine answer to Ana's message: the
  // message is not that organisation's, so it leads nowhere, and Ana's log stays untouched.
  ProviderAccount elsewhere = mail_;
  elsewhere.name = "mail-elsewhere";
  elsewhere.organisation = "org_01elsewhere";
  elsewhere.post = "";
  Take(Email("ana@work.example", "e1@work.example", real), &elsewhere);
  EXPECT_TRUE(Entries(ana_).empty());
  EXPECT_EQ(OwnerOf("ana@work.example"), "");
  EXPECT_FALSE(OwnerOf("ana@work.example", "org_01elsewhere").empty());
}

TEST_F(EmailThreadingTest, KnownSenderIsThemselvesWhateverTheyAnswer) {
  // Bob answers the newsletter Ana forwarded him: his own conversation, answering nothing of
  // his.
  Take(Email("bob@b.example", "b1@b.example", SignedId(message_of_[ana_])));
  EXPECT_TRUE(Entries(ana_).empty());
  json entries = Entries(bob_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_FALSE(entries[0].contains("in_reply_to")) << entries.dump();

  // Answering his own copy (the parent), with Ana's further up the thread: his.
  Take(Email("bob@b.example", "b2@b.example", SignedId(message_of_[bob_]),
             "<" + SignedId(message_of_[ana_]) + "> <" + SignedId(message_of_[bob_]) + ">"));
  entries = Entries(bob_);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["in_reply_to"], message_of_[bob_]);
  EXPECT_TRUE(Entries(ana_).empty());
}

TEST_F(EmailThreadingTest, ReplyTokenWinsOverInReplyTo) {
  // From an unknown address, to Bob's reply address, answering Ana's message: the token
  // decides (Bob), and Ana's message is not one Bob answers...
  const std::string to_bob = "reply+" + runtime_->tokens().ReplyToken(org_, bob_) + "@" + kDomain;
  Take(Email("someone@x.example", "t1@x.example", SignedId(message_of_[ana_]), "", to_bob));
  EXPECT_TRUE(Entries(ana_).empty());
  json entries = Entries(bob_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_FALSE(entries[0].contains("in_reply_to")) << entries.dump();
  EXPECT_EQ(OwnerOf("someone@x.example"), "");

  // ...but his own message further up the thread is.
  Take(Email("someone@x.example", "t2@x.example", SignedId(message_of_[ana_]),
             "<" + SignedId(message_of_[bob_]) + ">", to_bob));
  entries = Entries(bob_);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["in_reply_to"], message_of_[bob_]);
  EXPECT_TRUE(Entries(ana_).empty());
}

TEST_F(EmailThreadingTest, AnsweredMessageOfAnErasedPersonMakesANewContact) {
  const std::string answered = SignedId(message_of_[ana_]);
  ASSERT_EQ(Delete("/v1/contacts/" + ana_, admin_token_).status, 204);
  Take(Email("ana@work.example", "g1@work.example", answered));
  const std::string stranger = OwnerOf("ana@work.example");
  ASSERT_FALSE(stranger.empty());
  EXPECT_NE(stranger, ana_);
  EXPECT_EQ(Get("/v1/contacts/" + stranger, admin_token_).json["verified"], false);
}

// RFC 3464 report on `message_id` (without brackets): 5.1.1, the mailbox does not exist.
std::string Bounce(const std::string& message_id, const std::string& recipient) {
  std::string raw =
      "From: Mail Delivery System <MAILER-DAEMON@mx.b.example>\r\n"
      "To: news@berlin.example\r\n"
      "Subject: Undelivered Mail Returned to Sender\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n"
      "\r\n"
      "--b1\r\nContent-Type: text/plain\r\n\r\nThe mailbox does not exist.\r\n"
      "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
      "Reporting-MTA: dns; mx.b.example\r\n\r\n";
  raw += "Final-Recipient: rfc822; " + recipient + "\r\n";
  raw +=
      "Action: failed\r\n"
      "Status: 5.1.1\r\n"
      "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
      "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n";
  raw += "Message-ID: <" + message_id + ">\r\nSubject: News\r\n--b1--\r\n";
  return raw;
}

TEST_F(EmailThreadingTest, ForgedBounceMarksNothingInvalid) {
  // Anyone can send a DSN naming Bob's message in our format: without our signature it is
  // ignored.
  std::string forged = SignedId(message_of_[bob_]);
  const size_t mac = forged.find('@') - 16;
  forged.replace(mac, 16, std::string(16, forged[mac] == 'a' ? 'b' : 'a'));
  Take(Bounce(forged, "bob@b.example"));
  Take(Bounce(MadeUpId(message_of_[bob_]), "bob@b.example"));
  json bob = Get("/v1/contacts/" + bob_, admin_token_).json;
  EXPECT_NE(bob["addresses"][0].value("invalid", false), true) << bob.dump();
  EXPECT_TRUE(Entries(bob_).empty());

  // The genuine bounce does.
  Take(Bounce(SignedId(message_of_[bob_]), "bob@b.example"));
  bob = Get("/v1/contacts/" + bob_, admin_token_).json;
  EXPECT_EQ(bob["addresses"][0]["invalid"], true) << bob.dump();
  json entries = Entries(bob_);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["kind"], "status");
  EXPECT_EQ(entries[0]["message"], message_of_[bob_]);
  EXPECT_EQ(entries[0]["state"], "failed");
}

}  // namespace
}  // namespace ogw::testing
