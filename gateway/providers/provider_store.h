#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/provider_settings.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/secret_box.h"
#include "gateway/core/status.h"

namespace ogw {

// Provider accounts added through the API, kept in Redis with their secrets sealed
// (docs/ARCHITECTURE.md, "Provider accounts: configuration and API"). Every change bumps one
// version counter in the same script, so every process notices it. Thread-safe.
class ProviderStore {
 public:
  ProviderStore(RedisPool* redis, SecretBox box);

  // Every stored account, secrets opened. An account that no longer opens or validates is
  // left out and named in the log; the others still load.
  absl::StatusOr<std::vector<ProviderAccount>> LoadAll() const;
  absl::StatusOr<std::optional<ProviderAccount>> Get(std::string_view name) const;
  // AlreadyExists when the name is taken.
  absl::Status Create(const ProviderAccount& account);
  // NotFound when there is no such account.
  absl::Status Replace(const ProviderAccount& account);
  // False when there was no such account.
  absl::StatusOr<bool> Delete(std::string_view name);
  // Changes with every Create, Replace and Delete.
  absl::StatusOr<int64_t> Version() const;

  // Registration at the provider (ProviderType::Register) of account `name` as defined by
  // `digest`, coordinated between processes. kDone: some process registered that definition
  // already; kClaimed: this caller holds the lease for `lease_millis` and registers; kBusy:
  // another process holds it.
  enum class Registration { kDone, kClaimed, kBusy };
  absl::StatusOr<Registration> ClaimRegistration(std::string_view name, std::string_view digest,
                                                 int64_t lease_millis) const;
  // Ends the caller's lease; `registered`: records `digest` as done.
  absl::Status FinishRegistration(std::string_view name, std::string_view digest,
                                  bool registered) const;

 private:
  std::string Encode(const ProviderAccount& account) const;
  absl::StatusOr<ProviderAccount> Decode(std::string_view name, std::string_view stored) const;

  RedisPool* redis_;
  SecretBox box_;
};

}  // namespace ogw
