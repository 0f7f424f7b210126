#include "gateway/inbound/person_tokens.h"

#include <array>
#include <vector>

#include "gateway/core/crypto.h"
#include "gateway/core/ids.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr size_t kReplyMacChars = 10;        // 50 bits: forging needs ~10^15 guesses.
constexpr size_t kUnsubscribeMacChars = 16;  // 80 bits.
constexpr size_t kChatLinkMacChars = 16;     // 80 bits: the code is shown and typed freely.

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

std::string PersonTokens::Mac(std::string_view purpose, std::string_view data,
                              size_t chars) const {
  std::string message(purpose);
  message.push_back('|');
  message.append(data);
  return Base32Encode(HmacSha256(secret_, message)).substr(0, chars);
}

std::string PersonTokens::ReplyToken(std::string_view org_id, std::string_view contact_id) const {
  const std::string_view body = contact_id.substr(2);  // Without "c_".
  return std::string(body) +
         Mac("reply", std::string(org_id) + "|" + std::string(contact_id), kReplyMacChars);
}

std::optional<std::string> PersonTokens::ContactOfReplyToken(std::string_view org_id,
                                                             std::string_view token) const {
  if (token.size() <= kReplyMacChars || token.size() > 64) return std::nullopt;
  const std::string lower = AsciiLower(token);
  const std::string contact_id = "c_" + lower.substr(0, lower.size() - kReplyMacChars);
  if (!IsWellFormedId(contact_id, "c")) return std::nullopt;
  const std::string expected =
      Mac("reply", std::string(org_id) + "|" + contact_id, kReplyMacChars);
  if (!ConstantTimeEquals(expected, std::string_view(lower).substr(lower.size() - kReplyMacChars))) {
    return std::nullopt;
  }
  return contact_id;
}

std::string PersonTokens::ChatLinkToken(std::string_view org_id,
                                        std::string_view contact_id) const {
  return std::string(contact_id.substr(2)) +
         Mac("chatlink", std::string(org_id) + "|" + std::string(contact_id), kChatLinkMacChars);
}

std::optional<std::string> PersonTokens::ContactOfChatLinkToken(std::string_view org_id,
                                                                std::string_view token) const {
  if (token.size() != kChatLinkTokenChars) return std::nullopt;
  const std::string lower = AsciiLower(token);
  const std::string body = lower.substr(0, lower.size() - kChatLinkMacChars);
  const std::string contact_id = "c_" + body;
  if (!IsWellFormedId(contact_id, "c")) return std::nullopt;
  const std::string expected =
      Mac("chatlink", std::string(org_id) + "|" + contact_id, kChatLinkMacChars);
  if (!ConstantTimeEquals(expected,
                          std::string_view(lower).substr(lower.size() - kChatLinkMacChars))) {
    return std::nullopt;
  }
  return contact_id;
}

std::string PersonTokens::SignedTriple(std::string_view purpose, std::string_view a,
                                       std::string_view b, std::string_view c) const {
  std::string data = std::string(a) + "." + std::string(b) + "." + std::string(c);
  return data + "." + Mac(purpose, data, kUnsubscribeMacChars);
}

std::optional<std::array<std::string, 3>> PersonTokens::VerifiedTriple(
    std::string_view purpose, std::string_view token) const {
  if (token.size() > 200) return std::nullopt;
  const auto parts = Split(token, '.');
  if (parts.size() != 4) return std::nullopt;
  const std::string data = std::string(parts[0]) + "." + std::string(parts[1]) + "." +
                           std::string(parts[2]);
  if (!ConstantTimeEquals(Mac(purpose, data, kUnsubscribeMacChars), parts[3])) {
    return std::nullopt;
  }
  return std::array<std::string, 3>{std::string(parts[0]), std::string(parts[1]),
                                    std::string(parts[2])};
}

std::string PersonTokens::UnsubscribeToken(std::string_view org_id, std::string_view contact_id,
                                           std::string_view channel) const {
  return SignedTriple("unsubscribe", org_id, contact_id, channel);
}

std::optional<PersonTokens::Unsubscribe> PersonTokens::ParseUnsubscribeToken(
    std::string_view token) const {
  auto parts = VerifiedTriple("unsubscribe", token);
  if (!parts || !IsWellFormedId((*parts)[0], "org") || !IsWellFormedId((*parts)[1], "c")) {
    return std::nullopt;
  }
  return Unsubscribe{std::move((*parts)[0]), std::move((*parts)[1]), std::move((*parts)[2])};
}

std::string PersonTokens::EventLinkToken(std::string_view org_id, std::string_view event_id,
                                         std::string_view contact_id) const {
  return SignedTriple("event-link", org_id, event_id, contact_id);
}

std::optional<PersonTokens::EventLink> PersonTokens::ParseEventLinkToken(
    std::string_view token) const {
  auto parts = VerifiedTriple("event-link", token);
  if (!parts || !IsWellFormedId((*parts)[0], "org") || !IsWellFormedId((*parts)[1], "evt") ||
      !IsWellFormedId((*parts)[2], "c")) {
    return std::nullopt;
  }
  return EventLink{std::move((*parts)[0]), std::move((*parts)[1]), std::move((*parts)[2])};
}

