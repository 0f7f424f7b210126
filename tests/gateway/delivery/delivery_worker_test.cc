// The delivery worker against a real Redis and a fake provider: a campaign from launch to the
// last message, consent and erasure checked at send time, retries, Retry-After, dead letters,
// permanent failures, quiet hours in the recipient's zone, rate limits and SMS cost, fairness
// between campaigns, the priority lane, per-person order, pause/resume/cancel, a dead worker's
// lease, a Redis restart and several workers on the real clock.

#include "gateway/delivery/delivery_worker.h"

#include "adapters/common/circuit_breaker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/key_schema.h"
#include "queue/campaign_responses.h"
#include "templates/opt_out.h"
#include "templates/sms_encoding.h"
#include "tests/gateway/delivery/worker_harness.h"
#include "tests/testutil/utc_millis.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Outcome = SendResult::Outcome;

constexpr int64_t kPastAnyBackoff = 61'000;  // Longer than the backoff cap (60 s).

// Message ids the provider saw, each with how many times.
std::map<std::string, int> Tally(const std::vector<std::string>& ids) {
  std::map<std::string, int> tally;
  for (const auto& id : ids) ++tally[id];
  return tally;
}

// Every id in `ids` appears exactly once.
void ExpectEachOnce(const std::vector<std::string>& ids) {
  for (const auto& [id, n] : Tally(ids)) EXPECT_EQ(n, 1) << id << " was sent " << n << " times";
}

// Records that the person last wrote from `address` at `at`, as the inbound pipeline does.
void NoteLastInbound(RedisPool& redis, const std::string& org, const std::string& contact_id,
                     AddressKind kind, const std::string& address, int64_t at) {
  auto set = redis.Command(
      {"HSET", keys::LastInbound(org, contact_id), AddressKey(kind, address), std::to_string(at)});
  ASSERT_TRUE(set.ok()) << set.status();
}

