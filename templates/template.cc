#include "templates/template.h"

// GCC 12 reports a false -Wnull-dereference inside std::vector::insert as kainjow uses it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <kainjow/mustache.hpp>
#pragma GCC diagnostic pop

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include "absl/strings/ascii.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxFieldBytes = 64 * 1024;

bool IsAsciiAlpha(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)); }

// "line L, column C" for a byte offset; columns count code points so they match what an
// editor shows for non-Latin text.
std::string LineColumn(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// kainjow reports positions as a trailing " at <byte offset>"; officers need line and column.
std::string WithLineColumn(const std::string& message, std::string_view text) {
  size_t at = message.rfind(" at ");
  if (at == std::string::npos) return message;
  size_t offset = 0;
  const char* first = message.data() + at + 4;
  const char* last = message.data() + message.size();
  auto [end, ec] = std::from_chars(first, last, offset);
  if (ec != std::errc() || end != last) return message;
  return message.substr(0, at) + " at " + LineColumn(text, offset);
}

constexpr size_t kMaxWhatsAppNameBytes = 512;
constexpr size_t kMaxWhatsAppParameters = 20;
constexpr size_t kMaxWhatsAppParameterBytes = 1024;

bool IsWhatsAppTemplateName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxWhatsAppNameBytes &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

// WhatsApp's codes: a language ("en", "fil") or a language and region ("en_US", "pt_BR").
bool IsWhatsAppLanguage(std::string_view code) {
  auto lower = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  };
  const size_t bar = code.find('_');
  const std::string_view language = code.substr(0, bar);
  if (language.size() < 2 || language.size() > 3 || !lower(language)) return false;
  if (bar == std::string_view::npos) return true;
  const std::string_view region = code.substr(bar + 1);
  return region.size() == 2 &&
         std::all_of(region.begin(), region.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void ReadWhatsAppTemplate(JsonReader& f, std::optional<WhatsAppTemplateRef>& out) {
  f.Object("whatsapp", [&](JsonReader& w) {
    WhatsAppTemplateRef ref;
    w.String("name", &ref.name, true);
    w.String("language", &ref.language, true);
    w.String("category", &ref.category, true);
    w.StringList("parameters", &ref.parameters);
    w.Bool("media_header", &ref.media_header);
    w.Bool("quick_reply_buttons", &ref.quick_reply_buttons);
    if (!ref.name.empty() && !IsWhatsAppTemplateName(ref.name)) {
      w.Error("name", "must be 1 to 512 lower-case letters, digits and underscores, as registered");
    }
    if (!ref.language.empty() && !IsWhatsAppLanguage(ref.language)) {
      w.Error("language", "must be a WhatsApp language code such as en or en_US");
    }
    if (!ref.category.empty() && ref.category != "marketing" && ref.category != "utility" &&
        ref.category != "authentication") {
      w.Error("category", "must be marketing, utility or authentication");
    }
    if (ref.parameters.size() > kMaxWhatsAppParameters) {
      w.Error("parameters", "must be at most " + std::to_string(kMaxWhatsAppParameters));
    }
    for (size_t i = 0; i < ref.parameters.size(); ++i) {
      const std::string key = "parameters[" + std::to_string(i) + "]";
      const std::string& p = ref.parameters[i];
      if (TrimAsciiSpace(p).empty()) {
        w.Error(key, "must not be empty (WhatsApp refuses empty parameters)");
      } else if (p.size() > kMaxWhatsAppParameterBytes) {
        w.Error(key, "must be at most " + std::to_string(kMaxWhatsAppParameterBytes) + " bytes");
      } else if (absl::Status s = CheckMustache(p); !s.ok()) {
        w.Error(key, MessageOf(s));
      }
    }
    out = std::move(ref);
  });
}

nlohmann::json WhatsAppTemplateJson(const WhatsAppTemplateRef& ref) {
  nlohmann::json out = {{"name", ref.name},
                        {"language", ref.language},
                        {"category", ref.category},
                        {"parameters", ref.parameters}};
  if (ref.media_header) out["media_header"] = true;
  if (ref.quick_reply_buttons) out["quick_reply_buttons"] = true;
  return out;
}

bool IsQuickReplyId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxQuickReplyIdBytes &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                  c == ':' || c == '.';
         });
}

