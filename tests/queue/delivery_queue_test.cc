#include "queue/delivery_queue.h"

#include <gtest/gtest.h>

#include <set>

#include "gateway/core/crypto.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw {
namespace {

using Kind = MessageOutcome::Kind;

class DeliveryQueueTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    FlushAll();
    ReconnectPool();
    QueueOptions options;
    options.chunk_size = 8;
    options.lease_millis = 30'000;
    queue_ = std::make_unique<DeliveryQueue>(&pool(), &clock_, options);
  }

  // `n` recipients with distinct contact ids, channel 1, address 0.
  std::string Packed(size_t n, std::vector<std::string>* ids = nullptr) {
    std::string packed;
    for (size_t i = 0; i < n; ++i) {
      QueuedRecipient r{NewId("c", clock_.NowMillis() + static_cast<int64_t>(i)), 1, 0};
      if (ids) ids->push_back(r.contact_id);
      EXPECT_TRUE(AppendRecipient(r, &packed).ok());
    }
    return packed;
  }

  // Claims every chunk and records every message with `kind`; returns the messages seen.
  std::vector<ClaimedMessage> DrainChunks(Kind kind) {
    std::vector<ClaimedMessage> seen;
    for (;;) {
      auto claim = queue_->ClaimChunk();
      EXPECT_TRUE(claim.ok()) << MessageOf(claim.status());
      if (!claim.ok() || !claim->has_value()) break;
      std::vector<MessageOutcome> outcomes;
      for (const ClaimedMessage& m : (*claim)->messages) {
        seen.push_back(m);
        MessageOutcome o;
        o.kind = kind;
        o.message = m;
        o.due_millis = clock_.NowMillis() + 1000;
        o.code = "x";
        o.reason = "why";
        o.channel = "sms";
        outcomes.push_back(o);
      }
      EXPECT_TRUE(queue_->Record((*claim)->org_id, outcomes).ok());
      EXPECT_TRUE(queue_->FinishChunk(**claim).ok());
    }
    return seen;
  }

  static MessageOutcome Outcome(const ClaimedMessage& m, Kind kind, int64_t due = 0) {
    MessageOutcome o;
    o.kind = kind;
    o.message = m;
    o.due_millis = due;
    o.channel = "sms";
    o.code = "http_503";
    o.reason = "unavailable";
    return o;
  }

  FakeClock clock_;
  std::unique_ptr<DeliveryQueue> queue_;
};

TEST_F(DeliveryQueueTest, EveryRecipientIsClaimedOnceAndCounted) {
  std::vector<std::string> ids;
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", Packed(21, &ids), 0).ok());
  const auto seen = DrainChunks(Kind::kSent);
  ASSERT_EQ(seen.size(), 21u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].index, static_cast<int64_t>(i));
    EXPECT_EQ(seen[i].recipient.contact_id, ids[i]);
  }
  auto stats = queue_->CampaignStats("o1", "k1");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ((*stats)["queued"], 21);
  EXPECT_EQ((*stats)["sent"], 21);
  EXPECT_EQ((*stats)["pending"], 0);
  EXPECT_EQ(**queue_->State("o1", "k1"), CampaignState::kFinished);
  // The finished campaign left the ring.
  EXPECT_FALSE(queue_->ClaimChunk()->has_value());
  EXPECT_EQ(queue_->LaneSizes("o1")->at("active_campaigns"), 0);
}

