// Campaign reports on a real Redis, driven through the launcher and the worker: numbers against
// hand counts, by channel and by the attributes the audience had at launch; the snapshot outliving
// changed and erased contacts; which campaign a message from a person answers; the report frozen
// once its reply window is over.

#include "gateway/reports/campaign_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/invitations/event_seats.h"
#include "gateway/invitations/event_store.h"
#include "gateway/reports/audience_snapshot.h"
#include "gateway/segments/behaviour_facts.h"
#include "queue/campaign_responses.h"
#include "tests/gateway/delivery/worker_harness.h"
#include "tests/testutil/report_json.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr int64_t kDay = 24 * 3600 * 1000LL;

class CampaignReportTest : public WorkerTest {
 protected:
  void SetUp() override {
    WorkerTest::SetUp();
    if (HasFatalFailure()) return;
    responses_ = std::make_unique<CampaignResponses>(&pool(), &clock_, Queue().chunk_size);
    reporter_ = std::make_unique<CampaignReporter>(&pool(), &clock_);
  }

  // Ten people: 0-4 women, 5-9 men; even ones in Germany, odd ones in France; born 1990
  // (35 in 2026) but for 9, whose age band is unknown.
  std::vector<Contact> CreatePeople() {
    std::vector<Contact> people = stack_->CreateContacts(org_, 10);
    for (size_t i = 0; i < people.size(); ++i) {
      auto stored = stack_->contacts.Get(org_, people[i].id);
      EXPECT_TRUE(stored.ok() && *stored);
      Contact c = (*stored)->contact;
      c.attributes["gender"] = std::string(i < 5 ? "female" : "male");
      c.country = i % 2 == 0 ? "DE" : "FR";
      if (i != 9) c.attributes["birth_year"] = 1990.0;
      auto put = stack_->contacts.Put(c, (*stored)->version, &(*stored)->contact);
      EXPECT_TRUE(put.ok() && put->code == PutOutcome::Code::kOk);
      people[i] = c;
    }
    return people;
  }

  json Report(const Campaign& c, std::vector<std::string> by = {}) {
    ReportRequest request;
    request.dimensions = std::move(by);
    auto report = reporter_->Report(c, request);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : json::object();
  }

  std::unique_ptr<CampaignResponses> responses_;
  std::unique_ptr<CampaignReporter> reporter_;
};