TEST_F(WorkerTest, LaunchedCampaignReachesEveryoneOnceWithNameAndOptOut) {
  std::vector<Contact> audience;
  const Campaign c = LaunchTo(20, &audience);
  ASSERT_FALSE(c.id.empty());
  EXPECT_EQ(c.queued, 20);

  RunUntilIdle();

  const std::string opt_out = OptOutText(Channel::kSms, "en");
  ASSERT_FALSE(opt_out.empty());
  const std::vector<OutboundMessage> seen = provider_->Seen();
  ASSERT_EQ(seen.size(), 20u);
  for (const Contact& person : audience) {
    std::vector<OutboundMessage> to_them;
    for (const auto& m : seen) {
      if (m.to == person.addresses[0].value) to_them.push_back(m);
    }
    ASSERT_EQ(to_them.size(), 1u) << person.name;
    EXPECT_EQ(to_them[0].channel, Channel::kSms);
    EXPECT_EQ(to_them[0].org_id, org_);
    EXPECT_THAT(to_them[0].text, HasSubstr("Hello " + person.name));
    EXPECT_THAT(to_them[0].text, HasSubstr(opt_out));
    EXPECT_EQ(to_them[0].message_id, MessageId(c, DeliveryStack::IndexOf(audience, person.id)));
  }
  ExpectEachOnce(provider_->Ids());
  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 20);
  EXPECT_EQ(stats["language:en"], 20);  // The language chosen for each message, counted.
  EXPECT_EQ(stats["pending"], 0);
  EXPECT_EQ(stats["failed"], 0);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(WorkerTest, ConsentWithdrawnAndErasureAfterLaunchAreCheckedAtSendTime) {
  std::vector<Contact> audience;
  const Campaign c = LaunchTo(20, &audience);
  ASSERT_FALSE(c.id.empty());
  const Contact& withdrawn = audience[3];
  const Contact& erased = audience[11];

  auto stored = stack_->contacts.Get(org_, withdrawn.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  Contact changed = (*stored)->contact;
  changed.addresses[0].consent = Consent{ConsentState::kWithdrawn, "sms-keyword", kStart};
  auto put = stack_->contacts.Put(changed, (*stored)->version, &(*stored)->contact);
  ASSERT_TRUE(put.ok()) << put.status();
  ASSERT_EQ(put->code, PutOutcome::Code::kOk);
  ASSERT_TRUE(stack_->Erase(org_, erased.id).ok());

  RunUntilIdle();

  for (const auto& m : provider_->Seen()) {
    EXPECT_NE(m.to, withdrawn.addresses[0].value);
    EXPECT_NE(m.to, erased.addresses[0].value);
  }
  EXPECT_EQ(provider_->Count(), 18u);
  auto w = stack_->queue.FailureOf(org_, c.id, DeliveryStack::IndexOf(audience, withdrawn.id));
  ASSERT_TRUE(w.ok() && w->has_value());
  EXPECT_EQ((**w).value("code", ""), "consent_withdrawn");
  auto e = stack_->queue.FailureOf(org_, c.id, DeliveryStack::IndexOf(audience, erased.id));
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((**e).value("code", ""), "contact_erased");
  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 18);
  EXPECT_EQ(stats["failed"], 2);
  EXPECT_EQ(stats["pending"], 0);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(WorkerTest, TransientFailureIsRetriedAfterBackoffAndThenSent) {
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());
  const std::string target = MessageId(c, 5);
  provider_->SetResponder([&](const OutboundMessage& m, int call_no) {
    if (m.message_id == target && call_no == 0) return FakeProvider::Transient("http_503");
    return FakeProvider::Accepted(1);
  });

  RunUntilIdle();
  EXPECT_EQ(provider_->CountOf(target), 1);
  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 19);
  EXPECT_EQ(stats["retried"], 1);
  EXPECT_EQ(stats["pending"], 1);
  EXPECT_EQ(State(c), CampaignState::kRunning);

  clock_.Advance(kPastAnyBackoff);
  RunUntilIdle();
  EXPECT_EQ(provider_->CountOf(target), 2);
  stats = Stats(c);
  EXPECT_EQ(stats["sent"], 20);
  EXPECT_EQ(stats["pending"], 0);
  EXPECT_EQ(provider_->Count(), 21u);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(WorkerTest, RetryAfterIsHonouredOverTheShorterBackoff) {
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());
  const std::string target = MessageId(c, 9);
  provider_->SetResponder([&](const OutboundMessage& m, int call_no) {
    if (m.message_id == target && call_no == 0) {
      return FakeProvider::Transient("http_429", /*retry_after_millis=*/30'000);
    }
    return FakeProvider::Accepted(1);
  });

  RunUntilIdle();
  ASSERT_EQ(provider_->CountOf(target), 1);
  clock_.Advance(29'000);  // Past the first retry's backoff (1 s), short of Retry-After.
  RunUntilIdle();
  EXPECT_EQ(provider_->CountOf(target), 1);
  EXPECT_EQ(Stats(c)["sent"], 19);

  clock_.Advance(1'000);
  RunUntilIdle();
  EXPECT_EQ(provider_->CountOf(target), 2);
  EXPECT_EQ(Stats(c)["sent"], 20);
}

TEST_F(WorkerTest, MessageFailingEveryAttemptIsDeadLetteredAndCanBeRequeued) {
  std::vector<Contact> audience;
  const Campaign c = LaunchTo(20, &audience);
  ASSERT_FALSE(c.id.empty());
  const std::string target = MessageId(c, 2);
  std::atomic<bool> provider_fixed{false};
  provider_->SetResponder([&](const OutboundMessage& m, int) {
    if (m.message_id == target && !provider_fixed) return FakeProvider::Transient("http_503");
    return FakeProvider::Accepted(1);
  });

  RunUntilIdle();
  for (int round = 0; round < 5 && provider_->CountOf(target) < 3; ++round) {
    clock_.Advance(kPastAnyBackoff);
    RunUntilIdle();
  }
  clock_.Advance(kPastAnyBackoff);
  RunUntilIdle();
  EXPECT_EQ(provider_->CountOf(target), 3);  // max_attempts, the first included.

  auto dead = stack_->queue.ListDeadLetters(org_);
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, target);
  EXPECT_EQ((*dead)[0].detail.value("code", ""), "http_503");
  EXPECT_EQ((*dead)[0].detail.value("attempts", 0), 3);
  EXPECT_EQ((*dead)[0].detail.value("contact_id", ""), audience[2].id);
  auto stats = Stats(c);
  EXPECT_EQ(stats["dead"], 1);
  EXPECT_EQ(stats["sent"], 19);
  EXPECT_EQ(stats["retried"], 2);
  EXPECT_EQ(stats["pending"], 0);

  provider_fixed = true;
  ASSERT_TRUE(stack_->queue.RequeueDeadLetter(org_, target).ok());
  RunUntilIdle();
  EXPECT_EQ(provider_->CountOf(target), 4);
  stats = Stats(c);
  EXPECT_EQ(stats["dead"], 0);
  EXPECT_EQ(stats["sent"], 20);
  EXPECT_EQ(stats["pending"], 0);
  auto after = stack_->queue.ListDeadLetters(org_);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(WorkerTest, ProviderSaysOptedOutOrNoSuchAddressAndTheContactRemembers) {
  // The worker records consent through the inbound pipeline, as in the gateway.
  ConversationLog conversations(&pool(), &clock_);
  InboundPipeline inbound(
      {&pool(), &clock_, &stack_->contacts, &conversations, &stack_->queue, nullptr, ""},
      KeywordSettings{});
  WorkerDeps deps = stack_->Deps();
  deps.inbound = &inbound;
  deps.conversations = &conversations;
  worker_ = std::make_unique<DeliveryWorker>(deps, Options());

  std::vector<Contact> audience;
  const Campaign c = LaunchTo(3, &audience);
  ASSERT_FALSE(c.id.empty());
  provider_->SetResponder([&](const OutboundMessage& m, int) {
    if (m.message_id == MessageId(c, 0)) {
      SendResult r;
      r.outcome = SendResult::Outcome::kOptedOut;
      r.code = "twilio_21610";
      r.reason = "unsubscribed recipient";
      return r;
    }
    if (m.message_id == MessageId(c, 1)) {
      SendResult r = FakeProvider::Permanent("smtp_550", "5.1.1 no such user");
      r.address_invalid = true;
      return r;
    }
    return FakeProvider::Accepted(1);
  });
  RunUntilIdle();

  auto first = stack_->contacts.Get(org_, audience[0].id);
  ASSERT_TRUE(first.ok() && first->has_value());
  const Address& opted = (*first)->contact.addresses[0];
  EXPECT_TRUE(opted.opted_out);
  EXPECT_EQ(opted.consent.state, ConsentState::kWithdrawn);
  EXPECT_EQ(opted.consent.source, "provider:fake-account");
  auto second = stack_->contacts.Get(org_, audience[1].id);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_TRUE((*second)->contact.addresses[0].invalid);
  EXPECT_EQ((*second)->contact.addresses[0].invalid_reason, "smtp_550 5.1.1 no such user");
  // Only the message that was sent is in its person's conversation.
  auto log = conversations.Read(org_, audience[2].id, "", 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].kind, "out");
  EXPECT_EQ((*log)[0].Field("campaign"), c.id);
  auto none = conversations.Read(org_, audience[1].id, "", 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // A second campaign skips both at launch.
  const Campaign again =
      stack_->Launch(org_, stack_->CreateTemplate(org_), stack_->CreateSegment(org_));
  RunUntilIdle();
  EXPECT_EQ(Stats(again)["queued"], 1);
}

TEST_F(WorkerTest, PermanentFailureFailsAtOnceWithTheProvidersReason) {
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());
  const std::string target = MessageId(c, 7);
  provider_->SetResponder([&](const OutboundMessage& m, int) {
    if (m.message_id == target) return FakeProvider::Permanent("http_400", "invalid number");
    return FakeProvider::Accepted(1);
  });

  RunUntilIdle();
  clock_.Advance(kPastAnyBackoff);
  RunUntilIdle();

  EXPECT_EQ(provider_->CountOf(target), 1);
  auto failure = stack_->queue.FailureOf(org_, c.id, 7);
  ASSERT_TRUE(failure.ok() && failure->has_value());
  EXPECT_EQ((**failure).value("code", ""), "http_400");
  EXPECT_EQ((**failure).value("reason", ""), "invalid number");
  auto stats = Stats(c);
  EXPECT_EQ(stats["failed"], 1);
  EXPECT_EQ(stats["retried"], 0);
  EXPECT_EQ(stats["sent"], 19);
  EXPECT_EQ(stats["pending"], 0);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(WorkerTest, QuietHoursAreKeptInTheRecipientsOwnZone) {
  // 23:30 in Tokyo (UTC+9), 15:30 in Paris (UTC+1).
  clock_.Set(UtcMillis(2026, 1, 15, 14, 30));
  const std::string tmpl = stack_->CreateTemplate(org_);
  const Contact tokyo = stack_->CreateContacts(org_, 1, {"Tokyo", "Asia/Tokyo", {}})[0];
  const Contact paris = stack_->CreateContacts(org_, 1, {"Paris", "Europe/Paris", {}})[0];
  const Campaign c =
      stack_->Launch(org_, tmpl, stack_->CreateSegment(org_), "Night", QuietHours{21 * 60, 8 * 60});
  ASSERT_FALSE(c.id.empty());

  RunUntilIdle();
  ASSERT_EQ(provider_->Count(), 1u);
  EXPECT_EQ(provider_->Seen()[0].to, paris.addresses[0].value);
  auto stats = Stats(c);
  EXPECT_EQ(stats["deferred"], 1);
  EXPECT_EQ(stats["sent"], 1);
  EXPECT_EQ(stats["pending"], 1);

  const int64_t tokyo_8am = UtcMillis(2026, 1, 15, 23, 0);  // 08:00 on the 16th in Tokyo.
  clock_.Set(tokyo_8am - 60'000);
  RunUntilIdle();
  EXPECT_EQ(provider_->Count(), 1u);

  clock_.Set(tokyo_8am + 60'000);
  RunUntilIdle();
  ASSERT_EQ(provider_->Count(), 2u);
  EXPECT_EQ(provider_->Seen()[1].to, tokyo.addresses[0].value);
  EXPECT_EQ(Stats(c)["sent"], 2);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(WorkerTest, RateLimitedMessagesWaitAndAreAllSent) {
  stack_->BindAll(ProviderRate{/*per_second=*/5, /*per_minute=*/0});
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());

  RunUntilIdle();

  EXPECT_EQ(provider_->Count(), 20u);
  ExpectEachOnce(provider_->Ids());
  // A burst of 5, then 15 more at 200 ms each.
  EXPECT_GE(slept_millis_, 2'800);
  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 20);
  EXPECT_GT(stats["rate_limited"], 0);
}

TEST_F(WorkerTest, SmsRateCostCountsSegments) {
  std::string body = "Hello {{contact.name}}.";
  while (body.size() < 330) body += " The consulate is open on Monday morning.";
  stack_->BindAll(ProviderRate{/*per_second=*/6, /*per_minute=*/0});
  const std::string tmpl = stack_->CreateTemplate(org_, body);
  stack_->CreateContacts(org_, 4);
  const Campaign c = stack_->Launch(org_, tmpl, stack_->CreateSegment(org_));
  ASSERT_FALSE(c.id.empty());
  std::vector<size_t> seen_at_sleep;
  on_sleep_ = [&](int64_t) { seen_at_sleep.push_back(provider_->Count()); };

  const size_t handled = RunOnce();

  EXPECT_EQ(handled, 4u);
  ASSERT_EQ(provider_->Count(), 4u);
  for (const auto& m : provider_->Seen()) {
    auto info = AnalyzeSms(m.text);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->segments, 3u) << m.text.size() << " characters";
    EXPECT_EQ(m.cost, 3);
  }
  // Six segments a second as burst: two 3-segment messages, then a wait.
  ASSERT_FALSE(seen_at_sleep.empty());
  EXPECT_EQ(seen_at_sleep[0], 2u);
  EXPECT_EQ(Stats(c)["sent"], 4);
}

TEST_F(WorkerTest, SmallCampaignIsNotStuckBehindABigOne) {
  const std::string tmpl = stack_->CreateTemplate(org_);
  stack_->CreateContacts(org_, 80, {"Big", "", {"big"}});
  stack_->CreateContacts(org_, 5, {"Small", "", {"small"}});
  const Campaign big =
      stack_->Launch(org_, tmpl, stack_->CreateSegment(org_, "\"big\" in tags"), "big");
  const Campaign small =
      stack_->Launch(org_, tmpl, stack_->CreateSegment(org_, "\"small\" in tags"), "small");
  ASSERT_FALSE(big.id.empty());
  ASSERT_FALSE(small.id.empty());
  ASSERT_EQ(big.queued, 80);
  ASSERT_EQ(small.queued, 5);

  RunUntilIdle();

  const std::vector<std::string> ids = provider_->Ids();
  ASSERT_EQ(ids.size(), 85u);
  std::vector<size_t> small_positions;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].starts_with(small.id + ":")) small_positions.push_back(i);
  }
  ASSERT_EQ(small_positions.size(), 5u);
  // Before the big campaign's third chunk starts: at most two chunks of 8 go first.
  EXPECT_LT(small_positions.back(), 8u + 5u + 8u);
  ExpectEachOnce(ids);
  EXPECT_EQ(Stats(big)["sent"], 80);
  EXPECT_EQ(Stats(small)["sent"], 5);
}

