#pragma once

#include <string>
#include <string_view>

#include "adapters/provider_type.h"

namespace ogw {

// The right-hand side of the Message-IDs an account sending as `from_address` gives its
// messages (its domain).
std::string MessageIdDomain(std::string_view from_address);

// Reads one raw e-mail that reached provider `provider`'s mailbox (IMAP poll or the inbound
// e-mail webhook): a reply becomes one message; a bounce becomes delivery reports for the
// messages it names. Only our own Message-IDs count, checked with `key` for `domain`
// (email_message_id.h): a bounce naming any other is dropped, and of a reply's In-Reply-To
// and References only the verified ones are kept, as InboundMessage::answers (which the
// pipeline then trusts to thread it). InvalidArgument for mail that cannot be parsed.
absl::StatusOr<InboundBatch> ReadReceivedEmail(std::string_view raw, const std::string& provider,
                                               std::string_view domain, std::string_view key);

// ReadReceivedEmail, then `sink`: mail that cannot be read (or that the pipeline cannot take)
// is quarantined under `source` and counts as taken; other errors mean "not stored, retry".
absl::Status TakeEmail(InboundSink& sink, std::string_view source, std::string_view raw,
                       const std::string& provider, std::string_view domain, std::string_view key);

// The header block of a raw e-mail (up to the first empty line), or its start when it has
// none: what is kept of mail that cannot be read.
std::string_view EmailHeaderBlock(std::string_view raw);

}  // namespace ogw
