#include "queue/delivery_queue.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "gateway/core/channel.h"
#include "gateway/core/crypto.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "queue/campaign_keys.h"
#include "queue/cascade_sweep.lua.h"
#include "queue/claim_chunk.lua.h"
#include "queue/claim_direct.lua.h"
#include "queue/claim_scheduled.lua.h"
#include "queue/forget_contact.lua.h"
#include "queue/record_outcomes.lua.h"

namespace ogw {
namespace {

// "email:0,sms:1,...": the channels that reach a person, for the record script's reach byte.
std::string PersonChannelCodes() {
  std::string out;
  for (Channel c : kPersonChannels) {
    if (!out.empty()) out += ',';
    out += std::string(ChannelName(c)) + ":" + std::to_string(static_cast<int>(c));
  }
  return out;
}

// Every script touches the keys of one organisation only (one Redis Cluster slot). Key names
// come from C++ (key_schema.h, campaign_keys.h): as KEYS, or, for the campaigns a script finds
// in a lane, as a prefix and suffixes in ARGV.

// KEYS: state, meta, stats, active campaigns, launch sequence, launched campaigns, cascading
// campaigns.
// ARGV: total, chunks, start_at, initial state, campaign id, now, "1" for a cascade.
// A cascade joins the sweep in the same script that makes it visible: it can never run
// without its sweep.
const RedisScript kEnqueueScript(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[7] == '1' then redis.call('SADD', KEYS[7], ARGV[5]) end
redis.call('ZADD', KEYS[4], redis.call('INCR', KEYS[5]), ARGV[5])
redis.call('ZADD', KEYS[6], ARGV[6], ARGV[5])
redis.call('HSET', KEYS[2], 'total', ARGV[1], 'chunks', ARGV[2], 'next', 0, 'start_at', ARGV[3])
redis.call('HSET', KEYS[3], 'queued', ARGV[1])
redis.call('SET', KEYS[1], ARGV[4])
return 1
)lua");

// queue/claim_chunk.lua. KEYS: state, meta, leases, done, sent.
const RedisScript kClaimChunkScript{std::string(lua::kClaimChunk)};
struct ClaimChunkArgs {
  const CampaignKeys& campaign;
  int64_t now_ms;
  int64_t lease_ms;
  int64_t chunk_size;
  std::vector<std::string> Argv() const {
    return {campaign.chunk_prefix(),
            std::to_string(now_ms),
            std::to_string(lease_ms),
            std::to_string(chunk_size),
            std::string(CampaignStateName(CampaignState::kScheduled)),
            std::string(CampaignStateName(CampaignState::kRunning))};
  }
};

// KEYS: leases. ARGV: chunk, score. Renews (XX: only a lease that still exists).
const RedisScript kLeaseScript(R"lua(
return redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
)lua");

// queue/claim_scheduled.lua. KEYS: due.
const RedisScript kClaimScheduledScript{std::string(lua::kClaimScheduled)};
struct ClaimScheduledArgs {
  std::string_view org_id;
  int64_t now_ms;
  int64_t lease_ms;
  int64_t limit;
  int64_t chunk_size;
  int64_t record_bytes;
  std::vector<std::string> Argv() const {
    return {CampaignKeys::PrefixOfAll(org_id), std::to_string(now_ms),
            std::to_string(lease_ms),          std::to_string(limit),
            std::to_string(chunk_size),        std::to_string(record_bytes),
            std::string(CampaignKeys::kChunk), std::string(CampaignKeys::kState),
            std::string(CampaignKeys::kSent),  std::string(CampaignKeys::kStep),
            std::string(CampaignKeys::kSteps), std::string(CampaignKeys::kStepSent),
            std::string(CampaignKeys::kMeta)};
  }
};

// KEYS: direct, locks, messages, the contact's message ids, the contact's erasure mark.
// ARGV: id, member prefix (contact|channel|address), payload, due, person. 0 when the contact
// is being erased.
// The messages hash holds, per id: the payload (<id>), the status (<id>:s) and, while the
// message is in the lane, its current lane member (<id>:m), so erasure finds it directly.
const RedisScript kEnqueueDirectScript(R"lua(
if redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[5] .. '#last') or '0')
local score = tonumber(ARGV[4])
if score <= last then score = last + 0.001 end
local member = ARGV[2] .. '|' .. ARGV[1] .. '|0'
redis.call('HSET', KEYS[2], ARGV[5] .. '#last', string.format('%.3f', score))
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3],
           ARGV[1] .. ':s', cjson.encode({status = 'queued', attempts = 0}),
           ARGV[1] .. ':m', member)
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[1], string.format('%.3f', score), member)
return 1
)lua");

// queue/claim_direct.lua
const RedisScript kClaimDirectScript{std::string(lua::kClaimDirect)};

// queue/record_outcomes.lua. KEYS: due, direct, locks, messages, dead, active campaigns.
const RedisScript kRecordScript{std::string(lua::kRecordOutcomes)};
// Its arguments before the outcomes' fields.
struct RecordArgs {
  std::string_view org_id;
  int64_t now_ms;
  std::vector<std::string> Argv() const {
    return {CampaignKeys::PrefixOfAll(org_id),
            std::to_string(now_ms),
            keys::ContactDeadLetters(org_id, ""),
            keys::ErasedContact(org_id, ""),
            std::string(CampaignStateName(CampaignState::kRunning)),
            std::string(CampaignStateName(CampaignState::kFinished)),
            std::string(CampaignKeys::kDone),
            std::string(CampaignKeys::kSent),
            std::string(CampaignKeys::kFinal),
            std::string(CampaignKeys::kStats),
            std::string(CampaignKeys::kFail),
            std::string(CampaignKeys::kState),
            std::string(CampaignKeys::kMeta),
            std::string(CampaignKeys::kFailed),
            std::string(CampaignKeys::kSteps),
            std::string(CampaignKeys::kCascade),
            std::string(CampaignKeys::kStepSent),
            std::string(CampaignKeys::kReach),
            PersonChannelCodes()};
  }
};

// KEYS: state, active campaigns. ARGV: expected state, new state, campaign id, "1" when the
// campaign leaves the active set. Sets the state only if it is still the expected one (the
// transition table is in C++: campaign_state.cc). 0 when it changed meanwhile.
const RedisScript kTransitionScript(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[4] == '1' then redis.call('ZREM', KEYS[2], ARGV[3]) end
return 1
)lua");

