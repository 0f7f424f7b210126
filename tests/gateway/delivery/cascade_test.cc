// Channel cascades and "all channels" campaigns through the delivery worker on a fake clock:
// the next channel after an undelivered or failed message, people who were reached, replied,
// opted out or clicked stopping theirs, pause holding it, a worker dying with a step in hand,
// and the counts a person reached twice leaves (once in reach, every message in cost).

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "gateway/conversations/conversation_log.h"
#include "gateway/core/key_schema.h"
#include "gateway/inbound/inbound_pipeline.h"
#include "gateway/inbound/person_tokens.h"
#include "gateway/reports/campaign_report.h"
#include "queue/campaign_keys.h"
#include "queue/campaign_responses.h"
#include "tests/gateway/delivery/worker_harness.h"

namespace ogw::testing {
namespace {

constexpr int64_t kMinute = 60'000;

class CascadeTest : public WorkerTest {
 protected:
  // `n` people with a phone and an e-mail address, and a campaign to all of them with
  // `strategy` ("cascade" or "all").
  Campaign LaunchToPeopleWithTwoChannels(size_t n, const std::string& strategy,
                                         const ChannelCascade& cascade) {
    ContactSpec spec;
    spec.email = true;
    people_ = stack_->CreateContacts(org_, n, spec);
    Campaign c;
    c.org_id = org_;
    c.name = "Counselling days";
    c.template_id = stack_->CreateTemplateWith(
        org_, {{"subject", "Counselling days"}, {"body", "Hello {{contact.name}}"}});
    c.segment_id = stack_->CreateSegment(org_);
    c.channel = strategy;
    c.cascade = cascade;
    auto created = stack_->campaigns.Create(c);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return {};
    auto launched = stack_->launcher.Launch(org_, created->id);
    EXPECT_TRUE(launched.ok()) << launched.status();
    return launched.ok() ? *launched : Campaign{};
  }

  static ChannelCascade SmsThenEmail(int undelivered_after = 60, int unanswered_after = 0) {
    ChannelCascade cascade;
    cascade.channels = {"sms", "email"};
    cascade.undelivered_after_minutes = undelivered_after;
    cascade.unanswered_after_minutes = unanswered_after;
    return cascade;
  }

  // The messages the provider was given for `person` on `channel`.
  std::vector<OutboundMessage> To(const Contact& person, Channel channel) {
    std::vector<OutboundMessage> out;
    for (const auto& m : provider_->Seen()) {
      if (m.channel != channel) continue;
      for (const Address& a : person.addresses) {
        if (a.value == m.to) out.push_back(m);
      }
    }
    return out;
  }

  int64_t IndexOf(const Contact& person) { return DeliveryStack::IndexOf(people_, person.id); }

  void Delivered(const Campaign& c, const Contact& person) {
    auto r = stack_->queue.RecordDeliveryReport(org_, MessageId(c, IndexOf(person)), "delivered",
                                                "", "");
    ASSERT_TRUE(r.ok() && *r) << (r.ok() ? "unknown message" : r.status().ToString());
  }

  void Mark(const Campaign& c, const Contact& person, CampaignResponses::Kind kind) {
    CampaignResponses responses(&pool(), &clock_, Queue().chunk_size);
    auto marked = responses.Mark(org_, c.id, person.id, kind);
    ASSERT_TRUE(marked.ok()) << marked.status();
    ASSERT_EQ(*marked, CampaignResponses::Marked::kFirstTime);
  }

  // The report's `reach` rows by channel.
  std::map<std::string, nlohmann::json> Reach(const Campaign& c) {
    CampaignReporter reporter(&pool(), &clock_);
    auto report = reporter.Report(c, {});
    EXPECT_TRUE(report.ok()) << report.status();
    std::map<std::string, nlohmann::json> out;
    if (report.ok()) {
      for (const nlohmann::json& row : (*report)["reach"]) out[row["channel"]] = row;
    }
    return out;
  }

