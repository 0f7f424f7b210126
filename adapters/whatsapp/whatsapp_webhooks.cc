#include "adapters/whatsapp/whatsapp_webhooks.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/common/json_path.h"
#include "gateway/core/status.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxReasonBytes = 200;
// Seconds up to the year 5138: far beyond any real timestamp, and * 1000 stays within int64.
constexpr int64_t kMaxTimestampSeconds = 99'999'999'999;

// WhatsApp writes numbers as digits without '+' (wa_id, from); "+" is added here so
// they read as E.164. A leading '+' is tolerated rather than doubled.
absl::StatusOr<std::string> PhoneMember(const json& parent, std::string_view parent_path,
                                        const char* key) {
  ASSIGN_OR_RETURN(std::string value, StringMember(parent, parent_path, key));
  std::string_view digits = value;
  if (digits.starts_with('+')) digits.remove_prefix(1);
  if (!AllDigits(digits)) return Expected(Path(parent_path, key), "a phone number of digits");
  return "+" + std::string(digits);
}

// Meta's timestamps are strings of seconds since 1970.
absl::StatusOr<int64_t> TimestampMillis(const json& parent, std::string_view parent_path,
                                        const char* key) {
  ASSIGN_OR_RETURN(std::string text, StringMember(parent, parent_path, key));
  int64_t seconds = 0;
  const char* end = text.data() + text.size();
  const bool digits = AllDigits(text);
  const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
  if (!digits || ec != std::errc() || ptr != end || seconds > kMaxTimestampSeconds) {
    return Expected(Path(parent_path, key), "seconds since 1970 as a decimal string");
  }
  return seconds * 1000;
}

// The display phone number as E.164: its digits with "+" (the API elsewhere formats it with
// spaces and dashes; webhooks send digits only).
absl::StatusOr<std::string> DisplayNumber(const json& metadata, std::string_view path) {
  ASSIGN_OR_RETURN(std::string value, StringMember(metadata, path, "display_phone_number"));
  std::string digits;
  for (char c : value) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.empty()) return Expected(Path(path, "display_phone_number"), "a phone number");
  return "+" + digits;
}

// What a person wrote, as text and pressed button, by message type.
struct Content {
  bool ignored = false;
  std::string ignored_as;  // When ignored: what, for `ignored`.
  std::string text;
  std::string button;
};

Content Ignore(std::string what) {
  Content c;
  c.ignored = true;
  c.ignored_as = std::move(what);
  return c;
}

absl::StatusOr<Content> ReadInteractive(const json& message, const std::string& path) {
  ASSIGN_OR_RETURN(const json* interactive, ObjectMember(message, path, "interactive"));
  const std::string ipath = Path(path, "interactive");
  ASSIGN_OR_RETURN(std::string type, StringMember(*interactive, ipath, "type"));
  if (type != "button_reply" && type != "list_reply") return Ignore("interactive:" + type);
  ASSIGN_OR_RETURN(const json* reply, ObjectMember(*interactive, ipath, type.c_str()));
  const std::string rpath = Path(ipath, type);
  Content c;
  ASSIGN_OR_RETURN(c.button, NonEmptyStringMember(*reply, rpath, "id"));
  ASSIGN_OR_RETURN(c.text, StringMember(*reply, rpath, "title"));
  return c;
}

absl::StatusOr<Content> ReadTemplateButton(const json& message, const std::string& path) {
  ASSIGN_OR_RETURN(const json* button, ObjectMember(message, path, "button"));
  const std::string bpath = Path(path, "button");
  Content c;
  ASSIGN_OR_RETURN(c.button, NonEmptyStringMember(*button, bpath, "payload"));
  ASSIGN_OR_RETURN(c.text, StringMember(*button, bpath, "text"));
  return c;
}

