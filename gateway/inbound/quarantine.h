#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"
#include "gateway/metrics/metrics.h"

namespace ogw {

// What a provider delivered, authenticated, that the gateway cannot read: mail over the size
// limit or that does not parse, a signed webhook whose content is malformed. It is kept, not
// dropped, so an admin can see what was lost and ask the sender again (docs/ARCHITECTURE.md,
// "Threats and mitigations"). One capped Redis list per provider account. Thread-safe.
class InboundQuarantine {
 public:
  // Entries kept per provider account; the oldest go first.
  static constexpr size_t kMaxEntries = 1000;
  // Bytes of the message's headers (or the webhook's fields) kept with each entry.
  static constexpr size_t kMaxSampleBytes = 8 * 1024;

  struct Entry {
    std::string source;  // "imap", "kannel", "twilio", "email_webhook".
    std::string reason;  // Why it could not be read.
    uint64_t size = 0;   // Bytes of the whole message as delivered.
    std::string sample;  // Headers or fields, cut to kMaxSampleBytes at a UTF-8 boundary.
  };

  InboundQuarantine(RedisPool* redis, const Clock* clock, GatewayMetrics* metrics);

  absl::Status Put(std::string_view org_id, std::string_view provider, Entry entry);
  // The newest `limit` entries of `provider`, newest first.
  absl::StatusOr<std::vector<nlohmann::json>> List(std::string_view org_id,
                                                   std::string_view provider,
                                                   size_t limit) const;

 private:
  RedisPool* redis_;
  const Clock* clock_;
  GatewayMetrics* metrics_;
};

}  // namespace ogw