TEST_F(DeliveryQueueTest, EnqueueTwiceIsRefused) {
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", Packed(3), 0).ok());
  EXPECT_EQ(queue_->EnqueueCampaign("o1", "k1", Packed(3), 0).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(DeliveryQueueTest, ExpiredLeaseIsReclaimedAndSkipsWhatWasSent) {
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", Packed(8), 0).ok());
  auto first = queue_->ClaimChunk();
  ASSERT_TRUE(first.ok() && first->has_value());
  ASSERT_EQ((*first)->messages.size(), 8u);
  // The worker records three sends, then dies.
  std::vector<MessageOutcome> outcomes;
  for (int i = 0; i < 3; ++i) outcomes.push_back(Outcome((*first)->messages[i], Kind::kSent));
  ASSERT_TRUE(queue_->Record("o1", outcomes).ok());
  EXPECT_EQ(queue_->CampaignStats("o1", "k1")->at("in_flight"), 5);
  // Before the lease expires nobody else gets the chunk.
  EXPECT_FALSE(queue_->ClaimChunk()->has_value());
  clock_.Advance(30'001);
  EXPECT_EQ(queue_->CampaignStats("o1", "k1")->at("in_flight"), 0);  // Its worker is gone.
  auto second = queue_->ClaimChunk();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->chunk, (*first)->chunk);
  ASSERT_EQ((*second)->messages.size(), 5u);
  EXPECT_EQ((*second)->messages[0].index, 3);
  // The first worker comes back to life and records its sends again: counted once.
  ASSERT_TRUE(queue_->Record("o1", outcomes).ok());
  EXPECT_EQ(queue_->CampaignStats("o1", "k1")->at("sent"), 3);
}

TEST_F(DeliveryQueueTest, CampaignsShareWorkersRoundRobin) {
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "big", Packed(80), 0).ok());
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "small", Packed(5), 0).ok());
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    auto claim = queue_->ClaimChunk();
    ASSERT_TRUE(claim.ok() && claim->has_value());
    order.push_back((*claim)->campaign_id);
  }
  // The small campaign's only chunk is claimed second, not after the big one's ten.
  EXPECT_EQ(order[0], "big");
  EXPECT_EQ(order[1], "small");
  EXPECT_EQ(order[2], "big");
  EXPECT_EQ(order[3], "big");
}

