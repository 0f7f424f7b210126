#pragma once

// The personal links that let a person tie a chat of theirs to their contact (Telegram's
// t.me/<bot>?start=, Messenger's m.me/<page>?ref=, WhatsApp's wa.me/<number>?text=), each
// carrying the contact's signed chat-link code, for the accounts that serve the person's post.
// Sent on a channel the person is already reached on (an officer's message, a campaign's
// {{chat_links.telegram}}); following one links the chat with consent (InboundPipeline).

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact.h"
#include "gateway/inbound/person_tokens.h"
#include "gateway/providers/provider_directory.h"

namespace ogw {

// {"telegram": "https://t.me/...", "whatsapp": ..., "messenger": ...}: the chat channels whose
// account for the contact's post can make a link; an empty object when none can.
nlohmann::json ChatLinks(const ProviderDirectory& providers, const PersonTokens& tokens,
                         std::string_view org_id, const Contact& contact);

// The chat channels ChatLinks would give any contact of `post_id` ("" the organisation's):
// those whose account serves the post and can make a link.
std::vector<Channel> ChatLinkChannels(const ProviderDirectory& providers, std::string_view org_id,
                                      std::string_view post_id);

}  // namespace ogw