TEST_F(WorkerTest, DirectMessageGoesBeforeCampaignMessagesOfTheSamePass) {
  std::vector<Contact> audience;
  const Campaign big = LaunchTo(80, &audience);
  ASSERT_FALSE(big.id.empty());
  RunOnce();
  const size_t before = provider_->Count();
  ASSERT_EQ(before, 8u);

  DirectMessageInput input;
  input.contact_id = audience[40].id;
  input.channel = static_cast<uint8_t>(Channel::kSms);
  input.payload = {{"text", "reply"}};
  auto id = stack_->queue.EnqueueDirect(org_, input);
  ASSERT_TRUE(id.ok()) << id.status();

  RunOnce();
  const std::vector<OutboundMessage> seen = provider_->Seen();
  ASSERT_GT(seen.size(), before + 1);
  EXPECT_EQ(seen[before].message_id, *id);
  EXPECT_EQ(seen[before].text, "reply");
  EXPECT_EQ(seen[before].to, audience[40].addresses[0].value);
  for (size_t i = before + 1; i < seen.size(); ++i) {
    EXPECT_TRUE(seen[i].message_id.starts_with(big.id + ":")) << seen[i].message_id;
  }
  auto status = stack_->queue.GetDirectStatus(org_, *id);
  ASSERT_TRUE(status.ok() && status->has_value());
  EXPECT_EQ((*status)->status, "sent");
  EXPECT_EQ((*status)->attempts, 1);
}

