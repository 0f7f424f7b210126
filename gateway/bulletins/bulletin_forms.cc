#include "gateway/bulletins/bulletin_forms.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/contacts/normalize.h"
#include "gateway/core/crypto.h"
#include "gateway/core/ids.h"
#include "gateway/core/text.h"
#include "templates/template.h"

namespace ogw {
namespace {

using Errors = std::vector<std::pair<std::string, std::string>>;

// `text` as a short field people type on one line: "" or an error code.
std::string CheckLine(std::string_view text, size_t max_chars) {
  if (!IsValidUtf8(text) || HasControlCharacter(text)) return "characters";
  if (CountCodePoints(text) > max_chars) return "too_long";
  return "";
}

// The reader's e-mail address and phone, normalised; an error per field that does not read.
struct ReachBack {
  std::string email;
  std::string phone;
};
ReachBack ReadReachBack(const BulletinFormPlace& place, const BulletinFormFields& fields,
                        Errors* errors) {
  ReachBack out;
  const std::string_view email = TrimAsciiSpace(fields.email);
  if (!email.empty()) {
    auto normalised = NormalizeEmail(email);
    if (normalised.ok()) {
      out.email = *normalised;
    } else {
      errors->emplace_back("email", "email");
    }
  }
  const std::string_view phone = TrimAsciiSpace(fields.phone);
  if (!phone.empty()) {
    auto normalised = NormalizePhone(phone, place.country);
    if (normalised.ok()) {
      out.phone = *normalised;
    } else {
      errors->emplace_back("phone", "phone");
    }
  }
  return out;
}

Address NewAddress(AddressKind kind, std::string value) {
  Address a;
  a.kind = kind;
  a.value = std::move(value);
  a.verified = false;  // Typed by whoever filled the form.
  return a;
}

}  // namespace

std::string_view ChatAppName(std::string_view channel) {
  if (channel == "telegram") return "Telegram";
  if (channel == "whatsapp") return "WhatsApp";
  if (channel == "messenger") return "Messenger";
  return channel;
}

BulletinForms::BulletinForms(InboundPipeline* inbound, ContactStore* contacts,
                             ConversationLog* conversations, const PersonTokens* tokens,
                             const Clock* clock, int min_fill_seconds, int max_concurrent,
                             ChatLinkSource chat_links)
    : inbound_(inbound),
      contacts_(contacts),
      conversations_(conversations),
      tokens_(tokens),
      clock_(clock),
      min_fill_seconds_(min_fill_seconds),
      max_concurrent_(max_concurrent),
      chat_links_(std::move(chat_links)) {}

std::optional<BulletinForms::Slot> BulletinForms::TryEnter() {
  if (running_.fetch_add(1) >= max_concurrent_) {
    running_.fetch_sub(1);
    return std::nullopt;
  }
  return Slot(&running_);
}

std::string BulletinForms::IssueToken(const BulletinFormPlace& place) const {
  return tokens_->BulletinFormToken(place.org_id, place.post_id, place.form,
                                    clock_->NowMillis() / 1000);
}

bool BulletinForms::CheckCommon(const BulletinFormPlace& place, const BulletinFormFields& fields,
                                BulletinFormOutcome* outcome) const {
  // A robot fills every field it finds; it is thanked and learns nothing.
  if (!fields.website.empty()) {
    outcome->kind = BulletinFormOutcome::Kind::kIgnored;
    return false;
  }
  const std::optional<int64_t> issued =
      tokens_->BulletinFormIssuedAt(fields.token, place.org_id, place.post_id, place.form);
  const int64_t now = clock_->NowMillis() / 1000;
  if (!issued || now - *issued > kTokenMaxAgeSeconds || *issued > now + 60) {
    outcome->errors.emplace_back("token", "expired");
  } else if (now - *issued < min_fill_seconds_) {
    outcome->errors.emplace_back("token", "too_fast");
  }
  if (!fields.consent) outcome->errors.emplace_back("consent", "consent");
  if (const std::string e = CheckLine(fields.name, kMaxNameChars); !e.empty()) {
    outcome->errors.emplace_back("name", e);
  }
  return true;
}

absl::StatusOr<std::string> BulletinForms::CreateContact(const BulletinFormPlace& place,
                                                         const BulletinFormFields& fields,
                                                         const std::vector<Address>& addresses) {
  const int64_t now = clock_->NowMillis();
  Contact contact;
  contact.id = NewId("c", now);
  contact.org_id = place.org_id;
  contact.post_id = place.post_id;
  contact.name = std::string(TrimAsciiSpace(fields.name));
  if (auto language = CanonicalLanguageTag(fields.language)) contact.languages = {*language};
  contact.verified = false;
  contact.created_at_millis = now;
  contact.updated_at_millis = now;
  contact.addresses = addresses;
  ASSIGN_OR_RETURN(PutOutcome outcome, contacts_->Put(contact, 0, nullptr));
  if (outcome.code == PutOutcome::Code::kAddressConflict) return outcome.owner_id;  // A race.
  if (outcome.code != PutOutcome::Code::kOk) {
    return absl::AbortedError("could not create the subscriber's contact");
  }
  return contact.id;
}

absl::StatusOr<BulletinFormOutcome> BulletinForms::Reply(const BulletinFormPlace& place,
                                                         const BulletinFormFields& fields) {
  BulletinFormOutcome outcome;
  if (!CheckCommon(place, fields, &outcome)) return outcome;
  const std::string_view message = TrimAsciiSpace(fields.message);
  if (message.empty()) {
    outcome.errors.emplace_back("message", "required");
  } else if (!IsValidUtf8(message) || HasControlCharacter(message, "\t\n\r")) {
    outcome.errors.emplace_back("message", "characters");
  } else if (CountCodePoints(message) > kMaxMessageChars) {
    outcome.errors.emplace_back("message", "too_long");
  }
  const ReachBack reach = ReadReachBack(place, fields, &outcome.errors);
  // A chat app no longer offered (the form is older than the change) is no way to answer:
  // the reader is asked for one that is.
  bool unknown_chat = false;
  const std::vector<std::string> chats = ChosenChats(place, fields, {}, &unknown_chat);
  if (TrimAsciiSpace(fields.email).empty() && TrimAsciiSpace(fields.phone).empty() &&
      chats.empty()) {
    outcome.errors.emplace_back("email",
                                ChatChannels(place).empty() ? "reach_back" : "reach_back_chat");
  }
  if (!outcome.errors.empty()) {
    outcome.kind = BulletinFormOutcome::Kind::kInvalid;
    return outcome;
  }

  // With an address, the answer goes there and the chat apps are not offered: their links
  // are shown only for a contact holding nothing but this reply, so nobody ties their chat
  // to the contact of an address they merely typed.
  const bool by_address = !reach.email.empty() || !reach.phone.empty();
  InboundMessage m;
  m.provider = "bulletin";
  m.channel = !reach.email.empty()   ? Channel::kEmail
              : !reach.phone.empty() ? Channel::kSms
                                     : ParseChannel(chats.front()).value_or(Channel::kTelegram);
  m.from = !reach.email.empty() ? reach.email : reach.phone;
  m.text = std::string(message);
  m.subject = place.entry_title;
  m.bulletin_entry = place.form;
  // The same form sent twice (a double click, the browser's resend) is one message.
  m.provider_message_id =
      "form:" + Sha256Hex(fields.token + "|" + m.from + "|" + m.text).substr(0, 32);
  InboundSource source;
  source.org_id = place.org_id;
  source.post_id = place.post_id;
  source.provider = "bulletin";
  source.country = place.country;

  ASSIGN_OR_RETURN(std::optional<std::string> stored_for,
                   inbound_->StoredMessageContact(source, m.provider_message_id));
  if (stored_for) {
    m.contact_id = *stored_for;
  } else if (by_address) {
    // The owner of the e-mail address, else of the phone; a known person's contact is not
    // changed by a web form. Else a new contact with both, the name and the language.
    std::vector<Address> addresses;
    if (!reach.email.empty()) addresses.push_back(NewAddress(AddressKind::kEmail, reach.email));
    if (!reach.phone.empty()) addresses.push_back(NewAddress(AddressKind::kPhone, reach.phone));
    std::vector<std::string> keys;
    for (const Address& a : addresses) keys.push_back(AddressKey(a.kind, a.value));
    ASSIGN_OR_RETURN(std::vector<std::string> owners, contacts_->FindOwners(place.org_id, keys));
    for (const std::string& owner : owners) {
      if (m.contact_id.empty()) m.contact_id = owner;
    }
    if (m.contact_id.empty()) {
      ASSIGN_OR_RETURN(m.contact_id, CreateContact(place, fields, addresses));
    }
  } else {
    ASSIGN_OR_RETURN(m.contact_id, CreateContact(place, fields, {}));
  }
  ASSIGN_OR_RETURN(InboundResult stored, inbound_->Receive(source, m));
  outcome.contact_id = stored.contact_id;
  outcome.entry_id = stored.entry_id;
  if (!by_address) {
    ASSIGN_OR_RETURN(outcome.chat_links, ChatLinksOf(place.org_id, stored.contact_id, chats));
  }
  return outcome;
}

std::vector<std::string> BulletinForms::ChatChannels(const BulletinFormPlace& place) const {
  if (!chat_links_.channels) return {};
  return chat_links_.channels(place.org_id, place.post_id);
}

std::vector<std::string> BulletinForms::ChosenChats(const BulletinFormPlace& place,
                                                    const BulletinFormFields& fields,
                                                    const std::vector<std::string_view>& also,
                                                    bool* unknown) const {
  std::vector<std::string> chats;
  *unknown = false;
  if (fields.channels.empty()) return chats;
  const std::vector<std::string> offered = ChatChannels(place);
  for (const std::string& c : fields.channels) {
    if (std::find(also.begin(), also.end(), c) != also.end()) continue;
    if (std::find(offered.begin(), offered.end(), c) == offered.end()) {
      *unknown = true;
    } else if (std::find(chats.begin(), chats.end(), c) == chats.end()) {
      chats.push_back(c);
    }
  }
  return chats;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> BulletinForms::ChatLinksOf(
    const std::string& org_id, const std::string& contact_id,
    const std::vector<std::string>& channels) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!chat_links_.links || channels.empty()) return out;
  ASSIGN_OR_RETURN(auto stored, contacts_->Get(org_id, contact_id));
  if (!stored) return out;
  const nlohmann::json links = chat_links_.links(org_id, stored->contact);
  for (const std::string& channel : channels) {
    auto it = links.find(channel);
    if (it != links.end() && it->is_string()) {
      out.emplace_back(std::string(ChatAppName(channel)), it->get<std::string>());
    }
  }
  return out;
}

