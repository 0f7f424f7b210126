#pragma once

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
// InvalidArgument naming the field when a header value would contain CR, LF or NUL (header
// injection), an address (to, from, reply_to, the sender's) is not a plain ASCII addr-spec,
// an unsubscribe URL is not one http(s) URI, or the message id, domain or key cannot form a
// Message-ID.
// Thread-safe: each call uses only its own GMime objects.
absl::StatusOr<BuiltEmail> BuildEmail(const OutboundMessage& message, const MimeSender& sender);

// Whether `address` is local@domain in printable ASCII without spaces or the characters that
// would need quoting or could start a second address ( ( ) < > [ ] : ; , " \ ): the addresses
// BuildEmail accepts.
bool IsPlainEmailAddress(std::string_view address);

}  // namespace ogw
