// Replies to invitations through the real inbound pipeline over the suite's private Redis:
// answers read in the person's language and applied to the seat ledger, acknowledged on the
// channel used, seats offered on and lapsing, unclear replies counted, answers after the
// deadline refused politely, and provider retries changing nothing twice.

#include "gateway/invitations/rsvp_responder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/ids.h"
#include "gateway/inbound/inbound_pipeline.h"
#include "gateway/orgs/org_store.h"
#include "tests/testutil/org_fixture.h"
#include "tests/testutil/redis_fixture.h"
#include "tests/testutil/utc_millis.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kProvider[] = "kannel-berlin";
constexpr int64_t kHour = 3'600'000;

// A message the gateway queued for a person.
struct Told {
  std::string contact_id;
  Channel channel = Channel::kSms;
  std::string text;
};

// The message told to `contact_id` (the queue hands out messages queued at one instant in no
// particular order); fails when there is not exactly one.
Told For(const std::vector<Told>& told, const std::string& contact_id) {
  const Told* found = nullptr;
  for (const Told& t : told) {
    if (t.contact_id != contact_id) continue;
    EXPECT_EQ(found, nullptr) << "two messages to " << contact_id;
    found = &t;
  }
  EXPECT_NE(found, nullptr) << "nothing told to " << contact_id;
  return found != nullptr ? *found : Told{};
}

class RsvpResponderTest : public RedisTest {
 protected:
  void SetUp() override {
    FlushAll();
    clock_.Set(UtcMillis(2026, 5, 20, 9, 0));
    orgs_ = std::make_unique<OrgStore>(&pool(), &clock_);
    contacts_ = std::make_unique<ContactStore>(&pool());
    log_ = std::make_unique<ConversationLog>(&pool(), &clock_);
    queue_ = std::make_unique<DeliveryQueue>(&pool(), &clock_);
    events_ = std::make_unique<EventStore>(&pool(), &clock_);
    seats_ = std::make_unique<EventSeats>(&pool());
    RsvpDeps rsvp;
    rsvp.redis = &pool();
    rsvp.clock = &clock_;
    rsvp.events = events_.get();
    rsvp.seats = seats_.get();
    rsvp.contacts = contacts_.get();
    rsvp.conversations = log_.get();
    rsvp.queue = queue_.get();
    responder_ = std::make_unique<RsvpResponder>(rsvp);
    InboundDeps deps;
    deps.redis = &pool();
    deps.clock = &clock_;
    deps.contacts = contacts_.get();
    deps.conversations = log_.get();
    deps.queue = queue_.get();
    deps.rsvp = responder_.get();
    deps.public_base_url = "https://gw.example.org";
    pipeline_ = std::make_unique<InboundPipeline>(deps, KeywordSettings{});

    OrgSpec spec;
    spec.posts = {"Berlin"};
    auto org = CreateTestOrg(*orgs_, spec);
    ASSERT_TRUE(org.ok()) << org.status();
    org_ = *std::move(org);
    source_ = {org_.id(), org_.posts[0].id, kProvider, false, "DE"};
  }

  // An event of the Berlin post with `capacity` seats, answers open until 2026-06-05 18:00
  // Berlin time, seats held 48 hours for the waitlist.
  Event CreateEvent(int64_t capacity) {
    Event e;
    e.org_id = org_.id();
    e.post_id = org_.posts[0].id;
    e.default_language = "en";
    e.texts["en"] = {"Roundtable on consular services", ""};
    e.texts["fr"] = {"Table ronde sur les services consulaires", ""};
    e.time_zone = "Europe/Berlin";
    e.starts_at_millis = UtcMillis(2026, 6, 12, 8, 0);
    e.ends_at_millis = UtcMillis(2026, 6, 12, 10, 30);
    e.rsvp_deadline_millis = UtcMillis(2026, 6, 5, 16, 0);
    e.place = "Embassy";
    e.capacity = capacity;
    e.offer_hours = 48;
    auto created = events_->Create(e);
    EXPECT_TRUE(created.ok()) << created.status();
    auto configured =
        seats_->Configure(org_.id(), created->id, capacity, 48 * kHour, clock_.NowMillis());
    EXPECT_TRUE(configured.ok()) << configured.status();
    return *created;
  }

