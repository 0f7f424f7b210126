#pragma once

// Turns one template into the exact text a recipient gets on a channel, in their language.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/channel.h"
#include "gateway/core/status.h"
#include "templates/template.h"

namespace ogw {

// What a template needs to know about one recipient (the caller maps its contact to this).
struct Recipient {
  std::vector<std::string> languages;  // BCP 47, most preferred first.
  std::string time_zone;               // IANA, e.g. "Europe/Paris"; empty or unknown = UTC.
  // The Mustache variables, e.g. {"contact": {"name": "..", "city": ".."},
  // "event": {"date": 1767225600000, "place": ".."}}. Null members count as absent; the
  // top-level names "date", "time" and "datetime" are taken by the formatting sections.
  nlohmann::json variables;
};

struct RenderRequest {
  Channel channel = Channel::kEmail;
  const Recipient* recipient = nullptr;  // Not owned; null renders with no languages/variables.
  std::string post_default_language;
  // Markdown, already localised by the caller; appended to every channel's text and HTML as
  // its own paragraph (rendered on its own, so nothing in the body can swallow it). Its links
  // are not rewritten.
  std::string opt_out_text;
  // As MarkdownRenderOptions::rewrite_link, for the links of the main text (the body, or the
  // sms field on SMS and chat). Called at most once per link index and rendering.
  std::function<std::string(std::string_view url, size_t index)> rewrite_link;
};

struct RenderedMessage {
  std::string subject;  // Email only: plain text on one line, variables not escaped.
  std::string text;     // Email and chat, written in `text_format`.
  TextFormat text_format = TextFormat::kPlainText;  // TextFormatOf(channel); e-mail: plain.
  std::string html;  // Email and bulletin only: kHtml, in <div dir="rtl"> for RTL languages.
  std::string body_language;                   // Language of the main text (also on SMS and chat).
  std::string subject_language;                // Email with a subject only.
  std::string sms_language;                    // SMS and chat, when the sms field was used.
  std::vector<std::string> missing_variables;  // Referenced as {{x}} but absent; sorted.
  // WhatsApp only: the WhatsApp template of the first language that names one (chosen as the
  // body's language is), its parameters rendered as plain text on one line; nullopt when no
  // variant names one.
  std::optional<WhatsAppTemplateRef> whatsapp_template;
  // Telegram, WhatsApp and Messenger: the quick answers of the main text's variant.
  std::vector<QuickReply> buttons;
  // WhatsApp: the main text's variant's file, its URL rendered.
  std::optional<MediaLink> media;
  // WhatsApp, with whatsapp_template: what the template's media header and quick-reply buttons
  // carry, from the variant that names the template (see WhatsAppTemplateRef).
  std::optional<MediaLink> whatsapp_header_media;
  std::vector<std::string> whatsapp_button_payloads;
};

// Renders templates. Thread-safe: Render may run on many threads at once.
//
// Pipeline: Mustache (kainjow) over the Markdown source, with every string value escaped by
// EscapeMarkdown first (so "*bold*", "<script>" or "[x](http://evil)" in a name stays literal
// text in every format, also through {{{x}}} and {{&x}}), then RenderMarkdown per channel:
//   email:               subject (plain text, values as they are, line breaks removed),
//                        text (kPlainText) and html (kHtml, rtl per body language);
//   SMS, WhatsApp, Messenger: text from the sms field if the chosen language has one, else
//                        from the body, in TextFormatOf(channel) (WhatsApp: kWhatsAppMarkup);
//   Telegram:            text (kTelegramHtml) from the body;
//   bulletin:            html (kHtml) from the body.
// After the main text come, as separate paragraphs, the data_use statement (templates that
// collect data) and then RenderRequest::opt_out_text.
//
// Language, per field independently (body, subject, data_use): the first of the recipient's
// languages that has the field non-empty (exact tag, then the tag's primary subtag, then any
// tag with the same primary subtag: "pt-BR" takes "pt", and "pt" takes "pt-BR" only when there
// is no "pt"), then the post's default language (same matching), then the template's default.
// So a missing French subject gives an English subject but keeps the French body. On SMS and
// chat the text's language is the body's, so a language without an sms field sends its body
// rather than another language's short text.
//
// Numbers among the variables are formatted with ICU for the language of the field being
// rendered ("1,234.5" in en, "1 234,5" in fr). Millisecond timestamps are formatted by
// wrapping the variable in a section, with ICU in that language and the recipient's time zone:
//   {{#date}}{{event.date}}{{/date}}          January 1, 2026          (long date)
//   {{#time}}{{event.date}}{{/time}}          1:00 AM                  (short time)
//   {{#datetime}}{{event.date}}{{/datetime}}  January 1, 2026 at 1:00 AM
// The section's content is rendered with raw numbers and read as milliseconds since the epoch
// (a number or a string of digits); anything else renders empty.
//
// Buttons and media come with the main text's variant (so their titles are in its language);
// a media URL is rendered as plain text and must then be an http(s) URL (InvalidArgument
// otherwise: a variable that renders a space or nothing there is the template's error).
//
// A variable that is absent renders empty and is listed in missing_variables, unless its name
// is also used as a section anywhere in the same field ({{#contact.city}}in {{contact.city}}
// {{/contact.city}} is an optional part, not a missing value).
//
// Parsed Mustache texts are cached per (template id, version, language, field); an entry is
// reused only while its source text is unchanged, and templates with an empty id are parsed
// every time. The cache is dropped whole when it exceeds kMaxCachedFields.
class TemplateRenderer {
 public:
  static constexpr size_t kMaxCachedFields = 10000;
  // Budget of one field's rendering (docs/ARCHITECTURE.md, "Threats and mitigations"): over
  // it, Render answers ResourceExhausted and the message fails with that reason, within
  // milliseconds, instead of holding a worker for the N^k renderings of nested sections.
  static constexpr size_t kMaxLookupsPerField = 200'000;
  static constexpr size_t kMaxRenderedFieldBytes = 1024 * 1024;

