#pragma once

#include "adapters/provider_type.h"

namespace ogw {

// "messenger": one Facebook Page on Messenger through the Send API
// (adapters/messenger/messenger_provider.h), sending only inside the 24-hour window the
// person's last message opened. Meta's webhook calls /v1/inbound/messenger/{provider}: GET to
// verify the subscription (`verify_token`), POST with messages, postbacks and deliveries signed
// with the app secret (X-Hub-Signature-256).
const ProviderType& MessengerType();

}  // namespace ogw
