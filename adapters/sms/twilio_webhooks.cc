#include "adapters/sms/twilio_webhooks.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "absl/status/status.h"
#include "gateway/core/crypto.h"

namespace ogw {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError("malformed percent-escape in form body at byte " +
                                          std::to_string(i));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void EncodeInto(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out->push_back(c);
    } else {
      out->push_back('%');
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xF]);
    }
  }
}

// The first value of the first of `names` present with a non-empty value.
const std::string* Field(const FormParams& params, std::initializer_list<std::string_view> names) {
  for (const std::string_view name : names) {
    for (const auto& [key, value] : params) {
      if (key == name && !value.empty()) return &value;
    }
  }
  return nullptr;
}

absl::Status Missing(std::string_view field) {
  return absl::InvalidArgumentError("missing required field " + std::string(field));
}

absl::StatusOr<int> IntField(const FormParams& params, std::string_view name, int fallback) {
  const std::string* text = Field(params, {name});
  if (text == nullptr) return fallback;
  int value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0) {
    return absl::InvalidArgumentError("field " + std::string(name) + " is not a number");
  }
  return value;
}

}  // namespace

absl::StatusOr<FormParams> ParseFormUrlEncoded(std::string_view body) {
  FormParams params;
  size_t at = 0;
  while (at <= body.size()) {
    size_t end = body.find('&', at);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view segment = body.substr(at, end - at);
    at = end + 1;
    if (segment.empty()) continue;
    const size_t eq = segment.find('=');
    absl::StatusOr<std::string> name = Decode(segment.substr(0, eq));
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value =
        eq == std::string_view::npos ? std::string() : Decode(segment.substr(eq + 1));
    if (!value.ok()) return value.status();
    params.emplace_back(*std::move(name), *std::move(value));
  }
  return params;
}

std::string FormWithoutCredentials(const FormParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (k == "key" || k == "sig") continue;
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::string EncodeFormUrlEncoded(const FormParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    EncodeInto(name, &out);
    out.push_back('=');
    EncodeInto(value, &out);
  }
  return out;
}

std::string TwilioSignature(std::string_view auth_token, std::string_view full_url,
                            const FormParams& form_params) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(form_params.size());
  for (const auto& param : form_params) sorted.push_back(&param);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return *a < *b; });
  std::string data(full_url);
  for (const auto* param : sorted) {
    data += param->first;
    data += param->second;
  }
  return Base64Encode(HmacSha1(auth_token, data));
}

bool VerifyTwilioSignature(std::string_view auth_token, std::string_view full_url,
                           const FormParams& form_params, std::string_view signature) {
  if (auth_token.empty() || signature.empty()) return false;
  return ConstantTimeEquals(TwilioSignature(auth_token, full_url, form_params), signature);
}

absl::StatusOr<TwilioStatusUpdate> ParseTwilioStatusUpdate(const FormParams& form_params) {
  TwilioStatusUpdate update;
  const std::string* sid = Field(form_params, {"MessageSid", "SmsSid"});
  if (sid == nullptr) return Missing("MessageSid");
  const std::string* status = Field(form_params, {"MessageStatus", "SmsStatus"});
  if (status == nullptr) return Missing("MessageStatus");
  absl::StatusOr<int> error_code = IntField(form_params, "ErrorCode", 0);
  if (!error_code.ok()) return error_code.status();
  update.message_sid = *sid;
  update.status = *status;
  update.error_code = *error_code;
  if (const std::string* to = Field(form_params, {"To"})) update.to = *to;
  if (const std::string* from = Field(form_params, {"From"})) update.from = *from;
  return update;
}

absl::StatusOr<TwilioInboundSms> ParseTwilioInboundSms(const FormParams& form_params) {
  TwilioInboundSms sms;
  const std::string* sid = Field(form_params, {"MessageSid", "SmsMessageSid", "SmsSid"});
  if (sid == nullptr) return Missing("MessageSid");
  const std::string* from = Field(form_params, {"From"});
  if (from == nullptr) return Missing("From");
  const std::string* to = Field(form_params, {"To"});
  if (to == nullptr) return Missing("To");
  absl::StatusOr<int> segments = IntField(form_params, "NumSegments", 1);
  if (!segments.ok()) return segments.status();
  sms.message_sid = *sid;
  sms.from = *from;
  sms.to = *to;
  if (const std::string* body = Field(form_params, {"Body"})) sms.body = *body;
  sms.num_segments = *segments;
  if (const std::string* type = Field(form_params, {"OptOutType"})) sms.opt_out_type = *type;
  return sms;
}

}  // namespace ogw