  void AfterMinutes(int64_t minutes) {
    clock_.Advance(minutes * kMinute);
    RunUntilIdle();
  }

  std::vector<Contact> people_;
};

TEST_F(CascadeTest, UndeliveredSmsIsFollowedByEmailWhileDeliveredAndAnsweredPeopleStop) {
  const Campaign c = LaunchToPeopleWithTwoChannels(3, "cascade", SmsThenEmail(60));
  ASSERT_FALSE(c.id.empty());
  const Contact& delivered = people_[0];
  const Contact& replied = people_[1];
  const Contact& silent = people_[2];

  RunUntilIdle();
  ASSERT_EQ(provider_->Count(), 3u);
  for (const Contact& p : people_) EXPECT_EQ(To(p, Channel::kSms).size(), 1u) << p.name;
  // Reached on one channel, the campaign still has work: it runs until the cascade is done.
  EXPECT_EQ(State(c), CampaignState::kRunning);

  Delivered(c, delivered);
  Mark(c, replied, CampaignResponses::Kind::kReplied);
  AfterMinutes(30);
  EXPECT_EQ(provider_->Count(), 3u);  // Not yet: the SMS may still arrive.

  AfterMinutes(31);
  ASSERT_EQ(provider_->Count(), 4u);
  const std::vector<OutboundMessage> mail = To(silent, Channel::kEmail);
  ASSERT_EQ(mail.size(), 1u);
  // The same message id on every channel: replies and reports find the campaign and person.
  EXPECT_EQ(mail[0].message_id, MessageId(c, IndexOf(silent)));
  EXPECT_TRUE(To(delivered, Channel::kEmail).empty());
  EXPECT_TRUE(To(replied, Channel::kEmail).empty());
  // A bounce of that e-mail names the e-mail address, not the SMS's number.
  auto recipient = stack_->queue.CampaignRecipient(org_, c.id, IndexOf(silent));
  ASSERT_TRUE(recipient.ok() && recipient->has_value());
  EXPECT_EQ((*recipient)->channel, static_cast<uint8_t>(Channel::kEmail));
  EXPECT_EQ(silent.addresses[(*recipient)->address_index].kind, AddressKind::kEmail);

  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 3);  // People reached, each once.
  EXPECT_EQ(stats["step_sent"], 1);
  EXPECT_EQ(stats["steps_queued"], 1);
  EXPECT_EQ(stats["units:sms"], 3);  // Every message counts in cost.
  EXPECT_EQ(stats["units:email"], 1);
  EXPECT_EQ(stats["failed"], 0);
  EXPECT_EQ(State(c), CampaignState::kFinished);