  TemplateRenderer();
  ~TemplateRenderer();
  TemplateRenderer(const TemplateRenderer&) = delete;
  TemplateRenderer& operator=(const TemplateRenderer&) = delete;

  // FailedPrecondition when the template has no variant with a body; InvalidArgument when a
  // field is not valid template Mustache (see CheckMustache) or a text is not UTF-8.
  absl::StatusOr<RenderedMessage> Render(const Template& t, const RenderRequest& request) const;

  // Names referenced by any field of any variant, as written, sorted and unique, e.g.
  // "contact.name", "event.date" (section names included, formatting sections and "." not).
  static std::vector<std::string> ReferencedVariables(const Template& t);
  // The language Render takes the main text in, for a recipient with `languages` (see the
  // order above); "" when the template has no body at all. Lets a caller fill variables in
  // the language the person will read.
  static std::string BodyLanguage(const Template& t, const std::vector<std::string>& languages,
                                  std::string_view post_default_language);

  // The body of `t` in the recipient's language (the order above) with their variables filled
  // in, still Markdown: the text of an officer's message made from a canned answer, which the
  // delivery worker formats for its channel as it does any officer's text. Sets `*language`.
  absl::StatusOr<std::string> RenderBodyMarkdown(const Template& t, const Recipient& recipient,
                                                 std::string_view post_default_language,
                                                 std::string* language) const;

  // Number of parsed fields held in the cache.
  size_t CachedFieldCount() const;

 private:
  struct CompiledField;
  enum class Field { kBody, kSubject, kSms, kDataUse };

  absl::StatusOr<std::shared_ptr<CompiledField>> Compiled(const Template& t,
                                                          const TemplateVariant& variant,
                                                          Field field) const;
  // `source`, a text of `variant` named `field_name` in errors and the cache.
  absl::StatusOr<std::shared_ptr<CompiledField>> CompiledText(const Template& t,
                                                              const TemplateVariant& variant,
                                                              const std::string& field_name,
                                                              const std::string& source) const;

  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<CompiledField>> cache_;  // By mu_.
};

}  // namespace ogw