absl::StatusOr<Content> ReadMedia(const json& message, const std::string& path,
                                  const std::string& type) {
  ASSIGN_OR_RETURN(const json* media, ObjectMember(message, path, type.c_str()));
  const std::string mpath = Path(path, type);
  Content c;
  ASSIGN_OR_RETURN(c.text, OptionalStringMember(*media, mpath, "caption"));
  if (!c.text.empty()) return c;
  if (type == "document") {
    ASSIGN_OR_RETURN(std::string filename, OptionalStringMember(*media, mpath, "filename"));
    if (!filename.empty()) {
      c.text = "[document: " + filename + "]";
      return c;
    }
  }
  c.text = "[" + type + "]";
  return c;
}

absl::StatusOr<std::string> Coordinate(const json& location, std::string_view path,
                                       const char* key) {
  ASSIGN_OR_RETURN(const json* value, Member(location, path, key));
  if (!value->is_number()) return Expected(Path(path, key), "a number");
  return value->dump();  // Shortest form that reads back as the same double.
}

absl::StatusOr<Content> ReadLocation(const json& message, const std::string& path) {
  ASSIGN_OR_RETURN(const json* location, ObjectMember(message, path, "location"));
  const std::string lpath = Path(path, "location");
  ASSIGN_OR_RETURN(std::string latitude, Coordinate(*location, lpath, "latitude"));
  ASSIGN_OR_RETURN(std::string longitude, Coordinate(*location, lpath, "longitude"));
  ASSIGN_OR_RETURN(std::string name, OptionalStringMember(*location, lpath, "name"));
  ASSIGN_OR_RETURN(std::string address, OptionalStringMember(*location, lpath, "address"));
  Content c;
  c.text = "[location: " + latitude + "," + longitude;
  // Addresses contain commas themselves, so the parts are set apart with semicolons.
  if (!name.empty()) c.text += "; " + name;
  if (!address.empty()) c.text += "; " + address;
  c.text += "]";
  return c;
}

absl::StatusOr<Content> ReadContent(const json& message, const std::string& path,
                                    const std::string& type) {
  if (type == "text") {
    ASSIGN_OR_RETURN(const json* text, ObjectMember(message, path, "text"));
    Content c;
    ASSIGN_OR_RETURN(c.text, StringMember(*text, Path(path, "text"), "body"));
    return c;
  }
  if (type == "interactive") return ReadInteractive(message, path);
  if (type == "button") return ReadTemplateButton(message, path);
  if (type == "image" || type == "video" || type == "audio" || type == "document" ||
      type == "sticker") {
    return ReadMedia(message, path, type);
  }
  if (type == "location") return ReadLocation(message, path);
  if (type == "contacts") {
    Content c;
    c.text = "[contact card]";
    return c;
  }
  return Ignore(type);  // reaction, system, unsupported, order, request_welcome, ...
}

struct Change {
  std::string_view provider;
  std::string to;  // The business number, E.164.
  WhatsAppWebhook* out = nullptr;
};

absl::Status ReadMessage(const json& message, const std::string& path, const Change& change) {
  if (!message.is_object()) return Expected(path, "an object");
  ASSIGN_OR_RETURN(std::string type, StringMember(message, path, "type"));
  ASSIGN_OR_RETURN(Content content, ReadContent(message, path, type));
  if (content.ignored) {
    change.out->ignored.push_back(std::move(content.ignored_as));
    return absl::OkStatus();
  }
  InboundMessage m;
  m.provider = std::string(change.provider);
  m.channel = Channel::kWhatsApp;
  ASSIGN_OR_RETURN(m.provider_message_id, NonEmptyStringMember(message, path, "id"));
  ASSIGN_OR_RETURN(m.from, PhoneMember(message, path, "from"));
  ASSIGN_OR_RETURN(m.received_at_ms, TimestampMillis(message, path, "timestamp"));
  m.to = change.to;
  m.text = std::move(content.text);
  m.button = std::move(content.button);
  // context.id names the message answered, by WhatsApp's id: unverified, so `answers` stays
  // empty.
  change.out->messages.push_back(std::move(m));
  return absl::OkStatus();
}