TEST_F(CampaignReportTest, CountsMatchHandCountsByChannelAndAttribute) {
  std::vector<Contact> people = CreatePeople();
  // People 8 and 9 (men; 8 in Germany, 9 in France) have numbers that do not exist.
  const std::string bad8 = people[8].addresses[0].value, bad9 = people[9].addresses[0].value;
  provider_->SetResponder([&](const OutboundMessage& m, int) {
    SendResult r;
    if (m.to == bad8 || m.to == bad9) {
      r.outcome = SendResult::Outcome::kPermanent;
      r.code = "unknown_number";
      r.reason = "no such number";
      return r;
    }
    r.outcome = SendResult::Outcome::kAccepted;
    r.provider_message_id = "p-" + m.message_id;
    return r;
  });
  const Campaign c =
      stack_->Launch(org_, stack_->CreateTemplate(org_), stack_->CreateSegment(org_));
  ASSERT_FALSE(c.id.empty());
  RunUntilIdle();
  // Delivered to 0, 1, 2 and 5; 6 reported undelivered.
  for (int i : {0, 1, 2, 5}) {
    ASSERT_TRUE(
        stack_->queue
            .RecordDeliveryReport(org_, MessageId(c, DeliveryStack::IndexOf(people, people[i].id)),
                                  "delivered", "", "")
            .ok());
  }
  ASSERT_TRUE(stack_->queue
                  .RecordDeliveryReport(org_,
                                        MessageId(c, DeliveryStack::IndexOf(people, people[6].id)),
                                        "undelivered", "30005", "unknown")
                  .ok());
  // Women 0 and 1 replied (0 twice), man 5 clicked twice, 2 opted out; 8 (never sent) is no
  // one to count a reply of... but replies are counted for recipients whatever the outcome.
  for (int i : {0, 0, 1}) {
    ASSERT_TRUE(responses_->Mark(org_, c.id, people[i].id, CampaignResponses::Kind::kReplied).ok());
  }
  for (int k = 0; k < 2; ++k) ASSERT_TRUE(responses_->CountClick(org_, c.id, people[5].id).ok());
  ASSERT_TRUE(responses_->Mark(org_, c.id, people[2].id, CampaignResponses::Kind::kOptedOut).ok());
  auto outsider = responses_->Mark(org_, c.id, "c_00000000000000000000000000",
                                   CampaignResponses::Kind::kReplied);
  ASSERT_TRUE(outsider.ok());
  EXPECT_EQ(*outsider, CampaignResponses::Marked::kNotRecipient);
  auto again = responses_->Mark(org_, c.id, people[0].id, CampaignResponses::Kind::kReplied);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, CampaignResponses::Marked::kAgain);

  const json report = Report(c);
  const json& t = report["totals"];
  EXPECT_EQ(t["recipients"], 10);
  EXPECT_EQ(t["sent"], 8);
  EXPECT_EQ(t["failed"], 2);
  EXPECT_EQ(t["delivered"], 4);
  EXPECT_EQ(t["undelivered"], 1);
  EXPECT_EQ(t["replied"], 2);
  EXPECT_EQ(t["clicked"], 1);
  EXPECT_EQ(t["responded"], 3);
  EXPECT_EQ(t["opted_out"], 1);
  EXPECT_EQ(t["failures"]["unknown_number"], 2);
  EXPECT_EQ(t["units"]["sms"], 8);
  EXPECT_EQ(report["state"], "finished");
  EXPECT_EQ(report["frozen"], false);
  EXPECT_EQ(report["dimensions"],
            json({"channel", "country", "city", "language", "gender", "age_band", "generation"}));
  const auto stats = Stats(c);
  EXPECT_EQ(stats.at("clicks"), 2);
  EXPECT_EQ(stats.at("people_clicked"), 1);
  EXPECT_EQ(stats.at("people_replied"), 2);
  EXPECT_EQ(stats.at("people_opted_out"), 1);

  json sms = BreakdownRow(report, "channel", "sms");
  EXPECT_EQ(sms["recipients"], 10);
  EXPECT_EQ(sms["sent"], 8);
  json women = BreakdownRow(report, "gender", "female");
  EXPECT_EQ(women["recipients"], 5);
  EXPECT_EQ(women["sent"], 5);
  EXPECT_EQ(women["delivered"], 3);
  EXPECT_EQ(women["replied"], 2);
  EXPECT_EQ(women["opted_out"], 1);
  json men = BreakdownRow(report, "gender", "male");
  EXPECT_EQ(men["sent"], 3);
  EXPECT_EQ(men["failed"], 2);
  EXPECT_EQ(men["clicked"], 1);
  EXPECT_EQ(men["undelivered"], 1);
  // Germany: 0, 2, 4, 6, 8. France: 1, 3, 5, 7, 9.
  json de = BreakdownRow(report, "country", "DE");
  EXPECT_EQ(de["recipients"], 5);
  EXPECT_EQ(de["failed"], 1);
  EXPECT_EQ(de["responded"], 1);  // 0.
  json fr = BreakdownRow(report, "country", "FR");
  EXPECT_EQ(fr["responded"], 2);  // 1 and 5.
  EXPECT_EQ(BreakdownRow(report, "age_band", "35-44")["recipients"], 9);
  EXPECT_EQ(BreakdownRow(report, "age_band", "")["recipients"], 1);
  EXPECT_EQ(BreakdownRow(report, "language", "en")["recipients"], 10);

  // Women are 50% of the audience and two of the three who responded.
  const json& gaps = report["representativeness"]["largest_gaps"];
  ASSERT_FALSE(gaps.empty());
  bool named = false;
  for (const json& g : gaps) {
    if (g["attribute"] == "gender" && g["value"] == "female") {
      named = true;
      EXPECT_EQ(g["text"], "gender female: 50% of the audience, 67% of responders");
    }
  }
  EXPECT_TRUE(named) << gaps.dump();
  ASSERT_EQ(report["reach"].size(), 1u);
  EXPECT_EQ(report["reach"][0]["channel"], "sms");
  EXPECT_EQ(report["reach"][0]["reached"], 8);
  EXPECT_EQ(report["reach"][0]["only_this_channel"], 8);

  // Only the dimensions asked for; an unknown one is refused by name.
  const json narrow = Report(c, {"channel", "gender"});
  ASSERT_EQ(narrow["breakdowns"].size(), 2u);
  ReportRequest shoes;
  shoes.dimensions = {"shoe_size"};
  auto unknown = reporter_->Report(c, shoes);
  ASSERT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("shoe_size"));

  // CSV: the totals, then a row per dimension and value.
  const std::string csv = ReportCsv(narrow);
  EXPECT_THAT(csv, HasSubstr("dimension,value,recipients,sent,delivered,undelivered,failed,"
                             "clicked,replied,responded,opted_out,completed\r\n"));
  EXPECT_THAT(csv, HasSubstr("total,,10,8,4,1,2,1,2,3,1,0\r\n"));
  EXPECT_THAT(csv, HasSubstr("gender,female,5,5,3,0,0,0,2,2,1,0\r\n"));
}

