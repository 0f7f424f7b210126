#include "gateway/inbound/mailbox_watcher.h"

#include <spdlog/spdlog.h>

#include <set>

#include "gateway/inbound/email_intake.h"

namespace ogw {

MailboxWatcher::MailboxWatcher(InboundPipeline* inbound, InboundQuarantine* quarantine,
                               std::shared_ptr<const DestinationPolicy> destinations,
                               Accounts accounts,
                               std::chrono::milliseconds reconcile_every)
    : inbound_(inbound),
      quarantine_(quarantine),
      destinations_(std::move(destinations)),
      accounts_(std::move(accounts)),
      reconcile_every_(reconcile_every) {}

MailboxWatcher::~MailboxWatcher() { Stop(); }

absl::Status MailboxWatcher::Reconcile(bool run) {
  absl::Status first_error;
  std::set<std::string> present;
  for (const ProviderSettings& p : accounts_()) {
    if (p.type != "smtp" || p.imap_url.empty()) continue;
    present.insert(p.name);
    const std::string definition = ProviderSettingsToJson(p, /*with_secrets=*/true).dump();
    auto it = mailboxes_.find(p.name);
    if (it != mailboxes_.end() && it->second->definition == definition) continue;
    if (it != mailboxes_.end()) {
      StopMailbox(*it->second);
      mailboxes_.erase(it);
    }
    ImapConfig config;
    config.name = p.name;
    config.url = p.imap_url;
    config.username = p.imap_username;
    config.password = p.imap_password;
    config.timeout_ms = p.timeout_ms;
    config.ca_file = p.ca_file;
    config.starttls = p.starttls;
    if (p.from_api) config.destinations = DestinationPolicy::For(destinations_, p.imap_url);
    auto poller = ImapPoller::Create(config);
    if (!poller.ok()) {
      absl::Status error = absl::InvalidArgumentError(
          "provider " + p.name + ": " + std::string(MessageOf(poller.status())));
      if (refused_[p.name] != definition) spdlog::error("mailbox {}", MessageOf(error));
      refused_[p.name] = definition;
      if (first_error.ok()) first_error = error;
      continue;
    }
    refused_.erase(p.name);
    auto mailbox = std::make_unique<Mailbox>();
    mailbox->provider = p;
    mailbox->definition = definition;
    mailbox->poller = *std::move(poller);
    if (run) mailbox->thread = std::thread([this, mb = mailbox.get()] { Loop(mb); });
    if (run) spdlog::info("mailbox {}: polling every {} s", p.name, p.poll_seconds);
    mailboxes_.emplace(p.name, std::move(mailbox));
  }
  for (auto it = mailboxes_.begin(); it != mailboxes_.end();) {
    if (present.contains(it->first)) {
      ++it;
      continue;
    }
    spdlog::info("mailbox {}: account removed, polling stops", it->first);
    StopMailbox(*it->second);
    it = mailboxes_.erase(it);
  }
  return first_error;
}

void MailboxWatcher::StopMailbox(Mailbox& mailbox) {
  {
    std::lock_guard lock(mu_);
    mailbox.stopping = true;
  }
  wake_.notify_all();
  if (mailbox.thread.joinable()) mailbox.thread.join();
}

absl::StatusOr<int> MailboxWatcher::PollOnce(Mailbox& mailbox) {
  const ProviderSettings& provider = mailbox.provider;
  return mailbox.poller->PollOnce(
      [&](std::string_view raw) -> absl::Status {
        absl::Status taken = TakeEmail(*inbound_, provider, raw);
        if (taken.code() != absl::StatusCode::kInvalidArgument) return taken;
        // It will never parse: kept in the quarantine, then acknowledged rather than fetched
        // forever.
        return quarantine_->Put(provider.organisation, provider.name,
                                {"imap", std::string(MessageOf(taken)), raw.size(),
                                 std::string(EmailHeaderBlock(raw))});
      },
      [&](std::string_view headers, uint64_t size) {
        return quarantine_->Put(provider.organisation, provider.name,
                                {"imap", "over the size limit", size, std::string(headers)});
      });
}

absl::Status MailboxWatcher::PollAllOnce() {
  RETURN_IF_ERROR(Reconcile(/*run=*/false));
  for (auto& [name, m] : mailboxes_) RETURN_IF_ERROR(PollOnce(*m).status());
  return absl::OkStatus();
}

absl::Status MailboxWatcher::Start() {
  if (supervisor_.joinable()) return absl::OkStatus();
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  // Mailboxes opened by an earlier PollAllOnce have no thread yet: open them afresh.
  for (auto& [name, m] : mailboxes_) StopMailbox(*m);
  mailboxes_.clear();
  absl::Status started = Reconcile(/*run=*/true);
  if (!started.ok()) {
    Stop();
    return started;
  }
  supervisor_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, reconcile_every_, [this] { return stopping_; })) {
      lock.unlock();
      (void)Reconcile(/*run=*/true);  // Problems are logged once per definition.
      lock.lock();
    }
  });
  return absl::OkStatus();
}

void MailboxWatcher::Loop(Mailbox* mailbox) {
  while (true) {
    auto polled = PollOnce(*mailbox);
    if (!polled.ok()) {
      spdlog::warn("mailbox {}: {}", mailbox->provider.name, MessageOf(polled.status()));
    } else if (*polled > 0) {
      spdlog::info("mailbox {}: {} message(s) taken", mailbox->provider.name, *polled);
    }
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, std::chrono::seconds(mailbox->provider.poll_seconds),
                       [&] { return stopping_ || mailbox->stopping; })) {
      return;
    }
  }
}

void MailboxWatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  for (auto& [name, m] : mailboxes_) StopMailbox(*m);
  mailboxes_.clear();
}

}  // namespace ogw