void ReadButtons(JsonReader& f, std::vector<QuickReply>& out) {
  f.ObjectList("buttons", [&](JsonReader& b) {
    QuickReply button;
    b.String("id", &button.id, true);
    b.String("title", &button.title, true);
    if (!button.id.empty() && !IsQuickReplyId(button.id)) {
      b.Error("id", "must be 1 to 64 of A-Z, a-z, 0-9, _, -, : and .");
    }
    const size_t chars = CountCodePoints(button.title);
    if (TrimAsciiSpace(button.title).empty() || chars > kMaxQuickReplyTitleChars) {
      b.Error("title", "must be 1 to " + std::to_string(kMaxQuickReplyTitleChars) +
                           " characters (WhatsApp and Messenger cut nothing: they refuse)");
    } else if (button.title.find_first_of("\r\n") != std::string::npos) {
      b.Error("title", "must be a single line");
    }
    for (const QuickReply& earlier : out) {
      if (earlier.id == button.id) b.Error("id", "repeats an earlier button's id");
      if (earlier.title == button.title) b.Error("title", "repeats an earlier button's title");
    }
    out.push_back(std::move(button));
  });
  if (out.size() > kMaxQuickReplies) {
    f.Error("buttons", "must be at most " + std::to_string(kMaxQuickReplies) +
                           " (WhatsApp shows no more reply buttons)");
  }
}

constexpr size_t kMaxMediaUrlBytes = 2048;
constexpr size_t kMaxMediaFilenameBytes = 200;

void ReadMedia(JsonReader& f, std::optional<MediaLink>& out) {
  f.Object("media", [&](JsonReader& m) {
    MediaLink media;
    std::string kind;
    m.String("kind", &kind, true);
    m.String("url", &media.url, true);
    m.String("filename", &media.filename);
    if (kind == "image") {
      media.kind = MediaLink::Kind::kImage;
    } else if (kind == "document") {
      media.kind = MediaLink::Kind::kDocument;
    } else if (!kind.empty()) {
      m.Error("kind", "must be image or document");
    }
    if (media.url.size() > kMaxMediaUrlBytes) {
      m.Error("url", "must be at most " + std::to_string(kMaxMediaUrlBytes) + " bytes");
    } else if (absl::Status s = CheckMustache(media.url); !s.ok()) {
      m.Error("url", MessageOf(s));
    } else if (!media.url.empty() && ScanMustacheTags(media.url).empty() &&
               !IsAbsoluteHttpUrl(media.url)) {
      m.Error("url", "must be an http:// or https:// URL the provider can fetch");
    }
    if (!media.filename.empty()) {
      if (kind == "image") m.Error("filename", "is for documents only");
      if (media.filename.size() > kMaxMediaFilenameBytes ||
          media.filename.find_first_of("/\\\r\n") != std::string::npos) {
        m.Error("filename", "must be at most " + std::to_string(kMaxMediaFilenameBytes) +
                                " bytes on one line, without slashes");
      }
    }
    out = std::move(media);
  });
}