// Every key is passed in KEYS (Redis Cluster routes by them): the caller read the dead letter
// first to name its campaign's keys, and the script refuses (-1) when it changed meanwhile.
// KEYS: due lane, direct lane, direct locks, dead letters, the campaign's stats and state
// (of campaign "_" for a direct message), direct messages, the contact's campaign dead letters,
// the campaign's cascade steps in play.
// ARGV: id, now, campaign or "", the campaign states "finished" and "running" (a finished
// campaign runs again for its requeued message).
const RedisScript kRequeueScript(R"lua(
local raw = redis.call('HGET', KEYS[4], ARGV[1])
if not raw then return 0 end
local d = cjson.decode(raw)
if (d.campaign or '') ~= ARGV[3] then return -1 end
if d.campaign then
  redis.call('ZADD', KEYS[1], ARGV[2], d.campaign .. ':' .. d.index .. ':0')
  redis.call('HINCRBY', KEYS[5], 'dead', -1)
  redis.call('HINCRBY', KEYS[5], 'requeued', 1)
  -- A cascade's later step goes back to the lane: open until it is recorded again.
  if redis.call('BITFIELD', KEYS[9], 'GET', 'u8', tonumber(d.index) * 8)[1] > 0 then
    redis.call('HINCRBY', KEYS[5], 'steps_open', 1)
  end
  if redis.call('GET', KEYS[6]) == ARGV[4] then redis.call('SET', KEYS[6], ARGV[5]) end
  redis.call('SREM', KEYS[8], ARGV[1])
else
  local prefix = string.match(d.member, '^(.*)|%d+$')
  redis.call('ZADD', KEYS[2], ARGV[2], prefix .. '|0')
  redis.call('HSET', KEYS[7], d.direct_id .. ':s', cjson.encode({status = 'queued', attempts = 0}),
             d.direct_id .. ':m', prefix .. '|0')
end
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
)lua");

// queue/forget_contact.lua
const RedisScript kForgetContactScript{std::string(lua::kForgetContact)};

std::string Num(int64_t v) { return std::to_string(v); }

// Bytes of a packed record that hold the contact id (see packed_recipients.h).
constexpr size_t kIdBytes = kIdChars;

int64_t ToInt(std::string_view s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool BitSet(std::string_view bytes, size_t i) {
  if (i / 8 >= bytes.size()) return false;
  return (static_cast<unsigned char>(bytes[i / 8]) & (0x80u >> (i % 8))) != 0;
}

std::string_view KindName(MessageOutcome::Kind kind) {
  switch (kind) {
    case MessageOutcome::Kind::kSent: return "sent";
    case MessageOutcome::Kind::kFailed: return "failed";
    case MessageOutcome::Kind::kRetry: return "retry";
    case MessageOutcome::Kind::kDeferred: return "deferred";
    case MessageOutcome::Kind::kDead: return "dead";
    case MessageOutcome::Kind::kDropped: return "dropped";
    case MessageOutcome::Kind::kHeld: return "held";
  }
  return "failed";
}

// Direct lane member: contact|channel|address|id|attempt. The person is contact|channel.
std::string DirectPrefix(const QueuedRecipient& r) {
  return r.contact_id + "|" + Num(r.channel) + "|" + Num(r.address_index);
}
std::string PersonOf(const QueuedRecipient& r) { return r.contact_id + "|" + Num(r.channel); }

absl::StatusOr<ClaimedMessage> ParseDirectMember(const std::string& member) {
  // contact | channel | address | id | attempt
  std::vector<std::string_view> parts;
  std::string_view rest = member;
  for (size_t pos; (pos = rest.find('|')) != std::string_view::npos;) {
    parts.push_back(rest.substr(0, pos));
    rest.remove_prefix(pos + 1);
  }
  parts.push_back(rest);
  if (parts.size() != 5) return absl::InternalError("direct lane: malformed member");
  ClaimedMessage m;
  m.lane = ClaimedMessage::Lane::kDirect;
  m.member = member;
  m.recipient.contact_id = std::string(parts[0]);
  m.recipient.channel = static_cast<uint8_t>(ToInt(parts[1]));
  m.recipient.address_index = static_cast<uint8_t>(ToInt(parts[2]));
  m.direct_id = std::string(parts[3]);
  m.attempt = static_cast<int>(ToInt(parts[4]));
  return m;
}

// The member an item gets when it goes back to its lane with `attempt`.
std::string NextMember(const ClaimedMessage& m, int attempt) {
  if (m.lane == ClaimedMessage::Lane::kDirect) {
    return DirectPrefix(m.recipient) + "|" + m.direct_id + "|" + Num(attempt);
  }
  return m.campaign_id + ":" + Num(m.index) + ":" + Num(attempt);
}

// Campaign dead letters recorded before they were indexed per person (the record script
// indexes every later one): indexed once per organisation, in pages, before its first erasure.
absl::Status IndexOlderDeadLetters(RedisPool& redis, std::string_view org_id) {
  const std::string flag = keys::DeadLettersIndexed(org_id);
  ASSIGN_OR_RETURN(RedisReply done, redis.Command({"EXISTS", flag}));
  if (done.integer == 1) return absl::OkStatus();
  const std::string dead = keys::DeadLetters(org_id);
  std::string cursor = "0";
  do {
    ASSIGN_OR_RETURN(RedisReply page, redis.Command({"HSCAN", dead, cursor, "COUNT", "500"}));
    if (page.elements.size() != 2) return absl::DataLossError("redis: unexpected HSCAN reply");
    cursor = page.elements[0].str;
    std::vector<std::vector<std::string>> adds;
    const auto& fields = page.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      const nlohmann::json letter = nlohmann::json::parse(fields[i + 1].str, nullptr, false);
      if (!letter.is_object() || !letter.contains("campaign")) continue;
      const auto contact = letter.find("contact_id");
      if (contact == letter.end() || !contact->is_string() || contact->get<std::string>().empty()) {
        continue;
      }
      adds.push_back({"SADD", keys::ContactDeadLetters(org_id, contact->get<std::string>()),
                      fields[i].str});
    }
    if (!adds.empty()) {
      ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis.Pipeline(adds));
      for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
    }
  } while (cursor != "0");
  return redis.Command({"SET", flag, "1"}).status();
}

// Writes a cascade's later steps and its settings (or, for `plan` null, clears any), before
// the campaign becomes visible.
absl::Status WriteCascade(RedisPool& redis, const CampaignKeys& p, const CascadePlan* cascade) {
  constexpr size_t kSlice = 4 << 20;
  std::vector<std::vector<std::string>> writes = {
      {"DEL", p.steps(), p.step(), p.step_sent(), p.cascade(), p.reach()},
      {"HDEL", p.meta(), "cascade_width", "cascade_after", "cascade_unanswered", "cascade_mode",
       "cascade_reporting"}};
  if (cascade == nullptr) {
    ASSIGN_OR_RETURN(std::vector<RedisReply> cleared, redis.Pipeline(writes));
    for (const RedisReply& r : cleared) RETURN_IF_ERROR(r.AsStatus());
    return absl::OkStatus();
  }
  const CascadePlan& plan = *cascade;
  for (size_t at = 0; at < plan.steps.size(); at += kSlice) {
    writes.push_back({"SETRANGE", p.steps(), Num(static_cast<int64_t>(at)),
                      plan.steps.substr(at, kSlice)});
  }
  writes.push_back({"HSET", p.meta(), "cascade_width", Num(static_cast<int64_t>(plan.width)),
                    "cascade_after", Num(plan.undelivered_after_millis), "cascade_unanswered",
                    Num(plan.unanswered_after_millis), "cascade_mode",
                    plan.mode == CascadePlan::Mode::kAll ? "all" : "cascade",
                    "cascade_reporting", plan.reporting_channels.empty()
                                             ? std::string("-")
                                             : plan.reporting_channels});
  ASSIGN_OR_RETURN(std::vector<RedisReply> written, redis.Pipeline(writes));
  for (const RedisReply& r : written) RETURN_IF_ERROR(r.AsStatus());
  return absl::OkStatus();
}