TEST_F(DeliveryQueueTest, PauseStopsClaimsAndResumeContinuesWhereItStopped) {
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", Packed(16), 0).ok());
  auto claim = queue_->ClaimChunk();
  ASSERT_TRUE(claim.ok() && claim->has_value());
  std::vector<MessageOutcome> outcomes;
  for (int i = 0; i < 4; ++i) outcomes.push_back(Outcome((*claim)->messages[i], Kind::kSent));
  ASSERT_TRUE(queue_->Record("o1", outcomes).ok());
  ASSERT_EQ(*queue_->Pause("o1", "k1"), CampaignState::kPaused);
  ASSERT_TRUE(queue_->ReleaseChunk(**claim).ok());
  EXPECT_FALSE(queue_->ClaimChunk()->has_value());
  EXPECT_EQ(queue_->Pause("o1", "k1").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(*queue_->Resume("o1", "k1"), CampaignState::kRunning);
  const auto rest = DrainChunks(Kind::kSent);
  std::set<int64_t> indexes;
  for (const auto& m : rest) indexes.insert(m.index);
  EXPECT_EQ(rest.size(), 12u);  // The four sent before the pause are never offered again.
  EXPECT_EQ(indexes.count(0) + indexes.count(3), 0u);
  EXPECT_EQ(queue_->CampaignStats("o1", "k1")->at("sent"), 16);
}

TEST_F(DeliveryQueueTest, CancelDropsWhatIsNotSent) {
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", Packed(16), 0).ok());
  ASSERT_EQ(*queue_->Cancel("o1", "k1"), CampaignState::kCancelled);
  EXPECT_FALSE(queue_->ClaimChunk()->has_value());
  EXPECT_EQ(queue_->CampaignStats("o1", "k1")->at("pending"), 16);
  EXPECT_EQ(queue_->Resume("o1", "k1").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(queue_->Cancel("o1", "nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(DeliveryQueueTest, ScheduledCampaignWaitsForItsStart) {
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", Packed(4), clock_.NowMillis() + 60'000).ok());
  EXPECT_EQ(**queue_->State("o1", "k1"), CampaignState::kScheduled);
  EXPECT_FALSE(queue_->ClaimChunk()->has_value());
  clock_.Advance(60'000);
  auto claim = queue_->ClaimChunk();
  ASSERT_TRUE(claim.ok() && claim->has_value());
  EXPECT_EQ(**queue_->State("o1", "k1"), CampaignState::kRunning);
}

TEST_F(DeliveryQueueTest, DeadLettersArePagedWithBoundedWorkPerPage) {
  // Enough that Redis keeps them in a hash table (small hashes are answered whole).
  for (int i = 0; i < 1000; ++i) {
    const std::string id = "k9:" + std::to_string(i);
    ASSERT_TRUE(pool().Command({"HSET", keys::DeadLetters("o1"), id,
                                R"({"campaign":"k9","index":)" + std::to_string(i) + "}"})
                    .ok());
  }
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = queue_->ListDeadLetters("o1", cursor, 100);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->items.size(), 300u);
    for (const DeadLetter& d : page->items) seen.insert(d.id);
    cursor = page->next_cursor;
    ASSERT_LT(++pages, 50);
  } while (!cursor.empty());
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_GE(pages, 4);
}

TEST_F(DeliveryQueueTest, RetriesWaitInTheScheduledLaneThenDeadLetterAndRequeue) {
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", Packed(1), 0).ok());
  auto claim = queue_->ClaimChunk();
  ASSERT_TRUE(claim.ok() && claim->has_value());
  const int64_t due = clock_.NowMillis() + 5'000;
  MessageOutcome retry = Outcome((*claim)->messages[0], Kind::kRetry, due);
  ASSERT_TRUE(queue_->Record("o1", {&retry, 1}).ok());
  ASSERT_TRUE(queue_->FinishChunk(**claim).ok());
  EXPECT_TRUE(queue_->ClaimScheduled("o1", 10)->empty());  // Not yet due.
  clock_.Advance(5'000);
  auto due_items = queue_->ClaimScheduled("o1", 10);
  ASSERT_TRUE(due_items.ok());
  ASSERT_EQ(due_items->size(), 1u);
  const ClaimedMessage& m = (*due_items)[0];
  EXPECT_EQ(m.attempt, 1);
  EXPECT_EQ(m.recipient, (*claim)->messages[0].recipient);
  EXPECT_EQ(m.campaign_state, "running");
  // Leased: a second worker does not get it.
  EXPECT_TRUE(queue_->ClaimScheduled("o1", 10)->empty());
  MessageOutcome dead = Outcome(m, Kind::kDead);
  ASSERT_TRUE(queue_->Record("o1", {&dead, 1}).ok());
  auto letters = queue_->ListDeadLetters("o1");
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].id, "k1:0");
  EXPECT_EQ((*letters)[0].detail["attempts"], 2);
  EXPECT_EQ((*letters)[0].detail["code"], "http_503");
  EXPECT_EQ((*letters)[0].detail["contact_id"], m.recipient.contact_id);
  EXPECT_EQ(**queue_->State("o1", "k1"), CampaignState::kFinished);
  ASSERT_TRUE(queue_->RequeueDeadLetter("o1", "k1:0").ok());
  EXPECT_EQ(queue_->RequeueDeadLetter("o1", "k1:0").code(), absl::StatusCode::kNotFound);
  auto again = queue_->ClaimScheduled("o1", 10);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempt, 0);
  MessageOutcome sent = Outcome((*again)[0], Kind::kSent);
  ASSERT_TRUE(queue_->Record("o1", {&sent, 1}).ok());
  auto stats = *queue_->CampaignStats("o1", "k1");
  EXPECT_EQ(stats["sent"], 1);
  EXPECT_EQ(stats["dead"], 0);
  EXPECT_EQ(stats["retried"], 1);
  EXPECT_EQ(stats["requeued"], 1);
  EXPECT_EQ(**queue_->State("o1", "k1"), CampaignState::kFinished);
}

TEST_F(DeliveryQueueTest, DirectMessagesToOnePersonGoOutInOrderEvenAcrossRetries) {
  const std::string alice = NewId("c", 1);
  const std::string bob = NewId("c", 2);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto id = queue_->EnqueueDirect("o1", {alice, 1, 0, {{"text", "a" + std::to_string(i)}}, 0});
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  ASSERT_TRUE(queue_->EnqueueDirect("o1", {bob, 1, 0, {{"text", "b"}}, 0}).ok());
  // One per person at a time: alice's first and bob's.
  auto claimed = queue_->ClaimDirect("o1", 10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].direct_id, ids[0]);
  EXPECT_EQ(nlohmann::json::parse((*claimed)[0].payload)["text"], "a0");
  EXPECT_EQ((*claimed)[1].recipient.contact_id, bob);
  // Alice's first fails transiently: her second must not overtake it.
  MessageOutcome retry = Outcome((*claimed)[0], Kind::kRetry, clock_.NowMillis() + 2'000);
  ASSERT_TRUE(queue_->Record("o1", {&retry, 1}).ok());
  EXPECT_TRUE(queue_->ClaimDirect("o1", 10)->empty());
  EXPECT_EQ(queue_->GetDirectStatus("o1", ids[0])->value().status, "retrying");
  clock_.Advance(2'000);
  auto again = queue_->ClaimDirect("o1", 10);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].direct_id, ids[0]);
  EXPECT_EQ((*again)[0].attempt, 1);
  MessageOutcome sent = Outcome((*again)[0], Kind::kSent);
  sent.provider_message_id = "p-1";
  ASSERT_TRUE(queue_->Record("o1", {&sent, 1}).ok());
  auto status = queue_->GetDirectStatus("o1", ids[0]);
  EXPECT_EQ((*status)->status, "sent");
  EXPECT_EQ((*status)->attempts, 2);
  EXPECT_EQ((*status)->provider_message_id, "p-1");
  auto next = queue_->ClaimDirect("o1", 10);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].direct_id, ids[1]);
}