  // A contact of the Berlin post with a phone (as a Kannel SMSC gives it, without '+') and,
  // when given, an e-mail address first in their channel order.
  std::string CreateContact(const std::string& name, const std::string& language,
                            const std::string& phone, const std::string& email = "") {
    Contact c;
    c.id = NewId("c", clock_.NowMillis() + static_cast<int64_t>(++created_));
    c.org_id = org_.id();
    c.post_id = org_.posts[0].id;
    c.name = name;
    c.languages = {language};
    auto add = [&c, this](AddressKind kind, const std::string& value) {
      Address a;
      a.kind = kind;
      a.value = value;
      a.verified = true;
      a.consent = Consent{ConsentState::kGranted, "test", clock_.NowMillis()};
      c.addresses.push_back(a);
    };
    if (!email.empty()) add(AddressKind::kEmail, email);
    add(AddressKind::kPhone, phone);
    c.created_at_millis = c.updated_at_millis = clock_.NowMillis();
    auto put = contacts_->Put(c, 0, nullptr);
    EXPECT_TRUE(put.ok() && put->code == PutOutcome::Code::kOk);
    return c.id;
  }

  void Invite(const Event& e, const std::vector<std::string>& people) {
    auto invited = seats_->Invite(org_.id(), e.id, people, "selection", clock_.NowMillis());
    ASSERT_TRUE(invited.ok()) << invited.status();
    ASSERT_TRUE(responder_->Announce(e, *invited).ok());
  }

  // An SMS as Kannel delivers it: the sender's digits without '+'.
  absl::StatusOr<InboundResult> Sms(const std::string& id, const std::string& phone,
                                    const std::string& text) {
    InboundMessage m;
    m.provider = kProvider;
    m.channel = Channel::kSms;
    m.provider_message_id = id;
    m.from = phone.substr(1);
    m.to = "4930000000";
    m.text = text;
    return pipeline_->Receive(source_, m);
  }

  // Everything queued for people since the last call, recorded as sent (the queue hands out
  // one message per person and channel at a time).
  std::vector<Told> TakeTold() {
    std::vector<Told> out;
    for (int round = 0; round < 10; ++round) {
      // Messages queued within one millisecond are due a microsecond apart, in order.
      clock_.Advance(1);
      auto claimed = queue_->ClaimDirect(org_.id(), 100);
      EXPECT_TRUE(claimed.ok()) << claimed.status();
      if (!claimed.ok() || claimed->empty()) break;
      std::vector<MessageOutcome> sent;
      for (const ClaimedMessage& m : *claimed) {
        const auto payload = nlohmann::json::parse(m.payload);
        EXPECT_EQ(payload.value("system", ""), "rsvp");
        out.push_back({m.recipient.contact_id, static_cast<Channel>(m.recipient.channel),
                       payload.value("text", "")});
        MessageOutcome& o = sent.emplace_back();
        o.kind = MessageOutcome::Kind::kSent;
        o.message = m;
        o.provider_message_id = "sent-" + m.direct_id;
      }
      EXPECT_TRUE(queue_->Record(org_.id(), sent).ok());
    }
    return out;
  }

  SeatState StateOf(const Event& e, const std::string& contact) {
    auto p = seats_->Get(org_.id(), e.id, contact);
    EXPECT_TRUE(p.ok() && p->has_value());
    return p.ok() && p->has_value() ? (*p)->state : SeatState::kInvited;
  }

  std::vector<ConversationEntry> Conversation(const std::string& contact_id) {
    auto entries = log_->Read(org_.id(), contact_id, "", 100);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<ConversationEntry>{};
  }

  FakeClock clock_;
  std::unique_ptr<OrgStore> orgs_;
  std::unique_ptr<ContactStore> contacts_;
  std::unique_ptr<ConversationLog> log_;
  std::unique_ptr<DeliveryQueue> queue_;
  std::unique_ptr<EventStore> events_;
  std::unique_ptr<EventSeats> seats_;
  std::unique_ptr<RsvpResponder> responder_;
  std::unique_ptr<InboundPipeline> pipeline_;
  TestOrg org_;
  InboundSource source_;
  size_t created_ = 0;
};