// queue/cascade_sweep.lua
const RedisScript kCascadeSweepScript{std::string(lua::kCascadeSweep)};
constexpr int64_t kPausedCascadeHoldMillis = 30'000;

}  // namespace

DeliveryQueue::DeliveryQueue(RedisPool* redis, const Clock* clock, QueueOptions options)
    : redis_(redis), clock_(clock), options_(options) {
  if (options_.chunk_size == 0 || options_.chunk_size % 8 != 0) options_.chunk_size = 1000;
}

absl::Status DeliveryQueue::EnqueueCampaign(std::string_view org_id,
                                            std::string_view campaign_id,
                                            std::string_view packed, int64_t start_at_millis,
                                            const AudienceRecords& audience,
                                            const CascadePlan* cascade) {
  if (packed.size() % kRecordBytes != 0) {
    return absl::InvalidArgumentError("enqueue: packed recipients are not whole records");
  }
  if (!audience.records.empty() &&
      (audience.width == 0 ||
       audience.records.size() != RecipientCount(packed) * audience.width)) {
    return absl::InvalidArgumentError("enqueue: one audience record per recipient expected");
  }
  if (cascade != nullptr && (cascade->width == 0 || cascade->width > 8 ||
                             cascade->steps.size() != RecipientCount(packed) * cascade->width * 2)) {
    return absl::InvalidArgumentError("enqueue: 1 to 8 cascade steps per recipient expected");
  }
  const CampaignKeys p(org_id, campaign_id);
  ASSIGN_OR_RETURN(RedisReply exists, redis_->Command({"EXISTS", p.state()}));
  if (exists.integer == 1) return absl::AlreadyExistsError("campaign already enqueued");

  // Chunks first: the campaign becomes visible only once they are all written, so a crash
  // mid-way leaves an invisible, re-launchable campaign rather than a partial one.
  const size_t total = RecipientCount(packed);
  const size_t chunk_bytes = options_.chunk_size * kRecordBytes;
  const size_t chunks = (packed.size() + chunk_bytes - 1) / chunk_bytes;
  constexpr size_t kChunksPerPipeline = 64;
  std::vector<std::vector<std::string>> batch;
  for (size_t n = 0; n < chunks; ++n) {
    batch.push_back({"SET", p.chunk(static_cast<int64_t>(n)),
                     std::string(packed.substr(n * chunk_bytes, chunk_bytes))});
    if (batch.size() == kChunksPerPipeline || n + 1 == chunks) {
      ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(batch));
      for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
      batch.clear();
    }
  }
  // The first contact of every chunk: recipients are sorted by contact id, so this finds the
  // chunk holding any contact (per-person ordering across campaigns).
  std::string firsts;
  for (size_t n = 0; n < chunks; ++n) firsts.append(packed.substr(n * chunk_bytes, kIdBytes));
  RETURN_IF_ERROR(redis_->Command({"SET", p.firsts(), firsts}).status());
  if (!audience.records.empty()) {
    // Written whole before the campaign is visible, like the chunks: in slices, so no command
    // carries more than a few MB.
    constexpr size_t kSlice = 4 << 20;
    std::vector<std::vector<std::string>> writes = {{"DEL", p.audience()}};
    for (size_t at = 0; at < audience.records.size(); at += kSlice) {
      writes.push_back({"SETRANGE", p.audience(), Num(static_cast<int64_t>(at)),
                        audience.records.substr(at, kSlice)});
    }
    std::vector<std::string> dict = {"HSET", p.audience_dict()};
    for (const auto& [field, value] : audience.dictionary) {
      dict.push_back(field);
      dict.push_back(value);
    }
    if (dict.size() > 2) writes.push_back(std::move(dict));
    ASSIGN_OR_RETURN(std::vector<RedisReply> written, redis_->Pipeline(writes));
    for (const RedisReply& r : written) RETURN_IF_ERROR(r.AsStatus());
  }
  // Written, or cleared: a launch that crashed after writing a cascade may be relaunched with
  // one channel.
  RETURN_IF_ERROR(WriteCascade(*redis_, p, cascade));
  const bool later = start_at_millis > clock_->NowMillis();
  ASSIGN_OR_RETURN(RedisReply created,
                   redis_->Eval(kEnqueueScript,
                                {p.state(), p.meta(), p.stats(), keys::ActiveCampaigns(org_id),
                                 keys::LaunchSequence(org_id), keys::LaunchedCampaigns(org_id),
                                 keys::CascadingCampaigns(org_id)},
                                {Num(static_cast<int64_t>(total)),
                                 Num(static_cast<int64_t>(chunks)), Num(start_at_millis),
                                 std::string(CampaignStateName(*NextCampaignState(
                                     CampaignState::kDraft, CampaignAction::kLaunch, !later))),
                                 std::string(campaign_id), Num(clock_->NowMillis()),
                                 cascade != nullptr ? "1" : "0"}));
  if (created.integer != 1) return absl::AlreadyExistsError("campaign already enqueued");
  if (chunks > 0) {
    ASSIGN_OR_RETURN(RedisReply pushed,
                     redis_->Command({"RPUSH", keys::CampaignRing(),
                                      std::string(org_id) + "/" + std::string(campaign_id)}));
    (void)pushed;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ChunkClaim>> DeliveryQueue::ClaimChunk() {
  ASSIGN_OR_RETURN(RedisReply len, redis_->Command({"LLEN", keys::CampaignRing()}));
  for (int64_t tries = 0; tries < len.integer; ++tries) {
    ASSIGN_OR_RETURN(RedisReply entry, redis_->Command({"LMOVE", keys::CampaignRing(),
                                                        keys::CampaignRing(), "LEFT", "RIGHT"}));
    if (entry.IsNil()) return std::nullopt;
    const size_t slash = entry.str.find('/');
    if (slash == std::string::npos) {
      RETURN_IF_ERROR(redis_->Command({"LREM", keys::CampaignRing(), "0", entry.str}).status());
      continue;
    }
    const std::string org = entry.str.substr(0, slash);
    const std::string campaign = entry.str.substr(slash + 1);
    const CampaignKeys p(org, campaign);
    ASSIGN_OR_RETURN(
        RedisReply reply,
        redis_->Eval(kClaimChunkScript, {p.state(), p.meta(), p.leases(), p.done(), p.sent()},
                     ClaimChunkArgs{p, clock_->NowMillis(), options_.lease_millis,
                                    static_cast<int64_t>(options_.chunk_size)}
                         .Argv()));
    if (reply.elements.empty()) return absl::InternalError("claim chunk: empty reply");
    const std::string& status = reply.elements[0].str;
    if (status == "ok" && reply.elements.size() == 5) {
      ChunkClaim claim;
      claim.org_id = org;
      claim.campaign_id = campaign;
      claim.chunk = reply.elements[1].integer;
      const std::string& packed = reply.elements[2].str;
      const std::string& done = reply.elements[3].str;
      const std::string& sent = reply.elements[4].str;
      const int64_t first = claim.chunk * static_cast<int64_t>(options_.chunk_size);
      for (size_t i = 0; i < RecipientCount(packed); ++i) {
        if (BitSet(done, i) || BitSet(sent, i)) continue;
        ASSIGN_OR_RETURN(QueuedRecipient r, RecipientAt(packed, i));
        ClaimedMessage m;
        m.lane = ClaimedMessage::Lane::kChunk;
        m.campaign_id = campaign;
        m.index = first + static_cast<int64_t>(i);
        m.recipient = std::move(r);
        claim.messages.push_back(std::move(m));
      }
      return claim;
    }
    const std::optional<CampaignState> state = ParseCampaignState(status);
    if (status == "drained" || status == "gone" || state == CampaignState::kCancelled ||
        state == CampaignState::kFinished) {
      // Nothing left to claim: leave the ring (retries live in the scheduled lane).
      RETURN_IF_ERROR(redis_->Command({"LREM", keys::CampaignRing(), "0", entry.str}).status());
    }
    // "paused", "scheduled", "busy": stay in the ring, try the next campaign.
  }
  return std::nullopt;
}

absl::Status DeliveryQueue::RenewChunk(const ChunkClaim& claim) {
  const CampaignKeys p(claim.org_id, claim.campaign_id);
  return redis_
      ->Eval(kLeaseScript, {p.leases()},
             {Num(claim.chunk), Num(clock_->NowMillis() + options_.lease_millis)})
      .status();
}

absl::Status DeliveryQueue::ReleaseChunk(const ChunkClaim& claim) {
  const CampaignKeys p(claim.org_id, claim.campaign_id);
  return redis_->Eval(kLeaseScript, {p.leases()}, {Num(claim.chunk), "0"}).status();
}

absl::Status DeliveryQueue::FinishChunk(const ChunkClaim& claim) {
  const CampaignKeys p(claim.org_id, claim.campaign_id);
  return redis_->Command({"ZREM", p.leases(), Num(claim.chunk)}).status();
}

absl::Status DeliveryQueue::RenewItems(std::string_view org_id,
                                       std::span<const ClaimedMessage> messages) {
  const std::string until = Num(clock_->NowMillis() + options_.lease_millis);
  std::vector<std::vector<std::string>> commands;
  for (const ClaimedMessage& m : messages) {
    if (m.lane == ClaimedMessage::Lane::kChunk) continue;
    // XX: a recorded item is gone and stays gone; GT: never earlier than it already is.
    commands.push_back({"ZADD",
                        m.lane == ClaimedMessage::Lane::kDirect ? keys::DirectLane(org_id)
                                                                 : keys::DueLane(org_id),
                        "XX", "GT", until, m.member});
  }
  if (commands.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(commands));
  for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return absl::OkStatus();
}

absl::StatusOr<std::set<std::string>> DeliveryQueue::WaitingBehindEarlier(
    std::string_view org_id, std::string_view campaign_id,
    const std::vector<QueuedRecipient>& recipients) {
  std::set<std::string> waiting;
  if (recipients.empty()) return waiting;
  const std::string active = keys::ActiveCampaigns(org_id);
  ASSIGN_OR_RETURN(RedisReply mine, redis_->Command({"ZSCORE", active, std::string(campaign_id)}));
  ASSIGN_OR_RETURN(RedisReply earlier,
                   redis_->Command({"ZRANGEBYSCORE", active, "-inf",
                                    mine.IsNil() ? "+inf" : "(" + mine.str}));
  const int64_t size = static_cast<int64_t>(options_.chunk_size);
  for (const RedisReply& e : earlier.elements) {
    if (e.str == campaign_id) continue;
    const CampaignKeys p(org_id, e.str);
    ASSIGN_OR_RETURN(RedisReply firsts_reply, redis_->Command({"GET", p.firsts()}));
    const std::string& firsts = firsts_reply.str;
    // Which chunk of the earlier campaign could hold each recipient.
    std::map<int64_t, std::vector<const QueuedRecipient*>> by_chunk;
    for (const QueuedRecipient& r : recipients) {
      if (r.contact_id.size() != kIdBytes + 2) continue;
      const std::optional<size_t> n =
          ChunkHolding(firsts, std::string_view(r.contact_id).substr(2));
      if (n) by_chunk[static_cast<int64_t>(*n)].push_back(&r);
    }
    if (by_chunk.empty()) continue;
    std::vector<std::vector<std::string>> gets;
    for (const auto& [n, _] : by_chunk) gets.push_back({"GET", p.chunk(n)});
    ASSIGN_OR_RETURN(std::vector<RedisReply> chunks, redis_->Pipeline(gets));
    std::vector<std::vector<std::string>> bits;
    std::vector<const QueuedRecipient*> candidates;
    size_t k = 0;
    for (const auto& [n, rs] : by_chunk) {
      const std::string& chunk = chunks[k++].str;
      for (const QueuedRecipient* r : rs) {
        const std::optional<size_t> lo =
            FindRecipient(chunk, std::string_view(r->contact_id).substr(2));
        if (!lo || static_cast<uint8_t>(chunk[*lo * kRecordBytes + kIdBytes]) != r->channel) {
          continue;  // Not in that campaign on this channel.
        }
        bits.push_back({"GETBIT", p.final(), Num(n * size + static_cast<int64_t>(*lo))});
        candidates.push_back(r);
      }
    }
    if (bits.empty()) continue;
    ASSIGN_OR_RETURN(std::vector<RedisReply> settled, redis_->Pipeline(bits));
    for (size_t i = 0; i < settled.size(); ++i) {
      if (settled[i].integer == 0) waiting.insert(candidates[i]->contact_id);
    }
  }
  return waiting;
}

absl::StatusOr<std::vector<ClaimedMessage>> DeliveryQueue::ClaimScheduled(
    std::string_view org_id, size_t limit) {
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_->Eval(
          kClaimScheduledScript, {keys::DueLane(org_id)},
          ClaimScheduledArgs{org_id, clock_->NowMillis(), options_.lease_millis,
                             static_cast<int64_t>(limit), static_cast<int64_t>(options_.chunk_size),
                             static_cast<int64_t>(kRecordBytes)}
              .Argv()));
  std::vector<ClaimedMessage> out;
  for (size_t i = 0; i + 4 < reply.elements.size(); i += 5) {
    ClaimedMessage m;
    m.lane = ClaimedMessage::Lane::kScheduled;
    m.member = reply.elements[i].str;
    const size_t c1 = m.member.find(':');
    const size_t c2 = m.member.find(':', c1 + 1);
    m.campaign_id = m.member.substr(0, c1);
    m.index = ToInt(std::string_view(m.member).substr(c1 + 1, c2 - c1 - 1));
    m.attempt = static_cast<int>(ToInt(std::string_view(m.member).substr(c2 + 1)));
    m.campaign_state = reply.elements[i + 2].str;
    m.already_sent = reply.elements[i + 3].integer == 1;
    m.step = static_cast<int>(reply.elements[i + 4].integer);
    auto r = RecipientAt(reply.elements[i + 1].str, 0);
    if (r.ok()) {
      m.recipient = *std::move(r);
    } else {
      m.campaign_state = "gone";  // Its campaign's chunks were cleaned up.
    }
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<size_t> DeliveryQueue::SweepCascades(std::string_view org_id, size_t limit) {
  ASSIGN_OR_RETURN(RedisReply campaigns,
                   redis_->Command({"SMEMBERS", keys::CascadingCampaigns(org_id)}));
  size_t queued = 0;
  absl::Status first_error;
  for (const RedisReply& id : campaigns.elements) {
    // One campaign's trouble does not hold up the others'.
    absl::Status swept = SweepCascade(org_id, id.str, limit, &queued);
    if (!swept.ok() && first_error.ok()) first_error = swept;
  }
  if (!first_error.ok()) return first_error;
  return queued;
}

absl::Status DeliveryQueue::SweepCascade(std::string_view org_id, std::string_view campaign_id,
                                         size_t limit, size_t* queued) {
  // Batch after batch while they come full (an "all" campaign of a million people moves a
  // million steps at once), within a bound per sweep.
  constexpr int kMaxBatches = 200;
  const CampaignKeys p(org_id, campaign_id);
  ASSIGN_OR_RETURN(RedisReply reporting, redis_->Command({"HGET", p.meta(), "cascade_reporting"}));
  for (int batch = 0; batch < kMaxBatches; ++batch) {
    ASSIGN_OR_RETURN(
        RedisReply swept,
        redis_->Eval(kCascadeSweepScript,
                     {p.cascade(), keys::DueLane(org_id), p.state(), p.step(), p.steps(), p.sent(),
                      p.step_sent(), p.delivered(), p.undelivered(), p.replied(), p.opted_out(),
                      p.clicked(), p.completed(), p.stats(), p.meta(), p.fail(), p.failed(),
                      p.final(), keys::ActiveCampaigns(org_id), keys::CascadingCampaigns(org_id)},
                     {Num(clock_->NowMillis()), Num(static_cast<int64_t>(limit)),
                      std::string(campaign_id),
                      std::string(CampaignStateName(CampaignState::kRunning)),
                      std::string(CampaignStateName(CampaignState::kPaused)),
                      std::string(CampaignStateName(CampaignState::kScheduled)),
                      std::string(CampaignStateName(CampaignState::kFinished)),
                      Num(kPausedCascadeHoldMillis), reporting.IsNil() ? "" : reporting.str,
                      p.chunk_prefix(), Num(static_cast<int64_t>(options_.chunk_size)),
                      Num(static_cast<int64_t>(kRecordBytes))}));
    if (swept.elements.size() < 2) return absl::InternalError("cascade sweep: unexpected reply");
    const int64_t steps = swept.elements[0].integer;
    *queued += static_cast<size_t>(steps);
    if (steps + swept.elements[1].integer < static_cast<int64_t>(limit)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DeliveryQueue::EnqueueDirect(std::string_view org_id,
                                                         const DirectMessageInput& input) {
  if (!IsWellFormedId(input.contact_id, "c")) {
    return absl::InvalidArgumentError("direct message: malformed contact id");
  }
  const int64_t now = clock_->NowMillis();
  const std::string id = NewId("m", now);
  QueuedRecipient r{input.contact_id, input.channel, input.address_index};
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_->Eval(kEnqueueDirectScript,
                   {keys::DirectLane(org_id), keys::DirectLocks(org_id),
                    keys::DirectMessages(org_id),
                    keys::ContactDirectMessages(org_id, input.contact_id),
                    keys::ErasedContact(org_id, Sha1Hex(input.contact_id))},
                   {id, DirectPrefix(r), input.payload.dump(),
                    Num(std::max(now, input.send_at_millis)), PersonOf(r)}));
  if (reply.integer != 1) return absl::NotFoundError("contact not found");
  return id;
}

absl::StatusOr<std::vector<ClaimedMessage>> DeliveryQueue::ClaimDirect(std::string_view org_id,
                                                                       size_t limit) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_->Eval(kClaimDirectScript,
                                {keys::DirectLane(org_id), keys::DirectLocks(org_id),
                                 keys::DirectMessages(org_id)},
                                {Num(clock_->NowMillis()), Num(options_.lease_millis),
                                 Num(static_cast<int64_t>(limit))}));
  std::vector<ClaimedMessage> out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    ASSIGN_OR_RETURN(ClaimedMessage m, ParseDirectMember(reply.elements[i].str));
    m.payload = reply.elements[i + 1].str;
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<std::optional<DirectStatus>> DeliveryQueue::GetDirectStatus(
    std::string_view org_id, std::string_view message_id) {
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Command({"HGET", keys::DirectMessages(org_id),
                                                      std::string(message_id) + ":s"}));
  if (reply.IsNil()) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(reply.str, nullptr, false);
  if (!j.is_object()) return absl::InternalError("direct message status: not JSON");
  DirectStatus s;
  s.status = j.value("status", "");
  s.attempts = j.value("attempts", 0);
  s.code = j.value("code", "");
  s.reason = j.value("reason", "");
  s.provider_message_id = j.value("provider_message_id", "");
  s.at_millis = j.value("at", int64_t{0});
  return s;
}

absl::StatusOr<std::optional<nlohmann::json>> DeliveryQueue::GetDirectPayload(
    std::string_view org_id, std::string_view message_id) {
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Command({"HGET", keys::DirectMessages(org_id),
                                                      std::string(message_id)}));
  if (reply.IsNil()) return std::nullopt;
  nlohmann::json payload = nlohmann::json::parse(reply.str, nullptr, false);
  if (!payload.is_object()) return absl::DataLossError("direct message payload is not JSON");
  return payload;
}

absl::Status DeliveryQueue::Record(std::string_view org_id,
                                   std::span<const MessageOutcome> outcomes) {
  if (outcomes.empty()) return absl::OkStatus();
  std::vector<std::string> args = RecordArgs{org_id, clock_->NowMillis()}.Argv();
  args.reserve(args.size() + outcomes.size() * 16);
  for (const MessageOutcome& o : outcomes) {
    const ClaimedMessage& m = o.message;
    std::string extra;
    switch (o.kind) {
      case MessageOutcome::Kind::kSent: extra = o.provider_message_id; break;
      case MessageOutcome::Kind::kRetry: extra = NextMember(m, m.attempt + 1); break;
      case MessageOutcome::Kind::kDeferred:
      case MessageOutcome::Kind::kHeld: extra = NextMember(m, m.attempt); break;
      case MessageOutcome::Kind::kDead:
        extra = m.recipient.contact_id + "|" + o.channel + "|" + Num(m.recipient.address_index);
        break;
      default: break;
    }
    const char* lane = m.lane == ClaimedMessage::Lane::kChunk       ? "c"
                       : m.lane == ClaimedMessage::Lane::kScheduled ? "s"
                                                                     : "d";
    args.push_back(std::string(KindName(o.kind)));
    args.push_back(lane);
    args.push_back(m.campaign_id);
    args.push_back(Num(m.index));
    args.push_back(Num(m.attempt));
    args.push_back(m.member);
    args.push_back(m.direct_id);
    args.push_back(Num(o.due_millis));
    args.push_back(o.code);
    args.push_back(o.reason);
    args.push_back(std::move(extra));
    args.push_back(PersonOf(m.recipient));
    args.push_back(o.language);
    args.push_back(o.channel);
    args.push_back(Num(std::max<int64_t>(1, o.units)));
    args.push_back(Num(m.step));
  }
  return redis_
      ->Eval(kRecordScript,
             {keys::DueLane(org_id), keys::DirectLane(org_id), keys::DirectLocks(org_id),
              keys::DirectMessages(org_id), keys::DeadLetters(org_id),
              keys::ActiveCampaigns(org_id)},
             args)
      .status();
}

absl::StatusOr<CampaignState> DeliveryQueue::Transition(std::string_view org_id,
                                                        std::string_view campaign_id,
                                                        CampaignAction action) {
  const CampaignKeys p(org_id, campaign_id);
  // Decided here by the table, then written only if the state is still the one decided on:
  // a worker finishing the campaign or another officer acting meanwhile means deciding again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    ASSIGN_OR_RETURN(std::vector<RedisReply> read,
                     redis_->Pipeline({{"GET", p.state()}, {"HGET", p.meta(), "start_at"}}));
    for (const RedisReply& r : read) RETURN_IF_ERROR(r.AsStatus());
    if (read[0].IsNil()) return absl::NotFoundError("campaign was never launched");
    const std::optional<CampaignState> from = ParseCampaignState(read[0].str);
    if (!from) return absl::DataLossError("campaign state: unknown state " + read[0].str);
    const int64_t start_at = read[1].IsNil() ? 0 : ToInt(read[1].str);
    const std::optional<CampaignState> to =
        NextCampaignState(*from, action, clock_->NowMillis() >= start_at);
    if (!to) return absl::FailedPreconditionError("campaign is " + read[0].str);
    ASSIGN_OR_RETURN(
        RedisReply written,
        redis_->Eval(kTransitionScript, {p.state(), keys::ActiveCampaigns(org_id)},
                     {read[0].str, std::string(CampaignStateName(*to)), std::string(campaign_id),
                      *to == CampaignState::kCancelled ? "1" : "0"}));
    if (written.integer == 1) return *to;
  }
  return absl::AbortedError("the campaign's state changed repeatedly; try again");
}

