#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace ogw {

// Message-IDs of the e-mails the gateway sends carry the gateway's message id, signed, so a
// bounce or a reply (In-Reply-To, References) leads back to the message without a lookup table
// and nobody else can make one that does:
//   <ID.NNNNNNNN.MMMMMMMMMMMMMMMM@DOMAIN>
// ID is the gateway message id ("<campaign>:<index>" or a direct message id) with every ':'
// replaced by '.'; N a fresh random nonce per send (8 lowercase base32 characters, 40 bits: two
// sends of the same message never share an id); M the first 16 lowercase base32 characters
// (80 bits) of HMAC-SHA256(key, "ID|NONCE|domain"), with ID as given (with its ':') and the
// domain in lower case; DOMAIN the configured Message-ID domain. Without the key nobody can
// name one of our messages: a forged bounce cannot mark an address invalid, and a forged
// In-Reply-To cannot thread a reply into someone's conversation.

// Keys shorter than this are refused by both functions.
inline constexpr size_t kMinEmailMessageIdKeyBytes = 32;

// A fresh Message-ID header value, angle brackets included, signed with `key`. InvalidArgument
// when the gateway id is empty or has characters other than ASCII letters, digits, '_', '-'
// and single inner ':' (anything else would not be a valid dot-atom, or would not map back),
// `domain` is not a host name, or `key` is shorter than kMinEmailMessageIdKeyBytes.
// Thread-safe.
absl::StatusOr<std::string> NewEmailMessageId(std::string_view gateway_message_id,
                                              std::string_view domain, std::string_view key);

// The gateway message id inside a Message-ID that NewEmailMessageId made for `domain` (compared
// case-insensitively) with `key`, given with or without angle brackets and surrounding spaces.
// The signature is checked in constant time. nullopt for any other Message-ID: malformed,
// another domain's, signed with another key, altered or cut short; also when `key` is shorter
// than kMinEmailMessageIdKeyBytes. Thread-safe.
std::optional<std::string> GatewayMessageIdFromEmailId(std::string_view message_id_header_value,
                                                       std::string_view domain,
                                                       std::string_view key);

}  // namespace ogw
