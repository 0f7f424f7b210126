#include "gateway/inbound/quarantine.h"

#include <spdlog/spdlog.h>

#include "adapters/common/http_answer.h"
#include "gateway/core/key_schema.h"

namespace ogw {

InboundQuarantine::InboundQuarantine(RedisPool* redis, const Clock* clock,
                                     GatewayMetrics* metrics)
    : redis_(redis), clock_(clock), metrics_(metrics) {}

absl::Status InboundQuarantine::Put(std::string_view org_id, std::string_view provider,
                                    Entry entry) {
  const nlohmann::json record = {{"at", clock_->NowMillis()},
                                 {"provider", provider},
                                 {"source", entry.source},
                                 {"reason", TruncateUtf8(entry.reason, kMaxReasonBytes)},
                                 {"size", entry.size},
                                 {"sample", TruncateUtf8(entry.sample, kMaxSampleBytes)}};
  // Invalid UTF-8 in what a sender wrote is replaced, not a reason to lose the entry.
  const std::string text =
      record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string key = keys::Quarantine(org_id, provider);
  ASSIGN_OR_RETURN(auto replies,
                   redis_->Pipeline({{"LPUSH", key, text},
                                     {"LTRIM", key, "0", std::to_string(kMaxEntries - 1)}}));
  for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
  if (metrics_ != nullptr) metrics_->CountQuarantined(entry.source);
  // The reason only: the sample holds personal data.
  spdlog::warn("inbound {}: {} bytes quarantined ({})", provider, entry.size, entry.reason);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<nlohmann::json>> InboundQuarantine::List(std::string_view org_id,
                                                                    std::string_view provider,
                                                                    size_t limit) const {
  if (limit == 0) return std::vector<nlohmann::json>();
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"LRANGE", keys::Quarantine(org_id, provider),
                                                  "0", std::to_string(limit - 1)}));
  std::vector<nlohmann::json> entries;
  for (const RedisReply& e : r.elements) {
    nlohmann::json j = nlohmann::json::parse(e.str, nullptr, false);
    if (j.is_object()) entries.push_back(std::move(j));
  }
  return entries;
}

}  // namespace ogw
