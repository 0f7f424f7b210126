#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/email/mime_builder.h"
#include "adapters/provider.h"
#include "adapters/common/destination_policy.h"
#include "gateway/core/status.h"

namespace ogw {

struct SmtpConfig {
  std::string name;  // Provider name for metrics and logs.
  // "smtp://host:port" (plain, upgraded per `starttls`) or "smtps://host:port" (TLS from the
  // first byte). A path ("smtp://host:587/mail.example.org") names the EHLO domain; without
  // one the EHLO domain is message_id_domain.
  std::string url;
  std::string starttls = "required";  // "none", "try" or "required"; ignored for smtps://.
  std::string username;               // Empty: no AUTH.
  std::string password;               // Secret: never logged, never in a SendResult.
  std::string from_address;           // From and envelope sender unless the message names one.
  std::string from_name;              // Display name; any UTF-8.
  std::string message_id_domain;      // Right-hand side of our Message-IDs.
  std::string message_id_key;         // Signs our Message-IDs (email_message_id.h); secret.
  std::string ca_file;                // PEM bundle trusted for the server; empty: the system's.
  int timeout_ms = 30000;             // Per message, connecting included.
  // Accounts added through the API: where connections may go; null: anywhere.
  std::shared_ptr<const DestinationPolicy> destinations;
  size_t connections = 4;             // SMTP connections one SendBatch uses at most.
  bool verify_peer = true;            // Check the server's certificate and host name.
};

// OK, or InvalidArgument naming the first bad field: the URL scheme, starttls, from_address,
// message_id_domain, message_id_key, timeout_ms and connections.
absl::Status ValidateSmtpConfig(const SmtpConfig& config);

// What the SMTP exchange for one message ended with.
struct SmtpAnswer {
  CURLcode curl_code = CURLE_OK;
  long reply_code = 0;     // The last SMTP reply's code (CURLINFO_RESPONSE_CODE); 0: none.
  std::string reply_text;  // That reply's text without the code, lines joined by spaces.
  std::string error;       // curl's error text.
};

// Sends e-mail over SMTP with libcurl: per message MAIL FROM:<from>, RCPT TO:<to>, DATA with
// the message BuildEmail makes. How the answer is read:
//   accepted (250 after DATA)               accepted; provider_message_id = our Message-ID
//                                           without angle brackets
//   4xx reply (421, 450, 451, 452, ...)     transient "smtp_<code>"
//   5xx reply                               permanent "smtp_<code>"; 550/551/553 with enhanced
//                                           status 5.1.x mean the address does not exist
//                                           (SmtpAddressInvalid)
//   refused / timed out / TLS / other       transient "connect" / "timeout" / "tls" /
//                                           "transport"
//   message cannot be built (bad header)    permanent "invalid_message", not sent
// `reason` is the server's reply text (enhanced status code first, at most 200 bytes), else
// curl's error text; it is cut back to the enhanced status code, or the reply code, when it
// would repeat the password or the message's text.
//
// Connections: each SMTP session lives in a curl easy handle, and idle handles wait in a pool
// with their sessions open, so consecutive messages and batches skip connect, TLS and AUTH.
// SendBatch sends over up to `connections` sessions at once, one message after another on each.
//
// Thread-safe: concurrent SendBatch calls borrow different sessions from the pool.
class SmtpProvider final : public Provider {
 public:
  // `config` should have passed ValidateSmtpConfig; an invalid one fails every message.
  explicit SmtpProvider(SmtpConfig config);
  ~SmtpProvider() override;
  SmtpProvider(const SmtpProvider&) = delete;
  SmtpProvider& operator=(const SmtpProvider&) = delete;

  const std::string& name() const override { return config_.name; }
  void SendBatch(std::span<const OutboundMessage> messages, std::span<SendResult> results) override;

  // Classifies one exchange (not for accepted messages); `secrets` are kept out of the result.
  static SendResult Classify(const SmtpAnswer& answer, const OutboundMessage& message,
                             const std::vector<std::string_view>& secrets);

 private:
  class Session;

  std::unique_ptr<Session> Borrow();
  void GiveBack(std::unique_ptr<Session> session);
  SendResult Send(Session& session, const OutboundMessage& message);

  const SmtpConfig config_;
  const absl::Status config_status_;
  const std::string url_;  // With the EHLO domain as path.
  const MimeSender sender_;
  const std::vector<std::string> secrets_;  // The password and its AUTH encodings.
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Session>> idle_;  // Guarded by mu_.
};

// Whether a SendResult from SmtpProvider says the recipient address does not exist (550, 551
// or 553 with enhanced status 5.1.x: hard bounce), so it should be marked invalid.
bool SmtpAddressInvalid(const SendResult& result);

}  // namespace ogw
