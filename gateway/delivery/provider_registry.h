#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

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

// Channel (and organisation and post) -> provider binding. A post's own provider (its SMS
// sender id, its mailbox) wins over its organisation's, which wins over the one every
// organisation shares. Accounts change while the gateway runs (added through the API), so
// the whole table is replaced at once and readers keep the table they looked at alive until
// they drop the binding. Thread-safe.
class ProviderRegistry {
 public:
  using Key = std::tuple<Channel, std::string, std::string>;  // channel, org, post
  using Table = std::map<Key, ProviderBinding, std::less<>>;

  // `org_id` and `post_id` empty: shared by every organisation (every post).
  void Bind(Channel channel, ProviderBinding binding, std::string org_id = "",
            std::string post_id = "");
  // Every binding at once.
  void ReplaceAll(Table table);
  // The most specific binding for a message to a person of `post_id` in `org_id`; nullptr
  // when the channel has none.
  std::shared_ptr<const ProviderBinding> For(Channel channel, std::string_view org_id = "",
                                             std::string_view post_id = "") const;

 private:
  std::shared_ptr<const Table> Current() const;

  mutable std::mutex mu_;
  std::shared_ptr<const Table> table_ = std::make_shared<Table>();
};

}  // namespace ogw