TEST_F(CampaignReportTest, TheSnapshotStaysWhenContactsChangeOrAreErased) {
  std::vector<Contact> people = CreatePeople();
  const Campaign c =
      stack_->Launch(org_, stack_->CreateTemplate(org_), stack_->CreateSegment(org_));
  RunUntilIdle();
  const json before = Report(c, {"gender", "country"});
  // A woman says she is a man and moves to France; another is erased.
  auto stored = stack_->contacts.Get(org_, people[0].id);
  ASSERT_TRUE(stored.ok() && *stored);
  Contact changed = (*stored)->contact;
  changed.attributes["gender"] = std::string("male");
  changed.country = "FR";
  ASSERT_TRUE(stack_->contacts.Put(changed, (*stored)->version, &(*stored)->contact).ok());
  ASSERT_TRUE(stack_->Erase(org_, people[1].id).ok());
  json after = Report(c, {"gender", "country"});
  EXPECT_EQ(after["breakdowns"], before["breakdowns"]);
  EXPECT_EQ(BreakdownRow(after, "gender", "female")["recipients"], 5);
}

TEST_F(CampaignReportTest, ARepliesCountsForTheLatestCampaignThatReachedThePerson) {
  std::vector<Contact> people = CreatePeople();
  const std::string tmpl = stack_->CreateTemplate(org_);
  const Campaign first = stack_->Launch(org_, tmpl, stack_->CreateSegment(org_));
  RunUntilIdle();
  clock_.Advance(kDay);
  // Launched, not yet sent: a reply still answers the first.
  const Campaign second =
      stack_->Launch(org_, tmpl, stack_->CreateSegment(org_, "country = \"DE\""));
  auto answered = responses_->Attribute(org_, people[0].id, "");
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(*answered, first.id);
  RunUntilIdle();
  EXPECT_EQ(*responses_->Attribute(org_, people[0].id, ""), second.id);
  EXPECT_EQ(*responses_->Attribute(org_, people[1].id, ""), first.id) << "not in the second";
  // The channel named the message answered: that campaign, whatever came later.
  EXPECT_EQ(*responses_->Attribute(org_, people[0].id, first.id), first.id);
  // A week after the first campaign, a message from 1 answers nothing.
  clock_.Advance(7 * kDay);
  EXPECT_EQ(*responses_->Attribute(org_, people[1].id, ""), "");
  EXPECT_EQ(*responses_->Attribute(org_, "c_malformed", ""), "");
}