TEST_F(WorkerTest, EverySentMessageIsNotedOnceInItsPersonsConversation) {
  ConversationLog conversations(&pool(), &clock_);
  WorkerDeps deps = stack_->Deps();
  deps.conversations = &conversations;
  worker_ = std::make_unique<DeliveryWorker>(deps, Options());

  std::vector<Contact> audience;
  const Campaign c = LaunchTo(20, &audience);
  ASSERT_FALSE(c.id.empty());
  // The first attempt to person 3 fails and is retried: still one entry.
  provider_->SetResponder([&](const OutboundMessage& m, int call_no) {
    if (m.message_id == MessageId(c, 3) && call_no == 0) return FakeProvider::Transient("timeout");
    return FakeProvider::Accepted(1);
  });
  DirectMessageInput input;
  input.contact_id = audience[5].id;
  input.channel = static_cast<uint8_t>(Channel::kSms);
  input.payload = {{"text", "Your passport is ready"}, {"author", "officer_1"}};
  auto direct = stack_->queue.EnqueueDirect(org_, input);
  ASSERT_TRUE(direct.ok()) << direct.status();

  RunUntilIdle();
  clock_.Advance(kPastAnyBackoff);
  RunUntilIdle();
  ASSERT_EQ(Stats(c)["sent"], 20);

  for (const Contact& person : audience) {
    auto log = conversations.Read(org_, person.id, "", 10);
    ASSERT_TRUE(log.ok()) << log.status();
    std::vector<ConversationEntry> campaign_entries;
    for (const ConversationEntry& e : *log) {
      if (!e.Field("campaign").empty()) campaign_entries.push_back(e);
    }
    ASSERT_EQ(campaign_entries.size(), 1u) << person.name;
    const ConversationEntry& e = campaign_entries[0];
    EXPECT_EQ(e.kind, "out");
    EXPECT_EQ(e.Field("campaign"), c.id);
    EXPECT_EQ(e.Field("message"), MessageId(c, DeliveryStack::IndexOf(audience, person.id)));
    EXPECT_EQ(e.Field("channel"), "sms");
    EXPECT_EQ(e.Field("language"), "en");
    EXPECT_EQ(e.Field("address"), person.addresses[0].value);
    EXPECT_FALSE(e.Field("provider_message_id").empty());
  }
  // The direct message's entry quotes its text and author.
  auto log = conversations.Read(org_, audience[5].id, "", 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  const ConversationEntry* reply = nullptr;
  for (const ConversationEntry& e : *log) {
    if (e.Field("message") == *direct) reply = &e;
  }
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->kind, "out");
  EXPECT_EQ(reply->Field("text"), "Your passport is ready");
  EXPECT_EQ(reply->Field("author"), "officer_1");
  EXPECT_EQ(reply->Field("address"), audience[5].addresses[0].value);
  EXPECT_EQ(reply->Field("campaign"), "");
}

TEST_F(WorkerTest, ManyConversationEntriesAtOnceSkipErasedContacts) {
  // More entries than one script call takes, one of them for a contact erased meanwhile.
  ConversationLog conversations(&pool(), &clock_);
  const std::vector<Contact> people = stack_->CreateContacts(org_, 250);
  ASSERT_TRUE(stack_->Erase(org_, people[120].id).ok());
  std::vector<ConversationAppend> entries;
  for (size_t i = 0; i < people.size(); ++i) {
    entries.push_back({people[i].id,
                       "out",
                       {{"channel", "sms"}, {"message", std::to_string(i)}, {"language", ""}}});
  }
  ASSERT_TRUE(conversations.AppendMany(org_, entries).ok());
  for (size_t i = 0; i < people.size(); ++i) {
    auto log = conversations.Read(org_, people[i].id, "", 10);
    ASSERT_TRUE(log.ok());
    if (i == 120) {
      EXPECT_TRUE(log->empty());  // Nothing re-creates the log of an erased person.
      continue;
    }
    ASSERT_EQ(log->size(), 1u) << i;
    EXPECT_EQ((*log)[0].kind, "out");
    EXPECT_EQ((*log)[0].at_millis, kStart);
    EXPECT_EQ((*log)[0].Field("message"), std::to_string(i));
    EXPECT_EQ((*log)[0].Field("channel"), "sms");
    EXPECT_EQ((*log)[0].fields.size(), 2u);  // Empty values are left out.
  }

  // A second round finds the logs in place (and appends without the script), except for a
  // person erased since, whose deleted log must not come back; a person with two entries in
  // one round gets both, in order.
  ASSERT_TRUE(stack_->Erase(org_, people[7].id).ok());
  entries.push_back({people[3].id, "out", {{"channel", "sms"}, {"message", "again"}}});
  // Someone new, with two entries in the round: the log is created, and keeps their order.
  const Contact late = stack_->CreateContacts(org_, 1)[0];
  entries.push_back({late.id, "out", {{"channel", "sms"}, {"message", "late-1"}}});
  entries.push_back({late.id, "out", {{"channel", "sms"}, {"message", "late-2"}}});
  ASSERT_TRUE(conversations.AppendMany(org_, entries).ok());
  auto late_log = conversations.Read(org_, late.id, "", 10);
  ASSERT_TRUE(late_log.ok());
  ASSERT_EQ(late_log->size(), 2u);
  EXPECT_EQ((*late_log)[0].Field("message"), "late-2");  // Newest first.
  EXPECT_EQ((*late_log)[1].Field("message"), "late-1");
  for (size_t i : {size_t{0}, size_t{3}, size_t{7}, size_t{120}, size_t{249}}) {
    auto log = conversations.Read(org_, people[i].id, "", 10);
    ASSERT_TRUE(log.ok());
    if (i == 7 || i == 120) {
      EXPECT_TRUE(log->empty()) << i;
      continue;
    }
    ASSERT_EQ(log->size(), i == 3 ? 3u : 2u) << i;
    EXPECT_EQ((*log)[0].Field("message"), i == 3 ? "again" : std::to_string(i));  // Newest first.
    for (size_t k = 1; k < log->size(); ++k) {
      EXPECT_EQ((*log)[k].Field("message"), std::to_string(i)) << i << " " << k;
    }
  }
  auto exists = pool().Command({"EXISTS", keys::Conversation(org_, people[7].id)});
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists->integer, 0);
}