  // Nothing more, however long one waits.
  AfterMinutes(24 * 60);
  EXPECT_EQ(provider_->Count(), 4u);
  auto cascading = pool().Command({"SCARD", keys::CascadingCampaigns(org_)});
  ASSERT_TRUE(cascading.ok());
  EXPECT_EQ(cascading->integer, 0);
}

TEST_F(CascadeTest, AFailedChannelGoesOnAtOnceAndOnlyTheLastFailureCounts) {
  const Campaign c = LaunchToPeopleWithTwoChannels(3, "cascade", SmsThenEmail(60));
  ASSERT_FALSE(c.id.empty());
  const Contact& sms_refused = people_[0];
  const Contact& both_refused = people_[1];
  provider_->SetResponder([&](const OutboundMessage& m, int) {
    const bool refuse = m.to == sms_refused.addresses[0].value ||
                        m.to == both_refused.addresses[0].value ||
                        m.to == both_refused.addresses[1].value;
    return refuse ? FakeProvider::Permanent("unknown_subscriber", "no such number")
                  : FakeProvider::Accepted(1);
  });

  RunUntilIdle();  // No waiting: a refused message is not going to be delivered.

  EXPECT_EQ(To(sms_refused, Channel::kEmail).size(), 1u);
  EXPECT_EQ(To(both_refused, Channel::kEmail).size(), 1u);
  EXPECT_TRUE(To(people_[2], Channel::kEmail).empty());
  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 2);
  EXPECT_EQ(stats["failed"], 1);  // The person both channels refused, once.
  EXPECT_EQ(stats["fail:unknown_subscriber"], 1);
  EXPECT_EQ(stats["step_failed"], 2);  // The two refused SMS, each followed by an e-mail.
  auto failure = stack_->queue.FailureOf(org_, c.id, IndexOf(both_refused));
  ASSERT_TRUE(failure.ok() && failure->has_value());
  EXPECT_EQ((**failure).value("code", ""), "unknown_subscriber");
  auto failed_bit = pool().Command(
      {"GETBIT", CampaignKeys(org_, c.id).failed(), std::to_string(IndexOf(sms_refused))});
  ASSERT_TRUE(failed_bit.ok());
  EXPECT_EQ(failed_bit->integer, 0);             // Reached by e-mail: not a failure in the report.
  EXPECT_EQ(State(c), CampaignState::kRunning);  // The third person's SMS is still pending.
  AfterMinutes(61);
  EXPECT_EQ(To(people_[2], Channel::kEmail).size(), 1u);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(CascadeTest, ReachNamesWhichChannelReachedWhomFirstAndWhomOnlyOneReached) {
  const Campaign c = LaunchToPeopleWithTwoChannels(4, "cascade", SmsThenEmail(60));
  ASSERT_FALSE(c.id.empty());
  const Contact& by_sms = people_[0];      // SMS delivered: the cascade stops.
  const Contact& silent = people_[1];      // SMS accepted, never delivered: e-mail too.
  const Contact& sms_refused = people_[2];  // E-mail only.
  const Contact& refused_twice = people_[3];  // Nobody reached them.
  provider_->SetResponder([&](const OutboundMessage& m, int) {
    const bool refuse = m.to == sms_refused.addresses[0].value ||
                        m.to == refused_twice.addresses[0].value ||
                        m.to == refused_twice.addresses[1].value;
    return refuse ? FakeProvider::Permanent("unknown_subscriber", "no such number")
                  : FakeProvider::Accepted(1);
  });
  RunUntilIdle();
  Delivered(c, by_sms);
  AfterMinutes(61);
  ASSERT_EQ(To(silent, Channel::kEmail).size(), 1u);
  Mark(c, silent, CampaignResponses::Kind::kReplied);
  AfterMinutes(61);
  ASSERT_EQ(State(c), CampaignState::kFinished);

  // Counted by hand: SMS took a message to by_sms and silent, first; e-mail to silent (after
  // the SMS) and sms_refused (only, so first).
  std::map<std::string, nlohmann::json> reach = Reach(c);
  ASSERT_EQ(reach.size(), 2u);
  EXPECT_EQ(reach["sms"]["reached"], 2);
  EXPECT_EQ(reach["sms"]["reached_first"], 2);
  EXPECT_EQ(reach["sms"]["only_this_channel"], 1);  // by_sms.
  EXPECT_EQ(reach["sms"]["delivered"], 1);
  EXPECT_EQ(reach["sms"]["responded"], 1);  // silent answered, reached first by SMS.
  EXPECT_EQ(reach["email"]["reached"], 2);
  EXPECT_EQ(reach["email"]["reached_first"], 1);
  EXPECT_EQ(reach["email"]["only_this_channel"], 1);  // sms_refused.
  EXPECT_EQ(reach["email"]["responded"], 0);
  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 3);
  EXPECT_EQ(stats["failed"], 1);
}

