#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/common/destination_policy.h"

namespace ogw {

struct ImapConfig {
  std::string name;  // Mailbox name for logs; also what callers put in InboundMessage.provider.
  // "imap://host:port/INBOX" or "imaps://host/INBOX"; the path names the mailbox
  // (percent-encoded, INBOX when empty). imap:// upgrades with STARTTLS when the server offers
  // it. No credentials in the URL.
  std::string url;
  std::string username;
  std::string password;     // Secret: never logged, never in a Status.
  int timeout_ms = 30000;   // Bounds connecting and logging in, then each IMAP command.
  // Accounts added through the API: where connections may go; null: anywhere.
  std::shared_ptr<const DestinationPolicy> destinations;
  bool verify_peer = true;  // Check the server's TLS certificate and host name.
  std::string ca_file;      // PEM bundle trusted for the server; empty: the system's.
  // imap:// only: "required" (the default) refuses to log in unless STARTTLS succeeded, so a
  // network that strips STARTTLS from the server's capabilities never sees the password;
  // "try" upgrades when offered; "none" stays plain (a mailbox on the same host).
  std::string starttls = "required";
  int max_per_poll = 100;   // Messages handed to the handler per PollOnce at most.
  // Larger messages are not handed over (they would not parse: kMaxEmailBytes); their header
  // goes to PollOnce's `oversized` and they are marked \Seen so they do not come back.
  size_t max_message_bytes = 10 * 1024 * 1024;
};

// Fetches unread mail from one IMAP mailbox with libcurl. Each PollOnce opens one connection
// (libcurl does the TCP, TLS and the login) and runs over it:
//   SELECT "<mailbox>"
//   UID SEARCH UNSEEN
//   per UID, oldest first:  UID FETCH <uid> (BODY.PEEK[])          -> handle(raw)
//                           UID STORE <uid> +FLAGS.SILENT (\Seen)  only when handle() is OK
//   LOGOUT
// BODY.PEEK leaves the message unseen while it is handled, so the message is acknowledged
// (\Seen) only after handle() persisted it: a crash in between hands the same message over
// again at the next poll. handle() must therefore be idempotent (deduplicate on the
// Message-ID, as ParseEmail's provider_message_id allows).
//
// handle() gets the raw message exactly as the server stores it (CRLF line endings; the view
// is valid during the call only) and returns OK once the message is safely stored, or an error to
// have it offered again at the next poll. Only transient failures (storage down) should be errors:
// a message that can never be handled (ParseEmail rejects it) should be stored as rejected or
// dropped and answered OK, or it is fetched at every poll. Messages that failed in the previous
// poll are tried after the new ones, so up to max_per_poll failing messages cannot starve newer
// mail.
//
// The message's content never reaches a log or a Status. Thread-safe: concurrent PollOnce
// calls run one after the other.
class ImapPoller {
 public:
  // InvalidArgument when the URL is not imap:// or imaps:// with a host, carries credentials,
  // names a mailbox that is not printable ASCII, or a limit is not positive; or when the
  // username is empty.
  static absl::StatusOr<std::unique_ptr<ImapPoller>> Create(ImapConfig config);
  ~ImapPoller();
  ImapPoller(const ImapPoller&) = delete;
  ImapPoller& operator=(const ImapPoller&) = delete;

  const std::string& name() const { return config_.name; }

  // One poll as above. Returns how many messages were handed over and acknowledged.
  // Errors (the poll stops; unacknowledged messages stay unseen):
  //   Unauthenticated     the server refused the username/password
  //   Unavailable         cannot connect, TLS failure, connection lost, server said BYE
  //   DeadlineExceeded    connecting or a command took longer than timeout_ms
  //   FailedPrecondition  the server refused SELECT (no such mailbox), SEARCH or STORE
  // A handle() error is not a PollOnce error: it is logged and the poll goes on.
  // A message over max_message_bytes is not downloaded: `oversized` gets the first 8 KiB of
  // its header and its size, and the message is marked \Seen once it answers OK (an error
  // leaves it for the next poll, like handle()).
  using Handler = std::function<absl::Status(std::string_view raw)>;
  using OversizedHandler = std::function<absl::Status(std::string_view headers, uint64_t size)>;
  absl::StatusOr<int> PollOnce(const Handler& handle, const OversizedHandler& oversized = nullptr);

 private:
  ImapPoller(ImapConfig config, std::string mailbox);

  const ImapConfig config_;
  const std::string mailbox_;       // Decoded mailbox name, e.g. "INBOX".
  std::mutex mu_;                   // Serialises PollOnce.
  uint64_t uid_validity_ = 0;       // Guarded by mu_. The UIDs below belong to this UIDVALIDITY.
  std::set<uint32_t> failed_uids_;  // Guarded by mu_. handle() refused them last poll.
};

}  // namespace ogw