absl::StatusOr<CampaignState> DeliveryQueue::Pause(std::string_view org_id,
                                                   std::string_view campaign_id) {
  return Transition(org_id, campaign_id, CampaignAction::kPause);
}
absl::StatusOr<CampaignState> DeliveryQueue::Resume(std::string_view org_id,
                                                    std::string_view campaign_id) {
  return Transition(org_id, campaign_id, CampaignAction::kResume);
}
absl::StatusOr<CampaignState> DeliveryQueue::Cancel(std::string_view org_id,
                                                    std::string_view campaign_id) {
  ASSIGN_OR_RETURN(CampaignState state, Transition(org_id, campaign_id, CampaignAction::kCancel));
  // The end of the campaign's sending: its report's reply window starts.
  RETURN_IF_ERROR(redis_
                      ->Command({"HSETNX", CampaignKeys(org_id, campaign_id).meta(), "ended_at",
                                 Num(clock_->NowMillis())})
                      .status());
  return state;
}

absl::StatusOr<std::optional<CampaignState>> DeliveryQueue::State(std::string_view org_id,
                                                                  std::string_view campaign_id) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_->Command({"GET", CampaignKeys(org_id, campaign_id).state()}));
  if (reply.IsNil()) return std::nullopt;
  return ParseCampaignState(reply.str);
}

