#pragma once

#include <memory>

#include "adapters/provider_type.h"

namespace ogw {

// The provider for one account, made by its type, wrapped in a circuit breaker (a provider
// that is down must not eat worker time: its messages wait). InvalidArgument naming the
// account and field when the settings cannot make a working provider.
absl::StatusOr<std::shared_ptr<Provider>> MakeProvider(const ProviderAccount& account,
                                                       const ProviderContext& context);

}  // namespace ogw
