#pragma once

#include "adapters/provider_type.h"

namespace ogw {

// "telegram": a Telegram bot through the Bot API (adapters/telegram/telegram_provider.h).
// Updates arrive at /v1/inbound/telegram/{provider}, verified by X-Telegram-Bot-Api-Secret-Token
// (`updates`: webhook, registered with setWebhook), or are fetched with getUpdates
// (`updates`: polling).
const ProviderType& TelegramType();

}  // namespace ogw
