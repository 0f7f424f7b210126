#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adapters/inbound.h"

namespace ogw {

// Reads the body of a message/delivery-status part (RFC 3464): one report per recipient group
// with a final verdict, in order, mapped as ParseEmail describes (mime_parser.h); none for
// delayed recipients. Each report gets `original_message_id` as its provider_message_id and an
// empty message_id and provider. Every string is valid UTF-8. Thread-safe.
std::vector<DeliveryReport> ParseDeliveryStatus(std::string_view status_fields,
                                                std::string_view original_message_id);

// The Message-ID, without angle brackets, of the header block a DSN quotes (the content of its
// text/rfc822-headers, message/rfc822-headers or message/global-headers part); empty when it
// has none. Valid UTF-8. Thread-safe.
std::string MessageIdOfHeaderBlock(std::string_view headers);

// Address and string helpers shared with mime_parser.cc. Not an API; thread-safe.
namespace mime_parser_internal {

// Every string handed to the gateway is valid UTF-8 without NULs: it goes into JSON and Redis.
std::string ValidUtf8(std::string text);

// The local part keeps its case (it may be case-sensitive); domains are case-insensitive, and
// the gateway compares addresses as strings.
std::string LowerDomain(std::string_view address);

}  // namespace mime_parser_internal

}  // namespace ogw
