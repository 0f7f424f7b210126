#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/email/html_to_text.h"    // HtmlToText, a step of ParseEmail.
#include "adapters/email/quoted_history.h"  // StripQuotedHistory, a step of ParseEmail.
#include "adapters/inbound.h"

namespace ogw {

// The largest raw message ParseEmail accepts (10 MiB). What a person types back fits many
// times over; anything larger is an attachment dump the gateway does not store.
inline constexpr size_t kMaxEmailBytes = 10 * 1024 * 1024;
// The largest header section (of the message itself) ParseEmail accepts.
inline constexpr size_t kMaxHeaderBytes = 256 * 1024;

// One received e-mail, as the gateway's inbound pipeline needs it.
struct ParsedEmail {
  enum class Kind {
    kMessage,         // Something sent to a gateway mailbox: see `message` and `auto_reply`.
    kDeliveryReport,  // A delivery status notification (RFC 3464 bounce): see `reports`.
  };
  Kind kind = Kind::kMessage;

  // kMessage. `provider` is left empty for the caller (the mailbox's configured name).
  InboundMessage message;
  // kMessage: sent by a machine on the person's behalf (out-of-office, vacation responder,
  // read receipt, bulk mail). Keep it in the conversation, but it is not the person's answer.
  bool auto_reply = false;

  // kDeliveryReport: one report per recipient with a final verdict, in the order of the DSN.
  // Each has `provider_message_id` = the bounced message's Message-ID (without brackets) when
  // the DSN quotes its headers, and an empty `message_id` and `provider` for the caller to fill.
  // Empty when the DSN names only delayed recipients.
  std::vector<DeliveryReport> reports;
};

// Parses a raw RFC 5322 message (as fetched from IMAP, CRLF or LF line endings) with GMime.
//
// A multipart/report with report-type=delivery-status becomes a kDeliveryReport. Per
// recipient group of its message/delivery-status part:
//   Action: failed           -> kFailed, code = Status ("5.1.1"), reason = Diagnostic-Code
//                               text (without its "smtp;" type), to = Final-Recipient
//                               (else Original-Recipient) address with a lower-case domain;
//                               address_invalid for 5.1.x (bad mailbox, bad domain, bad
//                               syntax, ...; a generic 5.0.0 counts when the diagnostic text
//                               carries a 5.1.x code), never for 4.x.x or other 5.x.x (5.2.2
//                               mailbox full is not the address's fault)
//   Action: delivered        -> kDelivered
//   Action: relayed/expanded -> kSent (handed to a system that sends no further reports)
//   Action: delayed          -> no report (a final one follows)
// The original Message-ID comes from the text/rfc822-headers (or message/rfc822,
// message/global-headers) part.
//
// Anything else becomes a kMessage:
//   from     first mailbox of From; when From has none, of Sender, then of Reply-To (which is
//            last because mailing lists and web forms rewrite it); lower-case domain
//   to       first recipient of To, Delivered-To, X-Original-To, then Cc (in that order) whose
//            local part is "reply+<token>"; else the first To address (else Delivered-To,
//            X-Original-To); lower-case domain
//   reply_token      the <token> of that reply+<token>@ address
//   subject  RFC 2047 decoded to UTF-8 whatever the charset
//   text     what the person wrote: the first inline text/plain part (so text/plain wins in
//            a multipart/alternative), else the first inline text/html part through
//            HtmlToText; transfer encoding undone, converted to UTF-8 from the part's
//            charset (iso-8859-1 and us-ascii read as windows-1252, as browsers do; unknown
//            or wrong labels guessed), format=flowed joined; then StripQuotedHistory
//   references       Message-IDs of In-Reply-To, then of References from the last (the
//                    parent) back to the first, without angle brackets, duplicates dropped
//   provider_message_id  Message-ID without brackets; without one, the lower-case hex
//                    SHA-256 of `raw`, so a re-fetched copy still deduplicates
//   received_at_ms   the time in the topmost Received header (the receiving server's clock),
//                    else the Date header, else 0
// auto_reply is set for Auto-Submitted other than "no", X-Autoreply / X-Autorespond,
// Precedence (or X-Precedence) auto_reply / bulk / junk, a non-DSN multipart/report (read
// receipts), a MAILER-DAEMON sender, or an out-of-office subject in a dozen languages
// ("Automatic reply:", "Out of Office", "Réponse automatique", "Abwesenheitsnotiz",
// "Автоответ", "رد تلقائي", ...).
//
// Every string in the result is valid UTF-8. InvalidArgument, with a reason, when `raw` is
// larger than kMaxEmailBytes, does not start with a header field, is not a message GMime can
// parse, or (kMessage) has no sender address. Never logs; the status never quotes content.
// Thread-safe.
absl::StatusOr<ParsedEmail> ParseEmail(std::string_view raw);

}  // namespace ogw