absl::StatusOr<std::map<std::string, int64_t>> DeliveryQueue::CampaignStats(
    std::string_view org_id, std::string_view campaign_id) {
  ASSIGN_OR_RETURN(std::vector<CampaignDelivery> one,
                   Deliveries(org_id, {std::string(campaign_id)}));
  return std::move(one.front().stats);
}

absl::StatusOr<std::vector<CampaignDelivery>> DeliveryQueue::Deliveries(
    std::string_view org_id, const std::vector<std::string>& campaign_ids) {
  // Two round trips whatever the number of campaigns: state, counters and leases of all, then
  // the done-bits of every leased chunk.
  const std::string now = "(" + Num(clock_->NowMillis());
  std::vector<std::vector<std::string>> reads;
  for (const std::string& id : campaign_ids) {
    const CampaignKeys p(org_id, id);
    reads.push_back({"GET", p.state()});
    reads.push_back({"HGETALL", p.stats()});
    reads.push_back({"ZRANGEBYSCORE", p.leases(), now, "+inf"});
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(reads));
  std::vector<CampaignDelivery> out(campaign_ids.size());
  std::vector<std::vector<std::string>> counts;
  std::vector<std::pair<size_t, int64_t>> count_owner;  // Campaign, records in the chunk.
  const int64_t size = static_cast<int64_t>(options_.chunk_size);
  for (size_t c = 0; c < campaign_ids.size(); ++c) {
    const RedisReply* r = &replies[c * 3];
    for (int k = 0; k < 3; ++k) RETURN_IF_ERROR(r[k].AsStatus());
    CampaignDelivery& d = out[c];
    if (!r[0].IsNil()) d.state = ParseCampaignState(r[0].str);
    for (const char* name : {"queued", "sent", "failed", "retried", "deferred", "dead",
                             "cancelled", "rate_limited", "requeued", "clicks",
                             "people_clicked"}) {
      d.stats[name] = 0;
    }
    for (size_t i = 0; i + 1 < r[1].elements.size(); i += 2) {
      d.stats[r[1].elements[i].str] = ToInt(r[1].elements[i + 1].str);
    }
    d.stats["pending"] = std::max<int64_t>(0, d.stats["queued"] - d.stats["sent"] -
                                                  d.stats["failed"] - d.stats["dead"] -
                                                  d.stats["cancelled"]);
    d.stats["in_flight"] = 0;
    const CampaignKeys p(org_id, campaign_ids[c]);
    for (const RedisReply& e : r[2].elements) {
      const int64_t n = ToInt(e.str);
      counts.push_back({"BITCOUNT", p.done(), Num(n * size / 8), Num((n + 1) * size / 8 - 1)});
      count_owner.push_back({c, std::clamp<int64_t>(d.stats["queued"] - n * size, 0, size)});
    }
  }
  if (!counts.empty()) {
    ASSIGN_OR_RETURN(std::vector<RedisReply> done, redis_->Pipeline(counts));
    for (size_t i = 0; i < done.size(); ++i) {
      const auto& [c, records] = count_owner[i];
      out[c].stats["in_flight"] += std::max<int64_t>(0, records - done[i].integer);
    }
  }
  return out;
}

