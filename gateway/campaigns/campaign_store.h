#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/campaigns/campaign.h"
#include "gateway/core/clock.h"
#include "gateway/core/json_hash_store.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

class LaunchLock;

// Campaign definitions in Redis: HASH {o:<org>}:campaigns, id -> ToJson(campaign). Their queue
// state lives in the delivery queue's keys. Thread-safe.
class CampaignStore {
 public:
  CampaignStore(RedisPool* redis, const Clock* clock);

  // Assigns id and timestamps.
  absl::StatusOr<Campaign> Create(Campaign campaign);
  absl::StatusOr<std::optional<Campaign>> Get(std::string_view org_id, std::string_view id);
  absl::StatusOr<std::vector<Campaign>> List(std::string_view org_id);
  // Replaces a stored campaign. NotFound when absent.
  absl::Status Update(Campaign campaign);
  // Takes the launch lock of a campaign (one launch at a time, for 10 minutes at most).
  // False when someone else holds it.
  absl::StatusOr<bool> LockLaunch(std::string_view org_id, std::string_view id);
  absl::Status UnlockLaunch(std::string_view org_id, std::string_view id);
  // The launch lock, held until the result is destroyed; nullptr when someone else holds it.
  absl::StatusOr<std::unique_ptr<LaunchLock>> HoldLaunch(std::string_view org_id,
                                                         std::string_view id);

 private:
  RedisPool* redis_;
  const Clock* clock_;
  JsonHashStore docs_;
};

// A campaign's launch lock (CampaignStore::HoldLaunch), given back when destroyed.
class LaunchLock {
 public:
  LaunchLock(CampaignStore* store, std::string_view org_id, std::string_view id)
      : store_(store), org_id_(org_id), id_(id) {}
  ~LaunchLock() { (void)store_->UnlockLaunch(org_id_, id_); }
  LaunchLock(const LaunchLock&) = delete;
  LaunchLock& operator=(const LaunchLock&) = delete;

 private:
  CampaignStore* store_;
  std::string org_id_;
  std::string id_;
};

}  // namespace ogw
