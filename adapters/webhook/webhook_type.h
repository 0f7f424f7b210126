#pragma once

#include "adapters/provider_type.h"

namespace ogw {

// "webhook": POSTs every message as JSON to a URL of the organisation's own
// (adapters/webhook/webhook_provider.h); any channel.
const ProviderType& WebhookType();

}  // namespace ogw
