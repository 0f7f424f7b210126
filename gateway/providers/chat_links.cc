#include "gateway/providers/chat_links.h"

namespace ogw {
namespace {

constexpr Channel kChatChannels[] = {Channel::kTelegram, Channel::kWhatsApp, Channel::kMessenger};

// The link of the account serving `channel` for the post, with `code`; "" when none can
// make one (no account, or one without a bot name or number).
std::string LinkOf(const ProviderDirectory& providers, Channel channel, std::string_view org_id,
                   std::string_view post_id, std::string_view code) {
  const auto binding = providers.registry().For(channel, org_id, post_id);
  if (binding == nullptr) return "";
  const std::optional<ProviderAccount> account = providers.Find(binding->account);
  const ProviderType* type = account ? FindProviderType(account->type) : nullptr;
  return type == nullptr ? "" : type->ChatLink(*account, code);
}

}  // namespace

nlohmann::json ChatLinks(const ProviderDirectory& providers, const PersonTokens& tokens,
                         std::string_view org_id, const Contact& contact) {
  nlohmann::json links = nlohmann::json::object();
  const std::string code = tokens.ChatLinkToken(org_id, contact.id);
  for (Channel channel : kChatChannels) {
    const std::string link = LinkOf(providers, channel, org_id, contact.post_id, code);
    if (!link.empty()) links[std::string(ChannelName(channel))] = link;
  }
  return links;
}

std::vector<Channel> ChatLinkChannels(const ProviderDirectory& providers, std::string_view org_id,
                                      std::string_view post_id) {
  std::vector<Channel> channels;
  for (Channel channel : kChatChannels) {
    // Whether a link can be made does not depend on the code (ProviderType::ChatLink).
    if (!LinkOf(providers, channel, org_id, post_id, "").empty()) channels.push_back(channel);
  }
  return channels;
}

}  // namespace ogw