absl::StatusOr<BulletinFormOutcome> BulletinForms::Subscribe(const BulletinFormPlace& place,
                                                             const BulletinFormFields& fields) {
  BulletinFormOutcome outcome;
  if (!CheckCommon(place, fields, &outcome)) return outcome;
  const auto chose = [&](std::string_view channel) {
    return std::find(fields.channels.begin(), fields.channels.end(), channel) !=
           fields.channels.end();
  };
  const bool by_email = chose("email");
  const bool by_sms = chose("sms");
  bool unknown_channel = false;
  const std::vector<std::string> chats =
      ChosenChats(place, fields, {"email", "sms"}, &unknown_channel);
  if (unknown_channel || (!by_email && !by_sms && chats.empty())) {
    outcome.errors.emplace_back("channels", "channels");
  }
  const ReachBack reach = ReadReachBack(place, fields, &outcome.errors);
  if (by_email && TrimAsciiSpace(fields.email).empty()) {
    outcome.errors.emplace_back("email", "required");
  }
  if (by_sms && TrimAsciiSpace(fields.phone).empty()) {
    outcome.errors.emplace_back("phone", "required");
  }
  if (!outcome.errors.empty()) {
    outcome.kind = BulletinFormOutcome::Kind::kInvalid;
    return outcome;
  }
  const std::string source = "bulletin:" + (place.post_id.empty() ? "-" : place.post_id);
  auto note_request = [&](const std::string& contact_id, const std::string& channel,
                          const std::string& address) {
    // The request, and where it came from, in the person's conversation: the grant that
    // follows a confirmation names its source there too.
    ConversationAppend note;
    note.contact_id = contact_id;
    note.kind = "consent";
    note.fields = {
        {"channel", channel}, {"address", address}, {"state", "requested"}, {"source", source}};
    auto appended = conversations_->Append(place.org_id, note);
    if (!appended.ok()) {
      spdlog::warn("bulletin subscription: request not noted for {}: {}", contact_id,
                   MessageOf(appended.status()));
    }
  };

  if (!by_email && !by_sms) {
    // Chat channels alone: a contact with no address yet, whose links the page shows. The
    // chat is tied to it, with consent, when the person sends what a link prepares.
    ASSIGN_OR_RETURN(const std::string created, CreateContact(place, fields, {}));
    for (const std::string& c : chats) note_request(created, c, "");
    ASSIGN_OR_RETURN(outcome.chat_links, ChatLinksOf(place.org_id, created, chats));
    return outcome;
  }

  struct Wanted {
    Channel channel;
    AddressKind kind;
    std::string value;
    std::string owner;
  };
  std::vector<Wanted> wanted;
  if (by_email) wanted.push_back({Channel::kEmail, AddressKind::kEmail, reach.email, ""});
  if (by_sms) wanted.push_back({Channel::kSms, AddressKind::kPhone, reach.phone, ""});
  std::vector<std::string> keys;
  for (const Wanted& w : wanted) keys.push_back(AddressKey(w.kind, w.value));
  ASSIGN_OR_RETURN(std::vector<std::string> owners, contacts_->FindOwners(place.org_id, keys));
  std::vector<Address> unknown;
  for (size_t i = 0; i < wanted.size(); ++i) {
    wanted[i].owner = owners[i];
    if (owners[i].empty()) unknown.push_back(NewAddress(wanted[i].kind, wanted[i].value));
  }
  if (!unknown.empty()) {
    ASSIGN_OR_RETURN(const std::string created, CreateContact(place, fields, unknown));
    for (Wanted& w : wanted) {
      if (w.owner.empty()) w.owner = created;
    }
  }
  // The code the SMS carries is a MAC of the token the page holds: both expire together.
  const int64_t code_expires = clock_->NowMillis() / 1000 + kCodeMaxAgeSeconds;
  outcome.by_email = by_email;
  outcome.chat_links_sent = !chats.empty();
  for (size_t i = 0; i < wanted.size(); ++i) {
    const Wanted& w = wanted[i];
    const std::string channel(ChannelName(w.channel));
    note_request(w.owner, channel, w.value);
    OptInExtras extras;
    if (w.channel == Channel::kSms) {
      extras.code_expires_at_seconds = code_expires;
      outcome.code_token =
          tokens_->OptInCodeToken(place.org_id, w.owner, channel, w.value, code_expires);
    }
    // The chat links go to the first address only, inside the message its owner receives.
    if (i == 0) {
      for (const std::string& c : chats) note_request(w.owner, c, "");
      ASSIGN_OR_RETURN(extras.chat_links, ChatLinksOf(place.org_id, w.owner, chats));
    }
    // Already subscribed, or asked once today: nothing is sent, and the answer is the same.
    RETURN_IF_ERROR(
        inbound_->RequestOptIn(place.org_id, w.owner, channel, w.value, extras).status());
  }
  return outcome;
}

absl::StatusOr<BulletinFormOutcome> BulletinForms::ConfirmCode(const BulletinFormPlace& place,
                                                               const BulletinFormFields& fields) {
  BulletinFormOutcome outcome;
  // People type codes with spaces, or copy them with the words around.
  std::string digits;
  for (char c : fields.code.substr(0, 64)) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  std::string error;
  if (digits.size() != 6) {
    error = fields.code.empty() ? "required" : "wrong";
  } else {
    ASSIGN_OR_RETURN(const CodeConfirmation confirmed,
                     inbound_->ConfirmCode(place.org_id, fields.code_token, digits));
    switch (confirmed) {
      case CodeConfirmation::kGranted:
        return outcome;
      case CodeConfirmation::kWrongCode:
        error = "wrong";
        break;
      case CodeConfirmation::kTooManyTries:
        error = "tries";
        break;
      case CodeConfirmation::kExpired:
        error = "expired";
        break;
    }
  }
  outcome.kind = BulletinFormOutcome::Kind::kInvalid;
  outcome.errors.emplace_back("code", error);
  outcome.code_token = fields.code_token;
  return outcome;
}

}  // namespace ogw
