#include "gateway/delivery/provider_registry.h"

namespace ogw {

std::shared_ptr<const ProviderRegistry::Table> ProviderRegistry::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_;
}

void ProviderRegistry::Bind(Channel channel, ProviderBinding binding, std::string org_id,
                            std::string post_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<Table>(*table_);
  (*next)[{channel, std::move(org_id), std::move(post_id)}] = std::move(binding);
  table_ = std::move(next);
}

void ProviderRegistry::ReplaceAll(Table table) {
  auto next = std::make_shared<const Table>(std::move(table));
  std::lock_guard<std::mutex> lock(mu_);
  table_ = std::move(next);
}

std::shared_ptr<const ProviderBinding> ProviderRegistry::For(Channel channel,
                                                             std::string_view org_id,
                                                             std::string_view post_id) const {
  std::shared_ptr<const Table> table = Current();
  const Key candidates[] = {{channel, std::string(org_id), std::string(post_id)},
                            {channel, std::string(org_id), ""},
                            {channel, "", ""}};
  for (const Key& key : candidates) {
    if (auto it = table->find(key); it != table->end()) {
      // Shares ownership of the table: the binding outlives a concurrent ReplaceAll.
      return std::shared_ptr<const ProviderBinding>(table, &it->second);
    }
  }
  return nullptr;
}

}  // namespace ogw
