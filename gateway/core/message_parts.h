#pragma once

// The parts of a chat message besides its text, shared by templates (which declare them), the
// delivery worker (which renders them) and the adapters (which send them).

#include <cstddef>
#include <string>

namespace ogw {

// A quick-answer button under a chat message (yes / no / maybe). The person's press comes back
// as InboundMessage::button = id: Telegram's callback_data, WhatsApp's reply id, Messenger's
// quick-reply payload.
struct QuickReply {
  std::string id;     // 1 to kMaxQuickReplyIdBytes of A-Z, a-z, 0-9, '_', '-', ':', '.'.
  std::string title;  // What the person sees: 1 to kMaxQuickReplyTitleChars characters.
  bool operator==(const QuickReply&) const = default;
};

// The strictest of the three channels: WhatsApp allows three reply buttons and titles of 20
// characters (Messenger too); Telegram's callback_data is at most 64 bytes.
inline constexpr size_t kMaxQuickReplies = 3;
inline constexpr size_t kMaxQuickReplyTitleChars = 20;
inline constexpr size_t kMaxQuickReplyIdBytes = 64;

// A file the provider fetches by its URL and sends with the message (an invitation PDF, a
// poster): WhatsApp's image or document message.
struct MediaLink {
  enum class Kind { kImage, kDocument };
  Kind kind = Kind::kDocument;
  std::string url;       // http(s).
  std::string filename;  // Documents: the name the person sees; optional.
  bool operator==(const MediaLink&) const = default;
};

}  // namespace ogw