absl::Status DeliveryQueue::CountRateLimited(std::string_view org_id,
                                             std::string_view campaign_id, int64_t messages) {
  return redis_
      ->Command(
          {"HINCRBY", CampaignKeys(org_id, campaign_id).stats(), "rate_limited", Num(messages)})
      .status();
}

absl::StatusOr<std::optional<DeliveryQueue::StepRecipient>> DeliveryQueue::ReadSteps(
    std::string_view org_id, std::string_view campaign_id, int64_t index,
    std::optional<uint8_t> channel) {
  if (index < 0) return std::nullopt;
  const int64_t size = static_cast<int64_t>(options_.chunk_size);
  const int64_t offset = (index % size) * static_cast<int64_t>(kRecordBytes);
  const CampaignKeys p(org_id, campaign_id);
  ASSIGN_OR_RETURN(std::vector<RedisReply> read,
                   redis_->Pipeline({{"GETRANGE", p.chunk(index / size), Num(offset),
                                      Num(offset + kRecordBytes - 1)},
                                     {"BITFIELD", p.step(), "GET", "u8", Num(index * 8)},
                                     {"HGET", p.meta(), "cascade_width"}}));
  for (const RedisReply& r : read) RETURN_IF_ERROR(r.AsStatus());
  if (read[0].str.size() != kRecordBytes) return std::nullopt;
  auto first = RecipientAt(read[0].str, 0);
  if (!first.ok()) return std::nullopt;
  const int64_t in_play = read[1].elements.empty() ? 0 : read[1].elements[0].integer;
  const int64_t width = read[2].IsNil() ? 0 : ToInt(read[2].str);
  // Step 0 is the chunk record; steps 1..width are (channel, address index) pairs.
  std::vector<QueuedRecipient> steps = {*first};
  if (width > 0 && (channel.has_value() || in_play > 0)) {
    ASSIGN_OR_RETURN(RedisReply pairs,
                     redis_->Command({"GETRANGE", p.steps(), Num(index * width * 2),
                                      Num((index + 1) * width * 2 - 1)}));
    for (size_t at = 0; at + 1 < pairs.str.size(); at += 2) {
      QueuedRecipient r = *first;
      r.channel = static_cast<uint8_t>(pairs.str[at]);
      r.address_index = static_cast<uint8_t>(pairs.str[at + 1]);
      steps.push_back(r);
    }
  }
  if (!channel) {
    const size_t step = in_play >= 0 && static_cast<size_t>(in_play) < steps.size()
                            ? static_cast<size_t>(in_play)
                            : 0;
    if (steps[step].channel == CascadePlan::kNoStep) return StepRecipient{*first, true};
    return StepRecipient{steps[step], true};
  }
  for (size_t step = 0; step < steps.size(); ++step) {
    if (steps[step].channel == *channel) {
      return StepRecipient{steps[step], static_cast<int64_t>(step) == in_play};
    }
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<QueuedRecipient>> DeliveryQueue::CampaignRecipient(
    std::string_view org_id, std::string_view campaign_id, int64_t index) {
  ASSIGN_OR_RETURN(auto found, ReadSteps(org_id, campaign_id, index, std::nullopt));
  if (!found) return std::nullopt;
  return found->recipient;
}

absl::StatusOr<std::optional<DeliveryQueue::StepRecipient>> DeliveryQueue::CampaignRecipientOn(
    std::string_view org_id, std::string_view campaign_id, int64_t index, uint8_t channel) {
  return ReadSteps(org_id, campaign_id, index, channel);
}

namespace {

// KEYS: the campaign's bitmap of messages reported in this state, its stats, its meta.
// ARGV: index, stats field. Counts each message once per state.
const RedisScript kCampaignReportScript(R"lua(
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('SETBIT', KEYS[1], ARGV[1], 1) == 0 then redis.call('HINCRBY', KEYS[2], ARGV[2], 1) end
return 1
)lua");

// KEYS: direct messages. ARGV: id, state, code, reason, now. Moves a direct message's status
// to what its provider reported, keeping attempts and the provider id.
const RedisScript kDirectReportScript(R"lua(
local raw = redis.call('HGET', KEYS[1], ARGV[1] .. ':s')
if not raw then return 0 end
local st = cjson.decode(raw)
st.status = ARGV[2]
st.code = ARGV[3]
st.reason = ARGV[4]
st.at = tonumber(ARGV[5])
redis.call('HSET', KEYS[1], ARGV[1] .. ':s', cjson.encode(st))
return 1
)lua");

}  // namespace

absl::StatusOr<bool> DeliveryQueue::RecordDeliveryReport(std::string_view org_id,
                                                         std::string_view message_id,
                                                         std::string_view state,
                                                         std::string_view code,
                                                         std::string_view reason,
                                                         bool in_play) {
  if (state != "delivered" && state != "undelivered") {
    return absl::InvalidArgumentError("state must be delivered or undelivered");
  }
  const size_t colon = message_id.rfind(':');
  if (colon == std::string_view::npos) {
    if (!IsWellFormedId(message_id, "m")) return false;
    ASSIGN_OR_RETURN(RedisReply r,
                     redis_->Eval(kDirectReportScript, {keys::DirectMessages(org_id)},
                                  {std::string(message_id), std::string(state), std::string(code),
                                   std::string(reason), Num(clock_->NowMillis())}));
    return r.integer == 1;
  }
  const std::string_view campaign = message_id.substr(0, colon);
  const std::string_view index = message_id.substr(colon + 1);
  int64_t i = -1;
  auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), i);
  if (!IsWellFormedId(campaign, "cmp") || ec != std::errc() || end != index.data() + index.size() ||
      i < 0) {
    return false;
  }
  // What an earlier step's provider says of its message no longer speaks for the person,
  // unless they were reached after all.
  if (!in_play && state != "delivered") return true;
  const CampaignKeys p(org_id, campaign);
  ASSIGN_OR_RETURN(
      RedisReply r,
      redis_->Eval(kCampaignReportScript,
                   {(state == "delivered" ? p.delivered() : p.undelivered()), p.stats(), p.meta()},
                   {Num(i), std::string(state)}));
  return r.integer == 1;
}

