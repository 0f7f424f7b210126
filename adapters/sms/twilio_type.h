#pragma once

#include "adapters/provider_type.h"

namespace ogw {

// "twilio": SMS through Twilio's Messaging API (adapters/sms/twilio_provider.h), incoming
// messages and status callbacks at /v1/inbound/twilio/{provider}[/status], both verified by
// X-Twilio-Signature.
const ProviderType& TwilioType();

}  // namespace ogw
