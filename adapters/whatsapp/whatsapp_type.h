#pragma once

#include "adapters/provider_type.h"

namespace ogw {

// "whatsapp": one phone number of a WhatsApp Business Account through the WhatsApp Cloud API
// (adapters/whatsapp/whatsapp_provider.h). Meta's webhook calls /v1/inbound/whatsapp/{provider}:
// GET to verify the subscription (`verify_token`), POST with messages and statuses signed
// with the app secret (X-Hub-Signature-256).
const ProviderType& WhatsAppType();

}  // namespace ogw
