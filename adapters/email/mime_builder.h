#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "adapters/provider.h"
#include "gateway/core/status.h"

namespace ogw {

// Who the gateway's e-mails come from.
struct MimeSender {
  std::string address;            // From address when the message names none (message.from).
  std::string name;               // Display name, any UTF-8; empty: the bare address.
  std::string message_id_domain;  // Right-hand side of Message-IDs (email_message_id.h).
  std::string message_id_key;     // Signs the Message-IDs (email_message_id.h); secret.
};

// One message ready for SMTP.
struct BuiltEmail {
  std::string message_id;    // The Message-ID, without angle brackets.
  std::string from_address;  // The From address; also the envelope sender (MAIL FROM).
  std::string data;          // The whole RFC 5322 message, CRLF line ends, not dot-stuffed.
};

// What an e-mail may carry (a calendar file is a few KiB): every byte is sent to every
// recipient and base64 adds a third.
inline constexpr size_t kMaxEmailAttachments = 5;
inline constexpr size_t kMaxAttachmentBytes = 256 * 1024;
inline constexpr size_t kMaxAttachmentFilenameChars = 100;  // UTF-8 characters.

// Builds the e-mail for `message` with GMime:
//   Date (now, UTC), From ("name" <address>, name RFC 2047 encoded as UTF-8 when needed), To,
//   Subject (UTF-8 encoded-words when not ASCII), Message-ID (NewEmailMessageId), MIME-Version,
//   Reply-To when message.reply_to is set,
//   List-Unsubscribe: <unsubscribe_url>, <mailto:unsubscribe_mailto>   (each when set) and
//   List-Unsubscribe-Post: List-Unsubscribe=One-Click when the URL is set (RFC 8058),
//   X-Outreach-Message-Id: <message.message_id>;
// body text/plain; charset=utf-8, or multipart/alternative of text/plain and text/html (both
// charset=utf-8) when message.html is set. Line ends in the bodies become CRLF, and each part
// gets the transfer encoding GMime judges best for 7-bit transport (7bit, quoted-printable or
// base64).
//
// With message.attachments the body above becomes the first part of a multipart/mixed, and
// each file follows in order as a part of its content_type with Content-Disposition:
// attachment; filename=... (RFC 2231 in UTF-8 when not ASCII; also as the Content-Type's
// name). Its bytes arrive exactly: base64 when they have a bare CR or LF (a text encoding
// would make them CRLF), else the encoding GMime judges best. The first text/calendar file
// with a method parameter (an invitation) is also the body's last alternative, without
// disposition or name, as Gmail and Outlook want it for their "Add to calendar" buttons:
//   multipart/mixed
//     multipart/alternative: text/plain, [text/html,] text/calendar; method=...
//     text/calendar (attachment), other files...
// Without attachments the message is exactly as before.
//
// InvalidArgument naming the field when a header value would contain CR, LF or NUL (header
// injection), an address (to, from, reply_to, the sender's) is not a plain ASCII addr-spec,
// an unsubscribe URL is not one http(s) URI, the message id, domain or key cannot form a
// Message-ID, or the attachments fail CheckAttachments.
// Thread-safe: each call uses only its own GMime objects.
absl::StatusOr<BuiltEmail> BuildEmail(const OutboundMessage& message, const MimeSender& sender);

// OK, or InvalidArgument naming the first bad field ("attachments: ...",
// "attachments[2].filename: ..."; never quoting the value): more than kMaxEmailAttachments
// files; data longer than kMaxAttachmentBytes; a filename empty, longer than
// kMaxAttachmentFilenameChars, not UTF-8, "." or "..", or with '/', '\' or a control
// character (CR, LF, NUL, TAB, ...); a content_type that is not one ASCII
// type/subtype *(; attribute=value) (RFC 2045) that GMime reads the same, or is multipart/* or
// message/* (those are structures, not files). Thread-safe.
absl::Status CheckAttachments(std::span<const Attachment> attachments);

// Whether `address` is local@domain in printable ASCII without spaces or the characters that
// would need quoting or could start a second address ( ( ) < > [ ] : ; , " \ ): the addresses
// BuildEmail accepts.
bool IsPlainEmailAddress(std::string_view address);

}  // namespace ogw
