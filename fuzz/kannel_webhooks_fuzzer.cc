// Feeds arbitrary query strings to ParseFormUrlEncoded and then to ParseKannelInboundSms and
// ParseKannelDlr, as the gateway's Kannel get-url and dlr-url handlers do. Each query is
// parsed twice: as given (so the key and signature checks themselves are fuzzed) and with every
// `key` / `sig` value replaced by the valid one, so the fuzzer reaches the field parsers
// (charset conversion, DLR answers) behind the HMAC check.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/sms/kannel_webhooks.h"
#include "adapters/sms/twilio_webhooks.h"
#include "gateway/contacts/normalize.h"

namespace {

constexpr std::string_view kProvider = "kannel-de";
constexpr std::string_view kSecret = "fuzz-secret-of-at-least-24-chars";

// The first non-empty value of `name`, as the parsers read it.
const std::string* Field(const ogw::FormParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name && !value.empty()) return &value;
  }
  return nullptr;
}

void Replace(ogw::FormParams* params, std::string_view name, const std::string& value) {
  for (auto& [key, v] : *params) {
    if (key == name) v = value;
  }
}

void CheckUtf8(const std::string& s) {
  if (ogw::FindInvalidUtf8(s) != std::string_view::npos) abort();
}

void ParseBoth(const ogw::FormParams& query) {
  auto sms = ogw::ParseKannelInboundSms(query, kProvider, kSecret);
  if (sms.ok()) CheckUtf8(sms->text);
  (void)ogw::ParseKannelDlr(query, kProvider, kSecret);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto query = ogw::ParseFormUrlEncoded(text);
  if (!query.ok()) return 0;
  ParseBoth(*query);

  ogw::FormParams signed_query = *query;
  Replace(&signed_query, "key", ogw::KannelInboundKey(kSecret, kProvider));
  if (const std::string* id = Field(*query, "id")) {
    Replace(&signed_query, "sig", ogw::KannelDlrSignature(kSecret, *id));
  }
  ParseBoth(signed_query);
  return 0;
}
