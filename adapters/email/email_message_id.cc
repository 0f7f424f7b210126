#include "adapters/email/email_message_id.h"

#include <algorithm>

#include "adapters/common/http_answer.h"
#include "gateway/core/crypto.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr size_t kNonceChars = 8;
constexpr size_t kNonceBytes = kNonceChars * 5 / 8;  // Base32: 5 bits per character.
constexpr size_t kMacChars = 16;

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Letters, digits, '_', '-', and `separator` only between two other characters.
bool IsIdWithSeparator(std::string_view id, char separator) {
  if (id.empty() || id.front() == separator || id.back() == separator) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (c == separator) {
      if (id[i - 1] == separator) return false;
    } else if (!IsAsciiAlnum(c) && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

bool IsHostName(std::string_view domain) {
  return IsIdWithSeparator(domain, '.') &&
         std::none_of(domain.begin(), domain.end(), [](char c) { return c == '_'; });
}

bool IsBase32(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); });
}

// The domain is signed too: an id moved to another of our domains does not verify.
std::string Mac(std::string_view key, std::string_view gateway_id, std::string_view nonce,
                std::string_view domain) {
  std::string data(gateway_id);
  data.push_back('|');
  data.append(nonce);
  data.push_back('|');
  for (char c : domain) data.push_back(AsciiLower(c));
  return Base32Encode(HmacSha256(key, data)).substr(0, kMacChars);
}

}  // namespace

absl::StatusOr<std::string> NewEmailMessageId(std::string_view gateway_message_id,
                                              std::string_view domain, std::string_view key) {
  if (!IsIdWithSeparator(gateway_message_id, ':')) {
    return absl::InvalidArgumentError(
        "message_id: only letters, digits, '_', '-' and inner ':' can go into a Message-ID");
  }
  if (!IsHostName(domain)) {
    return absl::InvalidArgumentError("message_id_domain: not a host name");
  }
  if (key.size() < kMinEmailMessageIdKeyBytes) {
    return absl::InvalidArgumentError("message_id_key: must be at least " +
                                      std::to_string(kMinEmailMessageIdKeyBytes) + " bytes");
  }
  const std::string nonce = Base32Encode(RandomBytes(kNonceBytes));
  std::string id(gateway_message_id);
  std::replace(id.begin(), id.end(), ':', '.');
  return "<" + id + "." + nonce + "." + Mac(key, gateway_message_id, nonce, domain) + "@" +
         std::string(domain) + ">";
}

std::optional<std::string> GatewayMessageIdFromEmailId(std::string_view message_id_header_value,
                                                       std::string_view domain,
                                                       std::string_view key) {
  if (key.size() < kMinEmailMessageIdKeyBytes) return std::nullopt;
  std::string_view value = TrimAsciiSpace(message_id_header_value);
  if (value.size() >= 2 && value.front() == '<' && value.back() == '>') {
    value = value.substr(1, value.size() - 2);
  }
  const size_t at = value.rfind('@');
  if (at == std::string_view::npos || !EqualsIgnoreAsciiCase(value.substr(at + 1), domain)) {
    return std::nullopt;
  }
  const std::string_view local = value.substr(0, at);
  // ID '.' NONCE '.' MAC
  constexpr size_t kSuffix = 1 + kNonceChars + 1 + kMacChars;
  if (local.size() < kSuffix + 1) return std::nullopt;
  const std::string_view suffix = local.substr(local.size() - kSuffix);
  if (suffix[0] != '.' || suffix[1 + kNonceChars] != '.') return std::nullopt;
  const std::string_view nonce = suffix.substr(1, kNonceChars);
  const std::string_view mac = suffix.substr(2 + kNonceChars);
  if (!IsBase32(nonce) || !IsBase32(mac)) return std::nullopt;
  const std::string_view id = local.substr(0, local.size() - kSuffix);
  if (!IsIdWithSeparator(id, '.')) return std::nullopt;
  std::string gateway_id(id);
  std::replace(gateway_id.begin(), gateway_id.end(), '.', ':');
  if (!ConstantTimeEquals(Mac(key, gateway_id, nonce, domain), mac)) return std::nullopt;
  return gateway_id;
}

}  // namespace ogw