TEST_F(RsvpResponderTest, YesTakesASeatAndIsAcknowledgedInTheirLanguageOnTheirChannel) {
  const Event event = CreateEvent(10);
  const std::string amelie = CreateContact("Amélie", "fr", "+4915100000001", "amelie@example.org");
  Invite(event, {amelie});

  auto r = Sms("sms-1", "+4915100000001", "Oui, avec plaisir !");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->rsvp.has_value());
  EXPECT_EQ(r->rsvp->event_id, event.id);
  EXPECT_EQ(r->rsvp->reading, "yes");
  EXPECT_EQ(r->rsvp->state, "yes");
  EXPECT_EQ(StateOf(event, amelie), SeatState::kYes);

  // Answered on SMS, where she wrote, although e-mail comes first in her channel order.
  const std::vector<Told> told = TakeTold();
  ASSERT_THAT(told, SizeIs(1));
  EXPECT_EQ(told[0].contact_id, amelie);
  EXPECT_EQ(told[0].channel, Channel::kSms);
  EXPECT_THAT(told[0].text, HasSubstr("Votre place pour « Table ronde"));

  // Her conversation: invited, the reply (naming the event and the reading), then the change
  // it made, with the reply's message id as how.
  const std::vector<ConversationEntry> entries = Conversation(amelie);
  ASSERT_THAT(entries, SizeIs(3));  // Newest first.
  EXPECT_EQ(entries[2].kind, "rsvp");
  EXPECT_EQ(entries[2].Field("to"), "invited");
  EXPECT_EQ(entries[1].kind, "rsvp");
  EXPECT_EQ(entries[1].Field("from"), "invited");
  EXPECT_EQ(entries[1].Field("to"), "yes");
  EXPECT_EQ(entries[1].Field("how"), "sms:sms-1");
  EXPECT_EQ(entries[0].kind, "in");
  EXPECT_EQ(entries[0].Field("event"), event.id);
  EXPECT_EQ(entries[0].Field("rsvp"), "yes");
}

TEST_F(RsvpResponderTest, FullEventWaitlistsAndACancellationOffersTheSeatToTheNextPerson) {
  const Event event = CreateEvent(2);
  const std::string a = CreateContact("A", "en", "+4915100000001");
  const std::string b = CreateContact("B", "es", "+4915100000002");
  const std::string nino = CreateContact("Nino", "ka", "+4915100000003", "nino@example.org");
  const std::string d = CreateContact("D", "ar", "+4915100000004");
  Invite(event, {a, b, nino, d});

  ASSERT_TRUE(Sms("m1", "+4915100000001", "YES").ok());
  ASSERT_TRUE(Sms("m2", "+4915100000002", "Sí").ok());
  auto third = Sms("m3", "+4915100000003", "კი");
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->rsvp->state, "waitlisted");
  auto fourth = Sms("m4", "+4915100000004", "نعم");
  ASSERT_TRUE(fourth.ok()) << fourth.status();
  EXPECT_EQ(fourth->rsvp->state, "waitlisted");
  std::vector<Told> told = TakeTold();
  ASSERT_THAT(told, SizeIs(4));
  EXPECT_THAT(For(told, nino).text, HasSubstr("ნომერი 1"));
  EXPECT_THAT(For(told, d).text, HasSubstr("قائمة الانتظار (رقم 2)"));

  // B cannot come after all: B is thanked, Nino (first waiting) is offered the seat on her
  // first usable channel (e-mail) with the deadline to confirm.
  auto cancel = Sms("m5", "+4915100000002", "No, lo siento");
  ASSERT_TRUE(cancel.ok()) << cancel.status();
  EXPECT_EQ(cancel->rsvp->reading, "no");
  EXPECT_EQ(StateOf(event, b), SeatState::kNo);
  EXPECT_EQ(StateOf(event, nino), SeatState::kOffered);
  told = TakeTold();
  ASSERT_THAT(told, SizeIs(2));
  EXPECT_THAT(For(told, b).text, HasSubstr("no podrá asistir"));
  EXPECT_EQ(For(told, nino).channel, Channel::kEmail);
  EXPECT_THAT(For(told, nino).text, HasSubstr("ადგილი გათავისუფლდა"));
  const std::vector<ConversationEntry> notes = Conversation(nino);
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes[0].kind, "rsvp");
  EXPECT_EQ(notes[0].Field("from"), "waitlisted");
  EXPECT_EQ(notes[0].Field("to"), "offered");

  // She confirms on SMS: the held seat is hers.
  auto confirm = Sms("m6", "+4915100000003", "კი, მოვალ");
  ASSERT_TRUE(confirm.ok()) << confirm.status();
  EXPECT_EQ(confirm->rsvp->state, "yes");
  auto counts = seats_->Counts(org_.id(), event.id);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->SeatsTaken(), 2);
  EXPECT_EQ(counts->Of(SeatState::kWaitlisted), 1);
}