TEST_F(DeliveryQueueTest, DirectLeaseExpiresForADeadWorker) {
  const std::string alice = NewId("c", 1);
  auto id = queue_->EnqueueDirect("o1", {alice, 1, 0, {{"text", "hi"}}, 0});
  ASSERT_EQ(queue_->ClaimDirect("o1", 10)->size(), 1u);
  EXPECT_TRUE(queue_->ClaimDirect("o1", 10)->empty());
  clock_.Advance(30'001);
  auto again = queue_->ClaimDirect("o1", 10);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].direct_id, *id);
}

TEST_F(DeliveryQueueTest, QueueSurvivesARedisCrash) {
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", Packed(16), 0).ok());
  auto claim = queue_->ClaimChunk();
  std::vector<MessageOutcome> outcomes;
  for (int i = 0; i < 2; ++i) outcomes.push_back(Outcome((*claim)->messages[i], Kind::kSent));
  ASSERT_TRUE(queue_->Record("o1", outcomes).ok());
  // appendfsync everysec: give the AOF its second.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  RestartRedis(/*crash=*/true);
  ReconnectPool();
  clock_.Advance(30'001);
  const auto rest = DrainChunks(Kind::kSent);
  EXPECT_EQ(rest.size(), 14u);
  EXPECT_EQ(queue_->CampaignStats("o1", "k1")->at("sent"), 16);
}

TEST_F(DeliveryQueueTest, AQueuedMessageCostsUnderHundredBytes) {
  QueueOptions options;  // Production chunk size.
  DeliveryQueue queue(&pool(), &clock_, options);
  const size_t n = 20'000;
  const auto before = pool().Command({"INFO", "memory"});
  ASSERT_TRUE(before.ok());
  auto used = [&] {
    const std::string info = pool().Command({"INFO", "memory"})->str;
    const size_t at = info.find("used_memory:");
    return std::stoll(info.substr(at + 12));
  };
  const int64_t start = used();
  ASSERT_TRUE(queue.EnqueueCampaign("o1", "k1", Packed(n), 0).ok());
  const int64_t per_message = (used() - start) / static_cast<int64_t>(n);
  EXPECT_LE(per_message, 100) << per_message << " bytes per message";
}

// What erasure leaves of a person in the queue: nothing, in any state a message can be in.
TEST_F(DeliveryQueueTest, ForgetContactRemovesEveryStateOfThatPersonsMessagesOnly) {
  const std::string alice = NewId("c", 1);
  const std::string bob = NewId("c", 2);
  const uint8_t sms = 1;
  const uint8_t channels[] = {0, 1, 2, 3, 4};
  // Alice: one message retried (its lane member changed), one dead-lettered, one queued on
  // another channel, one already sent, and a campaign message dead-lettered.
  auto retried = queue_->EnqueueDirect("o1", {alice, sms, 0, {{"text", "Alice one"}}, 0});
  auto queued = queue_->EnqueueDirect("o1", {alice, 0, 0, {{"text", "Alice two"}}, 0});
  auto bobs = queue_->EnqueueDirect("o1", {bob, sms, 0, {{"text", "Bob one"}}, 0});
  ASSERT_TRUE(retried.ok() && queued.ok() && bobs.ok());
  auto claimed = queue_->ClaimDirect("o1", 10);
  ASSERT_EQ(claimed->size(), 3u);
  std::vector<MessageOutcome> outcomes;
  for (const ClaimedMessage& m : *claimed) {
    if (m.direct_id == *retried) outcomes.push_back(Outcome(m, Kind::kRetry, clock_.NowMillis()));
    if (m.direct_id == *queued) outcomes.push_back(Outcome(m, Kind::kSent));
    if (m.direct_id == *bobs) outcomes.push_back(Outcome(m, Kind::kDead));
  }
  ASSERT_TRUE(queue_->Record("o1", outcomes).ok());
  auto dead = queue_->EnqueueDirect("o1", {alice, sms, 0, {{"text", "Alice three"}}, 0});
  ASSERT_TRUE(dead.ok());
  auto again = queue_->ClaimDirect("o1", 10);  // Alice's retry, due now.
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempt, 1);
  const ClaimedMessage held = (*again)[0];  // A worker holds it while she is erased.
  QueuedRecipient in_campaign{alice, sms, 0};
  std::string packed;
  ASSERT_TRUE(AppendRecipient(in_campaign, &packed).ok());
  ASSERT_TRUE(AppendRecipient({bob, sms, 0}, &packed).ok());
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", packed, 0).ok());
  auto chunk = queue_->ClaimChunk();
  ASSERT_TRUE(chunk.ok() && chunk->has_value());
  std::vector<MessageOutcome> dead_letters;
  for (const ClaimedMessage& m : (*chunk)->messages) dead_letters.push_back(Outcome(m, Kind::kDead));
  ASSERT_TRUE(queue_->Record("o1", dead_letters).ok());
  ASSERT_EQ(queue_->ListDeadLetters("o1")->size(), 3u);  // Bob's direct, both campaign ones.

  ASSERT_TRUE(queue_->ForgetContact("o1", alice, channels).ok());

  // Nothing of Alice's is left in the lane (Bob's only message is a dead letter), and Bob's
  // dead letters remain.
  EXPECT_EQ(queue_->LaneSizes("o1")->at("direct"), 0);
  auto letters = queue_->ListDeadLetters("o1");
  ASSERT_EQ(letters->size(), 2u);
  for (const DeadLetter& d : *letters) EXPECT_EQ(d.detail.dump().find(alice), std::string::npos);
  for (const auto* id : {&*retried, &*queued, &*dead}) {
    EXPECT_FALSE(queue_->GetDirectStatus("o1", *id)->has_value());
    EXPECT_FALSE(queue_->GetDirectPayload("o1", *id)->has_value());
  }
  EXPECT_TRUE(queue_->GetDirectPayload("o1", *bobs)->has_value());
  auto everything = pool().Command({"KEYS", "*"});
  for (const RedisReply& key : everything->elements) {
    EXPECT_EQ(key.str.find(alice), std::string::npos) << key.str;
    auto type = pool().Command({"TYPE", key.str});
    if (type->str != "hash") continue;
    auto fields = pool().Command({"HGETALL", key.str});
    for (const RedisReply& f : fields->elements) {
      EXPECT_EQ(f.str.find(alice), std::string::npos) << key.str << " holds " << f.str;
      EXPECT_EQ(f.str.find("Alice"), std::string::npos) << key.str << " holds " << f.str;
    }
  }
  // The worker's late outcome changes nothing and brings nothing back.
  MessageOutcome late = Outcome(held, Kind::kRetry, clock_.NowMillis());
  ASSERT_TRUE(queue_->Record("o1", {&late, 1}).ok());
  EXPECT_EQ(queue_->LaneSizes("o1")->at("direct"), 0);
  EXPECT_FALSE(queue_->GetDirectStatus("o1", held.direct_id)->has_value());
  // Bob's dead letter still requeues.
  ASSERT_TRUE(queue_->RequeueDeadLetter("o1", *bobs).ok());
  EXPECT_EQ(queue_->ClaimDirect("o1", 10)->size(), 1u);
}

