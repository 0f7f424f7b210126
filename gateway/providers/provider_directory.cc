#include "gateway/providers/provider_directory.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "adapters/sandbox/sandbox_type.h"
#include "gateway/core/crypto.h"

namespace ogw {

ProviderDirectory::ProviderDirectory(std::vector<ProviderAccount> configured, ProviderStore* store,
                                     ProviderContext context)
    : configured_(std::move(configured)), store_(store), context_(std::move(context)) {}

ProviderDirectory::~ProviderDirectory() {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    stopping_ = true;
  }
  watch_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

absl::Status ProviderDirectory::Load() {
  std::vector<ProviderAccount> stored;
  int64_t version = 0;
  if (store_ != nullptr) {
    ASSIGN_OR_RETURN(version, store_->Version());
    ASSIGN_OR_RETURN(stored, store_->LoadAll());
  }
  return Build(std::move(stored), version);
}

absl::Status ProviderDirectory::Refresh(bool force) {
  if (store_ == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(int64_t version, store_->Version());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!force && version == version_) return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::vector<ProviderAccount> stored, store_->LoadAll());
  return Build(std::move(stored), version);
}

absl::Status ProviderDirectory::Build(std::vector<ProviderAccount> stored, int64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ProviderAccount> all = configured_;
  std::set<std::string, std::less<>> names;
  for (const ProviderAccount& ps : configured_) names.insert(ps.name);
  for (ProviderAccount& ps : stored) {
    // The API refuses all three; an account stored by an older version, or written into Redis
    // by hand, must still never serve another organisation or pass for the sandbox.
    if (ps.organisation.empty() || IsReservedProviderName(ps.name)) {
      spdlog::error("stored provider {} has no organisation or a reserved name; it is not used",
                    ps.name);
      continue;
    }
    // The API refuses a configured name; a config changed later wins over the stored account.
    if (!names.insert(ps.name).second) {
      spdlog::error("provider {} is both configured and stored; the configured one is used",
                    ps.name);
      continue;
    }
    ps.from_api = true;
    all.push_back(std::move(ps));
  }

  decltype(built_) built;
  decltype(unregistered_) unregistered;
  ProviderRegistry::Table table;
  for (size_t i = 0; i < all.size(); ++i) {
    const ProviderAccount& ps = all[i];
    const bool is_configured = i < configured_.size();
    const std::string definition = ProviderAccountToJson(ps, /*with_secrets=*/true).dump();
    std::shared_ptr<Provider> provider;
    const auto previous = built_.find(ps.name);
    const bool unchanged = previous != built_.end() && previous->second.first == definition;
    if (unchanged) {
      provider = previous->second.second;
    } else {
      auto made = MakeProvider(ps, context_);
      if (!made.ok()) {
        if (is_configured) return made.status();
        spdlog::error("{}", MessageOf(made.status()));
        continue;
      }
      provider = *std::move(made);
    }
    // Registered once per definition: a new one waits for it, a waiting one keeps waiting.
    const ProviderType* type = FindProviderType(ps.type);
    if (type != nullptr && type->registers() && (!unchanged || unregistered_.contains(ps.name))) {
      unregistered.emplace(ps.name, definition);
    }
    built.emplace(ps.name, std::make_pair(definition, provider));
    ProviderBinding binding{provider, ps.name, ProviderRate{ps.per_second, ps.per_minute}};
    for (const std::string& name : ps.channels) {
      const std::optional<Channel> channel = ParseChannel(name);
      if (!channel) continue;
      // Two stored accounts for one channel and post can only come from a race between two
      // admins; the first by name wins, every process alike.
      table.emplace(ProviderRegistry::Key{*channel, ps.organisation, ps.post}, binding);
    }
  }
  // Every channel without a shared account goes to the sandbox. The implicit sandboxes live
  // in a table of their own, keyed by channel: no account's name can stand in for one.
  for (Channel ch : kPersonChannels) {
    if (table.contains(ProviderRegistry::Key{ch, "", ""})) continue;
    std::shared_ptr<Provider>& sandbox = sandboxes_[ch];
    if (sandbox == nullptr) {
      ProviderAccount account;
      account.name = ImplicitSandboxName(ChannelName(ch));
      account.type = std::string(kSandboxTypeName);
      account.settings = TypeSettingsPtr(SandboxType().NewSettings());
      ASSIGN_OR_RETURN(sandbox, MakeProvider(account, context_));
    }
    table.emplace(ProviderRegistry::Key{ch, "", ""},
                  ProviderBinding{sandbox, ImplicitSandboxName(ChannelName(ch)), ProviderRate{}});
  }
  registry_.ReplaceAll(std::move(table));
  built_ = std::move(built);
  unregistered_ = std::move(unregistered);
  all_ = std::move(all);
  version_ = version;
  generation_.fetch_add(1);
  return absl::OkStatus();
}

