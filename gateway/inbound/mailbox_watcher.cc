#include "gateway/inbound/mailbox_watcher.h"

#include <spdlog/spdlog.h>

#include <set>

#include "gateway/config/provider_settings.h"

namespace ogw {

MailboxWatcher::MailboxWatcher(InboundPipeline* inbound, InboundQuarantine* quarantine,
                               ProviderContext context, Accounts accounts,
                               std::chrono::milliseconds reconcile_every)
    : inbound_(inbound),
      quarantine_(quarantine),
      context_(std::move(context)),
      accounts_(std::move(accounts)),
      reconcile_every_(reconcile_every) {}

MailboxWatcher::~MailboxWatcher() { Stop(); }

absl::Status MailboxWatcher::Reconcile(bool run) {
  absl::Status first_error;
  std::set<std::string> present;
  for (const ProviderAccount& p : accounts_()) {
    const ProviderType* type = FindProviderType(p.type);
    if (type == nullptr || !p.settings || p.settings->poll_seconds() <= 0) continue;
    present.insert(p.name);
    const std::string definition = ProviderAccountToJson(p, /*with_secrets=*/true).dump();
    auto it = mailboxes_.find(p.name);
    if (it != mailboxes_.end() && it->second->definition == definition) continue;
    if (it != mailboxes_.end()) {
      StopMailbox(*it->second);
      mailboxes_.erase(it);
    }
    auto poller = type->MakePoller(p, context_);
    if (!poller.ok() || *poller == nullptr) {
      absl::Status error =
          absl::InvalidArgumentError("provider " + p.name + ": " +
                                     (poller.ok() ? std::string("its type makes no poller")
                                                  : std::string(MessageOf(poller.status()))));
      if (refused_[p.name] != definition) spdlog::error("mailbox {}", MessageOf(error));
      refused_[p.name] = definition;
      if (first_error.ok()) first_error = error;
      continue;
    }
    refused_.erase(p.name);
    auto mailbox = std::make_unique<Mailbox>(inbound_, quarantine_, p);
    mailbox->definition = definition;
    mailbox->poller = *std::move(poller);
    if (run) mailbox->thread = std::thread([this, mb = mailbox.get()] { Loop(mb); });
    if (run) spdlog::info("mailbox {}: polling every {} s", p.name, p.settings->poll_seconds());
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
  return mailbox.poller->PollOnce(mailbox.inbox);
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
      spdlog::warn("mailbox {}: {}", mailbox->inbox.account().name, MessageOf(polled.status()));
    } else if (*polled > 0) {
      spdlog::info("mailbox {}: {} message(s) taken", mailbox->inbox.account().name, *polled);
    }
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock,
                       std::chrono::seconds(mailbox->inbox.account().settings->poll_seconds()),
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
