#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/core/channel.h"

namespace ogw {

// The kinds of address a person can be reached at. Each kind has one normaliser
// (see normalize.h) and serves one or more channels.
enum class AddressKind { kEmail, kPhone, kWhatsApp, kTelegram, kMessenger };

std::string_view AddressKindName(AddressKind kind);  // "email", "phone", "whatsapp", ...
std::optional<AddressKind> ParseAddressKind(std::string_view name);
const std::vector<AddressKind>& AllAddressKinds();

// The address kind that serves a channel that reaches a person (ReachesPerson):
// sms -> phone, email -> email, whatsapp -> whatsapp, telegram -> telegram,
// messenger -> messenger. Bulletins reach no address; callers never pass them.
AddressKind AddressKindForChannel(Channel channel);

enum class ConsentState { kUnknown, kGranted, kWithdrawn };
std::string_view ConsentStateName(ConsentState state);  // "unknown", "granted", "withdrawn"
std::optional<ConsentState> ParseConsentState(std::string_view name);

struct Consent {
  ConsentState state = ConsentState::kUnknown;
  std::string source;     // e.g. "import:survey-2026.csv", "sms-keyword", "api".
  int64_t at_millis = 0;  // When the state last changed.
  bool operator==(const Consent&) const = default;
};

struct Address {
  AddressKind kind = AddressKind::kEmail;
  std::string value;  // Normalised: E.164 for phones, lower-case domain for email.
  bool verified = false;
  Consent consent;
  bool opted_out = false;
  int64_t opted_out_at_millis = 0;
  // The address cannot receive anything (hard bounce, unknown number), from a provider report.
  bool invalid = false;
  std::string invalid_reason;
  bool operator==(const Address&) const = default;

  // What a message is sent to the address for.
  enum class Use {
    kCampaign,             // Outreach: needs consent granted.
    kDirect,               // An officer's message in a conversation: consent not withdrawn.
    kConsentConfirmation,  // The confirmation of the person's own opt-out: only not invalid.
  };
  // Why the address may not be used for `use` ("address_invalid", "opted_out",
  // "consent_withdrawn", "no_consent"), or "" when it may. The one rule for the launcher, the
  // direct-message route and the delivery worker's check at send time.
  std::string_view UnusableBecause(Use use) const;
  // Usable for outreach: consent granted, not opted out, not known to be invalid.
  bool Reachable() const { return UnusableBecause(Use::kCampaign).empty(); }
};

// A free attribute value: text or number. CSV cells that parse as finite numbers are numbers.
using AttributeValue = std::variant<std::string, double>;

// A diaspora member. Owned by one organisation, optionally assigned to one post.
struct Contact {
  std::string id;       // "c_..." (see ids.h).
  std::string org_id;   // Owning organisation.
  std::string post_id;  // Empty when not assigned to a post.
  std::string name;
  std::vector<std::string> languages;  // BCP 47, canonical form, most preferred first.
  std::string country;                 // ISO 3166-1 alpha-2, upper case; may be empty.
  std::string city;
  std::string time_zone;  // IANA name; may be empty.
  std::map<std::string, AttributeValue> attributes;
  std::vector<std::string> tags;  // Sorted, unique.
  std::vector<Address> addresses;
  std::vector<Channel> channel_order;  // Preferred channels, most preferred first.
  bool verified = true;  // False for unknown senders created by inbound messages.
  int64_t created_at_millis = 0;
  int64_t updated_at_millis = 0;

  bool operator==(const Contact&) const = default;

  // First address of `kind`, or nullptr.
  const Address* FindAddress(AddressKind kind) const;
  // True when the contact has a reachable address of `kind`.
  bool HasReachable(AddressKind kind) const;
};

// Key of the per-organisation address index: "<kind>:<normalised value>".
std::string AddressKey(const Address& address);
std::string AddressKey(AddressKind kind, std::string_view normalised_value);

}  // namespace ogw
