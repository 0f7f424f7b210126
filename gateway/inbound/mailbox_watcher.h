#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/email/imap_poller.h"
#include "gateway/config/gateway_config.h"
#include "gateway/inbound/inbound_pipeline.h"

namespace ogw {

// Polls the IMAP mailbox of every e-mail provider that has one (`imap_url`), one thread per
// mailbox, and hands each new message to the inbound pipeline. A message is marked \Seen only
// after it is stored, so a crash or a Redis outage makes the next poll fetch it again (and the
// pipeline's deduplication keeps it single). Runs in `serve` and `worker` processes; several
// processes polling one mailbox are safe for the same reason.
class MailboxWatcher {
 public:
  MailboxWatcher(InboundPipeline* inbound, std::vector<ProviderSettings> providers);
  ~MailboxWatcher();  // Stops.

  // Starts the threads; InvalidArgument naming the provider when a mailbox is misconfigured.
  absl::Status Start();
  void Stop();
  // One poll of every mailbox, on the calling thread (tests, `check-config`).
  absl::Status PollAllOnce();

 private:
  struct Mailbox {
    ProviderSettings provider;
    std::unique_ptr<ImapPoller> poller;
  };
  absl::Status Open();
  absl::StatusOr<int> PollOnce(Mailbox& mailbox);
  void Loop(Mailbox* mailbox);

  InboundPipeline* inbound_;
  std::vector<ProviderSettings> providers_;
  std::vector<std::unique_ptr<Mailbox>> mailboxes_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace ogw