void ProviderDirectory::StartWatching(std::chrono::milliseconds interval) {
  if (watcher_.joinable()) return;
  watcher_ = std::thread([this, interval] {
    RegisterPending();
    std::unique_lock<std::mutex> lock(watch_mu_);
    while (!watch_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      if (absl::Status s = Refresh(); !s.ok()) {
        spdlog::warn("provider accounts not refreshed (the last ones stay in use): {}",
                     MessageOf(s));
      }
      RegisterPending();
      lock.lock();
    }
  });
}

size_t ProviderDirectory::RegisterPending() {
  struct Waiting {
    ProviderAccount account;
    std::string definition;
  };
  std::vector<Waiting> waiting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const ProviderAccount& ps : all_) {
      auto it = unregistered_.find(ps.name);
      if (it != unregistered_.end()) waiting.push_back({ps, it->second});
    }
  }
  size_t left = 0;
  for (const Waiting& w : waiting) {
    const ProviderType* type = FindProviderType(w.account.type);
    // The digest, not the definition, is stored: the definition holds the account's secrets.
    const std::string digest = Sha256Hex(w.definition);
    bool registered = false;
    if (store_ != nullptr) {
      // Long enough for the provider's answer to arrive or time out.
      const int64_t lease_millis = std::max<int64_t>(10'000, 2 * int64_t{w.account.timeout_ms});
      auto claim = store_->ClaimRegistration(w.account.name, digest, lease_millis);
      if (!claim.ok()) {
        spdlog::warn("provider {}: registration not claimed: {}", w.account.name,
                     MessageOf(claim.status()));
        ++left;
        continue;
      }
      if (*claim == ProviderStore::Registration::kBusy) {
        ++left;
        continue;
      }
      registered = *claim == ProviderStore::Registration::kDone;
    }
    if (!registered && type != nullptr) {
      const absl::Status s = type->Register(w.account, context_);
      registered = s.ok();
      if (!s.ok()) {
        spdlog::warn("provider {}: registration at the provider failed (retried): {}",
                     w.account.name, MessageOf(s));
      }
      if (store_ != nullptr) {
        if (absl::Status f = store_->FinishRegistration(w.account.name, digest, registered);
            !f.ok()) {
          spdlog::warn("provider {}: registration not recorded: {}", w.account.name, MessageOf(f));
        }
      }
    }
    if (!registered) {
      ++left;
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    // Unless the definition changed meanwhile (that one waits for its own registration).
    if (auto it = unregistered_.find(w.account.name);
        it != unregistered_.end() && it->second == w.definition) {
      unregistered_.erase(it);
    }
  }
  return left;
}

std::optional<ProviderAccount> ProviderDirectory::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const ProviderAccount& ps : all_) {
    if (ps.name == name) return ps;
  }
  return std::nullopt;
}

std::vector<ProviderAccount> ProviderDirectory::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return all_;
}

bool ProviderDirectory::IsConfigured(std::string_view name) const {
  for (const ProviderAccount& ps : configured_) {
    if (ps.name == name) return true;
  }
  return false;
}

}  // namespace ogw