// A message queued before lane members were recorded (no "<id>:m") is still found.
TEST_F(DeliveryQueueTest, ForgetContactFindsMessagesQueuedBeforeTheirMemberWasRecorded) {
  const std::string alice = NewId("c", 1);
  const std::string bob = NewId("c", 2);
  const uint8_t channels[] = {1};
  auto id = queue_->EnqueueDirect("o1", {alice, 1, 0, {{"text", "old"}}, 0});
  ASSERT_TRUE(queue_->EnqueueDirect("o1", {bob, 1, 0, {{"text", "bob"}}, 0}).ok());
  ASSERT_TRUE(pool().Command({"HDEL", keys::DirectMessages("o1"), *id + ":m"}).ok());
  ASSERT_TRUE(queue_->ForgetContact("o1", alice, channels).ok());
  auto lane = pool().Command({"ZRANGE", keys::DirectLane("o1"), "0", "-1"});
  ASSERT_EQ(lane->elements.size(), 1u);
  EXPECT_TRUE(lane->elements[0].str.starts_with(bob + "|"));
}

// Erasure is proportional to the person's own messages: with a million queued messages of
// other people present, it does not scan the lane (the old script read the whole lane inside
// one call and held Redis for every organisation for about a second).
TEST_F(DeliveryQueueTest, ForgetContactAmongAMillionQueuedMessagesTouchesOnlyItsOwn) {
  const std::string lane = keys::DirectLane("o1");
  const RedisScript fill(R"lua(
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  redis.call('ZADD', KEYS[1], i, string.format('c_other%07d|1|0|m_%07d|0', i, i))
end
return 1
)lua");
  for (int start = 0; start < 1'000'000; start += 100'000) {
    ASSERT_TRUE(pool().Eval(fill, {lane}, {std::to_string(start),
                                           std::to_string(start + 99'999)}).ok());
  }
  const std::string alice = NewId("c", 1);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(queue_->EnqueueDirect("o1", {alice, 1, 0, {{"text", "hi"}}, 0}).ok());
  }
  ASSERT_EQ(pool().Command({"ZCARD", lane})->integer, 1'000'003);
  // Redis's own record of slow commands: anything over 100 ms is logged. Scanning the lane
  // takes far longer than that; the person's own three messages far less.
  ASSERT_TRUE(pool().Command({"CONFIG", "SET", "slowlog-log-slower-than", "100000"}).ok());
  ASSERT_TRUE(pool().Command({"SLOWLOG", "RESET"}).ok());
  const uint8_t channels[] = {0, 1, 2, 3, 4};
  ASSERT_TRUE(queue_->ForgetContact("o1", alice, channels).ok());
  auto slow = pool().Command({"SLOWLOG", "GET", "10"});
  ASSERT_TRUE(slow.ok());
  EXPECT_TRUE(slow->elements.empty()) << "erasure ran a command over 100 ms";
  EXPECT_EQ(pool().Command({"ZCARD", lane})->integer, 1'000'000);
  ASSERT_TRUE(pool().Command({"CONFIG", "SET", "slowlog-log-slower-than", "10000"}).ok());
}

// A worker of an older version moved a message to its next attempt without recording the new
// lane member: erasure still removes the entry.
TEST_F(DeliveryQueueTest, ForgetContactFindsAMessageMovedWithoutItsMember) {
  const std::string alice = NewId("c", 1);
  const uint8_t channels[] = {1};
  auto id = queue_->EnqueueDirect("o1", {alice, 1, 0, {{"text", "hi"}}, 0});
  ASSERT_TRUE(id.ok());
  const std::string lane = keys::DirectLane("o1");
  auto members = pool().Command({"ZRANGE", lane, "0", "-1"});
  ASSERT_EQ(members->elements.size(), 1u);
  const std::string first = members->elements[0].str;
  const std::string next = first.substr(0, first.rfind('|')) + "|1";
  ASSERT_TRUE(pool().Command({"ZREM", lane, first}).ok());
  ASSERT_TRUE(pool().Command({"ZADD", lane, "5", next}).ok());
  ASSERT_TRUE(pool().Command({"HSET", keys::DirectMessages("o1"), *id + ":s",
                              R"({"status":"retrying","attempts":1})"}).ok());
  ASSERT_TRUE(queue_->ForgetContact("o1", alice, channels).ok());
  EXPECT_EQ(pool().Command({"ZCARD", lane})->integer, 0);
}

// While a person is being erased the queue takes nothing new for them, and a campaign message
// a worker held when the erasure began leaves no dead letter naming them.
TEST_F(DeliveryQueueTest, APersonBeingErasedGetsNoNewMessageAndNoDeadLetter) {
  std::vector<std::string> ids;
  ASSERT_TRUE(queue_->EnqueueCampaign("o1", "k1", Packed(2, &ids), 0).ok());
  auto chunk = queue_->ClaimChunk();
  ASSERT_TRUE(chunk.ok() && chunk->has_value());
  const std::string erased = (*chunk)->messages[0].recipient.contact_id;
  ASSERT_TRUE(pool().Command({"SET", keys::ErasedContact("o1", Sha1Hex(erased)), "1", "EX",
                              "86400"}).ok());
  EXPECT_EQ(queue_->EnqueueDirect("o1", {erased, 1, 0, {{"text", "hi"}}, 0}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(queue_->LaneSizes("o1")->at("direct"), 0);
  std::vector<MessageOutcome> dead;
  for (const ClaimedMessage& m : (*chunk)->messages) dead.push_back(Outcome(m, Kind::kDead));
  ASSERT_TRUE(queue_->Record("o1", dead).ok());
  auto letters = queue_->ListDeadLetters("o1");
  ASSERT_EQ(letters->size(), 1u);  // The other person's only.
  EXPECT_NE((*letters)[0].detail["contact_id"], erased);
  EXPECT_EQ(queue_->CampaignStats("o1", "k1")->at("dead"), 2);  // Both still counted.
  EXPECT_EQ(pool().Command({"EXISTS", keys::ContactDeadLetters("o1", erased)})->integer, 0);
  // Someone else is not affected.
  const std::string other = ids[0] == erased ? ids[1] : ids[0];
  EXPECT_TRUE(queue_->EnqueueDirect("o1", {other, 1, 0, {{"text", "hi"}}, 0}).ok());
}

// Campaign dead letters recorded before they were indexed per person are found too (indexed
// once, at the organisation's first erasure); a requeued one leaves the person's index.
TEST_F(DeliveryQueueTest, ForgetContactFindsOlderDeadLettersAndRequeueLeavesTheIndex) {
  const std::string alice = NewId("c", 1);
  const std::string bob = NewId("c", 2);
  const uint8_t channels[] = {1};
  const std::string dead = keys::DeadLetters("o1");
  for (const auto& [field, contact] : {std::pair{"k9:3", alice}, std::pair{"k9:4", bob}}) {
    const nlohmann::json letter = {{"campaign", "k9"}, {"index", field[3] - '0'},
                                   {"contact_id", contact}, {"channel", "1"},
                                   {"address_index", 0}, {"attempts", 5}, {"code", "http_503"},
                                   {"reason", "unavailable"}, {"at", 1}};
    ASSERT_TRUE(pool().Command({"HSET", dead, field, letter.dump()}).ok());
  }
  ASSERT_TRUE(queue_->ForgetContact("o1", alice, channels).ok());
  auto left = pool().Command({"HKEYS", dead});
  ASSERT_EQ(left->elements.size(), 1u);
  EXPECT_EQ(left->elements[0].str, "k9:4");
  // Bob's older letter is now in his index; requeued, it leaves it.
  auto bobs = pool().Command({"SMEMBERS", keys::ContactDeadLetters("o1", bob)});
  ASSERT_EQ(bobs->elements.size(), 1u);
  ASSERT_TRUE(queue_->RequeueDeadLetter("o1", "k9:4").ok());
  EXPECT_EQ(pool().Command({"EXISTS", keys::ContactDeadLetters("o1", bob)})->integer, 0);
}

}  // namespace
}  // namespace ogw