TEST_F(RsvpResponderTest, NumbersAnswerOnSms) {
  const Event event = CreateEvent(10);
  const std::string p = CreateContact("P", "pt", "+4915100000001");
  Invite(event, {p});
  auto r = Sms("m1", "+4915100000001", "2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rsvp->reading, "no");
  EXPECT_EQ(StateOf(event, p), SeatState::kNo);
  r = Sms("m2", "+4915100000001", "3");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rsvp->reading, "maybe");
  EXPECT_EQ(r->rsvp->state, "maybe");
  EXPECT_EQ(StateOf(event, p), SeatState::kMaybe);
  const std::vector<Told> told = TakeTold();
  ASSERT_THAT(told, SizeIs(2));
  EXPECT_TRUE(told[0].text.find("responda SIM ou NÃO") != std::string::npos ||
              told[1].text.find("responda SIM ou NÃO") != std::string::npos);
}

TEST_F(RsvpResponderTest, UnclearRepliesAreCountedForAnOfficerAndNotAnswered) {
  const Event event = CreateEvent(10);
  const std::string p = CreateContact("P", "en", "+4915100000001");
  Invite(event, {p});
  auto r = Sms("m1", "+4915100000001", "What time does it start?");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rsvp->reading, "unclear");
  ASSERT_TRUE(Sms("m2", "+4915100000001", "Is there parking?").ok());
  auto counts = seats_->Counts(org_.id(), event.id);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->unclear, 1);  // One person waiting for an officer, however many messages.
  EXPECT_THAT(TakeTold(), IsEmpty());
  EXPECT_EQ(Conversation(p)[0].Field("rsvp"), "unclear");

  // A clear answer settles it.
  ASSERT_TRUE(Sms("m3", "+4915100000001", "yes").ok());
  counts = seats_->Counts(org_.id(), event.id);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->unclear, 0);
}

TEST_F(RsvpResponderTest, AfterTheDeadlineAnAnswerGetsOneClosedMessageAndChangesNothing) {
  const Event event = CreateEvent(10);
  const std::string p = CreateContact("P", "en", "+4915100000001");
  Invite(event, {p});
  clock_.Set(event.rsvp_deadline_millis + 1);
  auto r = Sms("m1", "+4915100000001", "Yes please");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rsvp->reading, "closed");
  EXPECT_EQ(StateOf(event, p), SeatState::kInvited);
  std::vector<Told> told = TakeTold();
  ASSERT_THAT(told, SizeIs(1));
  EXPECT_THAT(told[0].text, HasSubstr("closed on"));
  // The message stays in the conversation for the officers.
  EXPECT_EQ(Conversation(p)[0].Field("rsvp"), "closed");
  // Said again: no second closed message the same day.
  ASSERT_TRUE(Sms("m2", "+4915100000001", "YES").ok());
  EXPECT_THAT(TakeTold(), IsEmpty());
}

