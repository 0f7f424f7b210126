#include "adapters/sms/kannel_webhooks.h"

#include <charconv>
#include <initializer_list>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "adapters/common/http_answer.h"
#include "gateway/core/crypto.h"
#include "gateway/core/status.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr int kDlrDelivered = 1;
constexpr int kDlrUndelivered = 2;
constexpr int kDlrBuffered = 4;
constexpr int kDlrSmscAccepted = 8;
constexpr int kDlrSmscRejected = 16;
constexpr unsigned long kSmppInvalidDestination = 0x0B;  // ESME_RINVDSTADR.
constexpr int kCodingGsm = 0;
constexpr int kCodingUcs2 = 2;

std::string PercentEncoded(std::string_view text) {
  std::string encoded = EncodeFormUrlEncoded({{std::string(text), ""}});
  encoded.pop_back();  // The '=' of the empty value.
  return encoded;
}

// Kannel reads '%' followed by a letter as an escape code and "%%" as one '%'.
std::string KannelLiteral(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '%') out.push_back('%');
    out.push_back(c);
  }
  return out;
}

std::string WithQuery(std::string_view base, std::string_view query) {
  const char separator = base.find('?') == std::string_view::npos ? '?' : '&';
  return KannelLiteral(base) + separator + std::string(query);
}

const std::string* Field(const FormParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name && !value.empty()) return &value;
  }
  return nullptr;
}

absl::Status Missing(std::string_view field) {
  return absl::InvalidArgumentError("missing required field " + std::string(field));
}

absl::Status Malformed(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError("field " + std::string(field) + " " + std::string(what));
}

// The field as a non-negative number; `fallback` when absent or empty.
absl::StatusOr<int64_t> NumberField(const FormParams& params, std::string_view name,
                                    int64_t fallback) {
  const std::string* text = Field(params, name);
  if (text == nullptr) return fallback;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0) {
    return Malformed(name, "is not a number");
  }
  return value;
}

// Kannel's %T (Unix seconds) in milliseconds; a value whose milliseconds overflow is no time.
absl::StatusOr<int64_t> UnixMillisField(const FormParams& params, std::string_view name) {
  ASSIGN_OR_RETURN(const int64_t seconds, NumberField(params, name, 0));
  if (seconds > std::numeric_limits<int64_t>::max() / 1000) {
    return Malformed(name, "is not a Unix time");
  }
  return seconds * 1000;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

absl::StatusOr<std::string> Utf16BeToUtf8(std::string_view bytes) {
  if (bytes.size() % 2 != 0) return Malformed("text", "is not UTF-16BE (odd length)");
  const auto unit = [&](size_t i) {
    return static_cast<char32_t>((static_cast<unsigned char>(bytes[i]) << 8) |
                                 static_cast<unsigned char>(bytes[i + 1]));
  };
  std::string out;
  out.reserve(bytes.size() * 3 / 2);
  for (size_t i = 0; i < bytes.size(); i += 2) {
    char32_t c = unit(i);
    if (c >= 0xD800 && c <= 0xDBFF && i + 3 < bytes.size() && unit(i + 2) >= 0xDC00 &&
        unit(i + 2) <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
      i += 2;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      return Malformed("text", "is not UTF-16BE (unpaired surrogate)");
    }
    AppendUtf8(c, &out);
  }
  return out;
}

size_t FindIgnoreCase(std::string_view haystack, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (EqualsIgnoreAsciiCase(haystack.substr(i, needle.size()), needle)) return i;
  }
  return std::string_view::npos;
}

// An SMPP receipt ("id:.. stat:UNDELIV err:.. text:<first 20 characters>") quotes the message.
std::string DlrReason(std::string_view answer) {
  const size_t text = FindIgnoreCase(answer, "text:");
  if (text != std::string_view::npos) answer = answer.substr(0, text);
  return TruncateUtf8(ReplaceInvalidUtf8(TrimAsciiSpace(answer), "?"), kMaxReasonBytes);
}

// Kannel's answer to a rejected submit is "NACK/<SMPP command_status in hex>/<text>".
bool RejectsDestination(std::string_view answer) {
  if (answer.substr(0, 5) != "NACK/") return false;
  answer.remove_prefix(5);
  if (answer.size() >= 2 && answer[0] == '0' && (answer[1] == 'x' || answer[1] == 'X')) {
    answer.remove_prefix(2);
  }
  unsigned long status = 0;
  const auto [end, ec] = std::from_chars(answer.data(), answer.data() + answer.size(), status, 16);
  return ec == std::errc() && end != answer.data() && status == kSmppInvalidDestination;
}

}  // namespace

std::string KannelDlrSignature(std::string_view secret, std::string_view message_id) {
  return HexEncode(HmacSha256(secret, message_id));
}

bool VerifyKannelDlr(std::string_view secret, std::string_view message_id,
                     std::string_view signature) {
  if (secret.empty() || signature.empty()) return false;
  return ConstantTimeEquals(KannelDlrSignature(secret, message_id), signature);
}

