#include "gateway/inbound/mailbox_watcher.h"

#include <spdlog/spdlog.h>

#include "gateway/inbound/email_intake.h"

namespace ogw {

MailboxWatcher::MailboxWatcher(InboundPipeline* inbound, std::vector<ProviderSettings> providers)
    : inbound_(inbound), providers_(std::move(providers)) {}

MailboxWatcher::~MailboxWatcher() { Stop(); }

absl::Status MailboxWatcher::Open() {
  if (!mailboxes_.empty()) return absl::OkStatus();
  for (const ProviderSettings& p : providers_) {
    if (p.type != "smtp" || p.imap_url.empty()) continue;
    ImapConfig config;
    config.name = p.name;
    config.url = p.imap_url;
    config.username = p.imap_username;
    config.password = p.imap_password;
    config.timeout_ms = p.timeout_ms;
    auto poller = ImapPoller::Create(config);
    if (!poller.ok()) {
      return absl::InvalidArgumentError("provider " + p.name + ": " +
                                        std::string(MessageOf(poller.status())));
    }
    mailboxes_.push_back(std::make_unique<Mailbox>(Mailbox{p, *std::move(poller)}));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> MailboxWatcher::PollOnce(Mailbox& mailbox) {
  return mailbox.poller->PollOnce([&](std::string_view raw) -> absl::Status {
    absl::Status taken = TakeEmail(*inbound_, mailbox.provider, raw);
    if (taken.code() == absl::StatusCode::kInvalidArgument) {
      // It will never parse: acknowledge it rather than fetch it forever.
      spdlog::warn("mailbox {}: unreadable message skipped: {}", mailbox.provider.name,
                   MessageOf(taken));
      return absl::OkStatus();
    }
    return taken;
  });
}

absl::Status MailboxWatcher::PollAllOnce() {
  RETURN_IF_ERROR(Open());
  for (auto& m : mailboxes_) RETURN_IF_ERROR(PollOnce(*m).status());
  return absl::OkStatus();
}

absl::Status MailboxWatcher::Start() {
  RETURN_IF_ERROR(Open());
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  for (auto& m : mailboxes_) threads_.emplace_back([this, mb = m.get()] { Loop(mb); });
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
                       [this] { return stopping_; })) {
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
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace ogw
