#pragma once

#include <array>
#include <memory>
#include <string>

#include "adapters/provider.h"
#include "gateway/contacts/contact.h"
#include "queue/provider_rate_limiter.h"

namespace ogw {

// The provider account a channel's messages go through, with its rate limit.
struct ProviderBinding {
  std::shared_ptr<Provider> provider;
  std::string account;  // Rate-limit key: every worker process shares the account's budget.
  ProviderRate rate;
};

// Channel -> provider binding. Built once at start-up from the configuration; read-only
// afterwards, so thread-safe.
class ProviderRegistry {
 public:
  void Bind(Channel channel, ProviderBinding binding);
  // nullptr when the channel has no provider.
  const ProviderBinding* For(Channel channel) const;

 private:
  std::array<std::unique_ptr<ProviderBinding>, 5> bindings_;
};

}  // namespace ogw
