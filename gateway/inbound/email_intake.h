#pragma once

#include <string_view>

#include "gateway/config/gateway_config.h"
#include "gateway/core/status.h"
#include "gateway/inbound/inbound_pipeline.h"

namespace ogw {

// Hands one raw e-mail that reached a provider's mailbox (IMAP poll or the inbound e-mail
// webhook) to the inbound pipeline: a reply becomes an `in` entry of the person's
// conversation; a bounce becomes delivery reports for the messages it names, marking
// hard-bounced addresses invalid. Only our own Message-IDs count, checked with the pipeline's
// EmailMessageIdKey() for the provider's domain (email_message_id.h): a bounce naming any
// other is ignored, and of a reply's In-Reply-To and References only the verified ones reach
// the pipeline, as InboundMessage::answers (which then threads it: sender address, reply
// token, answered message). InvalidArgument for mail that cannot be parsed (it would never
// parse: the caller acknowledges it rather than retrying forever); other errors mean "not
// stored, retry". Thread-safe.
absl::Status TakeEmail(InboundPipeline& inbound, const ProviderSettings& provider,
                       std::string_view raw);

// The right-hand side of the Message-IDs the provider's messages carry (its From domain).
std::string MessageIdDomain(const ProviderSettings& provider);

}  // namespace ogw