// "whatsapp_<code>" from errors[0].code: an integer, or (in some of Meta's group examples) a
// string of digits.
absl::StatusOr<std::string> ErrorCode(const json& error, std::string_view path) {
  ASSIGN_OR_RETURN(const json* code, Member(error, path, "code"));
  if (code->is_number_integer()) return std::to_string(code->get<int64_t>());
  if (code->is_string() && AllDigits(code->get_ref<const std::string&>())) {
    return code->get<std::string>();
  }
  return Expected(Path(path, "code"), "an integer");
}

// errors[0]'s most specific text: error_data.details, else message, else title.
absl::StatusOr<std::string> ErrorReason(const json& error, std::string_view path) {
  if (const auto data = error.find("error_data"); data != error.end() && data->is_object()) {
    ASSIGN_OR_RETURN(std::string details,
                     OptionalStringMember(*data, Path(path, "error_data"), "details"));
    if (!details.empty()) return details;
  }
  ASSIGN_OR_RETURN(std::string message, OptionalStringMember(error, path, "message"));
  if (!message.empty()) return message;
  return OptionalStringMember(error, path, "title");
}

absl::Status ReadStatus(const json& status, const std::string& path, const Change& change) {
  if (!status.is_object()) return Expected(path, "an object");
  ASSIGN_OR_RETURN(std::string name, StringMember(status, path, "status"));
  DeliveryReport r;
  if (name == "sent") {
    r.state = DeliveryReport::State::kSent;
  } else if (name == "delivered") {
    r.state = DeliveryReport::State::kDelivered;
  } else if (name == "read") {
    r.state = DeliveryReport::State::kDelivered;
    r.code = "read";
  } else if (name == "failed") {
    r.state = DeliveryReport::State::kFailed;
  } else {
    change.out->ignored.push_back("status:" + name);  // deleted, warning, ...
    return absl::OkStatus();
  }
  r.provider = std::string(change.provider);
  r.channel = Channel::kWhatsApp;
  ASSIGN_OR_RETURN(r.provider_message_id, NonEmptyStringMember(status, path, "id"));
  // The gateway's message id, sent with the message and echoed by WhatsApp (the webhook is
  // signed, and the pipeline looks it up in the receiving organisation only).
  ASSIGN_OR_RETURN(r.message_id, OptionalStringMember(status, path, "biz_opaque_callback_data"));
  // `to` only helps find the address when the message cannot be found; a group id or a
  // business-scoped user id there is no number, and must not cost the body's other reports.
  ASSIGN_OR_RETURN(std::string recipient, OptionalStringMember(status, path, "recipient_id"));
  if (std::string_view digits = recipient; !digits.empty()) {
    if (digits.starts_with('+')) digits.remove_prefix(1);
    if (AllDigits(digits)) r.to = "+" + std::string(digits);
  }
  if (r.state == DeliveryReport::State::kFailed) {
    ASSIGN_OR_RETURN(const json* errors, OptionalArrayMember(status, path, "errors"));
    // A failure without errors is still a failure, only without a cause.
    if (errors != nullptr && !errors->empty()) {
      const std::string epath = Index(Path(path, "errors"), 0);
      const json& error = errors->front();
      if (!error.is_object()) return Expected(epath, "an object");
      ASSIGN_OR_RETURN(std::string code, ErrorCode(error, epath));
      ASSIGN_OR_RETURN(std::string reason, ErrorReason(error, epath));
      r.code = "whatsapp_" + code;
      r.reason = TruncateUtf8(reason, kMaxReasonBytes);
      // 131026: not a WhatsApp user (message undeliverable); 131050: the person stopped
      // marketing messages from this business.
      r.address_invalid = code == "131026";
      r.opted_out = code == "131050";
    }
  }
  change.out->reports.push_back(std::move(r));
  return absl::OkStatus();
}

