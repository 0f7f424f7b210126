#include "gateway/campaigns/campaign_store.h"

#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "queue/campaign_keys.h"

namespace ogw {

CampaignStore::CampaignStore(RedisPool* redis, const Clock* clock)
    : redis_(redis), clock_(clock), docs_(redis, "campaign") {}

absl::StatusOr<Campaign> CampaignStore::Create(Campaign campaign) {
  campaign.id = NewId("cmp", clock_->NowMillis());
  campaign.created_at_millis = campaign.updated_at_millis = clock_->NowMillis();
  RETURN_IF_ERROR(
      docs_.Put(keys::Campaigns(campaign.org_id), campaign.id, ToJson(campaign).dump()));
  return campaign;
}

absl::StatusOr<std::optional<Campaign>> CampaignStore::Get(std::string_view org_id,
                                                           std::string_view id) {
  return docs_.Get<Campaign>(keys::Campaigns(org_id), id, CampaignFromJson);
}

absl::StatusOr<std::vector<Campaign>> CampaignStore::List(std::string_view org_id) {
  return docs_.List<Campaign>(keys::Campaigns(org_id), CampaignFromJson);
}

absl::Status CampaignStore::Update(Campaign campaign) {
  campaign.updated_at_millis = clock_->NowMillis();
  return docs_.Replace(keys::Campaigns(campaign.org_id), campaign.id, ToJson(campaign).dump());
}

absl::StatusOr<bool> CampaignStore::LockLaunch(std::string_view org_id, std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"SET", CampaignKeys(org_id, id).launching(), "1",
                                                  "NX", "EX", "600"}));
  return !r.IsNil();
}

absl::Status CampaignStore::UnlockLaunch(std::string_view org_id, std::string_view id) {
  return redis_->Command({"DEL", CampaignKeys(org_id, id).launching()}).status();
}

absl::StatusOr<std::unique_ptr<LaunchLock>> CampaignStore::HoldLaunch(std::string_view org_id,
                                                                      std::string_view id) {
  ASSIGN_OR_RETURN(bool locked, LockLaunch(org_id, id));
  if (!locked) return nullptr;
  return std::make_unique<LaunchLock>(this, org_id, id);
}

}  // namespace ogw