// The shared reader behind TemplateFromJson and TemplateFromStoredJson.
absl::StatusOr<Template> ReadTemplate(const nlohmann::json& body, bool stored,
                                      FieldErrors* errors) {
  Template t;
  JsonReader r = JsonReader::ForInput(body);
  if (stored) {
    r.String("id", &t.id, true);
    r.String("org_id", &t.org_id, true);
    r.Int("version", &t.version, 0, std::numeric_limits<int64_t>::max(), true);
    r.Int("created_at", &t.created_at_millis, 0, std::numeric_limits<int64_t>::max(), true);
    r.Int("updated_at", &t.updated_at_millis, 0, std::numeric_limits<int64_t>::max(), true);
  }
  const bool has = body.is_object();
  r.String("name", &t.name, true);
  if (has && body.contains("name") && body["name"].is_string() &&
      (TrimAsciiSpace(t.name).empty() || t.name.size() > kMaxNameBytes)) {
    r.Error("name", "must be 1 to " + std::to_string(kMaxNameBytes) + " bytes");
  }
  std::string default_language;
  r.String("default_language", &default_language, true);
  if (!default_language.empty()) {
    if (auto canonical = CanonicalLanguageTag(default_language)) {
      t.default_language = *canonical;
    } else {
      r.Error("default_language", "is not a BCP 47 language tag");
    }
  }
  r.Bool("collects_data", &t.collects_data);
  r.String("post_id", &t.post_id);

  r.Object(
      "variants",
      [&](JsonReader& v) {
        // JsonReader visits only the keys it is asked for, so walk the languages present.
        std::set<std::string> seen;
        for (const auto& item : body.at("variants").items()) {
          // Named references, not a structured binding: clang 14 cannot capture bindings.
          const std::string& key = item.key();
          const nlohmann::json& value = item.value();
          TemplateVariant variant;
          bool has_body = false;
          v.Object(key, [&](JsonReader& f) {
            f.String("body", &variant.body, true);
            f.String("subject", &variant.subject);
            f.String("sms", &variant.sms);
            f.String("data_use", &variant.data_use);
            ReadWhatsAppTemplate(f, variant.whatsapp);
            ReadButtons(f, variant.buttons);
            ReadMedia(f, variant.media);
            if (variant.whatsapp && variant.whatsapp->media_header && !variant.media) {
              f.Error("whatsapp.media_header", "needs the variant's media");
            }
            if (variant.whatsapp && variant.whatsapp->quick_reply_buttons &&
                variant.buttons.empty()) {
              f.Error("whatsapp.quick_reply_buttons", "needs the variant's buttons");
            }
            has_body = value.contains("body") && value["body"].is_string();
            if (has_body && TrimAsciiSpace(variant.body).empty()) f.Error("body", "must not be empty");
            if (variant.subject.find_first_of("\r\n") != std::string::npos) {
              f.Error("subject", "must be a single line");
            }
            const std::pair<const char*, const std::string*> fields[] = {
                {"body", &variant.body},
                {"subject", &variant.subject},
                {"sms", &variant.sms},
                {"data_use", &variant.data_use}};
            for (const auto& [name, text] : fields) {
              if (text->size() > kMaxFieldBytes) {
                f.Error(name, "must be at most " + std::to_string(kMaxFieldBytes) + " bytes");
              } else if (absl::Status s = CheckMustache(*text); !s.ok()) {
                f.Error(name, MessageOf(s));
              }
            }
          });
          std::optional<std::string> canonical = CanonicalLanguageTag(key);
          if (!canonical) {
            v.Error(key, "is not a BCP 47 language tag");
            continue;
          }
          if (!seen.insert(*canonical).second) {
            v.Error(key, "duplicates language " + *canonical);
            continue;
          }
          if (!value.is_object() || !has_body) continue;
          variant.language = *canonical;
          t.variants.push_back(std::move(variant));
        }
        if (body.at("variants").empty()) r.Error("variants", "needs at least one language");
      },
      true);
  std::sort(
      t.variants.begin(), t.variants.end(),
      [](const TemplateVariant& a, const TemplateVariant& b) { return a.language < b.language; });

  if (!t.default_language.empty() && has && body.contains("variants") &&
      body["variants"].is_object()) {
    bool declared = false;  // A variant with errors is not in t.variants but was written.
    for (const auto& [key, value] : body["variants"].items()) {
      if (auto canonical = CanonicalLanguageTag(key); canonical == t.default_language) {
        declared = true;
      }
    }
    if (!declared) r.Error("default_language", "has no variant in variants");
    const TemplateVariant* fallback = t.Variant(t.default_language);
    if (t.collects_data && fallback != nullptr && TrimAsciiSpace(fallback->data_use).empty()) {
      r.Error("variants." + t.default_language + ".data_use",
              "is required in the default language when collects_data is true");
    }
  }

  absl::Status status = r.Finish();
  if (!status.ok()) {
    if (errors != nullptr) *errors = r.problems();
    return status;
  }
  if (errors != nullptr) errors->clear();
  return t;
}

}  // namespace