TEST_F(WorkerTest, DirectMessagesCarryTheirChannelsTextFormat) {
  // The officer writes Markdown: SMS sends it as written, Telegram gets it as escaped HTML,
  // WhatsApp with its markers, each message saying which.
  const Contact created = stack_->CreateContacts(org_, 1)[0];
  Contact person = created;
  for (auto [kind, value] : {std::pair{AddressKind::kTelegram, "417002117"},
                             std::pair{AddressKind::kWhatsApp, "+995599123456"}}) {
    Address a;
    a.kind = kind;
    a.value = value;
    a.consent = Consent{ConsentState::kGranted, "test", clock_.NowMillis()};
    person.addresses.push_back(a);
  }
  auto put = stack_->contacts.Put(person, 1, &created);
  ASSERT_TRUE(put.ok()) << put.status();
  ASSERT_EQ(put->code, PutOutcome::Code::kOk);
  // They wrote on WhatsApp an hour ago: free text may go.
  NoteLastInbound(pool(), org_, person.id, AddressKind::kWhatsApp, "+995599123456",
                  kStart - 3'600'000);
  const std::pair<Channel, uint8_t> sends[] = {
      {Channel::kSms, 0}, {Channel::kTelegram, 1}, {Channel::kWhatsApp, 2}};
  for (const auto& [channel, address_index] : sends) {
    DirectMessageInput input;
    input.contact_id = person.id;
    input.channel = static_cast<uint8_t>(channel);
    input.address_index = address_index;
    input.payload = {{"text", "Counselling *today*: 5 < 6 & 7"}};
    ASSERT_TRUE(stack_->queue.EnqueueDirect(org_, input).ok());
  }
  RunOnce();
  const std::vector<OutboundMessage> seen = provider_->Seen();
  ASSERT_EQ(seen.size(), 3u);
  std::map<Channel, OutboundMessage> by_channel;
  for (const OutboundMessage& m : seen) by_channel[m.channel] = m;
  EXPECT_EQ(by_channel[Channel::kSms].text, "Counselling *today*: 5 < 6 & 7");
  EXPECT_EQ(by_channel[Channel::kSms].text_format, TextFormat::kPlainText);
  EXPECT_EQ(by_channel[Channel::kTelegram].text, "Counselling <i>today</i>: 5 &lt; 6 &amp; 7");
  EXPECT_EQ(by_channel[Channel::kTelegram].text_format, TextFormat::kTelegramHtml);
  EXPECT_EQ(by_channel[Channel::kTelegram].to, "417002117");
  EXPECT_EQ(by_channel[Channel::kWhatsApp].text, "Counselling _today_: 5 < 6 & 7");
  EXPECT_EQ(by_channel[Channel::kWhatsApp].text_format, TextFormat::kWhatsAppMarkup);
}

TEST_F(WorkerTest, WhatsAppSendsFreeTextInsideTheWindowAndTheApprovedTemplateOutsideIt) {
  ContactSpec spec;
  spec.whatsapp = true;
  const std::vector<Contact> people = stack_->CreateContacts(org_, 3, spec);
  // people[0] wrote an hour ago, people[1] 25 hours ago, people[2] never.
  NoteLastInbound(pool(), org_, people[0].id, AddressKind::kWhatsApp, people[0].addresses[1].value,
                  kStart - 3'600'000);
  NoteLastInbound(pool(), org_, people[1].id, AddressKind::kWhatsApp, people[1].addresses[1].value,
                  kStart - 25 * 3'600'000);
  const std::string tmpl = stack_->CreateTemplateWith(
      org_, nlohmann::json{{"body", "Counselling days for **{{contact.name}}**"},
                           {"whatsapp",
                            {{"name", "counselling_days"},
                             {"language", "en_US"},
                             {"category", "utility"},
                             {"parameters", {"{{contact.name}}", "Tbilisi\n  centre"}}}}});
  const Campaign c = stack_->Launch(org_, tmpl, stack_->CreateSegment(org_, "has(whatsapp)"),
                                    "Counselling", std::nullopt, "whatsapp");
  ASSERT_EQ(c.queued, 3);
  RunUntilIdle();

  std::map<std::string, OutboundMessage> by_to;
  for (const OutboundMessage& m : provider_->Seen()) by_to[m.to] = m;
  ASSERT_EQ(by_to.size(), 3u);
  const OutboundMessage& inside = by_to[people[0].addresses[1].value];
  EXPECT_EQ(inside.channel, Channel::kWhatsApp);
  EXPECT_TRUE(inside.window_open);
  EXPECT_THAT(inside.text, HasSubstr("*Person 000*"));
  for (const Contact* p : {&people[1], &people[2]}) {
    const OutboundMessage& outside = by_to[p->addresses[1].value];
    EXPECT_FALSE(outside.window_open) << p->name;
    ASSERT_TRUE(outside.provider_template.has_value()) << p->name;
    EXPECT_EQ(outside.provider_template->name, "counselling_days");
    EXPECT_EQ(outside.provider_template->language, "en_US");
    // Parameters are plain text on one line: no Markdown escaping, no line breaks.
    EXPECT_EQ(outside.provider_template->parameters,
              (std::vector<std::string>{p->name, "Tbilisi centre"}));
  }
  EXPECT_EQ(Stats(c)["sent"], 3);
}