std::string PersonTokens::CompletionToken(std::string_view org_id, std::string_view campaign_id,
                                          std::string_view contact_id) const {
  return SignedTriple("survey-completion", org_id, campaign_id, contact_id);
}

std::optional<PersonTokens::Completion> PersonTokens::ParseCompletionToken(
    std::string_view token) const {
  auto parts = VerifiedTriple("survey-completion", token);
  if (!parts || !IsWellFormedId((*parts)[0], "org") || !IsWellFormedId((*parts)[1], "cmp") ||
      !IsWellFormedId((*parts)[2], "c")) {
    return std::nullopt;
  }
  return Completion{std::move((*parts)[0]), std::move((*parts)[1]), std::move((*parts)[2])};
}

std::string PersonTokens::AddressMac(std::string_view address) const {
  return Mac("opt-in-address", address, kUnsubscribeMacChars);
}

std::string PersonTokens::SignedOptIn(std::string_view purpose, std::string_view org_id,
                                      std::string_view contact_id, std::string_view channel,
                                      std::string_view address, int64_t expires_at_seconds) const {
  std::string data = std::string(org_id) + "." + std::string(contact_id) + "." +
                     std::string(channel) + "." + AddressMac(address) + "." +
                     std::to_string(expires_at_seconds);
  return data + "." + Mac(purpose, data, kUnsubscribeMacChars);
}

std::optional<PersonTokens::OptIn> PersonTokens::VerifiedOptIn(std::string_view purpose,
                                                               std::string_view token,
                                                               int64_t now_seconds) const {
  if (token.size() > 250) return std::nullopt;
  const auto parts = Split(token, '.');
  if (parts.size() != 6) return std::nullopt;
  const std::string data = std::string(parts[0]) + "." + std::string(parts[1]) + "." +
                           std::string(parts[2]) + "." + std::string(parts[3]) + "." +
                           std::string(parts[4]);
  if (!ConstantTimeEquals(Mac(purpose, data, kUnsubscribeMacChars), parts[5])) {
    return std::nullopt;
  }
  if (!IsWellFormedId(parts[0], "org") || !IsWellFormedId(parts[1], "c")) return std::nullopt;
  if (parts[4].empty() || parts[4].size() > 12 ||
      parts[4].find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  const int64_t expires = std::stoll(std::string(parts[4]));
  if (expires < now_seconds) return std::nullopt;
  return OptIn{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
               std::string(parts[3]), expires};
}

std::string PersonTokens::OptInToken(std::string_view org_id, std::string_view contact_id,
                                     std::string_view channel, std::string_view address,
                                     int64_t expires_at_seconds) const {
  return SignedOptIn("opt-in", org_id, contact_id, channel, address, expires_at_seconds);
}

std::optional<PersonTokens::OptIn> PersonTokens::ParseOptInToken(std::string_view token,
                                                                 int64_t now_seconds) const {
  return VerifiedOptIn("opt-in", token, now_seconds);
}

std::string PersonTokens::OptInCodeToken(std::string_view org_id, std::string_view contact_id,
                                         std::string_view channel, std::string_view address,
                                         int64_t expires_at_seconds) const {
  return SignedOptIn("opt-in-code", org_id, contact_id, channel, address, expires_at_seconds);
}

std::optional<PersonTokens::OptIn> PersonTokens::ParseOptInCodeToken(std::string_view token,
                                                                     int64_t now_seconds) const {
  return VerifiedOptIn("opt-in-code", token, now_seconds);
}

std::string PersonTokens::OptInCode(std::string_view code_token) const {
  const std::string mac = HmacSha256(secret_, "opt-in-code-digits|" + std::string(code_token));
  uint64_t n = 0;
  for (size_t i = 0; i < 8; ++i) n = (n << 8) | static_cast<unsigned char>(mac[i]);
  std::string code = std::to_string(n % 1000000);
  return std::string(6 - code.size(), '0') + code;
}

std::string PersonTokens::BulletinFormToken(std::string_view org_id, std::string_view post_id,
                                            std::string_view form,
                                            int64_t issued_at_seconds) const {
  const std::string issued = std::to_string(issued_at_seconds);
  return issued + "." +
         Mac("bulletin-form",
             std::string(org_id) + "|" + std::string(post_id) + "|" + std::string(form) + "|" +
                 issued,
             kUnsubscribeMacChars);
}

std::optional<int64_t> PersonTokens::BulletinFormIssuedAt(std::string_view token,
                                                          std::string_view org_id,
                                                          std::string_view post_id,
                                                          std::string_view form) const {
  const size_t dot = token.find('.');
  if (token.size() > 64 || dot == std::string_view::npos || dot == 0 || dot > 12) {
    return std::nullopt;
  }
  const std::string_view issued = token.substr(0, dot);
  if (issued.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const std::string expected = Mac("bulletin-form",
                                   std::string(org_id) + "|" + std::string(post_id) + "|" +
                                       std::string(form) + "|" + std::string(issued),
                                   kUnsubscribeMacChars);
  if (!ConstantTimeEquals(expected, token.substr(dot + 1))) return std::nullopt;
  return std::stoll(std::string(issued));
}

std::string PersonTokens::EmailMessageIdKey() const {
  // No '|': never equal to the input of a token's MAC.
  return HexEncode(HmacSha256(secret_, "email-message-id"));
}

}  // namespace ogw
