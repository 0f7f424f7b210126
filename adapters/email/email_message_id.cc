#include "adapters/email/email_message_id.h"

#include <algorithm>

#include "adapters/common/http_answer.h"
#include "gateway/core/crypto.h"

namespace ogw {
namespace {

constexpr size_t kRandomChars = 16;
constexpr size_t kRandomBytes = kRandomChars * 5 / 8;  // Base32: 5 bits per character.

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

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

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

}  // namespace

absl::StatusOr<std::string> NewEmailMessageId(std::string_view gateway_message_id,
                                              std::string_view domain) {
  if (!IsIdWithSeparator(gateway_message_id, ':')) {
    return absl::InvalidArgumentError(
        "message_id: only letters, digits, '_', '-' and inner ':' can go into a Message-ID");
  }
  if (!IsHostName(domain)) {
    return absl::InvalidArgumentError("message_id_domain: not a host name");
  }
  std::string id(gateway_message_id);
  std::replace(id.begin(), id.end(), ':', '.');
  return "<" + id + "." + Base32Encode(RandomBytes(kRandomBytes)) + "@" + std::string(domain) +
         ">";
}

std::optional<std::string> GatewayMessageIdFromEmailId(std::string_view message_id_header_value,
                                                       std::string_view domain) {
  std::string_view value = TrimSpace(message_id_header_value);
  if (value.size() >= 2 && value.front() == '<' && value.back() == '>') {
    value = value.substr(1, value.size() - 2);
  }
  const size_t at = value.rfind('@');
  if (at == std::string_view::npos || !EqualsIgnoreCase(value.substr(at + 1), domain)) {
    return std::nullopt;
  }
  const std::string_view local = value.substr(0, at);
  // ID, '.', then the random part.
  if (local.size() < kRandomChars + 2 || local[local.size() - kRandomChars - 1] != '.') {
    return std::nullopt;
  }
  const std::string_view random = local.substr(local.size() - kRandomChars);
  if (!std::all_of(random.begin(), random.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      })) {
    return std::nullopt;
  }
  const std::string_view id = local.substr(0, local.size() - kRandomChars - 1);
  if (!IsIdWithSeparator(id, '.')) return std::nullopt;
  std::string gateway_id(id);
  std::replace(gateway_id.begin(), gateway_id.end(), '.', ':');
  return gateway_id;
}

}  // namespace ogw
