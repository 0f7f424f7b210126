// The one list of provider types. A new type adds its line here and its files under
// adapters/<channel>/; nothing under gateway/ names a type.

#include "adapters/email/smtp_type.h"
#include "adapters/messenger/messenger_type.h"
#include "adapters/provider_type.h"
#include "adapters/sandbox/sandbox_type.h"
#include "adapters/sms/kannel_type.h"
#include "adapters/sms/twilio_type.h"
#include "adapters/telegram/telegram_type.h"
#include "adapters/webhook/webhook_type.h"
#include "adapters/whatsapp/whatsapp_type.h"

namespace ogw {
namespace {

std::vector<const ProviderType*>& Registry() {
  static std::vector<const ProviderType*> types = {
      &SandboxType(), &WebhookType(),  &TwilioType(),   &KannelType(),
      &SmtpType(),    &TelegramType(), &WhatsAppType(), &MessengerType()};
  return types;
}

}  // namespace

const std::vector<const ProviderType*>& ProviderTypes() { return Registry(); }

const ProviderType* FindProviderType(std::string_view name) {
  for (const ProviderType* type : Registry()) {
    if (type->name() == name) return type;
  }
  return nullptr;
}

void RegisterProviderType(const ProviderType* type) {
  if (FindProviderType(type->name()) == nullptr) Registry().push_back(type);
}

std::string ProviderTypeNames() {
  std::string out;
  for (const ProviderType* type : Registry()) {
    if (!out.empty()) out += ", ";
    out += type->name();
  }
  return out;
}

}  // namespace ogw
