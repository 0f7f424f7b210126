#include "adapters/messenger/messenger_webhooks.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/common/json_path.h"
#include "gateway/core/status.h"

namespace ogw {
namespace {

using json = nlohmann::json;

// Milliseconds up to the year 5138: far beyond any real timestamp.
constexpr int64_t kMaxTimestampMillis = 99'999'999'999'999;
// Page-scoped ids are digits; the gateway stores at most 32 of them (contacts' normaliser).
constexpr size_t kMaxPsidDigits = 32;

// `key`.id of an event (sender or recipient): Graph ids are strings of digits.
absl::StatusOr<std::string> IdOf(const json& event, std::string_view path, const char* key) {
  ASSIGN_OR_RETURN(const json* party, ObjectMember(event, path, key));
  const std::string ppath = Path(path, key);
  ASSIGN_OR_RETURN(std::string id, StringMember(*party, ppath, "id"));
  if (!AllDigits(id) || id.size() > kMaxPsidDigits) {
    return Expected(Path(ppath, "id"), "an id of at most 32 digits");
  }
  return id;
}

// Messenger's timestamps are numbers of milliseconds since 1970.
absl::StatusOr<int64_t> TimestampMillis(const json& event, std::string_view path) {
  ASSIGN_OR_RETURN(const json* value, Member(event, path, "timestamp"));
  const bool whole =
      value->is_number_unsigned() || (value->is_number_integer() && value->get<int64_t>() >= 0);
  if (!whole || value->get<uint64_t>() > static_cast<uint64_t>(kMaxTimestampMillis)) {
    return Expected(Path(path, "timestamp"), "milliseconds since 1970 as a whole number");
  }
  return static_cast<int64_t>(value->get<uint64_t>());
}

bool IsTrue(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

// What stands for attachments sent without text: "[image]", "[image] [video]", ...
absl::StatusOr<std::string> AttachmentText(const json& attachments, const std::string& path) {
  std::string text;
  for (size_t i = 0; i < attachments.size(); ++i) {
    const json& attachment = attachments[i];
    const std::string apath = Index(path, i);
    if (!attachment.is_object()) return Expected(apath, "an object");
    ASSIGN_OR_RETURN(std::string type, NonEmptyStringMember(attachment, apath, "type"));
    // Stickers arrive as images with a sticker_id.
    const auto payload = attachment.find("payload");
    if (type == "image" && payload != attachment.end() && payload->is_object() &&
        payload->contains("sticker_id")) {
      type = "sticker";
    }
    if (!text.empty()) text += " ";
    text += "[" + type + "]";
  }
  return text;
}

struct Event {
  std::string_view provider;
  std::string_view page_id;
  MessengerWebhook* out = nullptr;
};

void NoteForeign(MessengerWebhook& out, std::string id) {
  auto& foreign = out.foreign_page_ids;
  if (std::find(foreign.begin(), foreign.end(), id) == foreign.end()) {
    foreign.push_back(std::move(id));
  }
}

// The recipient of an event from a person: this Page, or another one (then noted and false).
absl::StatusOr<bool> ForThisPage(const json& event, const std::string& path, const Event& e) {
  ASSIGN_OR_RETURN(std::string recipient, IdOf(event, path, "recipient"));
  if (recipient == e.page_id) return true;
  NoteForeign(*e.out, std::move(recipient));
  return false;
}

// A message from the person who sent `event`, to this Page, at the event's time.
absl::StatusOr<InboundMessage> FromSender(const json& event, const std::string& path,
                                          const Event& e) {
  InboundMessage m;
  m.provider = std::string(e.provider);
  m.channel = Channel::kMessenger;
  m.to = std::string(e.page_id);
  ASSIGN_OR_RETURN(m.from, IdOf(event, path, "sender"));
  ASSIGN_OR_RETURN(m.received_at_ms, TimestampMillis(event, path));
  return m;
}

absl::Status ReadMessage(const json& event, const std::string& path, const Event& e) {
  ASSIGN_OR_RETURN(const json* message, ObjectMember(event, path, "message"));
  // The Page's own sends, echoed (its sender is the Page): nothing a person wrote.
  if (IsTrue(*message, "is_echo")) {
    e.out->ignored.push_back("echo");
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(bool mine, ForThisPage(event, path, e));
  if (!mine) return absl::OkStatus();
  const std::string mpath = Path(path, "message");
  ASSIGN_OR_RETURN(InboundMessage m, FromSender(event, path, e));
  ASSIGN_OR_RETURN(m.provider_message_id, NonEmptyStringMember(*message, mpath, "mid"));
  ASSIGN_OR_RETURN(m.text, OptionalStringMember(*message, mpath, "text"));
  if (m.text.empty()) {
    ASSIGN_OR_RETURN(const json* attachments, NullableArrayMember(*message, mpath, "attachments"));
    if (attachments != nullptr) {
      ASSIGN_OR_RETURN(m.text, AttachmentText(*attachments, Path(mpath, "attachments")));
    }
  }
  if (const auto reply = message->find("quick_reply"); reply != message->end()) {
    if (!reply->is_object()) return Expected(Path(mpath, "quick_reply"), "an object");
    ASSIGN_OR_RETURN(m.button, NonEmptyStringMember(*reply, Path(mpath, "quick_reply"), "payload"));
  }
  if (m.text.empty() && m.button.empty()) {
    e.out->ignored.push_back("message:empty");
    return absl::OkStatus();
  }
  // reply_to.mid names the message answered, by Messenger's id: unverified, so `answers`
  // stays empty.
  e.out->messages.push_back(std::move(m));
  return absl::OkStatus();
}

absl::Status ReadPostback(const json& event, const std::string& path, const Event& e) {
  ASSIGN_OR_RETURN(const json* postback, ObjectMember(event, path, "postback"));
  ASSIGN_OR_RETURN(bool mine, ForThisPage(event, path, e));
  if (!mine) return absl::OkStatus();
  const std::string ppath = Path(path, "postback");
  ASSIGN_OR_RETURN(InboundMessage m, FromSender(event, path, e));
  ASSIGN_OR_RETURN(m.text, OptionalStringMember(*postback, ppath, "title"));
  ASSIGN_OR_RETURN(m.button, NonEmptyStringMember(*postback, ppath, "payload"));
  ASSIGN_OR_RETURN(m.provider_message_id, OptionalStringMember(*postback, ppath, "mid"));
  if (m.provider_message_id.empty()) {
    // The same press delivered again carries the same sender and time.
    m.provider_message_id = "pb:" + m.from + ":" + std::to_string(m.received_at_ms);
  }
  // Get Started pressed in a thread an m.me link opened: the link's ref comes along.
  if (const auto referral = postback->find("referral"); referral != postback->end()) {
    if (!referral->is_object()) return Expected(Path(ppath, "referral"), "an object");
    ASSIGN_OR_RETURN(m.link_token, OptionalStringMember(*referral, Path(ppath, "referral"), "ref"));
  }
  e.out->messages.push_back(std::move(m));
  return absl::OkStatus();
}

// An existing thread opened through an m.me link (messaging_referrals): kept as a message
// that says so, carrying the link's ref.
absl::Status ReadReferral(const json& event, const std::string& path, const Event& e) {
  ASSIGN_OR_RETURN(const json* referral, ObjectMember(event, path, "referral"));
  ASSIGN_OR_RETURN(bool mine, ForThisPage(event, path, e));
  if (!mine) return absl::OkStatus();
  ASSIGN_OR_RETURN(InboundMessage m, FromSender(event, path, e));
  ASSIGN_OR_RETURN(m.link_token, OptionalStringMember(*referral, Path(path, "referral"), "ref"));
  if (m.link_token.empty()) {
    e.out->ignored.push_back("referral");  // An ad or a chat plugin: no personal link.
    return absl::OkStatus();
  }
  m.text = "[opened the chat from a link]";
  m.provider_message_id = "ref:" + m.from + ":" + std::to_string(m.received_at_ms);
  e.out->messages.push_back(std::move(m));
  return absl::OkStatus();
}

absl::Status ReadDelivery(const json& event, const std::string& path, const Event& e) {
  ASSIGN_OR_RETURN(const json* delivery, ObjectMember(event, path, "delivery"));
  ASSIGN_OR_RETURN(bool mine, ForThisPage(event, path, e));
  if (!mine) return absl::OkStatus();
  const std::string dpath = Path(path, "delivery");
  ASSIGN_OR_RETURN(const json* mids, NullableArrayMember(*delivery, dpath, "mids"));
  if (mids == nullptr || mids->empty()) {
    // Only "everything before the watermark arrived": no message to name.
    e.out->ignored.push_back("delivery:watermark");
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string person, IdOf(event, path, "sender"));
  const std::string mids_path = Path(dpath, "mids");
  for (size_t i = 0; i < mids->size(); ++i) {
    const json& mid = (*mids)[i];
    if (!mid.is_string() || mid.get_ref<const std::string&>().empty()) {
      return Expected(Index(mids_path, i), "a non-empty string");
    }
    DeliveryReport r;
    r.provider = std::string(e.provider);
    r.provider_message_id = mid.get<std::string>();
    r.channel = Channel::kMessenger;
    r.to = person;
    r.state = DeliveryReport::State::kDelivered;
    e.out->reports.push_back(std::move(r));
  }
  return absl::OkStatus();
}

// The name an ignored event goes by: its first member that is not an envelope field.
std::string EventName(const json& event) {
  for (const auto& [key, value] : event.items()) {
    if (key != "sender" && key != "recipient" && key != "timestamp") return key;
  }
  return "unknown";
}

absl::Status ReadEvent(const json& event, const std::string& path, const Event& e) {
  if (!event.is_object()) return Expected(path, "an object");
  if (event.contains("message")) return ReadMessage(event, path, e);
  if (event.contains("postback")) return ReadPostback(event, path, e);
  if (event.contains("delivery")) return ReadDelivery(event, path, e);
  if (event.contains("referral")) return ReadReferral(event, path, e);
  // read (a watermark only), reaction, optin, account_linking, policy_enforcement,
  // message_edit, handover events, ...
  e.out->ignored.push_back(event.contains("read") ? std::string("read") : EventName(event));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MessengerWebhook> ParseMessengerWebhook(std::string_view body,
                                                       std::string_view provider,
                                                       std::string_view page_id) {
  ASSIGN_OR_RETURN(const json doc, ParseJsonObjectBody(body));
  ASSIGN_OR_RETURN(std::string object, StringMember(doc, "", "object"));
  if (object != "page") return Expected("object", "\"page\"");
  ASSIGN_OR_RETURN(const json* entries, ArrayMember(doc, "", "entry"));
  MessengerWebhook out;
  Event e;
  e.provider = provider;
  e.page_id = page_id;
  e.out = &out;
  for (size_t i = 0; i < entries->size(); ++i) {
    const json& entry = (*entries)[i];
    const std::string epath = Index("entry", i);
    if (!entry.is_object()) return Expected(epath, "an object");
    ASSIGN_OR_RETURN(std::string id, NonEmptyStringMember(entry, epath, "id"));
    if (id != page_id) {
      // One app's webhook serves all the Pages that subscribed it.
      NoteForeign(out, std::move(id));
      continue;
    }
    ASSIGN_OR_RETURN(const json* messaging, NullableArrayMember(entry, epath, "messaging"));
    if (messaging != nullptr) {
      const std::string mpath = Path(epath, "messaging");
      for (size_t k = 0; k < messaging->size(); ++k) {
        RETURN_IF_ERROR(ReadEvent((*messaging)[k], Index(mpath, k), e));
      }
    }
    // Events of conversations another app of the Page controls (handover protocol), and
    // changes of the Page's feed: not messages to this account.
    ASSIGN_OR_RETURN(const json* standby, NullableArrayMember(entry, epath, "standby"));
    if (standby != nullptr && !standby->empty()) out.ignored.push_back("standby");
    ASSIGN_OR_RETURN(const json* changes, NullableArrayMember(entry, epath, "changes"));
    if (changes != nullptr && !changes->empty()) out.ignored.push_back("changes");
  }
  return out;
}

}  // namespace ogw