TEST_F(CampaignReportTest, TheReportIsFrozenOnceTheReplyWindowIsOver) {
  std::vector<Contact> people = CreatePeople();
  const Campaign c =
      stack_->Launch(org_, stack_->CreateTemplate(org_), stack_->CreateSegment(org_));
  RunUntilIdle();
  ASSERT_EQ(State(c), CampaignState::kFinished);
  ASSERT_TRUE(responses_->Mark(org_, c.id, people[0].id, CampaignResponses::Kind::kReplied).ok());
  clock_.Advance(6 * kDay);
  json live = Report(c);
  EXPECT_EQ(live["frozen"], false);
  EXPECT_FALSE(live["ended_at"].is_null());
  clock_.Advance(2 * kDay);
  json frozen = Report(c);
  EXPECT_EQ(frozen["frozen"], true);
  EXPECT_EQ(frozen["totals"]["replied"], 1);
  // A late mark changes the counters but no longer the report.
  ASSERT_TRUE(responses_->Mark(org_, c.id, people[1].id, CampaignResponses::Kind::kReplied).ok());
  json later = Report(c, {"gender"});
  EXPECT_EQ(later["totals"]["replied"], 1);
  EXPECT_EQ(later["generated_at"], frozen["generated_at"]);
  EXPECT_EQ(later["breakdowns"].size(), 1u);
}

TEST_F(CampaignReportTest, ACancelledCampaignEndsAndADraftHasNoReport) {
  CreatePeople();
  Campaign draft;
  draft.org_id = org_;
  draft.id = "cmp_draft";
  auto refused = reporter_->Report(draft, {});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  const Campaign c =
      stack_->Launch(org_, stack_->CreateTemplate(org_), stack_->CreateSegment(org_));
  ASSERT_TRUE(stack_->queue.Cancel(org_, c.id).ok());
  json report = Report(c);
  EXPECT_EQ(report["state"], "cancelled");
  EXPECT_EQ(report["ended_at"], kStart);
  EXPECT_EQ(report["totals"]["sent"], 0);
  EXPECT_EQ(report["totals"]["recipients"], 10);
}

TEST_F(CampaignReportTest, SegmentsSelectByWhatPeopleDidInCampaignsAndEvents) {
  std::vector<Contact> people = CreatePeople();
  const Campaign c =
      stack_->Launch(org_, stack_->CreateTemplate(org_), stack_->CreateSegment(org_));
  RunUntilIdle();
  ASSERT_TRUE(responses_->Mark(org_, c.id, people[3].id, CampaignResponses::Kind::kReplied).ok());
  ASSERT_TRUE(responses_->Mark(org_, c.id, people[7].id, CampaignResponses::Kind::kClicked).ok());
  // An event: 0, 1, 2 invited; 0 and 1 said yes; 0 came.
  EventStore events(&pool(), &clock_);
  EventSeats seats(&pool());
  Event e;
  e.org_id = org_;
  e.default_language = "en";
  e.texts["en"] = {"Roundtable", ""};
  e.time_zone = "Europe/Berlin";
  e.starts_at_millis = kStart + 10 * kDay;
  e.ends_at_millis = kStart + 10 * kDay + 3'600'000;
  e.rsvp_deadline_millis = kStart + 9 * kDay;
  e.place = "Embassy";
  e.capacity = 10;
  auto event = events.Create(e);
  ASSERT_TRUE(event.ok()) << event.status();
  const int64_t now = clock_.NowMillis();
  ASSERT_TRUE(seats.Configure(org_, event->id, 10, 3'600'000, now).ok());
  ASSERT_TRUE(
      seats.Invite(org_, event->id, {people[0].id, people[1].id, people[2].id}, "test", now).ok());
  for (int i : {0, 1}) {
    ASSERT_TRUE(seats.Answer(org_, event->id, people[i].id, SeatAction::kYes, "test", now).ok());
  }
  ASSERT_TRUE(seats.SetAttended(org_, event->id, people[0].id, true, "test", now).ok());

  const BehaviourSources sources{
      .queue = &stack_->queue, .campaigns = &stack_->campaigns, .events = &events, .seats = &seats};
  auto who = [&](const std::string& text) {
    auto parsed = SegmentExpression::Parse(text);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    auto bound = BindBehaviour(*parsed, org_, PostScope::All(), sources);
    EXPECT_TRUE(bound.ok()) << bound.status();
    std::string out;
    for (size_t i = 0; i < people.size(); ++i) {
      if (bound.ok() && bound->Matches(people[i])) out += std::to_string(i);
    }
    return out;
  };
  EXPECT_EQ(who("replied(\"" + c.id + "\") or clicked(\"" + c.id + "\")"), "37");
  EXPECT_EQ(who("rsvp(\"" + event->id + "\", \"yes\")"), "1");
  EXPECT_EQ(who("attended(\"" + event->id + "\")"), "0");
  EXPECT_EQ(who("rsvp(\"" + event->id + "\", \"invited\") or attended(\"" + event->id + "\")"),
            "02");
  EXPECT_EQ(who("not replied(\"" + c.id + "\") and country = \"FR\""), "1579");
  // An organisation-wide campaign is visible to a post's officers; what does not exist is named.
  auto parsed = SegmentExpression::Parse("replied(\"" + c.id + "\")");
  EXPECT_TRUE(BindBehaviour(*parsed, org_, PostScope::Of({"post_other"}), sources).ok());
  auto missing = BindBehaviour(*SegmentExpression::Parse("attended(\"evt_nope\")"), org_,
                               PostScope::All(), sources);
  EXPECT_THAT(std::string(MessageOf(missing.status())), HasSubstr("no such event"));
}

