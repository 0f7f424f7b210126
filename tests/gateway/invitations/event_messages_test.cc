// An event's messages from the officer's request to what the provider is given: the audience
// read from the seat ledger when each message launches (a reminder reaches whoever said yes by
// then), the event's words in each person's language and zone, the answer prompt per channel,
// and the checks on what an officer asks for.

#include "gateway/invitations/event_messages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "gateway/core/key_schema.h"
#include "templates/opt_out.h"
#include "tests/gateway/delivery/worker_harness.h"
#include "tests/testutil/utc_millis.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kMinute = 60'000;

class EventMessagesTest : public WorkerTest {
 protected:
  void SetUp() override {
    WorkerTest::SetUp();
    events_ = std::make_unique<EventStore>(&pool(), &clock_);
    seats_ = std::make_unique<EventSeats>(&pool());
    launcher_ = std::make_unique<CampaignLauncher>(&stack_->contacts, &stack_->segments,
                                                   &stack_->templates, &stack_->campaigns,
                                                   &stack_->queue, &clock_, seats_.get());
    messages_ =
        std::make_unique<EventMessages>(&pool(), &clock_, &stack_->campaigns, launcher_.get());
    WorkerDeps deps = stack_->Deps();
    deps.events = events_.get();
    deps.event_messages = messages_.get();
    WorkerOptions options = Options();
    // The sweep's turn expires on Redis's own clock: let every pass take it.
    options.invitation_sweep_millis = 1;
    worker_ = std::make_unique<DeliveryWorker>(deps, options);
  }

  // A roundtable ten days after kStart at 10:00 Berlin time, with reminders a week and a day
  // before.
  Event CreateEvent() {
    Event e;
    e.org_id = org_;
    e.default_language = "en";
    e.texts["en"] = {"Roundtable on consular services", ""};
    e.texts["fr"] = {"Table ronde sur les services consulaires", ""};
    e.time_zone = "Europe/Berlin";
    e.starts_at_millis = UtcMillis(2026, 1, 25, 9, 0);
    e.ends_at_millis = UtcMillis(2026, 1, 25, 11, 0);
    e.rsvp_deadline_millis = UtcMillis(2026, 1, 22, 17, 0);
    e.place = "Embassy, Hiroshimastr. 1";
    e.capacity = 10;
    e.reminder_minutes = {7 * 24 * 60, 24 * 60};
    auto created = events_->Create(e);
    EXPECT_TRUE(created.ok()) << created.status();
    EXPECT_TRUE(seats_->Configure(org_, created->id, 10, 3'600'000, clock_.NowMillis()).ok());
    return *created;
  }

  EventMessageRequest Request(EventPurpose purpose, const std::string& template_id) {
    EventMessageRequest r;
    r.purpose = purpose;
    r.campaign.template_id = template_id;
    r.campaign.channel = "sms";
    r.campaign.quiet_hours = QuietHours{21 * 60, 8 * 60};
    return r;
  }

  // A pass that sweeps (launching what is due), then sending until idle.
  void RunSweepAndSend() {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // The last turn has expired.
    RunOnce();
    RunUntilIdle();
  }

  // The texts the provider was given, by recipient address.
  std::map<std::string, std::string> SentTexts() {
    std::map<std::string, std::string> out;
    for (const OutboundMessage& m : provider_->Seen()) out[m.to] = m.text;
    return out;
  }

  std::unique_ptr<EventStore> events_;
  std::unique_ptr<EventSeats> seats_;
  std::unique_ptr<CampaignLauncher> launcher_;
  std::unique_ptr<EventMessages> messages_;
};

TEST_F(EventMessagesTest, InvitationGoesToTheInvitedWithTheEventAndTheAnswerNumbers) {
  const Event event = CreateEvent();
  std::vector<Contact> people = stack_->CreateContacts(org_, 3);
  ASSERT_TRUE(
      seats_->Invite(org_, event.id, {people[0].id, people[1].id}, "selection", kStart).ok());
  const std::string tmpl = stack_->CreateTemplate(
      org_,
      "{{contact.name}}, you are invited to {{event.title}} on {{event.when}}, "
      "{{event.place}}. Please answer by {{event.deadline}}.");
  auto created = messages_->Create(event, Request(EventPurpose::kInvitation, tmpl), "off_1");
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->size(), 1u);
  EXPECT_TRUE((*created)[0].launched());
  EXPECT_EQ((*created)[0].event_id, event.id);
  EXPECT_EQ((*created)[0].queued, 2);

  RunUntilIdle();
  const auto sent = SentTexts();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent.count(people[2].addresses[0].value), 0u);  // Not invited.
  const std::string& text = sent.at(people[0].addresses[0].value);
  EXPECT_THAT(text, HasSubstr("you are invited to Roundtable on consular services on Sunday, "
                              "January 25, 2026"));
  EXPECT_THAT(text, HasSubstr("Embassy, Hiroshimastr. 1"));
  EXPECT_THAT(text,
              HasSubstr("Reply 1 = yes, 2 = no, 3 = maybe\n\n" + OptOutText(Channel::kSms, "en")));
}

