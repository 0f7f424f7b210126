#include "gateway/delivery/provider_registry.h"

namespace ogw {

void ProviderRegistry::Bind(Channel channel, ProviderBinding binding, std::string org_id,
                            std::string post_id) {
  bindings_[{channel, std::move(org_id), std::move(post_id)}] = std::move(binding);
}

const ProviderBinding* ProviderRegistry::For(Channel channel, std::string_view org_id,
                                             std::string_view post_id) const {
  const std::tuple<Channel, std::string, std::string> candidates[] = {
      {channel, std::string(org_id), std::string(post_id)},
      {channel, std::string(org_id), ""},
      {channel, "", ""}};
  for (const auto& key : candidates) {
    if (auto it = bindings_.find(key); it != bindings_.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace ogw
