#pragma once

// The message template model, its JSON forms and the checks every template passes before it
// is stored. Templates carry plain data only: they know nothing of contacts or channels.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/message_parts.h"
#include "gateway/core/status.h"

namespace ogw {

// The WhatsApp message template, approved by Meta under the organisation's WhatsApp Business
// Account, that stands in for a variant outside WhatsApp's 24-hour customer-service window
// (where WhatsApp refuses free text).
struct WhatsAppTemplateRef {
  std::string name;      // As registered: lower-case letters, digits and underscores.
  std::string language;  // WhatsApp's language code as registered: "en", "en_US", "pt_BR".
  std::string category;  // "marketing", "utility" or "authentication": what Meta charges for.
  // The registered body's {{1}}, {{2}}, ... in order: Mustache over the same variables as the
  // body, rendered as plain text on one line.
  std::vector<std::string> parameters;
  // The registered template has a media header: the variant's media goes in it.
  bool media_header = false;
  // The registered template has the variant's buttons as its quick-reply buttons, in the same
  // order: their ids go out as the buttons' payloads, so a press outside the window comes back
  // as the same answer.
  bool quick_reply_buttons = false;
  bool operator==(const WhatsAppTemplateRef&) const = default;
};

// One language of a template. Every field is Markdown with Mustache variables, except
// `subject`, which is plain text with Mustache variables.
struct TemplateVariant {
  std::string language;  // Canonical BCP 47 tag, e.g. "en", "pt-BR".
  std::string body;      // Required.
  std::string subject;   // Email subject; optional.
  std::string sms;       // Short text for SMS and chat; optional (the body is used instead).
  std::string data_use;  // Purpose and data-use statement; required in the default language
                         // when the template collects data.
  std::optional<WhatsAppTemplateRef> whatsapp;  // Outside the window; optional.
  // Quick answers under the text on Telegram, WhatsApp and Messenger; titles are plain text in
  // the variant's language. Optional.
  std::vector<QuickReply> buttons;
  // A file sent with the text on WhatsApp (as the message's image or document; elsewhere put
  // the link in the text). The URL is Mustache over the same variables. Optional.
  std::optional<MediaLink> media;
};

struct Template {
  std::string id;
  std::string org_id;
  std::string post_id;  // Empty: organisation-wide.
  std::string name;
  std::string default_language;
  bool collects_data = false;
  std::vector<TemplateVariant> variants;  // Ordered by language tag, at most one per tag.
  // Identifies the content for caches: bump it on every change. 0 for an unsaved template.
  int64_t version = 0;
  int64_t created_at_millis = 0;
  int64_t updated_at_millis = 0;

  // The variant whose tag equals `language` (ASCII case-insensitive), or null. Points into
  // `variants`, so it is valid until the template changes.
  const TemplateVariant* Variant(std::string_view language) const;
};

// Field errors as (path, message) pairs, e.g. ("variants.fr.body", "is required").
using FieldErrors = std::vector<std::pair<std::string, std::string>>;

// Validates an API request body:
//   {"name": "...", "default_language": "en", "collects_data": false, "post_id": "...",
//    "variants": {"en": {"body": "...", "subject": "...", "sms": "...", "data_use": "..."},
//                 "ar": {...}}}
// A variant may name its WhatsApp template: "whatsapp": {"name": "counselling_days",
// "language": "en_US", "category": "utility", "parameters": ["{{contact.name}}", ...]}
// (name: 1-512 of a-z, 0-9, _; language: xx, xxx or xx_XX; at most 20 parameters, each
// non-empty Mustache of at most 1,024 bytes; "media_header" and "quick_reply_buttons", both
// false by default, need the variant's media and buttons).
// A variant may offer quick answers, "buttons": [{"id": "yes", "title": "Yes"}, ...] (at most
// kMaxQuickReplies; ids unique, 1-64 of A-Z a-z 0-9 _ - : .; titles unique, plain text on one
// line of 1-20 characters), and a file, "media": {"kind": "image" | "document", "url":
// "https://...", "filename": "invitation.pdf"} (url Mustache of at most 2,048 bytes, an http(s)
// URL when it has no variables; filename for documents only, at most 200 bytes, no slashes).
// name, default_language and variants are required; unknown keys are errors. Language tags
// must look like BCP 47 ([a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*) and are returned in canonical case
// ("pt-br" becomes "pt-BR"; two keys that differ only in case are an error). Every variant needs
// a body; default_language needs a variant; collects_data needs data_use in the default
// language. Every field must be valid Mustache (the message names the variant, field, line and
// column), without partials ({{>x}}) or delimiter changes ({{=<% %>=}}), and may use the
// formatting sections {{#date}}, {{#time}}, {{#datetime}} only as sections.
// On failure returns InvalidArgument listing every problem and, when `errors` is not null,
// fills it with the same problems as (path, message) pairs. id, org_id, version and the
// timestamps are left for the store to set.
absl::StatusOr<Template> TemplateFromJson(const nlohmann::json& body, FieldErrors* errors);

// The stored and API form: the input form plus "id", "org_id", "version", "created_at" and
// "updated_at". Variants are written in tag order, so equal templates give equal JSON.
nlohmann::json ToJson(const Template& t);

// The JSON forms of a variant's buttons and media, as templates and previews write them.
nlohmann::json ButtonsJson(const std::vector<QuickReply>& buttons);
nlohmann::json MediaJson(const MediaLink& media);

// Reads what ToJson wrote, with the same checks as TemplateFromJson. Errors are kDataLoss:
// stored templates are written only by ToJson, so a failure means corruption.
absl::StatusOr<Template> TemplateFromStoredJson(const nlohmann::json& stored);

// `tag` in canonical case (language lower, 2-letter region upper, 4-letter script title case,
// everything after a singleton lower), or nullopt when it does not look like BCP 47.
std::optional<std::string> CanonicalLanguageTag(std::string_view tag);

// ---- Mustache as templates use it (shared by validation and TemplateRenderer). ----

// Sections that format the millisecond timestamp inside them, e.g.
// {{#date}}{{event.date}}{{/date}}.
inline constexpr std::array<std::string_view, 3> kDateSections = {"date", "time", "datetime"};

// One tag of a Mustache text with the default {{ }} delimiters.
struct MustacheTag {
  enum class Kind {
    kVariable,    // {{name}}
    kUnescaped,   // {{{name}}} or {{&name}}
    kSection,     // {{#name}}
    kInverted,    // {{^name}}
    kEnd,         // {{/name}}
    kComment,     // {{!...}}
    kPartial,     // {{>name}}
    kDelimiters,  // {{=<% %>=}}
  };
  Kind kind = Kind::kVariable;
  std::string name;   // Trimmed.
  size_t offset = 0;  // Byte offset of the opening braces.
};

// The tags of `text` in order. Stops at an unclosed tag (CheckMustache reports it).
std::vector<MustacheTag> ScanMustacheTags(std::string_view text);

// The largest extra variables (a campaign's or a preview's) as JSON: an event's details, not
// a data set; together with kMaxSectionDepth and the renderer's budget it bounds rendering.
inline constexpr size_t kMaxTemplateVariablesBytes = 64 * 1024;

// Sections ({{#x}}, {{^x}}) may nest this deep: enough for an event's sessions with a
// formatted date, and a bound on the work of nested sections over lists.
inline constexpr int kMaxSectionDepth = 4;

// OK when kainjow parses `text` and it uses only what templates allow (see TemplateFromJson);
// otherwise InvalidArgument "<problem> at line L, column C" (column in code points, from 1).
absl::Status CheckMustache(std::string_view text);

}  // namespace ogw
