#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace ogw {

// Message-IDs of the e-mails the gateway sends carry the gateway's message id, so a bounce or a
// reply (In-Reply-To, References) leads back to the message without a lookup table:
//   <ID.RRRRRRRRRRRRRRRR@DOMAIN>
// ID is the gateway message id ("<campaign>:<index>" or a direct message id) with every ':'
// replaced by '.', R 16 random lowercase base32 characters (80 bits: two sends of the same
// message never share an id), DOMAIN the configured Message-ID domain.

// A fresh Message-ID header value, angle brackets included. InvalidArgument when the gateway id
// is empty or has characters other than ASCII letters, digits, '_', '-' and single inner ':'
// (anything else would not be a valid dot-atom, or would not map back), or `domain` is not a
// host name.
absl::StatusOr<std::string> NewEmailMessageId(std::string_view gateway_message_id,
                                              std::string_view domain);

// The gateway message id inside a Message-ID made by NewEmailMessageId for `domain` (compared
// case-insensitively), given with or without angle brackets and surrounding spaces. nullopt for
// any other Message-ID, including ours for another domain.
std::optional<std::string> GatewayMessageIdFromEmailId(std::string_view message_id_header_value,
                                                       std::string_view domain);

}  // namespace ogw