TEST_F(WorkerTest, WhatsAppWithoutATemplateSkipsPeopleOutsideTheWindowWithACountedReason) {
  ContactSpec spec;
  spec.whatsapp = true;
  const std::vector<Contact> people = stack_->CreateContacts(org_, 3, spec);
  NoteLastInbound(pool(), org_, people[2].id, AddressKind::kWhatsApp, people[2].addresses[1].value,
                  kStart - 60'000);
  const Campaign c = stack_->Launch(org_, stack_->CreateTemplate(org_),
                                    stack_->CreateSegment(org_, "has(whatsapp)"), "No template",
                                    std::nullopt, "whatsapp");
  ASSERT_EQ(c.queued, 3);
  RunUntilIdle();
  ASSERT_EQ(provider_->Count(), 1u);
  EXPECT_EQ(provider_->Seen()[0].to, people[2].addresses[1].value);
  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 1);
  EXPECT_EQ(stats["failed"], 2);
  for (const Contact* p : {&people[0], &people[1]}) {
    auto failure = stack_->queue.FailureOf(org_, c.id, DeliveryStack::IndexOf(people, p->id));
    ASSERT_TRUE(failure.ok() && failure->has_value());
    EXPECT_EQ((**failure).value("code", ""), "outside_window");
    EXPECT_THAT((**failure).value("reason", ""), HasSubstr("24 hours"));
  }
  // The window closes 24 hours after they wrote (less a margin): a later campaign skips them.
  clock_.Advance(24 * 3'600'000);
  const Campaign later = stack_->Launch(org_, stack_->CreateTemplate(org_),
                                        stack_->CreateSegment(org_, "has(whatsapp)"), "Later",
                                        std::nullopt, "whatsapp");
  RunUntilIdle();
  EXPECT_EQ(provider_->Count(), 1u);
  EXPECT_EQ(Stats(later)["failed"], 3);
}

TEST_F(WorkerTest, DirectMessagesToOnePersonKeepTheirOrderThroughARetry) {
  const Contact person = stack_->CreateContacts(org_, 1)[0];
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    DirectMessageInput input;
    input.contact_id = person.id;
    input.channel = static_cast<uint8_t>(Channel::kSms);
    input.payload = {{"text", "m" + std::to_string(i)}};
    auto id = stack_->queue.EnqueueDirect(org_, input);
    ASSERT_TRUE(id.ok()) << id.status();
    ids.push_back(*id);
  }
  provider_->SetResponder([](const OutboundMessage& m, int call_no) {
    if (m.text == "m0" && call_no == 0) return FakeProvider::Transient("timeout");
    return FakeProvider::Accepted(1);
  });

  RunUntilIdle();
  clock_.Advance(kPastAnyBackoff);
  RunUntilIdle();

  std::vector<std::string> texts;
  for (const auto& m : provider_->Seen()) texts.push_back(m.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"m0", "m0", "m1", "m2", "m3"}));
  auto first = stack_->queue.GetDirectStatus(org_, ids[0]);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->status, "sent");
  EXPECT_EQ((*first)->attempts, 2);
  for (size_t i = 1; i < ids.size(); ++i) {
    auto s = stack_->queue.GetDirectStatus(org_, ids[i]);
    ASSERT_TRUE(s.ok() && s->has_value());
    EXPECT_EQ((*s)->status, "sent") << i;
    EXPECT_EQ((*s)->attempts, 1) << i;
  }
}

TEST_F(WorkerTest, PauseStopsSendingAndResumeSendsTheRestOnce) {
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());
  RunOnce();
  ASSERT_EQ(provider_->Count(), 8u);

  auto paused = stack_->queue.Pause(org_, c.id);
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(*paused, CampaignState::kPaused);
  RunUntilIdle();
  clock_.Advance(kLeaseMillis + 1);
  RunUntilIdle();
  EXPECT_EQ(provider_->Count(), 8u);
  EXPECT_EQ(State(c), CampaignState::kPaused);

  auto resumed = stack_->queue.Resume(org_, c.id);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(*resumed, CampaignState::kRunning);
  RunUntilIdle();

  const std::vector<std::string> ids = provider_->Ids();
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(Tally(ids).size(), 20u);
  ExpectEachOnce(ids);
  EXPECT_EQ(Stats(c)["sent"], 20);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(WorkerTest, PauseTakesEffectWithinOneGroupOfAChunk) {
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());
  // Paused while the first group (4) of the first chunk (8) is with the provider.
  provider_->SetResponder([&](const OutboundMessage&, int) {
    if (provider_->Count() == 2) {
      auto paused = stack_->queue.Pause(org_, c.id);
      EXPECT_TRUE(paused.ok()) << paused.status();
    }
    return FakeProvider::Accepted(1);
  });

  RunUntilIdle();
  EXPECT_EQ(provider_->Count(), 4u);
  EXPECT_EQ(Stats(c)["sent"], 4);
  EXPECT_EQ(State(c), CampaignState::kPaused);

  ASSERT_TRUE(stack_->queue.Resume(org_, c.id).ok());
  RunUntilIdle();
  const std::vector<std::string> ids = provider_->Ids();
  EXPECT_EQ(ids.size(), 20u);
  ExpectEachOnce(ids);
  EXPECT_EQ(Stats(c)["sent"], 20);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(WorkerTest, CancelStopsSendingAndLeavesTheRestPending) {
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());
  RunOnce();
  ASSERT_EQ(provider_->Count(), 8u);

  auto cancelled = stack_->queue.Cancel(org_, c.id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(*cancelled, CampaignState::kCancelled);
  RunUntilIdle();
  clock_.Advance(kLeaseMillis + 1);
  RunUntilIdle();

  EXPECT_EQ(provider_->Count(), 8u);
  auto stats = Stats(c);
  EXPECT_EQ(stats["sent"], 8);
  EXPECT_EQ(stats["pending"], 20 - 8);
  EXPECT_EQ(State(c), CampaignState::kCancelled);
}