TEST_F(EventMessagesTest, EmailedInvitationsCarryTheCalendarFileChatOnesTheButtons) {
  const Event event = CreateEvent();
  Contact nino;
  nino.id = NewId("c", kStart);
  nino.org_id = org_;
  nino.name = "Nino";
  nino.languages = {"fr"};
  for (auto [kind, value] : {std::pair{AddressKind::kEmail, "nino@example.org"},
                             std::pair{AddressKind::kTelegram, "777000111"}}) {
    Address a;
    a.kind = kind;
    a.value = value;
    a.verified = true;
    a.consent = Consent{ConsentState::kGranted, "test", kStart};
    nino.addresses.push_back(a);
  }
  nino.created_at_millis = nino.updated_at_millis = kStart;
  ASSERT_TRUE(stack_->contacts.Put(nino, 0, nullptr).ok());
  ASSERT_TRUE(seats_->Invite(org_, event.id, {nino.id}, "selection", kStart).ok());
  // A template with a French text: the event's words and the buttons follow it.
  FieldErrors errors;
  auto t = TemplateFromJson(
      {{"name", "Invitation"},
       {"default_language", "en"},
       {"variants",
        {{"en", {{"subject", "{{event.title}}"}, {"body", "On {{event.when}}"}}},
         {"fr", {{"subject", "{{event.title}}"}, {"body", "Le {{event.when}}"}}}}}},
      &errors);
  ASSERT_TRUE(t.ok()) << t.status();
  t->org_id = org_;
  auto stored = stack_->templates.Create(*t);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const std::string tmpl = stored->id;
  for (const char* channel : {"email", "telegram"}) {
    EventMessageRequest request = Request(EventPurpose::kInvitation, tmpl);
    request.campaign.channel = channel;
    ASSERT_TRUE(messages_->Create(event, request, "off_1").ok()) << channel;
  }
  RunUntilIdle();
  const std::vector<OutboundMessage> seen = provider_->Seen();
  ASSERT_EQ(seen.size(), 2u);
  for (const OutboundMessage& m : seen) {
    if (m.channel == Channel::kEmail) {
      EXPECT_EQ(m.subject, "Table ronde sur les services consulaires");
      EXPECT_THAT(m.text, HasSubstr("Le dimanche 25 janvier 2026"));
      ASSERT_EQ(m.attachments.size(), 1u);
      EXPECT_EQ(m.attachments[0].filename, "invite.ics");
      EXPECT_THAT(m.attachments[0].content_type, HasSubstr("text/calendar"));
      EXPECT_THAT(m.attachments[0].data, HasSubstr("DTSTART;TZID=Europe/Berlin:20260125T100000"));
      EXPECT_THAT(m.attachments[0].data, HasSubstr("UID:" + event.id + "@go.example.org"));
      EXPECT_THAT(m.attachments[0].data, HasSubstr("mailto:nino@example.org"));
      EXPECT_TRUE(m.buttons.empty());
    } else {
      EXPECT_EQ(m.channel, Channel::kTelegram);
      EXPECT_TRUE(m.attachments.empty());
      ASSERT_EQ(m.buttons.size(), 3u);
      EXPECT_EQ(m.buttons[1].id, "rsvp:no");
      EXPECT_EQ(m.buttons[1].title, "Non");
    }
  }
}

TEST_F(EventMessagesTest, RemindersFollowTheEventsOffsetsAndReachWhoSaidYesWhenDue) {
  const Event event = CreateEvent();
  std::vector<Contact> people = stack_->CreateContacts(org_, 3);
  ASSERT_TRUE(
      seats_
          ->Invite(org_, event.id, {people[0].id, people[1].id, people[2].id}, "selection", kStart)
          .ok());
  const std::string tmpl = stack_->CreateTemplate(org_, "Reminder: {{event.title}}");
  auto created = messages_->Create(event, Request(EventPurpose::kReminder, tmpl), "off_1");
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->size(), 2u);  // A week and a day before: both ahead, both waiting.
  EXPECT_FALSE((*created)[0].launched());
  EXPECT_FALSE((*created)[1].launched());

  // Answers come in after the reminders were scheduled.
  ASSERT_TRUE(seats_->Answer(org_, event.id, people[0].id, SeatAction::kYes, "sms:1", kStart).ok());
  ASSERT_TRUE(seats_->Answer(org_, event.id, people[1].id, SeatAction::kNo, "sms:2", kStart).ok());
  RunUntilIdle();
  EXPECT_TRUE(provider_->Seen().empty());  // Not yet due.

  clock_.Set(event.starts_at_millis - 7 * 24 * 60 * kMinute + 1);
  RunSweepAndSend();
  auto sent = SentTexts();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_THAT(sent.at(people[0].addresses[0].value), HasSubstr("Reminder: Roundtable"));
  EXPECT_THAT(sent.at(people[0].addresses[0].value), Not(HasSubstr("Reply 1")));

  // The third person says yes in between: the day-before reminder finds them too.
  ASSERT_TRUE(
      seats_->Answer(org_, event.id, people[2].id, SeatAction::kYes, "sms:3", clock_.NowMillis())
          .ok());
  clock_.Set(event.starts_at_millis - 24 * 60 * kMinute + 1);
  RunSweepAndSend();
  EXPECT_EQ(provider_->Seen().size(), 3u);
  sent = SentTexts();
  EXPECT_EQ(sent.count(people[1].addresses[0].value), 0u);  // Said no.
}

