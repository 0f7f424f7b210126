#pragma once

#include <memory>
#include <string>

#include "adapters/common/destination_policy.h"
#include "adapters/provider.h"
#include "gateway/config/provider_settings.h"
#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// What providers need from the gateway besides their own settings.
struct ProviderContext {
  std::string public_base_url;  // Where providers post delivery reports back.
  std::string message_id_key;   // Signs e-mail Message-IDs.
  RedisPool* redis = nullptr;   // The sandbox records what it would send here.
  const Clock* clock = nullptr;
  // Where connections of accounts added through the API may go (accounts with from_api).
  std::shared_ptr<const DestinationPolicy> destinations;
};

// The provider for one account, by its type, wrapped in a circuit breaker (a provider that is
// down must not eat worker time: its messages wait). InvalidArgument naming the account and
// field when the settings cannot make a working provider.
absl::StatusOr<std::shared_ptr<Provider>> MakeProvider(const ProviderSettings& settings,
                                                       const ProviderContext& context);

}  // namespace ogw
