// Feeds raw e-mails, as fetched from an IMAP mailbox, to ParseEmail: GMime's parser, charset
// conversion, format=flowed, DSN reports, HtmlToText and StripQuotedHistory. HtmlToText and
// StripQuotedHistory also get the raw bytes directly, as the e-mail body they usually see.
// Every string ParseEmail returns must be valid UTF-8 (the pipeline stores it as JSON).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/email/mime_parser.h"
#include "gateway/contacts/normalize.h"

namespace {

void CheckUtf8(const std::string& s) {
  if (ogw::FindInvalidUtf8(s) != std::string_view::npos) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto email = ogw::ParseEmail(raw);
  if (email.ok()) {
    const ogw::InboundMessage& m = email->message;
    for (const std::string* s :
         {&m.provider_message_id, &m.from, &m.to, &m.text, &m.subject, &m.reply_token}) {
      CheckUtf8(*s);
    }
    for (const std::string& r : m.references) CheckUtf8(r);
    for (const ogw::DeliveryReport& r : email->reports) {
      for (const std::string* s : {&r.provider_message_id, &r.to, &r.code, &r.reason}) {
        CheckUtf8(*s);
      }
    }
  }
  (void)ogw::HtmlToText(raw);
  (void)ogw::StripQuotedHistory(raw);
  return 0;
}
