#pragma once

// The channels a message travels on: the one list that contacts, templates, the queue, the
// delivery worker and the adapters share.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace ogw {

// The numeric values are stored in queue records (one byte per recipient), so a new channel
// is appended and none is ever reordered or reused.
enum class Channel : uint8_t {
  kEmail = 0,
  kSms = 1,
  kWhatsApp = 2,
  kTelegram = 3,
  kMessenger = 4,
  kBulletin = 5,  // A post's public notices: published, not sent to a person.
};
inline constexpr size_t kChannelCount = 6;

// The channels that reach a person at an address (every channel but bulletins).
inline constexpr Channel kPersonChannels[] = {Channel::kEmail, Channel::kSms, Channel::kWhatsApp,
                                              Channel::kTelegram, Channel::kMessenger};
inline constexpr Channel kAllChannels[] = {Channel::kEmail,     Channel::kSms,
                                           Channel::kWhatsApp,  Channel::kTelegram,
                                           Channel::kMessenger, Channel::kBulletin};
static_assert(std::size(kAllChannels) == kChannelCount);

// "email", "sms", "whatsapp", "telegram", "messenger", "bulletin".
std::string_view ChannelName(Channel channel);
// The channels that reach a person (contacts, campaigns, direct messages, providers):
// nullopt for "bulletin" and for unknown names.
std::optional<Channel> ParseChannel(std::string_view name);
// Every channel, bulletins included (templates render for bulletins too).
std::optional<Channel> ParseAnyChannel(std::string_view name);
// A stored channel byte, when it names a channel that reaches a person.
std::optional<Channel> PersonChannelFromByte(uint8_t value);
constexpr bool ReachesPerson(Channel channel) { return channel != Channel::kBulletin; }

// How a message's text is written. The channel decides (TextFormatOf); the renderer writes
// it, the outbound message carries it, and the provider sends it as such.
enum class TextFormat {
  // HTML for e-mail and bulletin pages (cmark's safe HTML: no raw HTML, no dangerous links).
  kHtml,
  // Plain text for SMS, Messenger and e-mail's text part.
  kPlainText,
  // Telegram Bot API "HTML" parse mode: only <b>, <i>, <u>, <s>, <a href>, <code>, <pre>.
  kTelegramHtml,
  // WhatsApp's markup: *bold*, _italic_, ~strikethrough~, `code`, ```preformatted```.
  kWhatsAppMarkup,
};
std::string_view TextFormatName(TextFormat format);  // "html", "plain", "telegram_html", ...

// The format of a message's main text on `channel` (e-mail: its text part; the HTML part is
// always kHtml; bulletins: kHtml).
TextFormat TextFormatOf(Channel channel);

}  // namespace ogw