absl::Status ReadChange(const json& entry_change, const std::string& path,
                        std::string_view provider, std::string_view phone_number_id,
                        WhatsAppWebhook& out) {
  if (!entry_change.is_object()) return Expected(path, "an object");
  ASSIGN_OR_RETURN(std::string field, StringMember(entry_change, path, "field"));
  if (field != "messages") {
    out.ignored.push_back("field:" + field);
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(const json* value, ObjectMember(entry_change, path, "value"));
  const std::string vpath = Path(path, "value");
  ASSIGN_OR_RETURN(const json* metadata, ObjectMember(*value, vpath, "metadata"));
  const std::string mpath = Path(vpath, "metadata");
  ASSIGN_OR_RETURN(std::string id, NonEmptyStringMember(*metadata, mpath, "phone_number_id"));
  if (id != phone_number_id) {
    auto& foreign = out.foreign_phone_number_ids;
    if (std::find(foreign.begin(), foreign.end(), id) == foreign.end()) {
      foreign.push_back(std::move(id));
    }
    return absl::OkStatus();
  }
  Change change;
  change.provider = provider;
  change.out = &out;
  ASSIGN_OR_RETURN(change.to, DisplayNumber(*metadata, mpath));

  ASSIGN_OR_RETURN(const json* messages, OptionalArrayMember(*value, vpath, "messages"));
  if (messages != nullptr) {
    const std::string base = Path(vpath, "messages");
    for (size_t i = 0; i < messages->size(); ++i) {
      RETURN_IF_ERROR(ReadMessage((*messages)[i], Index(base, i), change));
    }
  }
  ASSIGN_OR_RETURN(const json* statuses, OptionalArrayMember(*value, vpath, "statuses"));
  if (statuses != nullptr) {
    const std::string base = Path(vpath, "statuses");
    for (size_t i = 0; i < statuses->size(); ++i) {
      RETURN_IF_ERROR(ReadStatus((*statuses)[i], Index(base, i), change));
    }
  }
  // Errors of the phone number itself (rate limits, an unsupported incoming type), tied to no
  // message: noted, nothing to store.
  ASSIGN_OR_RETURN(const json* errors, OptionalArrayMember(*value, vpath, "errors"));
  if (errors != nullptr) {
    for (size_t i = 0; i < errors->size(); ++i) {
      const json& error = (*errors)[i];
      const std::string epath = Index(Path(vpath, "errors"), i);
      if (!error.is_object()) return Expected(epath, "an object");
      ASSIGN_OR_RETURN(std::string code, ErrorCode(error, epath));
      out.ignored.push_back("error:" + code);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WhatsAppWebhook> ParseWhatsAppWebhook(std::string_view body,
                                                     std::string_view provider,
                                                     std::string_view phone_number_id) {
  ASSIGN_OR_RETURN(const json doc, ParseJsonObjectBody(body));
  ASSIGN_OR_RETURN(std::string object, StringMember(doc, "", "object"));
  if (object != "whatsapp_business_account") {
    return Expected("object", "\"whatsapp_business_account\"");
  }
  ASSIGN_OR_RETURN(const json* entries, ArrayMember(doc, "", "entry"));
  WhatsAppWebhook out;
  for (size_t e = 0; e < entries->size(); ++e) {
    const json& entry = (*entries)[e];
    const std::string epath = Index("entry", e);
    if (!entry.is_object()) return Expected(epath, "an object");
    ASSIGN_OR_RETURN(const json* changes, ArrayMember(entry, epath, "changes"));
    const std::string cpath = Path(epath, "changes");
    for (size_t c = 0; c < changes->size(); ++c) {
      RETURN_IF_ERROR(ReadChange((*changes)[c], Index(cpath, c), provider, phone_number_id, out));
    }
  }
  return out;
}

}  // namespace ogw
