#pragma once

#include "adapters/provider_type.h"

namespace ogw {

// "kannel": SMS through Kannel's smsbox (adapters/sms/kannel_provider.h); incoming messages
// from its sms-service at GET /v1/inbound/kannel/{provider} and delivery reports at
// .../dlr, both authenticated with keys derived from the account's inbound_secret.
const ProviderType& KannelType();

}  // namespace ogw