TEST_F(WorkerTest, ChunkOfADeadWorkerIsFinishedAfterItsLeaseWithoutResending) {
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());
  // A worker claims a chunk, gets two messages accepted and recorded, and dies.
  auto claim = stack_->queue.ClaimChunk();
  ASSERT_TRUE(claim.ok() && claim->has_value());
  ASSERT_EQ((*claim)->messages.size(), 8u);
  std::vector<MessageOutcome> outcomes;
  std::set<std::string> recorded;
  for (size_t i = 0; i < 2; ++i) {
    MessageOutcome o;
    o.kind = MessageOutcome::Kind::kSent;
    o.message = (*claim)->messages[i];
    o.channel = "sms";
    o.provider_message_id = "before-the-crash";
    outcomes.push_back(o);
    recorded.insert(MessageId(c, o.message.index));
  }
  ASSERT_TRUE(stack_->queue.Record(org_, outcomes).ok());

  clock_.Advance(kLeaseMillis + 1);
  RunUntilIdle();

  const std::vector<std::string> ids = provider_->Ids();
  EXPECT_EQ(ids.size(), 18u);
  ExpectEachOnce(ids);
  for (const auto& id : ids) EXPECT_FALSE(recorded.contains(id)) << id << " was sent again";
  for (const ClaimedMessage& m : (*claim)->messages) {
    const std::string id = MessageId(c, m.index);
    if (!recorded.contains(id)) {
      EXPECT_EQ(provider_->CountOf(id), 1) << id;
    }
  }
  EXPECT_EQ(Stats(c)["sent"], 20);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

TEST_F(WorkerTest, RedisRestartMidCampaignSendsEveryMessageOnce) {
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());
  RunOnce();
  ASSERT_EQ(provider_->Count(), 8u);

  RestartRedis(/*crash=*/false);
  ReconnectPool();
  RunUntilIdle(/*tolerated_errors=*/3);

  const std::vector<std::string> ids = provider_->Ids();
  EXPECT_EQ(ids.size(), 20u);
  ExpectEachOnce(ids);
  EXPECT_EQ(Stats(c)["sent"], 20);
  EXPECT_EQ(State(c), CampaignState::kFinished);
}

// A worker waiting on a rate limit keeps renewing the leases of the scheduled items it holds, so
// a second worker cannot claim and send them again. Here every recipient's message is released
// together when quiet hours end (21:00-08:00 in Tokyo), the account allows 10 messages a minute,
// and a second worker polls once while the first waits.
TEST_F(WorkerTest, ScheduledItemsOfARateLimitedWorkerAreNotReclaimedAndSentTwice) {
  clock_.Set(UtcMillis(2026, 1, 15, 14, 30));  // 23:30 in Tokyo.
  const std::string tmpl = stack_->CreateTemplate(org_);
  stack_->CreateContacts(org_, 20, {"Tokyo", "Asia/Tokyo", {}});
  const Campaign c = stack_->Launch(org_, tmpl, stack_->CreateSegment(org_), "Morning",
                                    QuietHours{21 * 60, 8 * 60});
  ASSERT_FALSE(c.id.empty());
  RunUntilIdle();
  ASSERT_EQ(provider_->Count(), 0u);
  ASSERT_EQ(Stats(c)["deferred"], 20);

  stack_->BindAll(ProviderRate{/*per_second=*/0, /*per_minute=*/10});
  WorkerDeps deps = stack_->Deps();
  deps.sleep = [this](int64_t millis) { clock_.Advance(millis); };
  DeliveryWorker other(deps, Options());
  const int64_t released = UtcMillis(2026, 1, 15, 23, 0) + 1'000;  // 08:00:01 in Tokyo.
  clock_.Set(released);
  bool other_polled = false;
  on_sleep_ = [&](int64_t) {
    if (!other_polled && clock_.NowMillis() > released + kLeaseMillis) {
      other_polled = true;
      auto n = other.RunOnce();
      EXPECT_TRUE(n.ok()) << n.status();
    }
  };

  RunUntilIdle();

  EXPECT_TRUE(other_polled);
  const std::vector<std::string> ids = provider_->Ids();
  ExpectEachOnce(ids);
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(Stats(c)["sent"], 20);
}

// Several workers, two threads each, on the real clock and real sleeps.
TEST_F(WorkerTest, ThreeWorkersShareACampaignWithoutSendingAnythingTwice) {
  auto provider = std::make_shared<FakeProvider>();
  std::vector<std::unique_ptr<DeliveryStack>> stacks;
  for (int i = 0; i < 3; ++i) {
    stacks.push_back(
        std::make_unique<DeliveryStack>(&pool(), &SystemClock::Instance(), Queue(), provider));
  }
  DeliveryStack& admin = *stacks[0];
  const std::string org = admin.CreateOrg();
  admin.CreateContacts(org, 400);
  const Campaign c =
      admin.Launch(org, admin.CreateTemplate(org), admin.CreateSegment(org), "Everyone");
  ASSERT_FALSE(c.id.empty());
  ASSERT_EQ(c.queued, 400);

  WorkerOptions options = Options();
  options.threads = 2;
  std::vector<std::unique_ptr<DeliveryWorker>> workers;
  for (auto& s : stacks) {
    workers.push_back(std::make_unique<DeliveryWorker>(s->Deps(), options));
  }
  for (auto& w : workers) w->Start();
  std::map<std::string, int64_t> stats;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    stats = admin.Stats(org, c.id);
    if (stats["pending"] == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& w : workers) w->Stop();

  EXPECT_EQ(stats["pending"], 0);
  EXPECT_EQ(stats["sent"], 400);
  const std::vector<std::string> ids = provider->Ids();
  EXPECT_EQ(ids.size(), 400u);
  EXPECT_EQ(Tally(ids).size(), 400u);
  ExpectEachOnce(ids);
}

