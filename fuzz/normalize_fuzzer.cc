// Feeds untrusted values to the normalisers every contact field passes through (API bodies,
// CSV cells, SMS senders from Kannel and Twilio): NormalizePhone, NormalizeAddress for every
// kind, NormalizeSmsSender, and the e-mail, language, time zone and country normalisers.
// Input: the region / country on the first line, the raw value after it (no line: region "DE").
// A normalised value is stored and later validated again (a PATCH re-reads the stored contact),
// so every result must normalise to itself.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/normalize.h"

namespace {

void CheckIdempotent(const absl::StatusOr<std::string>& first,
                     const absl::StatusOr<std::string>& second) {
  if (!first.ok()) return;
  if (!second.ok() || *second != *first) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view region = "DE";
  std::string_view raw = input;
  if (const size_t nl = input.find('\n'); nl != std::string_view::npos) {
    region = input.substr(0, nl);
    raw = input.substr(nl + 1);
  }

  auto phone = ogw::NormalizePhone(raw, region);
  if (phone.ok()) CheckIdempotent(phone, ogw::NormalizePhone(*phone, ""));

  for (ogw::AddressKind kind : ogw::AllAddressKinds()) {
    auto address = ogw::NormalizeAddress(kind, raw, region);
    if (address.ok()) CheckIdempotent(address, ogw::NormalizeAddress(kind, *address, region));
  }

  const ogw::SmsSender sender = ogw::NormalizeSmsSender(raw, region);
  if (sender.value.empty()) abort();
  if (sender.e164) {
    CheckIdempotent(sender.value, ogw::NormalizePhone(sender.value, ""));
  } else {
    if (sender.value.size() > ogw::kMaxRawSenderBytes) abort();
    for (char c : sender.value) {
      if (c <= 0x20 || c >= 0x7F) abort();
    }
  }

  auto email = ogw::NormalizeEmail(raw);
  if (email.ok()) CheckIdempotent(email, ogw::NormalizeEmail(*email));
  auto language = ogw::NormalizeLanguageTag(raw);
  if (language.ok()) CheckIdempotent(language, ogw::NormalizeLanguageTag(*language));
  auto zone = ogw::NormalizeTimeZone(raw);
  if (zone.ok()) CheckIdempotent(zone, ogw::NormalizeTimeZone(*zone));
  auto country = ogw::NormalizeCountry(raw);
  if (country.ok()) CheckIdempotent(country, ogw::NormalizeCountry(*country));
  return 0;
}