TEST(ReportValues, AgeBandsComeFromTheAttributeOrTheBirthYear) {
  constexpr int64_t k2026 = 1'768'471'200'000;
  Contact c;
  EXPECT_EQ(ReportValueOf(c, "age_band", k2026), "");
  c.attributes["birth_year"] = 2001.0;  // 25.
  EXPECT_EQ(ReportValueOf(c, "age_band", k2026), "25-34");
  c.attributes["birth_year"] = 2002.0;  // 24.
  EXPECT_EQ(ReportValueOf(c, "age_band", k2026), "18-24");
  c.attributes["birth_year"] = 1961.0;  // 65.
  EXPECT_EQ(ReportValueOf(c, "age_band", k2026), "65+");
  c.attributes["birth_year"] = 2015.0;
  EXPECT_EQ(ReportValueOf(c, "age_band", k2026), "under 18");
  c.attributes["birth_year"] = 2100.0;
  EXPECT_EQ(ReportValueOf(c, "age_band", k2026), "");
  c.attributes["age_band"] = std::string("30s");
  EXPECT_EQ(ReportValueOf(c, "age_band", k2026), "30s");
  c.country = "GE";
  EXPECT_EQ(ReportValueOf(c, "country", k2026), "GE");
  EXPECT_TRUE(CheckReportAttributes(DefaultReportAttributes()).ok());
  EXPECT_FALSE(CheckReportAttributes({"gender", "gender"}).ok());
  EXPECT_FALSE(CheckReportAttributes({"channel"}).ok());
  EXPECT_FALSE(CheckReportAttributes({"a", "b", "c", "d", "e", "f", "g", "h", "i"}).ok());
}

TEST(AudienceEncoderTest, CodesPastTheLastValueCountAsOther) {
  AudienceEncoder encoder({"city"}, 0);
  std::string records;
  Contact c;
  for (int i = 0; i < 300; ++i) {
    c.city = "city" + std::to_string(i);
    encoder.Append(c, 1, &records);
  }
  c.city = "";
  encoder.Append(c, 0, &records);
  ASSERT_EQ(records.size(), 301u * 2);
  EXPECT_EQ(static_cast<uint8_t>(records[0]), 1);
  EXPECT_EQ(static_cast<uint8_t>(records[1]), 1);
  EXPECT_EQ(static_cast<uint8_t>(records[2 * 253 + 1]), 254);
  EXPECT_EQ(static_cast<uint8_t>(records[2 * 254 + 1]), kOtherCode);
  EXPECT_EQ(static_cast<uint8_t>(records[2 * 300 + 1]), kUnknownCode);
  const auto dict = encoder.Dictionary();
  ASSERT_EQ(dict.size(), 3u);
  EXPECT_EQ(dict[0].second, "[\"city\"]");
  EXPECT_EQ(json::parse(dict[2].second).size(), 254u);
}

}  // namespace
}  // namespace ogw::testing
