#include "gateway/contacts/contact.h"

#include <array>
#include <cstdlib>
#include <utility>

namespace ogw {
namespace {

constexpr std::array<std::pair<AddressKind, std::string_view>, 5> kAddressKinds = {{
    {AddressKind::kEmail, "email"},
    {AddressKind::kPhone, "phone"},
    {AddressKind::kWhatsApp, "whatsapp"},
    {AddressKind::kTelegram, "telegram"},
    {AddressKind::kMessenger, "messenger"},
}};

constexpr std::array<std::pair<ConsentState, std::string_view>, 3> kConsentStates = {{
    {ConsentState::kUnknown, "unknown"},
    {ConsentState::kGranted, "granted"},
    {ConsentState::kWithdrawn, "withdrawn"},
}};

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::pair<E, std::string_view>, N>& table,
                       std::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view AddressKindName(AddressKind kind) { return NameOf(kAddressKinds, kind); }
std::optional<AddressKind> ParseAddressKind(std::string_view name) {
  return Parse(kAddressKinds, name);
}
const std::vector<AddressKind>& AllAddressKinds() {
  static const std::vector<AddressKind> kAll = [] {
    std::vector<AddressKind> v;
    for (const auto& [k, _] : kAddressKinds) v.push_back(k);
    return v;
  }();
  return kAll;
}

std::string_view Address::UnusableBecause(Use use) const {
  if (invalid) return "address_invalid";
  if (use == Use::kConsentConfirmation) return "";
  if (opted_out) return "opted_out";
  if (consent.state == ConsentState::kWithdrawn) return "consent_withdrawn";
  if (use == Use::kCampaign && consent.state != ConsentState::kGranted) return "no_consent";
  return "";
}

AddressKind AddressKindForChannel(Channel channel) {
  switch (channel) {
    case Channel::kEmail:
      return AddressKind::kEmail;
    case Channel::kSms:
      return AddressKind::kPhone;
    case Channel::kWhatsApp:
      return AddressKind::kWhatsApp;
    case Channel::kTelegram:
      return AddressKind::kTelegram;
    case Channel::kMessenger:
      return AddressKind::kMessenger;
    case Channel::kBulletin:
      break;
  }
  std::abort();  // A programming error: bulletins are published, never sent to an address.
}

std::string_view ConsentStateName(ConsentState state) { return NameOf(kConsentStates, state); }
std::optional<ConsentState> ParseConsentState(std::string_view name) {
  return Parse(kConsentStates, name);
}

const Address* Contact::FindAddress(AddressKind kind) const {
  for (const auto& a : addresses) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

bool Contact::HasReachable(AddressKind kind) const {
  for (const auto& a : addresses) {
    if (a.kind == kind && a.Reachable()) return true;
  }
  return false;
}

std::string AddressKey(AddressKind kind, std::string_view normalised_value) {
  std::string key(AddressKindName(kind));
  key.push_back(':');
  key.append(normalised_value);
  return key;
}

std::string AddressKey(const Address& address) {
  return AddressKey(address.kind, address.value);
}

}  // namespace ogw
