// InboundPipeline on its own, wired as gateway/app/runtime.cc wires it, over the suite's
// private Redis: who a reply belongs to, provider retries, keywords, delivery reports and what
// it refuses. Organisations come from the real OrgStore; every check reads what was stored.

#include "gateway/inbound/inbound_pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "gateway/core/text.h"
#include "gateway/orgs/org_store.h"
#include "tests/testutil/org_fixture.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kProvider[] = "kannel-berlin";

class InboundPipelineTest : public RedisTest {
 protected:
  void SetUp() override {
    FlushAll();
    orgs_ = std::make_unique<OrgStore>(&pool(), &clock_);
    contacts_ = std::make_unique<ContactStore>(&pool());
    log_ = std::make_unique<ConversationLog>(&pool(), &clock_);
    queue_ = std::make_unique<DeliveryQueue>(&pool(), &clock_);
    tokens_ = std::make_unique<PersonTokens>(std::string(32, 's'));
    pipeline_ = std::make_unique<InboundPipeline>(
        InboundDeps{&pool(), &clock_, contacts_.get(), log_.get(), queue_.get(), tokens_.get(),
                    "https://gw.example.org"},
        KeywordSettings{});

    OrgSpec spec;
    spec.posts = {"Berlin"};
    auto org = CreateTestOrg(*orgs_, spec);
    ASSERT_TRUE(org.ok()) << org.status();
    org_ = *std::move(org);
    source_ = {org_.id(), org_.posts[0].id, kProvider, false, "DE"};
  }

  // A contact of `org_id` with one phone, consent granted.
  std::string CreatePhoneContact(const std::string& org_id, const std::string& name,
                                 const std::string& phone) {
    Contact c;
    c.id = NewId("c", clock_.NowMillis() + static_cast<int64_t>(++created_));
    c.org_id = org_id;
    c.post_id = org_id == org_.id() ? org_.posts[0].id : "";
    c.name = name;
    c.languages = {"en"};
    Address a;
    a.kind = AddressKind::kPhone;
    a.value = phone;
    a.verified = true;
    a.consent = Consent{ConsentState::kGranted, "test", clock_.NowMillis()};
    c.addresses.push_back(a);
    c.created_at_millis = c.updated_at_millis = clock_.NowMillis();
    auto put = contacts_->Put(c, 0, nullptr);
    EXPECT_TRUE(put.ok()) << put.status();
    if (put.ok()) {
      EXPECT_EQ(put->code, PutOutcome::Code::kOk);
    }
    return c.id;
  }

  static InboundMessage Sms(const std::string& id, const std::string& from,
                            const std::string& text) {
    InboundMessage m;
    m.provider = kProvider;
    m.channel = Channel::kSms;
    m.provider_message_id = id;
    m.from = from;
    m.to = "+4930000000";
    m.text = text;
    return m;
  }

  Contact ContactOf(const std::string& org_id, const std::string& contact_id) {
    auto stored = contacts_->Get(org_id, contact_id);
    EXPECT_TRUE(stored.ok()) << stored.status();
    if (!stored.ok() || !stored->has_value()) {
      ADD_FAILURE() << "no contact " << contact_id;
      return {};
    }
    return (*stored)->contact;
  }

  std::vector<ConversationEntry> Conversation(const std::string& org_id,
                                              const std::string& contact_id) {
    auto entries = log_->Read(org_id, contact_id, "", 100);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<ConversationEntry>{};
  }

  FakeClock clock_;
  std::unique_ptr<OrgStore> orgs_;
  std::unique_ptr<ContactStore> contacts_;
  std::unique_ptr<ConversationLog> log_;
  std::unique_ptr<DeliveryQueue> queue_;
  std::unique_ptr<PersonTokens> tokens_;
  std::unique_ptr<InboundPipeline> pipeline_;
  TestOrg org_;
  InboundSource source_;
  size_t created_ = 0;
};

