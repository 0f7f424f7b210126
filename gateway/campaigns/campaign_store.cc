#include "gateway/campaigns/campaign_store.h"

#include <algorithm>

#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "queue/campaign_keys.h"

namespace ogw {

CampaignStore::CampaignStore(RedisPool* redis, const Clock* clock)
    : redis_(redis), clock_(clock) {}

absl::StatusOr<Campaign> CampaignStore::Create(Campaign campaign) {
  campaign.id = NewId("cmp", clock_->NowMillis());
  campaign.created_at_millis = campaign.updated_at_millis = clock_->NowMillis();
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HSET", keys::Campaigns(campaign.org_id),
                                                  campaign.id, ToJson(campaign).dump()}));
  (void)r;
  return campaign;
}

absl::StatusOr<std::optional<Campaign>> CampaignStore::Get(std::string_view org_id,
                                                           std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Command({"HGET", keys::Campaigns(org_id), std::string(id)}));
  if (r.IsNil()) return std::optional<Campaign>();
  ASSIGN_OR_RETURN(Campaign c, CampaignFromJson(r.str));
  return std::optional<Campaign>(std::move(c));
}

absl::StatusOr<std::vector<Campaign>> CampaignStore::List(std::string_view org_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HVALS", keys::Campaigns(org_id)}));
  std::vector<Campaign> out;
  for (const auto& e : r.elements) {
    ASSIGN_OR_RETURN(Campaign c, CampaignFromJson(e.str));
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(),
            [](const Campaign& a, const Campaign& b) { return a.id < b.id; });
  return out;
}

absl::Status CampaignStore::Update(Campaign campaign) {
  campaign.updated_at_millis = clock_->NowMillis();
  ASSIGN_OR_RETURN(bool replaced, HashReplaceExisting(*redis_, keys::Campaigns(campaign.org_id),
                                                      campaign.id, ToJson(campaign).dump()));
  if (!replaced) return absl::NotFoundError("campaign not found");
  return absl::OkStatus();
}

absl::StatusOr<bool> CampaignStore::LockLaunch(std::string_view org_id, std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"SET", CampaignKeys(org_id, id).launching(), "1",
                                                  "NX", "EX", "600"}));
  return !r.IsNil();
}

absl::Status CampaignStore::UnlockLaunch(std::string_view org_id, std::string_view id) {
  return redis_->Command({"DEL", CampaignKeys(org_id, id).launching()}).status();
}

}  // namespace ogw
