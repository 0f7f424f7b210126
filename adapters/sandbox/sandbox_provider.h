#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/provider.h"
#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// The provider of every channel that has no credentials configured: it sends nothing and
// records what would have been sent in the organisation's sandbox outbox (a capped Redis
// stream, newest kept), readable through the API. The quick start works with no accounts, and
// officers can train on it. Thread-safe.
class SandboxProvider final : public Provider {
 public:
  static constexpr size_t kOutboxCapacity = 10'000;

  SandboxProvider(std::string name, RedisPool* redis, const Clock* clock);

  const std::string& name() const override { return name_; }
  void SendBatch(std::span<const OutboundMessage> messages,
                 std::span<SendResult> results) override;

 private:
  std::string name_;
  RedisPool* redis_;
  const Clock* clock_;
};

// The newest `limit` messages of an organisation's sandbox outbox, newest first.
absl::StatusOr<std::vector<nlohmann::json>> ReadSandboxOutbox(RedisPool& redis,
                                                              std::string_view org_id,
                                                              size_t limit);

// Erasure: removes the sandbox outbox entries sent to any of `addresses` (the outbox is
// capped, so this work is bounded).
absl::Status ForgetSandboxRecipients(RedisPool& redis, std::string_view org_id,
                                     const std::vector<std::string>& addresses);

}  // namespace ogw
