#include "queue/campaign_responses.h"

#include <vector>

#include "gateway/core/key_schema.h"
#include "queue/campaign_keys.h"
#include "queue/packed_recipients.h"

namespace ogw {
namespace {

// KEYS: the bitmap, the campaign's stats. ARGV: index, the counter of people. 1 when the bit
// was clear.
const RedisScript kMarkScript(R"lua(
if redis.call('SETBIT', KEYS[1], ARGV[1], 1) == 0 then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  return 1
end
return 0
)lua");

// Campaigns searched for the one a reply answers: more launched to one person within the
// reply window is not outreach anyone would send.
constexpr int64_t kMaxCampaignsSearched = 50;

std::string Num(int64_t n) { return std::to_string(n); }

// The contact id as chunk records hold it; "" when malformed.
std::string_view RecordId(std::string_view contact_id) {
  if (contact_id.size() != kIdChars + 2 || contact_id.substr(0, 2) != "c_") return {};
  return contact_id.substr(2);
}

}  // namespace

CampaignResponses::CampaignResponses(RedisPool* redis, const Clock* clock, size_t chunk_size)
    : redis_(redis), clock_(clock), chunk_size_(static_cast<int64_t>(chunk_size)) {}

absl::StatusOr<std::optional<int64_t>> CampaignResponses::IndexOf(std::string_view org_id,
                                                                  std::string_view campaign_id,
                                                                  std::string_view contact_id) {
  const std::string_view id = RecordId(contact_id);
  if (id.empty()) return std::nullopt;
  const CampaignKeys p(org_id, campaign_id);
  ASSIGN_OR_RETURN(RedisReply firsts, redis_->Command({"GET", p.firsts()}));
  const std::optional<size_t> n = ChunkHolding(firsts.str, id);
  if (!n) return std::nullopt;
  ASSIGN_OR_RETURN(RedisReply chunk, redis_->Command({"GET", p.chunk(static_cast<int64_t>(*n))}));
  const std::optional<size_t> at = FindRecipient(chunk.str, id);
  if (!at) return std::nullopt;
  return static_cast<int64_t>(*n) * chunk_size_ + static_cast<int64_t>(*at);
}

absl::StatusOr<CampaignResponses::Marked> CampaignResponses::Mark(std::string_view org_id,
                                                                  std::string_view campaign_id,
                                                                  std::string_view contact_id,
                                                                  Kind kind) {
  ASSIGN_OR_RETURN(std::optional<int64_t> index, IndexOf(org_id, campaign_id, contact_id));
  if (!index) return Marked::kNotRecipient;
  const CampaignKeys p(org_id, campaign_id);
  std::string bitmap, counter;
  switch (kind) {
    case Kind::kClicked:
      bitmap = p.clicked(), counter = "people_clicked";
      break;
    case Kind::kReplied:
      bitmap = p.replied(), counter = "people_replied";
      break;
    case Kind::kOptedOut:
      bitmap = p.opted_out(), counter = "people_opted_out";
      break;
    case Kind::kCompleted:
      bitmap = p.completed(), counter = "people_completed";
      break;
  }
  ASSIGN_OR_RETURN(RedisReply first,
                   redis_->Eval(kMarkScript, {bitmap, p.stats()}, {Num(*index), counter}));
  return first.integer == 1 ? Marked::kFirstTime : Marked::kAgain;
}

absl::Status CampaignResponses::NoteReply(std::string_view org_id, std::string_view campaign_id,
                                          std::string_view contact_id,
                                          std::string_view entry_id) {
  // Scored by the entry's time (its id is "<ms>-<sequence>"): the export lists them in order.
  const std::string at(entry_id.substr(0, entry_id.find('-')));
  return redis_
      ->Command({"ZADD", CampaignKeys(org_id, campaign_id).replies(), "NX", at,
                 std::string(contact_id) + "/" + std::string(entry_id)})
      .status();
}

absl::Status CampaignResponses::CountClick(std::string_view org_id, std::string_view campaign_id,
                                           std::string_view contact_id) {
  RETURN_IF_ERROR(
      redis_->Command({"HINCRBY", CampaignKeys(org_id, campaign_id).stats(), "clicks", "1"})
          .status());
  return Mark(org_id, campaign_id, contact_id, Kind::kClicked).status();
}

absl::StatusOr<std::string> CampaignResponses::Attribute(std::string_view org_id,
                                                         std::string_view contact_id,
                                                         std::string_view answered_campaign) {
  if (!answered_campaign.empty()) return std::string(answered_campaign);
  const std::string_view id = RecordId(contact_id);
  if (id.empty()) return std::string();
  ASSIGN_OR_RETURN(RedisReply recent,
                   redis_->Command({"ZREVRANGEBYSCORE", keys::LaunchedCampaigns(org_id), "+inf",
                                    Num(clock_->NowMillis() - kReplyWindowMillis), "LIMIT", "0",
                                    Num(kMaxCampaignsSearched)}));
  if (recent.elements.empty()) return std::string();
  // Three round trips however many campaigns: their chunk indexes, the chunks that could hold
  // the person, the sent bits; the newest campaign whose message went out wins.
  std::vector<std::vector<std::string>> reads;
  for (const RedisReply& c : recent.elements) {
    reads.push_back({"GET", CampaignKeys(org_id, c.str).firsts()});
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> firsts, redis_->Pipeline(reads));
  reads.clear();
  std::vector<std::pair<size_t, int64_t>> candidates;  // Campaign, chunk.
  for (size_t c = 0; c < firsts.size(); ++c) {
    if (const std::optional<size_t> n = ChunkHolding(firsts[c].str, id)) {
      candidates.emplace_back(c, static_cast<int64_t>(*n));
      reads.push_back(
          {"GET", CampaignKeys(org_id, recent.elements[c].str).chunk(static_cast<int64_t>(*n))});
    }
  }
  if (reads.empty()) return std::string();
  ASSIGN_OR_RETURN(std::vector<RedisReply> chunks, redis_->Pipeline(reads));
  reads.clear();
  std::vector<size_t> found;
  for (size_t k = 0; k < chunks.size(); ++k) {
    if (const std::optional<size_t> at = FindRecipient(chunks[k].str, id)) {
      const auto& [c, n] = candidates[k];
      found.push_back(c);
      reads.push_back({"GETBIT", CampaignKeys(org_id, recent.elements[c].str).sent(),
                       Num(n * chunk_size_ + static_cast<int64_t>(*at))});
    }
  }
  if (reads.empty()) return std::string();
  ASSIGN_OR_RETURN(std::vector<RedisReply> sent, redis_->Pipeline(reads));
  for (size_t k = 0; k < sent.size(); ++k) {
    if (sent[k].integer == 1) return recent.elements[found[k]].str;
  }
  return std::string();
}

}  // namespace ogw