TEST_F(EventMessagesTest, RemindersAtAnOffsetMoveWithTheEventFixedTimesStay) {
  Event event = CreateEvent();
  std::vector<Contact> people = stack_->CreateContacts(org_, 1);
  ASSERT_TRUE(seats_->Invite(org_, event.id, {people[0].id}, "selection", kStart).ok());
  ASSERT_TRUE(seats_->Answer(org_, event.id, people[0].id, SeatAction::kYes, "sms:1", kStart).ok());
  const std::string tmpl = stack_->CreateTemplate(org_, "See you at {{event.when}}");
  EventMessageRequest day_before = Request(EventPurpose::kReminder, tmpl);
  day_before.before_start_minutes = 24 * 60;
  auto offset = messages_->Create(event, day_before, "off_1");
  ASSERT_TRUE(offset.ok()) << offset.status();
  EXPECT_EQ((*offset)[0].event_before_start_minutes, 24 * 60);
  EventMessageRequest fixed = Request(EventPurpose::kReminder, tmpl);
  fixed.send_at_millis = event.starts_at_millis - 2 * 24 * 60 * kMinute;
  auto at_time = messages_->Create(event, fixed, "off_1");
  ASSERT_TRUE(at_time.ok()) << at_time.status();
  EXPECT_FALSE((*at_time)[0].event_before_start_minutes.has_value());
  // The offset survives storage.
  auto stored = stack_->campaigns.Get(org_, (*offset)[0].id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->event_before_start_minutes, 24 * 60);

  // The roundtable moves two days later.
  event.starts_at_millis += 2 * 24 * 60 * kMinute;
  event.ends_at_millis += 2 * 24 * 60 * kMinute;
  auto moved = messages_->FollowEventTime(event);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(*moved, 1u);
  const auto score = [&](const std::string& id) {
    auto r = pool().Command({"ZSCORE", keys::EventMessagesDue(org_), id});
    EXPECT_TRUE(r.ok());
    return r.ok() && !r->IsNil() ? std::stoll(r->str) : int64_t{-1};
  };
  EXPECT_EQ(score((*offset)[0].id), event.starts_at_millis - 24 * 60 * kMinute);
  EXPECT_EQ(score((*at_time)[0].id), fixed.send_at_millis);
  // The fixed one goes at its time and leaves the waiting set; the same start again moves
  // nothing.
  clock_.Set(*fixed.send_at_millis + 1);
  RunSweepAndSend();
  EXPECT_EQ(provider_->Seen().size(), 1u);
  EXPECT_EQ(score((*at_time)[0].id), -1);
  EXPECT_EQ(*messages_->FollowEventTime(event), 0u);
}

TEST_F(EventMessagesTest, ANudgeDueWhenEveryoneHasAnsweredSettlesQuietly) {
  const Event event = CreateEvent();
  std::vector<Contact> people = stack_->CreateContacts(org_, 1);
  ASSERT_TRUE(seats_->Invite(org_, event.id, {people[0].id}, "selection", kStart).ok());
  const std::string tmpl = stack_->CreateTemplate(org_, "Have you decided?");
  EventMessageRequest request = Request(EventPurpose::kNudge, tmpl);
  request.send_at_millis = kStart + 60 * kMinute;
  ASSERT_TRUE(messages_->Create(event, request, "off_1").ok());
  ASSERT_TRUE(seats_->Answer(org_, event.id, people[0].id, SeatAction::kYes, "sms:1", kStart).ok());
  clock_.Advance(61 * kMinute);
  auto launched = messages_->LaunchDue(org_);
  ASSERT_TRUE(launched.ok()) << launched.status();
  EXPECT_EQ(*launched, 0u);
  auto again = messages_->LaunchDue(org_);  // Nothing left waiting.
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
  auto due = pool().Command({"ZCARD", keys::EventMessagesDue(org_)});
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->integer, 0);
}

