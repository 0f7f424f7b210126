#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/provider_type.h"
#include "gateway/inbound/account_inbox.h"

namespace ogw {

// Polls the mailbox of every provider account whose type polls (ProviderType::MakePoller; an
// e-mail account with an `imap_url`), one thread per mailbox, and hands what it reads to the
// inbound pipeline through the account's AccountInbox. A message is acknowledged (IMAP: marked
// \Seen) only after it is stored, so a crash or a Redis outage makes the next poll fetch it
// again (and the pipeline's deduplication keeps it single). Runs in `serve` and `worker`
// processes; several processes polling one mailbox are safe for the same reason.
// Accounts come and go while it runs (added through the API): every few seconds it starts
// the mailboxes of new accounts, restarts those whose settings changed and stops those of
// removed ones.
class MailboxWatcher {
 public:
  // Every provider account there is now; called from the watcher's own thread.
  using Accounts = std::function<std::vector<ProviderAccount>()>;

  // Mail that cannot be read (over the size limit, does not parse) goes to `quarantine`.
  // Pollers are made with `context` (mailboxes of accounts added through the API connect
  // only where its destinations allow). Neither pointer is owned; both outlive the watcher.
  MailboxWatcher(InboundPipeline* inbound, InboundQuarantine* quarantine, ProviderContext context,
                 Accounts accounts,
                 std::chrono::milliseconds reconcile_every = std::chrono::seconds(2));
  ~MailboxWatcher();  // Stops.

  // Starts polling; InvalidArgument naming the provider when a mailbox there is now is
  // misconfigured (later ones are logged and skipped).
  absl::Status Start();
  void Stop();
  // One poll of every mailbox, on the calling thread (tests, `check-config`); not while
  // started.
  absl::Status PollAllOnce();

 private:
  struct Mailbox {
    Mailbox(InboundPipeline* inbound, InboundQuarantine* quarantine, ProviderAccount account)
        : inbox(inbound, quarantine, std::move(account)) {}
    AccountInbox inbox;
    std::string definition;  // What it was opened with; a change reopens it.
    std::unique_ptr<Poller> poller;
    std::thread thread;
    bool stopping = false;  // Guarded by mu_.
  };
  // Opens mailboxes of new or changed accounts (starting their threads when `run`) and closes
  // those of accounts gone. The first misconfigured mailbox's error; the others still open.
  absl::Status Reconcile(bool run);
  void StopMailbox(Mailbox& mailbox);
  absl::StatusOr<int> PollOnce(Mailbox& mailbox);
  void Loop(Mailbox* mailbox);

  InboundPipeline* inbound_;
  InboundQuarantine* quarantine_;
  const ProviderContext context_;
  Accounts accounts_;
  const std::chrono::milliseconds reconcile_every_;
  // Touched by the caller before Start / after Stop, and by the supervisor thread between.
  std::map<std::string, std::unique_ptr<Mailbox>> mailboxes_;
  std::map<std::string, std::string> refused_;  // Name -> definition already logged as bad.
  std::thread supervisor_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace ogw