absl::StatusOr<std::vector<std::string>> DeliveryQueue::RecipientsMarked(
    std::string_view org_id, std::string_view campaign_id, std::string_view bitmap_suffix) {
  const CampaignKeys p(org_id, campaign_id);
  ASSIGN_OR_RETURN(RedisReply bits,
                   redis_->Command({"GET", keys::CampaignQueue(org_id, campaign_id) +
                                               std::string(bitmap_suffix)}));
  const int64_t size = static_cast<int64_t>(options_.chunk_size);
  // The chunks holding set bits, each read once, 64 to a round trip.
  std::map<int64_t, std::vector<int64_t>> by_chunk;
  for (size_t byte = 0; byte < bits.str.size(); ++byte) {
    const auto b = static_cast<uint8_t>(bits.str[byte]);
    for (int k = 0; b != 0 && k < 8; ++k) {
      if (b & (0x80 >> k)) {
        const int64_t index = static_cast<int64_t>(byte) * 8 + k;
        by_chunk[index / size].push_back(index % size);
      }
    }
  }
  std::vector<std::string> out;
  std::vector<std::vector<std::string>> reads;
  std::vector<const std::vector<int64_t>*> places;
  auto flush = [&]() -> absl::Status {
    if (reads.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<RedisReply> chunks, redis_->Pipeline(reads));
    for (size_t c = 0; c < chunks.size(); ++c) {
      for (int64_t at : *places[c]) {
        auto recipient = RecipientAt(chunks[c].str, static_cast<size_t>(at));
        if (recipient.ok()) out.push_back(std::move(recipient->contact_id));
      }
    }
    reads.clear();
    places.clear();
    return absl::OkStatus();
  };
  for (const auto& [n, at] : by_chunk) {
    reads.push_back({"GET", p.chunk(n)});
    places.push_back(&at);
    if (reads.size() == 64) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(flush());
  return out;
}

absl::StatusOr<std::optional<nlohmann::json>> DeliveryQueue::FailureOf(
    std::string_view org_id, std::string_view campaign_id, int64_t index) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_->Command({"HGET", CampaignKeys(org_id, campaign_id).fail(), Num(index)}));
  if (reply.IsNil()) return std::nullopt;
  return nlohmann::json::parse(reply.str, nullptr, false);
}