TEST_F(EventMessagesTest, TimesThatCannotWorkAreRefusedNamingTheField) {
  const Event event = CreateEvent();
  const std::string tmpl = stack_->CreateTemplate(org_, "x");
  EventMessageRequest past = Request(EventPurpose::kNudge, tmpl);
  past.send_at_millis = kStart - 3'600'000;
  auto r = messages_->Create(event, past, "off_1");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("send_at: is past"));

  EventMessageRequest late = Request(EventPurpose::kReminder, tmpl);
  late.send_at_millis = event.ends_at_millis + 1;
  r = messages_->Create(event, late, "off_1");
  EXPECT_THAT(r.status().message(), HasSubstr("send_at: after the event has ended"));

  Event without = event;
  without.reminder_minutes.clear();
  r = messages_->Create(without, Request(EventPurpose::kReminder, tmpl), "off_1");
  EXPECT_THAT(r.status().message(), HasSubstr("before_start_minutes: required"));
}

TEST(EventMessageRequestTest, ReadsTheBodyAndNamesEveryProblem) {
  nlohmann::json body = {{"purpose", "reminder"},
                         {"template_id", "tpl_1"},
                         {"before_start_minutes", 1440},
                         {"quiet_hours", {{"start", "22:00"}, {"end", "07:30"}}}};
  JsonReader ok = JsonReader::ForInput(body);
  EventMessageRequest r = ReadEventMessageRequest(ok);
  ASSERT_TRUE(ok.Finish().ok()) << ok.Finish();
  EXPECT_EQ(r.purpose, EventPurpose::kReminder);
  EXPECT_EQ(r.campaign.channel, "preferred");
  EXPECT_EQ(r.before_start_minutes, 1440);
  EXPECT_EQ(r.campaign.quiet_hours, (QuietHours{22 * 60, 7 * 60 + 30}));

  nlohmann::json bad = {{"purpose", "party"},          {"send_at", 1},
                        {"before_start_minutes", 10},  {"channel", "pigeon"},
                        {"variables", {{"event", 1}}}, {"colour", "red"}};
  JsonReader reader = JsonReader::ForInput(bad);
  ReadEventMessageRequest(reader);
  const absl::Status status = reader.Finish();
  EXPECT_THAT(status.message(), HasSubstr("purpose: must be invitation, nudge"));
  EXPECT_THAT(status.message(), HasSubstr("template_id"));
  EXPECT_THAT(status.message(), HasSubstr("before_start_minutes: give send_at or"));
  EXPECT_THAT(status.message(), HasSubstr("channel: must be preferred"));
  EXPECT_THAT(status.message(), HasSubstr("variables: contact and event"));
  EXPECT_THAT(status.message(), HasSubstr("colour"));
}

TEST(EventAnswerPromptTest, ButtonsOnChatNumbersOnSmsInThePersonsLanguage) {
  OutboundMessage telegram;
  AddAnswerPrompt(Channel::kTelegram, "fr", &telegram);
  ASSERT_EQ(telegram.buttons.size(), 3u);
  EXPECT_EQ(telegram.buttons[0].id, "rsvp:yes");
  EXPECT_EQ(telegram.buttons[0].title, "Oui");
  EXPECT_EQ(telegram.buttons[2].id, "rsvp:maybe");
  EXPECT_EQ(telegram.buttons[2].title, "Peut-être");

  OutboundMessage own;
  own.buttons.push_back({"rsvp:yes", "Count me in"});
  AddAnswerPrompt(Channel::kWhatsApp, "en", &own);
  EXPECT_EQ(own.buttons.size(), 1u);  // The template's own buttons stay.

  OutboundMessage sms;
  sms.text = "Invitation";
  AddAnswerPrompt(Channel::kSms, "ka-GE", &sms);
  EXPECT_EQ(sms.text, "Invitation\nუპასუხეთ 1 = კი, 2 = არა, 3 = შესაძლოა");

  // Above the opt-out paragraph, which stays last.
  OutboundMessage with_opt_out;
  with_opt_out.text = "Invitation\n\n" + OptOutText(Channel::kSms, "en");
  AddAnswerPrompt(Channel::kSms, "en", &with_opt_out);
  EXPECT_EQ(with_opt_out.text,
            "Invitation\nReply 1 = yes, 2 = no, 3 = maybe\n\n" + OptOutText(Channel::kSms, "en"));

  OutboundMessage email;
  email.text = "Invitation";
  AddAnswerPrompt(Channel::kEmail, "en", &email);
  EXPECT_EQ(email.text, "Invitation");
  EXPECT_TRUE(email.buttons.empty());
}

}  // namespace
}  // namespace ogw::testing
