// Feeds the webhook bodies of the chat platforms to the parsers the gateway runs on them:
// ParseTelegramUpdate and ParseGetUpdatesAnswer (Telegram), ParseWhatsAppWebhook (WhatsApp
// Cloud) and ParseMessengerWebhook (Messenger), each on the whole input. Also checks that
// whatever they accept names its provider, and that Meta's signature of the input verifies
// against itself and not under another secret.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/messenger/messenger_webhooks.h"
#include "adapters/meta/meta_webhooks.h"
#include "adapters/telegram/telegram_updates.h"
#include "adapters/whatsapp/whatsapp_webhooks.h"

namespace {

constexpr std::string_view kProvider = "fuzz";

void CheckProvider(const std::vector<ogw::InboundMessage>& messages,
                   const std::vector<ogw::DeliveryReport>& reports) {
  for (const ogw::InboundMessage& m : messages) {
    if (m.provider != kProvider) abort();
  }
  for (const ogw::DeliveryReport& r : reports) {
    if (r.provider != kProvider) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)ogw::ParseTelegramUpdate(body);
  (void)ogw::ParseGetUpdatesAnswer(body);
  if (auto hook = ogw::ParseWhatsAppWebhook(body, kProvider, "106540352242922"); hook.ok()) {
    CheckProvider(hook->messages, hook->reports);
  }
  if (auto hook = ogw::ParseMessengerWebhook(body, kProvider, "104500000000001"); hook.ok()) {
    CheckProvider(hook->messages, hook->reports);
  }
  const std::string signature = ogw::MetaSignature("app-secret", body);
  if (signature.size() != 7 + 64 || !signature.starts_with("sha256=")) abort();
  if (ogw::MetaSignature("other-secret", body) == signature) abort();
  return 0;
}
