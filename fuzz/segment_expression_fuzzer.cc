// Feeds arbitrary text to SegmentExpression::Parse, the filter language officers type into the
// API, and evaluates every expression that parses against a few contacts. Parse must reject
// hostile input (deep nesting, huge numbers, bad UTF-8) with a positioned error, never crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/segments/segment_expression.h"

namespace {

std::vector<ogw::Contact> MakeContacts() {
  ogw::Contact nino;
  nino.id = "c_01";
  nino.post_id = "p_berlin";
  nino.name = "ნინო ბერიძე";
  nino.languages = {"ka", "de-AT"};
  nino.country = "DE";
  nino.city = "Berlin";
  nino.time_zone = "Europe/Berlin";
  nino.attributes = {{"age", 34.0}, {"tier", std::string("gold")}, {"zip", std::string("01067")}};
  nino.tags = {"vip", "volunteer"};
  ogw::Address phone;
  phone.kind = ogw::AddressKind::kPhone;
  phone.value = "+4915112345678";
  phone.consent.state = ogw::ConsentState::kGranted;
  ogw::Address whatsapp = phone;
  whatsapp.kind = ogw::AddressKind::kWhatsApp;
  whatsapp.opted_out = true;
  ogw::Address email;
  email.value = "nino@example.org";
  email.invalid = true;
  nino.addresses = {phone, whatsapp, email};
  nino.channel_order = {ogw::Channel::kWhatsApp, ogw::Channel::kSms};

  ogw::Contact unknown;  // An unverified inbound sender: almost every field empty.
  unknown.id = "c_02";
  unknown.verified = false;
  ogw::Address sender;
  sender.kind = ogw::AddressKind::kPhone;
  sender.value = "4915112345678";
  unknown.addresses = {sender};
  return {nino, unknown, ogw::Contact{}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<ogw::Contact> contacts = MakeContacts();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = ogw::SegmentExpression::Parse(text);
  if (!expr.ok()) {
    // Every rejection must carry a position inside (or just past) the text.
    auto error = ogw::SegmentParseErrorFromStatus(expr.status());
    if (!error || error->position > text.size()) abort();
    return 0;
  }
  if (expr->text() != text) abort();
  for (const ogw::Contact& c : contacts) {
    bool matches = expr->Matches(c);
    ogw::SegmentExpression copy = *expr;
    if (copy.Matches(c) != matches) abort();
  }
  return 0;
}
