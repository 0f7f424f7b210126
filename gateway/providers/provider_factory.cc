#include "gateway/providers/provider_factory.h"

#include "adapters/common/circuit_breaker.h"

namespace ogw {

absl::StatusOr<std::shared_ptr<Provider>> MakeProvider(const ProviderAccount& account,
                                                       const ProviderContext& context) {
  const ProviderType* type = FindProviderType(account.type);
  absl::StatusOr<std::shared_ptr<Provider>> provider =
      type == nullptr || !account.settings
          ? absl::InvalidArgumentError("type: unknown provider type " + account.type)
          : type->Make(account, context);
  if (!provider.ok()) {
    return absl::InvalidArgumentError("provider " + account.name + ": " +
                                      std::string(MessageOf(provider.status())));
  }
  return std::shared_ptr<Provider>(
      std::make_shared<CircuitBreakerProvider>(*std::move(provider), context.clock));
}

}  // namespace ogw