TEST_F(RsvpResponderTest, AnOfficerReopeningAnswersAfterTheDeadlineKeepsThemOpen) {
  const Event event = CreateEvent(10);
  const std::string p = CreateContact("P", "en", "+4915100000001");
  Invite(event, {p});
  clock_.Set(event.rsvp_deadline_millis + 1);
  ASSERT_TRUE(responder_->Sweep(org_.id()).ok());
  auto counts = seats_->Counts(org_.id(), event.id);
  ASSERT_TRUE(counts.ok());
  EXPECT_TRUE(counts->closed);
  ASSERT_TRUE(seats_->SetClosed(org_.id(), event.id, false, clock_.NowMillis()).ok());
  ASSERT_TRUE(responder_->Sweep(org_.id()).ok());
  auto r = Sms("m1", "+4915100000001", "yes");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rsvp->reading, "yes");
  EXPECT_EQ(StateOf(event, p), SeatState::kYes);
}

TEST_F(RsvpResponderTest, StopIsAnOptOutNotAnAnswer) {
  const Event event = CreateEvent(10);
  const std::string p = CreateContact("P", "en", "+4915100000001");
  Invite(event, {p});
  auto r = Sms("m1", "+4915100000001", "STOP");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->rsvp.has_value());
  EXPECT_EQ(r->keyword, KeywordIntent::kStop);
  EXPECT_EQ(StateOf(event, p), SeatState::kInvited);
}

TEST_F(RsvpResponderTest, AProviderRetryOfAStoredReplyChangesNothingTwice) {
  const Event event = CreateEvent(1);
  const std::string a = CreateContact("A", "en", "+4915100000001");
  const std::string b = CreateContact("B", "en", "+4915100000002");
  Invite(event, {a, b});
  ASSERT_TRUE(Sms("m1", "+4915100000001", "yes").ok());
  ASSERT_TRUE(Sms("m2", "+4915100000002", "yes").ok());
  ASSERT_TRUE(Sms("m3", "+4915100000001", "no").ok());
  auto again = Sms("m3", "+4915100000001", "no");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->kind, InboundResult::Kind::kDuplicate);
  // yes, waitlisted, declined, offered: one message each.
  EXPECT_THAT(TakeTold(), SizeIs(4));
}

TEST_F(RsvpResponderTest, APersonWithoutAnOpenInvitationWritesAnOrdinaryMessage) {
  const Event event = CreateEvent(10);
  const std::string p = CreateContact("P", "en", "+4915100000001");
  CreateContact("Q", "en", "+4915100000002");
  Invite(event, {p});
  auto r = Sms("m1", "+4915100000002", "yes");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->rsvp.has_value());
  // After the event has ended the invitation is no longer open either.
  clock_.Set(event.ends_at_millis + 1);
  r = Sms("m2", "+4915100000001", "yes");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->rsvp.has_value());
  EXPECT_THAT(TakeTold(), IsEmpty());
}

TEST_F(RsvpResponderTest, SweepLapsesUnconfirmedOffersAndTellsBothPeople) {
  const Event event = CreateEvent(1);
  const std::string a = CreateContact("A", "en", "+4915100000001");
  const std::string b = CreateContact("B", "de", "+4915100000002");
  const std::string c = CreateContact("C", "fr", "+4915100000003");
  Invite(event, {a, b, c});
  ASSERT_TRUE(Sms("m1", "+4915100000001", "yes").ok());
  ASSERT_TRUE(Sms("m2", "+4915100000002", "ja").ok());
  ASSERT_TRUE(Sms("m3", "+4915100000003", "oui").ok());
  ASSERT_TRUE(Sms("m4", "+4915100000001", "no").ok());
  EXPECT_EQ(StateOf(event, b), SeatState::kOffered);
  TakeTold();

  clock_.Advance(47 * kHour);
  auto swept = responder_->Sweep(org_.id());
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(*swept, 0u);  // Not yet due.
  clock_.Advance(2 * kHour);
  swept = responder_->Sweep(org_.id());
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(*swept, 2u);
  EXPECT_EQ(StateOf(event, b), SeatState::kCancelled);
  EXPECT_EQ(StateOf(event, c), SeatState::kOffered);
  const std::vector<Told> told = TakeTold();
  ASSERT_THAT(told, SizeIs(2));
  EXPECT_THAT(For(told, b).text, HasSubstr("an die nächste Person gegangen"));
  EXPECT_THAT(For(told, c).text, HasSubstr("s'est libérée pour vous"));
  EXPECT_EQ(Conversation(b)[0].Field("how"), "offer expired");
}

}  // namespace
}  // namespace ogw::testing