TEST_F(InboundPipelineTest, SmsFromAKnownNumberLandsInThatPersonsConversation) {
  const std::string nino = CreatePhoneContact(org_.id(), "Nino", "+4915112345678");
  const std::string other = CreatePhoneContact(org_.id(), "Other", "+4915199999999");

  auto result = pipeline_->Receive(source_, Sms("sms-1", "+4915112345678", "See you Friday"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->kind, InboundResult::Kind::kStored);
  EXPECT_EQ(result->contact_id, nino);
  EXPECT_FALSE(result->created_contact);

  const std::vector<ConversationEntry> entries = Conversation(org_.id(), nino);
  ASSERT_THAT(entries, SizeIs(1));
  EXPECT_EQ(entries[0].id, result->entry_id);
  EXPECT_EQ(entries[0].kind, "in");
  EXPECT_EQ(entries[0].at_millis, clock_.NowMillis());
  EXPECT_EQ(entries[0].Field("text"), "See you Friday");
  EXPECT_EQ(entries[0].Field("channel"), "sms");
  EXPECT_EQ(entries[0].Field("address"), "+4915112345678");
  EXPECT_EQ(entries[0].Field("provider"), kProvider);
  EXPECT_EQ(entries[0].Field("provider_message_id"), "sms-1");
  EXPECT_EQ(entries[0].Field("post"), org_.posts[0].id);
  EXPECT_THAT(Conversation(org_.id(), other), SizeIs(0));

  // And the post's inbox points at it.
  auto inbox = log_->ReadInbox(org_.id(), org_.posts[0].id, "", 10);
  ASSERT_TRUE(inbox.ok()) << inbox.status();
  ASSERT_THAT(*inbox, SizeIs(1));
  EXPECT_EQ((*inbox)[0].contact_id, nino);
  EXPECT_EQ((*inbox)[0].entry_id, result->entry_id);
  EXPECT_EQ((*inbox)[0].channel, "sms");
}

TEST_F(InboundPipelineTest, EachMessageRecordsWhenAndWhereThePersonLastWrote) {
  const std::string nino = CreatePhoneContact(org_.id(), "Nino", "+4915112345678");
  Contact c = ContactOf(org_.id(), nino);
  Address whatsapp = c.addresses[0];
  whatsapp.kind = AddressKind::kWhatsApp;
  c.addresses.push_back(whatsapp);
  ASSERT_TRUE(contacts_->Put(c, 1, nullptr).ok());
  const int64_t t0 = clock_.NowMillis();
  auto last = [&]() {
    auto h = pool().Command({"HGETALL", keys::LastInbound(org_.id(), nino)});
    EXPECT_TRUE(h.ok()) << h.status();
    std::map<std::string, std::string> out;
    for (size_t i = 0; h.ok() && i + 1 < h->elements.size(); i += 2) {
      out[h->elements[i].str] = h->elements[i + 1].str;
    }
    return out;
  };

  ASSERT_TRUE(pipeline_->Receive(source_, Sms("sms-a", "+4915112345678", "Hi")).ok());
  clock_.Advance(60'000);
  // WhatsApp's own timestamp says it was written 30 s ago; a button press.
  InboundMessage pressed = Sms("wamid.1", "+4915112345678", "Yes, I come");
  pressed.channel = Channel::kWhatsApp;
  pressed.button = "rsvp:yes";
  pressed.received_at_ms = t0 + 30'000;
  auto stored = pipeline_->Receive(source_, pressed);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->contact_id, nino);
  EXPECT_EQ(Conversation(org_.id(), nino)[0].Field("button"), "rsvp:yes");
  auto seen = last();
  EXPECT_EQ(seen["phone:+4915112345678"], std::to_string(t0));
  EXPECT_EQ(seen["whatsapp:+4915112345678"], std::to_string(t0 + 30'000));
  EXPECT_EQ(seen["channel"], "whatsapp");
  EXPECT_EQ(seen["address"], "whatsapp:+4915112345678");
  EXPECT_EQ(seen["at"], std::to_string(t0 + 30'000));

  // An SMS written earlier that arrives late moves its own time on, not the last channel;
  // a provider clock ahead of ours counts from now.
  InboundMessage late = Sms("sms-late", "+4915112345678", "Sent from the bus");
  late.received_at_ms = t0 + 10'000;
  ASSERT_TRUE(pipeline_->Receive(source_, late).ok());
  seen = last();
  EXPECT_EQ(seen["phone:+4915112345678"], std::to_string(t0 + 10'000));
  EXPECT_EQ(seen["channel"], "whatsapp");
  InboundMessage ahead = Sms("sms-ahead", "+4915112345678", "From the future");
  ahead.received_at_ms = clock_.NowMillis() + 3'600'000;
  ASSERT_TRUE(pipeline_->Receive(source_, ahead).ok());
  seen = last();
  EXPECT_EQ(seen["phone:+4915112345678"], std::to_string(clock_.NowMillis()));
  EXPECT_EQ(seen["channel"], "sms");

  // An officer's simulation over the real channel is not the person writing.
  clock_.Advance(60'000);
  InboundMessage simulated = Sms("sim-1", "+4915112345678", "Simulated");
  simulated.channel = Channel::kWhatsApp;
  simulated.simulated = true;
  simulated.simulated_over_real_channel = true;
  ASSERT_TRUE(pipeline_->Receive(source_, simulated).ok());
  EXPECT_EQ(last()["whatsapp:+4915112345678"], std::to_string(t0 + 30'000));
}

TEST_F(InboundPipelineTest, ProviderRetryOfTheSameMessageIsStoredOnce) {
  const std::string nino = CreatePhoneContact(org_.id(), "Nino", "+4915112345678");
  const InboundMessage message = Sms("sms-retried", "+4915112345678", "Hello");

  auto first = pipeline_->Receive(source_, message);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->kind, InboundResult::Kind::kStored);
  clock_.Advance(30'000);
  auto again = pipeline_->Receive(source_, message);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->kind, InboundResult::Kind::kDuplicate);
  EXPECT_EQ(again->contact_id, nino);

  EXPECT_THAT(Conversation(org_.id(), nino), SizeIs(1));
  auto inbox = log_->ReadInbox(org_.id(), org_.posts[0].id, "", 10);
  ASSERT_TRUE(inbox.ok());
  EXPECT_THAT(*inbox, SizeIs(1));
}

TEST_F(InboundPipelineTest, UnknownSenderBecomesAnUnverifiedContactOfTheReceivingPost) {
  auto result = pipeline_->Receive(source_, Sms("sms-new", "+4917612345678", "Who is this?"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->created_contact);

  const Contact created = ContactOf(org_.id(), result->contact_id);
  EXPECT_EQ(created.org_id, org_.id());
  EXPECT_EQ(created.post_id, org_.posts[0].id);
  ASSERT_THAT(created.addresses, SizeIs(1));
  EXPECT_EQ(created.addresses[0].kind, AddressKind::kPhone);
  EXPECT_EQ(created.addresses[0].value, "+4917612345678");
  EXPECT_FALSE(created.addresses[0].verified);

  const std::vector<ConversationEntry> entries = Conversation(org_.id(), result->contact_id);
  ASSERT_THAT(entries, SizeIs(1));
  EXPECT_EQ(entries[0].Field("text"), "Who is this?");
}

TEST_F(InboundPipelineTest, StopWithdrawsConsentForThatChannel) {
  const std::string nino = CreatePhoneContact(org_.id(), "Nino", "+4915112345678");
  ASSERT_TRUE(ContactOf(org_.id(), nino).addresses[0].Reachable());

  auto result = pipeline_->Receive(source_, Sms("sms-stop", "+4915112345678", "STOP"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->keyword, KeywordIntent::kStop);

  const Address phone = ContactOf(org_.id(), nino).addresses.at(0);
  EXPECT_FALSE(phone.Reachable());
  EXPECT_FALSE(phone.UnusableBecause(Address::Use::kCampaign).empty());
  bool stop_noted = false;
  for (const ConversationEntry& e : Conversation(org_.id(), nino)) {
    if (e.kind == "in") {
      EXPECT_EQ(e.Field("keyword"), "stop");
      stop_noted = true;
    }
  }
  EXPECT_TRUE(stop_noted);
  // The person is told that they are out: one confirmation to that phone on the direct lane.
  auto queued = queue_->ClaimDirect(org_.id(), 10);
  ASSERT_TRUE(queued.ok()) << queued.status();
  ASSERT_THAT(*queued, SizeIs(1));
  EXPECT_EQ((*queued)[0].recipient.contact_id, nino);
  EXPECT_THAT((*queued)[0].payload, HasSubstr("consent_confirmation"));
}

TEST_F(InboundPipelineTest, APersonalChatLinkTiesTheChatToItsPersonWithConsent) {
  const std::string nino = CreatePhoneContact(org_.id(), "Nino", "+4915112345678");
  const std::string code = tokens_->ChatLinkToken(org_.id(), nino);
  ASSERT_EQ(code.size(), PersonTokens::kChatLinkTokenChars);
  EXPECT_EQ(tokens_->ContactOfChatLinkToken(org_.id(), code), nino);
  EXPECT_EQ(tokens_->ContactOfChatLinkToken(org_.id(), AsciiUpper(code)), nino);
  EXPECT_EQ(tokens_->ContactOfChatLinkToken("o_other", code), std::nullopt);
  std::string forged = code;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(tokens_->ContactOfChatLinkToken(org_.id(), forged), std::nullopt);

  // She opens t.me/<bot>?start=<code>: Telegram sends "/start <code>" from her chat.
  InboundMessage start = Sms("5234567890:1", "5234567890", "/start " + code);
  start.channel = Channel::kTelegram;
  auto linked = pipeline_->Receive(source_, start);
  ASSERT_TRUE(linked.ok()) << linked.status();
  EXPECT_EQ(linked->contact_id, nino);
  EXPECT_TRUE(linked->linked);
  EXPECT_FALSE(linked->created_contact);
  const Contact c = ContactOf(org_.id(), nino);
  ASSERT_EQ(c.addresses.size(), 2u);
  EXPECT_EQ(c.addresses[1].kind, AddressKind::kTelegram);
  EXPECT_EQ(c.addresses[1].value, "5234567890");
  EXPECT_EQ(c.addresses[1].consent.state, ConsentState::kGranted);
  EXPECT_EQ(c.addresses[1].consent.source, "link:telegram");
  // The consent entry and her message are in her conversation.
  const std::vector<ConversationEntry> entries = Conversation(org_.id(), nino);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].kind, "in");
  EXPECT_EQ(entries[1].kind, "consent");
  EXPECT_EQ(entries[1].Field("source"), "link:telegram");

  // A WhatsApp message with the code prefilled by a wa.me link, from a number nobody has.
  InboundMessage wa = Sms("wamid.1", "+995599123456", "Connect me: " + code);
  wa.channel = Channel::kWhatsApp;
  auto by_whatsapp = pipeline_->Receive(source_, wa);
  ASSERT_TRUE(by_whatsapp.ok()) << by_whatsapp.status();
  EXPECT_EQ(by_whatsapp->contact_id, nino);
  EXPECT_EQ(ContactOf(org_.id(), nino).addresses.size(), 3u);

  // A forged code, or one of another organisation, links nothing: a new unverified contact.
  InboundMessage other = Sms("5234567891:1", "5234567891", "/start " + forged);
  other.channel = Channel::kTelegram;
  auto stranger = pipeline_->Receive(source_, other);
  ASSERT_TRUE(stranger.ok());
  EXPECT_NE(stranger->contact_id, nino);
  EXPECT_TRUE(stranger->created_contact);
  EXPECT_FALSE(stranger->linked);
  // A chat that is already another person's is not taken from them by someone's code.
  InboundMessage taken = Sms("5234567891:2", "5234567891", "/start " + code);
  taken.channel = Channel::kTelegram;
  auto kept = pipeline_->Receive(source_, taken);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->contact_id, stranger->contact_id);
  EXPECT_FALSE(kept->linked);
  EXPECT_EQ(ContactOf(org_.id(), nino).addresses.size(), 3u);
  // SMS carries no chat link.
  auto sms = pipeline_->Receive(source_, Sms("sms-code", "+4915199999999", code));
  ASSERT_TRUE(sms.ok());
  EXPECT_FALSE(sms->linked);
}

TEST_F(InboundPipelineTest, AnOptOutOutsideAnyMessageWithdrawsThatAddressWithoutAReply) {
  const std::string nino = CreatePhoneContact(org_.id(), "Nino", "+4915112345678");
  // As an SMSC writes the number: digits without '+'.
  auto changed = pipeline_->OptOut(source_, {Channel::kSms, "4915112345678"});
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  const Address phone = ContactOf(org_.id(), nino).addresses.at(0);
  EXPECT_EQ(phone.consent.state, ConsentState::kWithdrawn);
  EXPECT_EQ(phone.consent.source, std::string("provider:") + kProvider);
  EXPECT_FALSE(phone.Reachable());
  // Said once; nothing queued to a person who cannot be reached there.
  EXPECT_FALSE(*pipeline_->OptOut(source_, {Channel::kSms, "4915112345678"}));
  auto queued = queue_->ClaimDirect(org_.id(), 10);
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_THAT(*queued, SizeIs(0));
  // An address nobody has changes nothing and creates no one.
  auto unknown = pipeline_->OptOut(source_, {Channel::kSms, "+4915199999999"});
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_FALSE(*unknown);
  auto bulletin = pipeline_->OptOut(source_, {Channel::kBulletin, "x"});
  EXPECT_EQ(bulletin.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(InboundPipelineTest, ReplyNeverLandsInAnotherOrganisationsContact) {
  OrgSpec other_spec;
  other_spec.name = "Other Ministry";
  auto other = CreateTestOrg(*orgs_, other_spec);
  ASSERT_TRUE(other.ok()) << other.status();
  const std::string theirs = CreatePhoneContact(other->id(), "Theirs", "+4915112345678");

  auto result = pipeline_->Receive(source_, Sms("sms-x", "+4915112345678", "Hello"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NE(result->contact_id, theirs);
  EXPECT_TRUE(result->created_contact);
  EXPECT_EQ(ContactOf(org_.id(), result->contact_id).org_id, org_.id());

  EXPECT_THAT(Conversation(other->id(), theirs), SizeIs(0));
  auto foreign = contacts_->Get(org_.id(), theirs);
  ASSERT_TRUE(foreign.ok());
  EXPECT_FALSE(foreign->has_value());
}

TEST_F(InboundPipelineTest, DeliveryReportUpdatesTheMessageState) {
  const std::string nino = CreatePhoneContact(org_.id(), "Nino", "+4915112345678");
  DirectMessageInput input;
  input.contact_id = nino;
  input.channel = static_cast<uint8_t>(Channel::kSms);
  input.payload = {{"contact_id", nino}, {"channel", "sms"}, {"text", "Your passport is ready"}};
  auto message_id = queue_->EnqueueDirect(org_.id(), input);
  ASSERT_TRUE(message_id.ok()) << message_id.status();

  DeliveryReport report;
  report.provider = kProvider;
  report.message_id = *message_id;
  report.provider_message_id = "smsc-77";
  report.state = DeliveryReport::State::kDelivered;
  report.code = "dlr_1";
  auto known = pipeline_->Report(source_, report);
  ASSERT_TRUE(known.ok()) << known.status();
  EXPECT_TRUE(*known);

  auto status = queue_->GetDirectStatus(org_.id(), *message_id);
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_TRUE(status->has_value());
  EXPECT_EQ((*status)->status, "delivered");
  EXPECT_EQ((*status)->code, "dlr_1");

  // One `status` entry, also when the provider repeats the report.
  ASSERT_TRUE(pipeline_->Report(source_, report).ok());
  const std::vector<ConversationEntry> entries = Conversation(org_.id(), nino);
  ASSERT_THAT(entries, SizeIs(1));
  EXPECT_EQ(entries[0].kind, "status");
  EXPECT_EQ(entries[0].Field("message"), *message_id);
  EXPECT_EQ(entries[0].Field("state"), "delivered");
  EXPECT_EQ(entries[0].Field("provider"), kProvider);

  // A report on a message the organisation never sent changes nothing.
  report.message_id = NewId("m", clock_.NowMillis());
  auto unknown = pipeline_->Report(source_, report);
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_FALSE(*unknown);
}

TEST_F(InboundPipelineTest, AChannelThatReachesNoPersonIsRefusedNamingTheField) {
  InboundMessage message = Sms("sms-bulletin", "+4915112345678", "Coo");
  message.channel = Channel::kBulletin;
  auto result = pipeline_->Receive(source_, message);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("channel"));
  // Nothing was created for the sender.
  auto inbox = log_->ReadInbox(org_.id(), org_.posts[0].id, "", 10);
  ASSERT_TRUE(inbox.ok());
  EXPECT_THAT(*inbox, SizeIs(0));
}

TEST_F(InboundPipelineTest, SmscSenderDigitsWithoutPlusAreNormalised) {
  const std::string marie = CreatePhoneContact(org_.id(), "Marie", "+33612345678");
  // Kannel's %p: the international number without its "+".
  auto result = pipeline_->Receive(source_, Sms("sms-smsc", "33612345678", "Bonjour"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->contact_id, marie);
  EXPECT_FALSE(result->created_contact);
  const std::vector<ConversationEntry> entries = Conversation(org_.id(), marie);
  ASSERT_THAT(entries, SizeIs(1));
  EXPECT_EQ(entries[0].Field("address"), "+33612345678");
}

}  // namespace
}  // namespace ogw::testing