std::string KannelDlrUrl(std::string_view dlr_url_base, std::string_view secret,
                         std::string_view message_id) {
  return WithQuery(dlr_url_base, "id=" + KannelLiteral(PercentEncoded(message_id)) +
                                     "&sig=" + KannelDlrSignature(secret, message_id) +
                                     "&type=%d&to=%p&answer=%A&fid=%F&ts=%T");
}

absl::StatusOr<KannelDlr> ParseKannelDlr(const FormParams& query, std::string_view provider,
                                         std::string_view secret) {
  const std::string* id = Field(query, "id");
  if (id == nullptr) return Missing("id");
  const std::string* signature = Field(query, "sig");
  if (signature == nullptr) return absl::PermissionDeniedError("missing field sig");
  if (!VerifyKannelDlr(secret, *id, *signature)) {
    return absl::PermissionDeniedError("field sig does not match field id");
  }
  const std::string* type_text = Field(query, "type");
  if (type_text == nullptr) return Missing("type");
  ASSIGN_OR_RETURN(const int64_t type, NumberField(query, "type", 0));
  ASSIGN_OR_RETURN(const int64_t reported_at_ms, UnixMillisField(query, "ts"));

  KannelDlr dlr;
  DeliveryReport& report = dlr.report;
  switch (type) {
    case kDlrDelivered:
      report.state = DeliveryReport::State::kDelivered;
      break;
    case kDlrUndelivered:
    case kDlrSmscRejected:
      report.state = DeliveryReport::State::kFailed;
      break;
    case kDlrBuffered:
    case kDlrSmscAccepted:
      report.state = DeliveryReport::State::kSent;
      break;
    default:
      return Malformed("type", "is not a Kannel report type (1, 2, 4, 8 or 16)");
  }
  dlr.type = static_cast<int>(type);
  dlr.reported_at_ms = reported_at_ms;
  report.provider = std::string(provider);
  report.channel = Channel::kSms;
  report.message_id = *id;
  if (const std::string* fid = Field(query, "fid")) {
    report.provider_message_id = TruncateUtf8(ReplaceInvalidUtf8(*fid, "?"), kMaxReasonBytes);
  }
  if (const std::string* to = Field(query, "to")) report.to = *to;
  report.code = "dlr_" + std::to_string(type);
  if (const std::string* answer = Field(query, "answer")) {
    report.reason = DlrReason(*answer);
    report.address_invalid = type == kDlrSmscRejected && RejectsDestination(*answer);
  }
  return dlr;
}

std::string KannelInboundKey(std::string_view secret, std::string_view provider) {
  return HexEncode(HmacSha256(secret, "kannel-inbound:" + std::string(provider)));
}

std::string KannelSmsServiceGetUrl(std::string_view inbound_url_base, std::string_view secret,
                                   std::string_view provider) {
  return WithQuery(inbound_url_base, "id=%I&from=%p&to=%P&text=%b&coding=%c&charset=%C&ts=%T&key=" +
                                         KannelInboundKey(secret, provider));
}

absl::StatusOr<InboundMessage> ParseKannelInboundSms(const FormParams& query,
                                                     std::string_view provider,
                                                     std::string_view secret) {
  const std::string* key = Field(query, "key");
  if (key == nullptr) return absl::PermissionDeniedError("missing field key");
  if (secret.empty() || !ConstantTimeEquals(KannelInboundKey(secret, provider), *key)) {
    return absl::PermissionDeniedError("field key does not match");
  }
  const std::string* id = Field(query, "id");
  if (id == nullptr) return Missing("id");
  const std::string* from = Field(query, "from");
  if (from == nullptr) return Missing("from");
  const std::string* to = Field(query, "to");
  if (to == nullptr) return Missing("to");
  ASSIGN_OR_RETURN(const int64_t coding, NumberField(query, "coding", kCodingGsm));
  if (coding != kCodingGsm && coding != kCodingUcs2) {
    return Malformed("coding", "is not 0 (text) or 2 (UCS-2)");
  }
  ASSIGN_OR_RETURN(const int64_t received_at_ms, UnixMillisField(query, "ts"));

  const std::string* charset = Field(query, "charset");
  const bool utf16 =
      charset == nullptr ? coding == kCodingUcs2 : EqualsIgnoreAsciiCase(*charset, "UTF-16BE");
  if (charset != nullptr && !utf16 && !EqualsIgnoreAsciiCase(*charset, "UTF-8")) {
    return Malformed("charset", "is neither UTF-8 nor UTF-16BE");
  }
  const std::string* text = Field(query, "text");
  InboundMessage message;
  if (text != nullptr && utf16) {
    ASSIGN_OR_RETURN(message.text, Utf16BeToUtf8(*text));
  } else if (text != nullptr) {
    if (!IsValidUtf8(*text)) return Malformed("text", "is not UTF-8");
    message.text = *text;
  }
  message.provider = std::string(provider);
  message.channel = Channel::kSms;
  message.provider_message_id = *id;
  message.from = *from;
  message.to = *to;
  message.received_at_ms = received_at_ms;
  return message;
}

}  // namespace ogw
