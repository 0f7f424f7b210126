// Feeds Twilio webhook requests to the parsers the gateway runs on them: ParseFormUrlEncoded on
// the body, then ParseTwilioInboundSms, ParseTwilioStatusUpdate and VerifyTwilioSignature.
// Input: the request URL on the first line, the X-Twilio-Signature header on the second, the
// form body after that (missing lines count as empty). Also checks that a form survives
// EncodeFormUrlEncoded and that TwilioSignature verifies against itself.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/sms/twilio_webhooks.h"

namespace {

constexpr std::string_view kAuthToken = "0123456789abcdef0123456789abcdef";

// The text before the next '\n' (all of `*rest` when there is none), consuming it.
std::string_view NextLine(std::string_view* rest) {
  const size_t end = rest->find('\n');
  std::string_view line = rest->substr(0, end);
  rest->remove_prefix(end == std::string_view::npos ? rest->size() : end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view url = NextLine(&rest);
  const std::string_view signature = NextLine(&rest);
  auto form = ogw::ParseFormUrlEncoded(rest);
  if (!form.ok()) return 0;

  (void)ogw::ParseTwilioInboundSms(*form);
  (void)ogw::ParseTwilioStatusUpdate(*form);
  (void)ogw::VerifyTwilioSignature(kAuthToken, url, *form, signature);

  const std::string expected = ogw::TwilioSignature(kAuthToken, url, *form);
  if (!ogw::VerifyTwilioSignature(kAuthToken, url, *form, expected)) abort();
  if (ogw::VerifyTwilioSignature("", url, *form, expected)) abort();

  auto again = ogw::ParseFormUrlEncoded(ogw::EncodeFormUrlEncoded(*form));
  if (!again.ok() || *again != *form) abort();
  return 0;
}