nlohmann::json ButtonsJson(const std::vector<QuickReply>& buttons) {
  nlohmann::json out = nlohmann::json::array();
  for (const QuickReply& b : buttons) out.push_back({{"id", b.id}, {"title", b.title}});
  return out;
}

nlohmann::json MediaJson(const MediaLink& media) {
  nlohmann::json out = {{"kind", media.kind == MediaLink::Kind::kImage ? "image" : "document"},
                        {"url", media.url}};
  if (!media.filename.empty()) out["filename"] = media.filename;
  return out;
}

const TemplateVariant* Template::Variant(std::string_view language) const {
  for (const TemplateVariant& variant : variants) {
    if (EqualsIgnoreAsciiCase(variant.language, language)) return &variant;
  }
  return nullptr;
}

absl::StatusOr<Template> TemplateFromJson(const nlohmann::json& body, FieldErrors* errors) {
  return ReadTemplate(body, /*stored=*/false, errors);
}

nlohmann::json ToJson(const Template& t) {
  nlohmann::json variants = nlohmann::json::object();
  for (const TemplateVariant& v : t.variants) {
    nlohmann::json fields = {{"body", v.body}};
    if (!v.subject.empty()) fields["subject"] = v.subject;
    if (!v.sms.empty()) fields["sms"] = v.sms;
    if (!v.data_use.empty()) fields["data_use"] = v.data_use;
    if (v.whatsapp) fields["whatsapp"] = WhatsAppTemplateJson(*v.whatsapp);
    if (!v.buttons.empty()) fields["buttons"] = ButtonsJson(v.buttons);
    if (v.media) fields["media"] = MediaJson(*v.media);
    variants[v.language] = std::move(fields);
  }
  return {{"id", t.id},
          {"org_id", t.org_id},
          {"post_id", t.post_id},
          {"name", t.name},
          {"default_language", t.default_language},
          {"collects_data", t.collects_data},
          {"variants", std::move(variants)},
          {"version", t.version},
          {"created_at", t.created_at_millis},
          {"updated_at", t.updated_at_millis}};
}

absl::StatusOr<Template> TemplateFromStoredJson(const nlohmann::json& stored) {
  absl::StatusOr<Template> t = ReadTemplate(stored, /*stored=*/true, nullptr);
  if (!t.ok()) {
    return absl::DataLossError("stored template is not valid: " +
                               std::string(MessageOf(t.status())));
  }
  return t;
}

std::optional<std::string> CanonicalLanguageTag(std::string_view tag) {
  std::string out;
  bool after_singleton = false;
  size_t index = 0;
  while (true) {
    size_t end = tag.find('-');
    std::string_view subtag = tag.substr(0, end);
    if (index == 0) {
      if (subtag.size() < 2 || subtag.size() > 3 ||
          !std::all_of(subtag.begin(), subtag.end(), IsAsciiAlpha)) {
        return std::nullopt;
      }
      for (char c : subtag) out += AsciiLower(c);
    } else {
      if (subtag.empty() || subtag.size() > 8 ||
          !std::all_of(subtag.begin(), subtag.end(),
                       [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); })) {
        return std::nullopt;
      }
      out += '-';
      bool alpha = std::all_of(subtag.begin(), subtag.end(), IsAsciiAlpha);
      for (size_t i = 0; i < subtag.size(); ++i) {
        char c = subtag[i];
        if (!after_singleton && alpha && subtag.size() == 2) {
          out += AsciiUpper(c);  // Region.
        } else if (!after_singleton && alpha && subtag.size() == 4 && i == 0) {
          out += AsciiUpper(c);  // Script.
        } else {
          out += AsciiLower(c);
        }
      }
      if (subtag.size() == 1) after_singleton = true;
    }
    ++index;
    if (end == std::string_view::npos) break;
    tag.remove_prefix(end + 1);
  }
  return out;
}