TEST_F(CascadeTest, ALateReportOnAnEarlierStepIsAboutThatStepNotTheOneInPlay) {
  const Campaign c = LaunchToPeopleWithTwoChannels(1, "cascade", SmsThenEmail(60));
  ASSERT_FALSE(c.id.empty());
  const Contact& person = people_[0];
  RunUntilIdle();
  AfterMinutes(61);  // No delivery report in time: e-mail goes.
  ASSERT_EQ(To(person, Channel::kEmail).size(), 1u);

  ConversationLog log(&pool(), &clock_);
  PersonTokens tokens(std::string(32, 's'));
  InboundPipeline pipeline(InboundDeps{&pool(), &clock_, &stack_->contacts, &log, &stack_->queue,
                                       &tokens, "https://gw.example.org"},
                           KeywordSettings{});
  const InboundSource source{org_, "", "kannel-berlin", false, "DE"};
  // Hours later, the SMSC gives up on the SMS: the number does not exist.
  clock_.Advance(5 * 60 * kMinute);
  DeliveryReport expired;
  expired.provider = "kannel-berlin";
  expired.message_id = MessageId(c, IndexOf(person));
  expired.channel = Channel::kSms;
  expired.state = DeliveryReport::State::kFailed;
  expired.code = "dlr_2";
  expired.reason = "expired";
  expired.address_invalid = true;
  auto known = pipeline.Report(source, expired);
  ASSERT_TRUE(known.ok()) << known.status();
  EXPECT_TRUE(*known);

  // The e-mail in play is not undelivered; the phone, not the e-mail address, is invalid.
  auto undelivered = pool().Command(
      {"GETBIT", CampaignKeys(org_, c.id).undelivered(), std::to_string(IndexOf(person))});
  ASSERT_TRUE(undelivered.ok());
  EXPECT_EQ(undelivered->integer, 0);
  EXPECT_EQ(Stats(c)["undelivered"], 0);
  auto stored = stack_->contacts.Get(org_, person.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  for (const Address& a : (*stored)->contact.addresses) {
    EXPECT_EQ(a.invalid, a.kind == AddressKind::kPhone) << a.value;
  }
  auto entries = log.Read(org_, person.id, "", 10);
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::vector<std::string> reported_channels;
  for (const ConversationEntry& e : *entries) {
    if (e.kind == "status") reported_channels.push_back(e.Field("channel"));
  }
  EXPECT_EQ(reported_channels, std::vector<std::string>{"sms"});

  // A report on a channel no step of the person used is nobody's.
  expired.channel = Channel::kWhatsApp;
  auto unknown = pipeline.Report(source, expired);
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_FALSE(*unknown);
  // A late report that the SMS arrived after all counts: the person was reached.
  expired.channel = Channel::kSms;
  expired.state = DeliveryReport::State::kDelivered;
  expired.address_invalid = false;
  ASSERT_TRUE(pipeline.Report(source, expired).ok());
  EXPECT_EQ(Stats(c)["delivered"], 1);
}

TEST_F(CascadeTest, AWorkerDyingWithAStepInHandNeitherLosesNorRepeatsIt) {
  const Campaign c = LaunchToPeopleWithTwoChannels(2, "cascade", SmsThenEmail(10));
  ASSERT_FALSE(c.id.empty());
  RunUntilIdle();
  ASSERT_EQ(provider_->Count(), 2u);

  clock_.Advance(11 * kMinute);
  auto queued = stack_->queue.SweepCascades(org_);
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ(*queued, 2u);
  auto again = stack_->queue.SweepCascades(org_);  // A second sweeper finds nothing left.
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
  // A worker claims both steps, then dies before sending.
  auto claimed = stack_->queue.ClaimScheduled(org_, 10);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 2u);
  for (const ClaimedMessage& m : *claimed) {
    EXPECT_EQ(m.step, 1);
    EXPECT_EQ(m.recipient.channel, static_cast<uint8_t>(Channel::kEmail));
    EXPECT_FALSE(m.already_sent);
  }

  worker_ = MakeWorker();  // A restarted process.
  RunUntilIdle();
  EXPECT_EQ(provider_->Count(), 2u);  // Leased: not taken from under the dead worker.
  clock_.Advance(kLeaseMillis + 1);
  RunUntilIdle();
  ASSERT_EQ(provider_->Count(), 4u);
  for (const Contact& p : people_) {
    EXPECT_EQ(To(p, Channel::kSms).size(), 1u) << p.name;
    EXPECT_EQ(To(p, Channel::kEmail).size(), 1u) << p.name;
  }
  AfterMinutes(120);
  EXPECT_EQ(provider_->Count(), 4u);
  EXPECT_EQ(Stats(c)["sent"], 2);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(CascadeTest, OptingOutStopsTheCascadeAndPauseHoldsIt) {
  const Campaign c = LaunchToPeopleWithTwoChannels(2, "cascade", SmsThenEmail(60));
  ASSERT_FALSE(c.id.empty());
  RunUntilIdle();
  Mark(c, people_[0], CampaignResponses::Kind::kOptedOut);
  ASSERT_TRUE(stack_->queue.Pause(org_, c.id).ok());

  AfterMinutes(90);
  EXPECT_EQ(provider_->Count(), 2u);  // Paused: nobody's next step goes.

  ASSERT_TRUE(stack_->queue.Resume(org_, c.id).ok());
  AfterMinutes(1);
  EXPECT_TRUE(To(people_[0], Channel::kEmail).empty());
  EXPECT_EQ(To(people_[1], Channel::kEmail).size(), 1u);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(CascadeTest, CancellingEndsEveryonesCascade) {
  const Campaign c = LaunchToPeopleWithTwoChannels(2, "cascade", SmsThenEmail(60));
  ASSERT_FALSE(c.id.empty());
  RunUntilIdle();
  ASSERT_TRUE(stack_->queue.Cancel(org_, c.id).ok());
  AfterMinutes(61);
  EXPECT_EQ(provider_->Count(), 2u);
  auto pending = pool().Command({"ZCARD", CampaignKeys(org_, c.id).cascade()});
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->integer, 0);
}

TEST_F(CascadeTest, DeliveredButUnansweredGoesOnWhenAnAnswerIsAsked) {
  const Campaign c = LaunchToPeopleWithTwoChannels(3, "cascade", SmsThenEmail(10, 60));
  ASSERT_FALSE(c.id.empty());
  const Contact& clicked = people_[0];
  const Contact& silent = people_[1];
  const Contact& completed = people_[2];
  RunUntilIdle();
  for (const Contact& p : people_) Delivered(c, p);

  AfterMinutes(11);
  EXPECT_EQ(provider_->Count(), 3u);  // Delivered: now waiting for an answer.
  Mark(c, clicked, CampaignResponses::Kind::kClicked);
  Mark(c, completed, CampaignResponses::Kind::kCompleted);
  AfterMinutes(50);
  ASSERT_EQ(provider_->Count(), 4u);
  EXPECT_EQ(To(silent, Channel::kEmail).size(), 1u);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(CascadeTest, AllChannelsReachEveryUsableChannelAtOnceAndCountEachPersonOnce) {
  ChannelCascade every;  // The person's own order, then every other channel.
  const Campaign c = LaunchToPeopleWithTwoChannels(3, "all", every);
  ASSERT_FALSE(c.id.empty());

  RunUntilIdle();

  ASSERT_EQ(provider_->Count(), 6u);
  for (const Contact& p : people_) {
    EXPECT_EQ(To(p, Channel::kSms).size(), 1u) << p.name;
    EXPECT_EQ(To(p, Channel::kEmail).size(), 1u) << p.name;
  }
  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 3);
  EXPECT_EQ(stats["units:sms"] + stats["units:email"], 6);
  EXPECT_EQ(State(c), CampaignState::kFinished);
  // Both channels reached everyone; each person first on one of them, nobody on one only.
  std::map<std::string, nlohmann::json> reach = Reach(c);
  ASSERT_EQ(reach.size(), 2u);
  EXPECT_EQ(reach["sms"]["reached"], 3);
  EXPECT_EQ(reach["email"]["reached"], 3);
  EXPECT_EQ(reach["sms"]["reached_first"].get<int>() + reach["email"]["reached_first"].get<int>(),
            3);
  EXPECT_EQ(reach["sms"]["only_this_channel"], 0);
  EXPECT_EQ(reach["email"]["only_this_channel"], 0);
}

}  // namespace
}  // namespace ogw::testing