absl::StatusOr<std::map<std::string, int64_t>> DeliveryQueue::LaneSizes(std::string_view org_id) {
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                   redis_->Pipeline({{"ZCARD", keys::DueLane(org_id)},
                                     {"ZCARD", keys::DirectLane(org_id)},
                                     {"HLEN", keys::DeadLetters(org_id)},
                                     {"LLEN", keys::CampaignRing()}}));
  for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return std::map<std::string, int64_t>{{"scheduled", replies[0].integer},
                                        {"direct", replies[1].integer},
                                        {"dead_letters", replies[2].integer},
                                        {"active_campaigns", replies[3].integer}};
}

absl::StatusOr<std::vector<DeadLetter>> DeliveryQueue::ListDeadLetters(std::string_view org_id) {
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Command({"HGETALL", keys::DeadLetters(org_id)}));
  std::vector<DeadLetter> out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    out.push_back({reply.elements[i].str,
                   nlohmann::json::parse(reply.elements[i + 1].str, nullptr, false)});
  }
  std::sort(out.begin(), out.end(),
            [](const DeadLetter& a, const DeadLetter& b) { return a.id < b.id; });
  return out;
}

absl::StatusOr<DeadLetterPage> DeliveryQueue::ListDeadLetters(std::string_view org_id,
                                                             std::string_view cursor,
                                                             size_t count) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_->Command({"HSCAN", keys::DeadLetters(org_id),
                                    cursor.empty() ? "0" : std::string(cursor), "COUNT",
                                    Num(static_cast<int64_t>(count))}));
  DeadLetterPage page;
  if (reply.elements.size() != 2) return absl::InternalError("HSCAN: unexpected reply");
  page.next_cursor = reply.elements[0].str == "0" ? "" : reply.elements[0].str;
  const auto& pairs = reply.elements[1].elements;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    page.items.push_back(
        {pairs[i].str, nlohmann::json::parse(pairs[i + 1].str, nullptr, false)});
  }
  return page;
}

absl::StatusOr<std::optional<DeadLetter>> DeliveryQueue::GetDeadLetter(std::string_view org_id,
                                                                       std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_->Command({"HGET", keys::DeadLetters(org_id), std::string(id)}));
  if (reply.IsNil()) return std::nullopt;
  return DeadLetter{std::string(id), nlohmann::json::parse(reply.str, nullptr, false)};
}

absl::Status DeliveryQueue::RequeueDeadLetter(std::string_view org_id, std::string_view id) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<DeadLetter> letter, GetDeadLetter(org_id, id));
    if (!letter) return absl::NotFoundError("no such dead letter");
    const auto campaign = letter->detail.is_object() ? letter->detail.find("campaign")
                                                      : letter->detail.end();
    const std::string campaign_id =
        campaign != letter->detail.end() && campaign->is_string() ? campaign->get<std::string>()
                                                                  : "";
    const CampaignKeys p(org_id, campaign_id.empty() ? "_" : campaign_id);
    const std::string contact_id = letter->detail.is_object()
                                       ? letter->detail.value("contact_id", std::string())
                                       : std::string();
    ASSIGN_OR_RETURN(
        RedisReply reply,
        redis_->Eval(kRequeueScript,
                     {keys::DueLane(org_id), keys::DirectLane(org_id), keys::DirectLocks(org_id),
                      keys::DeadLetters(org_id), p.stats(), p.state(), keys::DirectMessages(org_id),
                      keys::ContactDeadLetters(org_id, contact_id), p.step()},
                     {std::string(id), Num(clock_->NowMillis()), campaign_id,
                      std::string(CampaignStateName(CampaignState::kFinished)),
                      std::string(CampaignStateName(CampaignState::kRunning))}));
    if (reply.integer == 1) return absl::OkStatus();
    if (reply.integer == 0) return absl::NotFoundError("no such dead letter");
  }
  return absl::AbortedError("the dead letter changed repeatedly; try again");
}

absl::Status DeliveryQueue::ForgetContact(std::string_view org_id, std::string_view contact_id,
                                          std::span<const uint8_t> channels) {
  RETURN_IF_ERROR(IndexOlderDeadLetters(*redis_, org_id));
  std::vector<std::string> args = {"first"};
  for (uint8_t channel : channels) {
    const std::string person = PersonOf({std::string(contact_id), channel, 0});
    args.push_back(person);
    args.push_back(person + "#last");
  }
  const std::vector<std::string> script_keys = {
      keys::DirectLane(org_id),
      keys::DirectMessages(org_id),
      keys::ContactDirectMessages(org_id, contact_id),
      keys::DirectLocks(org_id),
      keys::DeadLetters(org_id),
      keys::ContactDeadLetters(org_id, contact_id)};
  ASSIGN_OR_RETURN(RedisReply unindexed, redis_->Eval(kForgetContactScript, script_keys, args));
  if (unindexed.elements.empty()) return absl::OkStatus();
  // Messages queued before lane members were recorded: found by a cursor scan, a bounded
  // amount of work per call, so other organisations are never blocked behind it. They stay
  // indexed until the scan is through, so an erasure asked for again after a failure here
  // scans again.
  const std::string lane = keys::DirectLane(org_id);
  const std::string pattern = std::string(contact_id) + "|*";
  std::string cursor = "0";
  do {
    ASSIGN_OR_RETURN(RedisReply page, redis_->Command({"ZSCAN", lane, cursor, "MATCH", pattern,
                                                       "COUNT", "1000"}));
    if (page.elements.size() != 2) return absl::DataLossError("redis: unexpected ZSCAN reply");
    cursor = page.elements[0].str;
    std::vector<std::string> zrem = {"ZREM", lane};
    for (size_t i = 0; i < page.elements[1].elements.size(); i += 2) {
      zrem.push_back(page.elements[1].elements[i].str);
    }
    if (zrem.size() > 2) RETURN_IF_ERROR(redis_->Command(zrem).status());
  } while (cursor != "0");
  args[0] = "scanned";
  return redis_->Eval(kForgetContactScript, script_keys, args).status();
}

absl::Status DeliveryQueue::FinishWithoutMessages(std::string_view org_id,
                                                  std::string_view campaign_id) {
  const CampaignKeys p(org_id, campaign_id);
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> written,
      redis_->Pipeline({{"HSET", p.meta(), "total", "0", "chunks", "0", "ended_at",
                         Num(clock_->NowMillis())},
                        {"SET", p.state(), std::string(CampaignStateName(CampaignState::kFinished))}}));
  for (const RedisReply& r : written) RETURN_IF_ERROR(r.AsStatus());
  return absl::OkStatus();
}

absl::Status DeliveryQueue::Cleanup(std::string_view org_id, std::string_view campaign_id) {
  const CampaignKeys p(org_id, campaign_id);
  ASSIGN_OR_RETURN(RedisReply meta, redis_->Command({"HGET", p.meta(), "chunks"}));
  const int64_t chunks = meta.IsNil() ? 0 : ToInt(meta.str);
  std::vector<std::vector<std::string>> batch;
  for (int64_t n = 0; n < chunks; ++n) {
    batch.push_back({"UNLINK", p.chunk(n)});
  }
  // The report's data stays: the snapshot and the outcome bitmaps.
  batch.push_back({"UNLINK", p.done(), p.final(), p.firsts(), p.leases(), p.steps(), p.step(),
                   p.step_sent(), p.cascade()});
  return redis_->Pipeline(batch).status();
}

}  // namespace ogw
