#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/config/provider_settings.h"
#include "gateway/delivery/provider_registry.h"
#include "gateway/providers/provider_factory.h"
#include "gateway/providers/provider_store.h"

namespace ogw {

// Every provider account this process can use: the configuration's and those added through
// the API (docs/ARCHITECTURE.md, "Provider accounts: configuration and API"). Keeps the
// ProviderRegistry the delivery worker reads and the name index the webhooks read current.
// Thread-safe.
class ProviderDirectory {
 public:
  ProviderDirectory(std::vector<ProviderAccount> configured, ProviderStore* store,
                    ProviderContext context);
  ~ProviderDirectory();

  // Builds everything. An error when a configured account cannot make a provider; a stored
  // one that cannot is left out and logged.
  absl::Status Load();
  // Rebuilds when the stored accounts changed since the last build (or at once with `force`).
  // On a Redis error the last build stays in use.
  absl::Status Refresh(bool force = false);
  // On a thread of its own until destroyed: registers what waits for it at once, then every
  // `interval` refreshes and registers again.
  void StartWatching(std::chrono::milliseconds interval);
  // Registers at their providers the accounts whose type asks for it (ProviderType::Register)
  // and whose current definition is not registered yet, one process at a time per account
  // (a lease in the store). Returns how many still wait: failed, or leased by another process.
  size_t RegisterPending();

  ProviderRegistry& registry() { return registry_; }
  const ProviderRegistry& registry() const { return registry_; }
  // The account named `name`, configured or stored; nullopt when there is none.
  std::optional<ProviderAccount> Find(std::string_view name) const;
  // Every account, configured ones first.
  std::vector<ProviderAccount> All() const;
  // Whether `name` is a configured account (those cannot be changed through the API).
  bool IsConfigured(std::string_view name) const;
  // What the accounts' providers, routes and pollers are made with.
  const ProviderContext& context() const { return context_; }
  // Incremented with every rebuild (watchers of the accounts compare it).
  int64_t generation() const { return generation_.load(); }

 private:
  absl::Status Build(std::vector<ProviderAccount> stored, int64_t version);

  const std::vector<ProviderAccount> configured_;
  ProviderStore* store_;
  const ProviderContext context_;
  ProviderRegistry registry_;

  mutable std::mutex mu_;
  std::vector<ProviderAccount> all_;
  // Built providers by account name with the definition they were built from, reused while
  // it does not change (they hold connections and circuit breaker state).
  std::map<std::string, std::pair<std::string, std::shared_ptr<Provider>>, std::less<>> built_;
  // The sandbox of each channel that no shared account serves (never in built_).
  std::map<Channel, std::shared_ptr<Provider>> sandboxes_;
  // Accounts built from a definition not yet registered at their provider: name -> definition.
  std::map<std::string, std::string, std::less<>> unregistered_;
  int64_t version_ = -1;
  std::atomic<int64_t> generation_{0};

  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace ogw