std::vector<MustacheTag> ScanMustacheTags(std::string_view text) {
  std::vector<MustacheTag> tags;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    MustacheTag tag;
    tag.offset = open;
    std::string_view contents;
    // Same rule as kainjow: "{{{" opens a triple mustache unless it is the last thing.
    if (open + 2 < text.size() && text[open + 2] == '{') {
      size_t close = text.find("}}}", open + 3);
      if (close == std::string_view::npos) break;
      tag.kind = MustacheTag::Kind::kUnescaped;
      tag.name = std::string(TrimAsciiSpace(text.substr(open + 3, close - open - 3)));
      pos = close + 3;
      tags.push_back(std::move(tag));
      continue;
    }
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    contents = TrimAsciiSpace(text.substr(open + 2, close - open - 2));
    pos = close + 2;
    char sigil = contents.empty() ? '\0' : contents.front();
    switch (sigil) {
      case '#':
        tag.kind = MustacheTag::Kind::kSection;
        break;
      case '^':
        tag.kind = MustacheTag::Kind::kInverted;
        break;
      case '/':
        tag.kind = MustacheTag::Kind::kEnd;
        break;
      case '&':
        tag.kind = MustacheTag::Kind::kUnescaped;
        break;
      case '!':
        tag.kind = MustacheTag::Kind::kComment;
        break;
      case '>':
        tag.kind = MustacheTag::Kind::kPartial;
        break;
      case '=':
        tag.kind = MustacheTag::Kind::kDelimiters;
        break;
      default:
        tag.kind = MustacheTag::Kind::kVariable;
        break;
    }
    if (tag.kind != MustacheTag::Kind::kVariable) contents.remove_prefix(1);
    tag.name = std::string(TrimAsciiSpace(contents));
    bool stop = tag.kind == MustacheTag::Kind::kDelimiters;  // Later tags use other braces.
    tags.push_back(std::move(tag));
    if (stop) break;
  }
  return tags;
}

absl::Status CheckMustache(std::string_view text) {
  if (text.find("{{") == std::string_view::npos) return absl::OkStatus();
  kainjow::mustache::mustache parsed{std::string(text)};
  if (!parsed.is_valid()) {
    return absl::InvalidArgumentError(WithLineColumn(parsed.error_message(), text));
  }
  int depth = 0;
  for (const MustacheTag& tag : ScanMustacheTags(text)) {
    std::string where = " at " + LineColumn(text, tag.offset);
    switch (tag.kind) {
      case MustacheTag::Kind::kSection:
      case MustacheTag::Kind::kInverted:
        // Each level over a list multiplies the work of a rendering by its length.
        if (++depth > kMaxSectionDepth) {
          return absl::InvalidArgumentError("sections are nested more than " +
                                            std::to_string(kMaxSectionDepth) + " deep" + where);
        }
        break;
      case MustacheTag::Kind::kEnd:
        --depth;
        break;
      case MustacheTag::Kind::kPartial:
        return absl::InvalidArgumentError("partials ({{>" + tag.name + "}}) are not supported" +
                                          where);
      case MustacheTag::Kind::kDelimiters:
        return absl::InvalidArgumentError("changing delimiters is not supported" + where);
      case MustacheTag::Kind::kVariable:
      case MustacheTag::Kind::kUnescaped:
        if (std::find(kDateSections.begin(), kDateSections.end(), tag.name) !=
            kDateSections.end()) {
          return absl::InvalidArgumentError("{{" + tag.name +
                                            "}} is a formatting section: write {{#" + tag.name +
                                            "}}{{event.date}}{{/" + tag.name + "}}" + where);
        }
        if (tag.name.empty()) {
          return absl::InvalidArgumentError("empty tag" + where);
        }
        break;
      default:
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace ogw
