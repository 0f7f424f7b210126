#include "gateway/providers/chat_links.h"

namespace ogw {

nlohmann::json ChatLinks(const ProviderDirectory& providers, const PersonTokens& tokens,
                         std::string_view org_id, const Contact& contact) {
  nlohmann::json links = nlohmann::json::object();
  const std::string code = tokens.ChatLinkToken(org_id, contact.id);
  for (Channel channel : {Channel::kTelegram, Channel::kWhatsApp, Channel::kMessenger}) {
    const auto binding = providers.registry().For(channel, org_id, contact.post_id);
    if (binding == nullptr) continue;
    const std::optional<ProviderAccount> account = providers.Find(binding->account);
    const ProviderType* type = account ? FindProviderType(account->type) : nullptr;
    if (type == nullptr) continue;
    const std::string link = type->ChatLink(*account, code);
    if (!link.empty()) links[std::string(ChannelName(channel))] = link;
  }
  return links;
}

}  // namespace ogw
