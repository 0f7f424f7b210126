#pragma once

// Monitoring reports of campaigns (docs/ARCHITECTURE.md, "Campaign reports and audience
// snapshots"): what became of each recipient's message, by channel and by the attributes the
// audience had at launch, how representative the people who responded are, and reach by
// channel. Live while the campaign runs and its replies may still come; frozen after.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/campaigns/campaign.h"
#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

struct ReportRequest {
  // "channel" or attributes of the campaign's snapshot; empty: every one.
  std::vector<std::string> dimensions;
  // Prices SMS units (segments) in `cost`; 0: no price.
  double sms_price_per_segment = 0;
  std::string currency;
};

// "channel,gender" -> {"channel", "gender"} (empty parts skipped).
std::vector<std::string> SplitDimensions(std::string_view by);

// The metrics of every row, in CSV column order.
const std::vector<std::string>& ReportMetricNames();

// Computes reports from the campaign's snapshot, bitmaps and counters; never reads contacts.
// Thread-safe.
class CampaignReporter {
 public:
  CampaignReporter(RedisPool* redis, const Clock* clock);

  // The report of a launched campaign, as JSON (docs/API.md, "GET /v1/campaigns/{id}/report").
  // InvalidArgument naming an unknown dimension; FailedPrecondition before the launch.
  absl::StatusOr<nlohmann::json> Report(const Campaign& campaign, const ReportRequest& request);

  // Response rates of several launched campaigns, oldest first, per value of `dimension`
  // ("channel" or an attribute; a campaign without it gives one row of value "").
  absl::StatusOr<nlohmann::json> Across(const std::vector<Campaign>& campaigns,
                                        const std::string& dimension);

 private:
  // Computes the full report (every dimension) from Redis.
  absl::StatusOr<nlohmann::json> Compute(const Campaign& campaign, bool* ended_long_ago);

  RedisPool* redis_;
  const Clock* clock_;
};

// A report as CSV: a header, the totals row (dimension "total"), then one row per dimension
// and value.
std::string ReportCsv(const nlohmann::json& report);
// Across-campaigns rows as CSV.
std::string AcrossCsv(const nlohmann::json& across);

}  // namespace ogw