TEST_F(WorkerTest, LinksBecomePersonalTrackedLinksThatResolveToTheirOwner) {
  const auto people = stack_->CreateContacts(org_, 2);
  const Campaign c = stack_->Launch(
      org_,
      stack_->CreateTemplate(
          org_, "Hello {{contact.name}}, [take the survey](https://survey.example.org/s1)"),
      stack_->CreateSegment(org_));
  RunUntilIdle();
  const auto seen = provider_->Seen();
  ASSERT_EQ(seen.size(), 2u);
  std::set<std::string> tokens;
  for (const OutboundMessage& m : seen) {
    EXPECT_EQ(m.text.find("survey.example.org"), std::string::npos) << m.text;
    const size_t at = m.text.find("https://go.example.org/l/");
    ASSERT_NE(at, std::string::npos) << m.text;
    const std::string token = m.text.substr(at + 25, 18);
    tokens.insert(token);
    auto link = stack_->links.Resolve(token);
    ASSERT_TRUE(link.ok()) << link.status();
    EXPECT_EQ(link->target_url, "https://survey.example.org/s1");
    EXPECT_EQ(link->owner.campaign_id, c.id);
    EXPECT_EQ(m.to.empty(), false);
    bool owner_matches = false;
    for (const Contact& p : people) {
      if (p.id == link->owner.contact_id) owner_matches = m.to == p.addresses[0].value;
    }
    EXPECT_TRUE(owner_matches) << "the link names the contact it was sent to";
  }
  EXPECT_EQ(tokens.size(), 2u) << "one personal link per recipient";
  // The campaign's report counts the clicks and the people who clicked.
  CampaignResponses responses(&pool(), &clock_, stack_->queue.options().chunk_size);
  for (const std::string& token : tokens) {
    auto link = stack_->links.Resolve(token);
    ASSERT_TRUE(link.ok());
    ASSERT_TRUE(responses.CountClick(org_, c.id, link->owner.contact_id).ok());
  }
  auto first = stack_->links.Resolve(*tokens.begin());
  ASSERT_TRUE(responses.CountClick(org_, c.id, first->owner.contact_id).ok());
  EXPECT_EQ(Stats(c)["clicks"], 3);
  EXPECT_EQ(Stats(c)["people_clicked"], 2);
}

TEST_F(WorkerTest, APersonGetsCampaignMessagesInTheOrderTheCampaignsWereLaunched) {
  const std::string tmpl = stack_->CreateTemplate(org_);
  const auto both = stack_->CreateContacts(org_, 4, {"Both", "", {"a", "b"}});
  stack_->CreateContacts(org_, 60, {"OnlyA", "", {"a"}});
  stack_->CreateContacts(org_, 3, {"OnlyB", "", {"b"}});
  const Campaign a = stack_->Launch(org_, tmpl, stack_->CreateSegment(org_, "\"a\" in tags"), "a");
  const Campaign b = stack_->Launch(org_, tmpl, stack_->CreateSegment(org_, "\"b\" in tags"), "b");
  ASSERT_EQ(a.queued, 64);
  ASSERT_EQ(b.queued, 7);
  for (int round = 0; round < 20 && Stats(b)["pending"] > 0; ++round) {
    RunUntilIdle();
    clock_.Advance(2'100);
  }
  const auto seen = provider_->Seen();
  ASSERT_EQ(seen.size(), 71u);
  ExpectEachOnce(provider_->Ids());
  // For everyone in both audiences, campaign a's message goes first.
  for (const Contact& c : both) {
    int first_a = -1, first_b = -1;
    for (size_t i = 0; i < seen.size(); ++i) {
      if (seen[i].to != c.addresses[0].value) continue;
      const bool from_a = seen[i].message_id.starts_with(a.id + ":");
      if (from_a && first_a < 0) first_a = static_cast<int>(i);
      if (!from_a && first_b < 0) first_b = static_cast<int>(i);
    }
    ASSERT_GE(first_a, 0);
    ASSERT_GE(first_b, 0);
    EXPECT_LT(first_a, first_b) << c.name;
  }
  // Those only in b did not wait for a: they went out with b's first chunk, before a finished.
  size_t last_a = 0, first_only_b = seen.size();
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i].message_id.starts_with(a.id + ":")) last_a = i;
    if (seen[i].text.find("OnlyB") != std::string::npos) first_only_b = std::min(first_only_b, i);
  }
  EXPECT_LT(first_only_b, last_a);
  EXPECT_EQ(Stats(a)["sent"], 64);
  EXPECT_EQ(Stats(b)["sent"], 7);
}

TEST_F(WorkerTest, CancellingTheEarlierCampaignReleasesTheLaterOne) {
  const std::string tmpl = stack_->CreateTemplate(org_);
  stack_->CreateContacts(org_, 5, {"Both", "", {"a", "b"}});
  const Campaign a = stack_->Launch(org_, tmpl, stack_->CreateSegment(org_, "\"a\" in tags"), "a");
  ASSERT_TRUE(stack_->queue.Pause(org_, a.id).ok());
  const Campaign b = stack_->Launch(org_, tmpl, stack_->CreateSegment(org_, "\"b\" in tags"), "b");
  RunUntilIdle();
  EXPECT_EQ(provider_->Count(), 0u) << "b waits behind a, which is paused";
  ASSERT_TRUE(stack_->queue.Cancel(org_, a.id).ok());
  clock_.Advance(2'100);
  RunUntilIdle();
  EXPECT_EQ(Stats(b)["sent"], 5);
  EXPECT_EQ(Stats(a)["sent"], 0);
}

TEST_F(WorkerTest, AProviderThatIsDownOpensItsCircuitAndMessagesWaitInsteadOfFailing) {
  auto breaker = std::make_shared<CircuitBreakerProvider>(provider_, &clock_,
                                                          CircuitBreakerOptions{3, 30'000});
  stack_->providers.Bind(Channel::kSms, ProviderBinding{breaker, "fake-account", {}});
  std::atomic<bool> down{true};
  provider_->SetResponder([&](const OutboundMessage&, int) {
    return down ? FakeProvider::Transient("connect") : FakeProvider::Accepted(0);
  });
  const Campaign c = LaunchTo(20);
  ASSERT_FALSE(c.id.empty());
  // A long outage: far more passes than max_attempts (3), none of them fatal.
  for (int round = 0; round < 12; ++round) {
    RunUntilIdle();
    clock_.Advance(10'000);
  }
  EXPECT_TRUE(breaker->open());
  EXPECT_EQ(Stats(c)["dead"], 0);
  EXPECT_EQ(Stats(c)["failed"], 0);
  EXPECT_EQ(Stats(c)["pending"], 20);
  const size_t tried_while_down = provider_->Count();
  EXPECT_LT(tried_while_down, 40u) << "the open circuit kept the worker off the provider";
  down = false;
  for (int round = 0; round < 12 && Stats(c)["pending"] > 0; ++round) {
    clock_.Advance(30'000);
    RunUntilIdle();
  }
  EXPECT_EQ(Stats(c)["sent"], 20);
  EXPECT_FALSE(breaker->open());
}

}  // namespace
}  // namespace ogw::testing
