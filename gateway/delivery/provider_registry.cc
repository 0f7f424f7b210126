#include "gateway/delivery/provider_registry.h"

namespace ogw {

void ProviderRegistry::Bind(Channel channel, ProviderBinding binding) {
  bindings_.at(static_cast<size_t>(channel)) =
      std::make_unique<ProviderBinding>(std::move(binding));
}

const ProviderBinding* ProviderRegistry::For(Channel channel) const {
  const size_t i = static_cast<size_t>(channel);
  return i < bindings_.size() ? bindings_[i].get() : nullptr;
}

}  // namespace ogw
