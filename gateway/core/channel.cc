#include "gateway/core/channel.h"

#include <array>
#include <utility>

namespace ogw {
namespace {

constexpr std::array<std::pair<Channel, std::string_view>, kChannelCount> kNames = {{
    {Channel::kEmail, "email"},
    {Channel::kSms, "sms"},
    {Channel::kWhatsApp, "whatsapp"},
    {Channel::kTelegram, "telegram"},
    {Channel::kMessenger, "messenger"},
    {Channel::kBulletin, "bulletin"},
}};

}  // namespace

std::string_view ChannelName(Channel channel) {
  for (const auto& [c, name] : kNames) {
    if (c == channel) return name;
  }
  return "unknown";
}

std::optional<Channel> ParseAnyChannel(std::string_view name) {
  for (const auto& [c, n] : kNames) {
    if (n == name) return c;
  }
  return std::nullopt;
}

std::optional<Channel> ParseChannel(std::string_view name) {
  const std::optional<Channel> channel = ParseAnyChannel(name);
  if (!channel || !ReachesPerson(*channel)) return std::nullopt;
  return channel;
}

std::optional<Channel> PersonChannelFromByte(uint8_t value) {
  if (value >= kChannelCount) return std::nullopt;
  const auto channel = static_cast<Channel>(value);
  if (!ReachesPerson(channel)) return std::nullopt;
  return channel;
}

std::string_view TextFormatName(TextFormat format) {
  switch (format) {
    case TextFormat::kHtml:
      return "html";
    case TextFormat::kPlainText:
      return "plain";
    case TextFormat::kTelegramHtml:
      return "telegram_html";
    case TextFormat::kWhatsAppMarkup:
      return "whatsapp_markup";
  }
  return "plain";
}

TextFormat TextFormatOf(Channel channel) {
  switch (channel) {
    case Channel::kTelegram:
      return TextFormat::kTelegramHtml;
    case Channel::kWhatsApp:
      return TextFormat::kWhatsAppMarkup;
    case Channel::kBulletin:
      return TextFormat::kHtml;
    case Channel::kEmail:
    case Channel::kSms:
    case Channel::kMessenger:
      return TextFormat::kPlainText;
  }
  return TextFormat::kPlainText;
}

}  // namespace ogw
