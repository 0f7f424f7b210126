#include "adapters/email/dsn_parser.h"

#include <gmime/gmime.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

#include "adapters/email/gmime_init.h"
#include "adapters/email/quoted_history.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using mime_parser_internal::LowerDomain;
using mime_parser_internal::SplitLines;
using mime_parser_internal::ValidUtf8;

using FieldGroup = std::vector<std::pair<std::string, std::string>>;  // Lower-case name, value.

// The blank-line separated groups of "Name: value" fields of a message/delivery-status body,
// continuation lines unfolded.
std::vector<FieldGroup> ParseFieldGroups(std::string_view text) {
  std::vector<FieldGroup> groups(1);
  for (std::string_view line : SplitLines(text)) {
    if (TrimAsciiSpace(line).empty()) {
      if (!groups.back().empty()) groups.emplace_back();
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !groups.back().empty()) {
      groups.back().back().second += ' ';
      groups.back().back().second += TrimAsciiSpace(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    groups.back().emplace_back(AsciiLower(TrimAsciiSpace(line.substr(0, colon))),
                               std::string(TrimAsciiSpace(line.substr(colon + 1))));
  }
  if (groups.back().empty()) groups.pop_back();
  return groups;
}

const std::string* Field(const FieldGroup& group, std::string_view name) {
  for (const auto& [key, value] : group) {
    if (key == name) return &value;
  }
  return nullptr;
}

// The value after "<type>;" ("rfc822; a@b", "smtp; 550 ..."), or all of it without a type.
std::string_view AfterType(std::string_view value) {
  const size_t semicolon = value.find(';');
  return TrimAsciiSpace(semicolon == std::string_view::npos ? value : value.substr(semicolon + 1));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The first RFC 3463 enhanced status code ("5.1.1") in `text`, or empty.
std::string FindStatusCode(std::string_view text) {
  for (size_t i = 0; i + 5 <= text.size(); ++i) {
    if (text[i] != '2' && text[i] != '4' && text[i] != '5') continue;
    if (i > 0 && (IsDigit(text[i - 1]) || text[i - 1] == '.')) continue;
    size_t at = i + 1;
    bool ok = true;
    for (int part = 0; part < 2 && ok; ++part) {
      if (at >= text.size() || text[at] != '.') {
        ok = false;
        break;
      }
      const size_t digits_from = ++at;
      while (at < text.size() && IsDigit(text[at]) && at - digits_from < 3) ++at;
      ok = at > digits_from;
    }
    if (!ok || (at < text.size() && IsDigit(text[at]))) continue;
    return std::string(text.substr(i, at - i));
  }
  return {};
}

bool IsAddressFailure(std::string_view code) { return code.starts_with("5.1."); }

// At most `limit` bytes, cut on a UTF-8 character boundary.
std::string Truncate(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

// The verdict of an Action field ("failed", "relayed (via ...)"); nullopt when it is not final.
std::optional<DeliveryReport::State> StateOfAction(std::string_view action) {
  const std::string verdict =
      AsciiLower(TrimAsciiSpace(action.substr(0, action.find_first_of(" ("))));
  if (verdict == "failed") return DeliveryReport::State::kFailed;
  if (verdict == "delivered") return DeliveryReport::State::kDelivered;
  if (verdict == "relayed" || verdict == "expanded") return DeliveryReport::State::kSent;
  return std::nullopt;  // "delayed": the final verdict comes in a later DSN.
}

// The Final-Recipient (else Original-Recipient) address with a lower-case domain, or empty.
std::string RecipientOf(const FieldGroup& group) {
  const std::string* recipient = Field(group, "final-recipient");
  if (recipient == nullptr) recipient = Field(group, "original-recipient");
  if (recipient == nullptr) return {};
  std::string_view address = AfterType(*recipient);
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
    address = address.substr(1, address.size() - 2);
  }
  return ValidUtf8(LowerDomain(address));
}

// Whether a failure with Status `code` is the address's fault.
bool IsAddressInvalid(const std::string& code, const std::string* diagnostic) {
  // A generic 5.0.0 from some MTAs still carries the precise code in the SMTP reply.
  std::string precise = code;
  if ((precise.empty() || precise.ends_with(".0.0")) && diagnostic != nullptr) {
    const std::string from_text = FindStatusCode(*diagnostic);
    if (!from_text.empty() && (precise.empty() || from_text[0] == precise[0])) {
      precise = from_text;
    }
  }
  return IsAddressFailure(precise);
}

// The report of one recipient group; nullopt without an Action or with a delayed one.
std::optional<DeliveryReport> ReportOfGroup(const FieldGroup& group) {
  const std::string* action = Field(group, "action");
  if (action == nullptr) return std::nullopt;
  const std::optional<DeliveryReport::State> state = StateOfAction(*action);
  if (!state) return std::nullopt;
  DeliveryReport report;
  report.channel = Channel::kEmail;
  report.state = *state;
  report.to = RecipientOf(group);
  const std::string* status = Field(group, "status");
  const std::string* diagnostic = Field(group, "diagnostic-code");
  report.code = status != nullptr ? FindStatusCode(*status) : std::string();
  if (diagnostic != nullptr) report.reason = ValidUtf8(Truncate(AfterType(*diagnostic), 500));
  if (report.state == DeliveryReport::State::kFailed) {
    report.address_invalid = IsAddressInvalid(report.code, diagnostic);
  }
  return report;
}

}  // namespace

namespace mime_parser_internal {

std::string ValidUtf8(std::string text) {
  std::erase(text, '\0');
  return ReplaceInvalidUtf8(text);
}

std::string LowerDomain(std::string_view address) {
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos) return std::string(address);
  const std::string_view domain = address.substr(at + 1);
  if (!g_utf8_validate(domain.data(), static_cast<gssize>(domain.size()), nullptr)) {
    return std::string(address.substr(0, at + 1)) + AsciiLower(domain);
  }
  GChars lower(g_utf8_strdown(domain.data(), static_cast<gssize>(domain.size())));
  return std::string(address.substr(0, at + 1)) + (lower ? lower.get() : std::string(domain));
}

}  // namespace mime_parser_internal

std::vector<DeliveryReport> ParseDeliveryStatus(std::string_view status_fields,
                                                std::string_view original_message_id) {
  std::vector<DeliveryReport> reports;
  const std::vector<FieldGroup> groups = ParseFieldGroups(status_fields);
  // The first group describes the reporting MTA; each later one a recipient.
  for (size_t g = 1; g < groups.size(); ++g) {
    std::optional<DeliveryReport> report = ReportOfGroup(groups[g]);
    if (!report) continue;
    report->provider_message_id = std::string(original_message_id);
    reports.push_back(*std::move(report));
  }
  return reports;
}

std::string MessageIdOfHeaderBlock(std::string_view headers) {
  const std::vector<FieldGroup> groups = ParseFieldGroups(headers);
  if (groups.empty()) return {};
  const std::string* value = Field(groups.front(), "message-id");
  if (value == nullptr) return {};
  InitGMime();
  GChars id(g_mime_utils_decode_message_id(value->c_str()));
  return id ? ValidUtf8(id.get()) : std::string();
}

}  // namespace ogw
