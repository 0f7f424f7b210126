#include "templates/template.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "tests/testutil/field_errors.h"

namespace ogw {
namespace {

using nlohmann::json;

json ValidBody() {
  return {{"name", "Distribution day"},
          {"default_language", "en"},
          {"collects_data", true},
          {"post_id", "pst_1"},
          {"variants",
           {{"en",
             {{"body", "Hello {{contact.name}}, see you {{#date}}{{event.date}}{{/date}}."},
              {"subject", "Reminder for {{contact.name}}"},
              {"sms", "Hi {{contact.name}}"},
              {"data_use", "We keep your answers for 30 days."}}},
            {"pt-br", {{"body", "Olá {{contact.name}}"}}},
            {"ar", {{"body", "مرحبا {{contact.name}}"}, {"subject", "تذكير"}}}}}};
}

// Runs TemplateFromJson and expects it to fail; returns the (path, message) pairs.
FieldErrors ErrorsOf(const json& body) {
  FieldErrors errors;
  absl::StatusOr<Template> t = TemplateFromJson(body, &errors);
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(errors.empty());
  return errors;
}

using ::ogw::testing::Dump;
using ::ogw::testing::MessageAt;

TEST(TemplateTest, ReadsValidInput) {
  FieldErrors errors = {{"stale", "entry"}};
  absl::StatusOr<Template> t = TemplateFromJson(ValidBody(), &errors);
  ASSERT_TRUE(t.ok()) << MessageOf(t.status());
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(t->name, "Distribution day");
  EXPECT_EQ(t->default_language, "en");
  EXPECT_TRUE(t->collects_data);
  EXPECT_EQ(t->post_id, "pst_1");
  ASSERT_EQ(t->variants.size(), 3u);
  // Sorted by tag, tags in canonical case.
  EXPECT_EQ(t->variants[0].language, "ar");
  EXPECT_EQ(t->variants[1].language, "en");
  EXPECT_EQ(t->variants[2].language, "pt-BR");
  const TemplateVariant* en = t->Variant("en");
  ASSERT_NE(en, nullptr);
  EXPECT_EQ(en->subject, "Reminder for {{contact.name}}");
  EXPECT_EQ(en->sms, "Hi {{contact.name}}");
  EXPECT_EQ(en->data_use, "We keep your answers for 30 days.");
  EXPECT_EQ(t->Variant("PT-br"), &t->variants[2]);
  EXPECT_EQ(t->Variant("pt"), nullptr);
  EXPECT_TRUE(t->id.empty());
  EXPECT_EQ(t->version, 0);
  EXPECT_TRUE(TemplateFromJson(ValidBody(), nullptr).ok());
}

TEST(TemplateTest, ReportsFieldErrorsWithPaths) {
  json body = ValidBody();
  body.erase("name");
  body["color"] = "red";
  body["collects_data"] = "yes";
  body["variants"]["fr"] = {{"subject", "Rappel"}, {"title", "x"}};
  body["variants"]["de"] = {{"body", "   "}};
  body["variants"]["english"] = {{"body", "x"}};
  body["variants"]["es"] = "not an object";
  FieldErrors errors = ErrorsOf(body);
  std::string all = Dump(errors);
  EXPECT_EQ(MessageAt(errors, "name"), "is required") << all;
  EXPECT_EQ(MessageAt(errors, "color"), "unknown key") << all;
  EXPECT_EQ(MessageAt(errors, "collects_data"), "expected true or false") << all;
  EXPECT_EQ(MessageAt(errors, "variants.fr.body"), "is required") << all;
  EXPECT_EQ(MessageAt(errors, "variants.fr.title"), "unknown key") << all;
  EXPECT_EQ(MessageAt(errors, "variants.de.body"), "must not be empty") << all;
  EXPECT_EQ(MessageAt(errors, "variants.english"), "is not a BCP 47 language tag") << all;
  EXPECT_EQ(MessageAt(errors, "variants.es"), "expected an object") << all;
  absl::StatusOr<Template> t = TemplateFromJson(body, nullptr);
  EXPECT_NE(std::string(MessageOf(t.status())).find("variants.fr.body: is required"),
            std::string::npos);
}

TEST(TemplateTest, AVariantNamesItsWhatsAppTemplateAndItRoundTrips) {
  json body = ValidBody();
  body["variants"]["en"]["whatsapp"] = {
      {"name", "distribution_day_2"},
      {"language", "en_US"},
      {"category", "utility"},
      {"parameters", {"{{contact.name}}", "{{#date}}{{event.date}}{{/date}}"}}};
  absl::StatusOr<Template> t = TemplateFromJson(body, nullptr);
  ASSERT_TRUE(t.ok()) << MessageOf(t.status());
  const TemplateVariant* en = t->Variant("en");
  ASSERT_NE(en, nullptr);
  ASSERT_TRUE(en->whatsapp.has_value());
  EXPECT_EQ(en->whatsapp->name, "distribution_day_2");
  EXPECT_EQ(en->whatsapp->language, "en_US");
  EXPECT_EQ(en->whatsapp->category, "utility");
  EXPECT_EQ(en->whatsapp->parameters.size(), 2u);
  EXPECT_FALSE(t->Variant("ar")->whatsapp.has_value());
  Template stored = *t;
  stored.id = "tpl_1";
  stored.org_id = "org_1";
  stored.version = 1;
  const json written = ToJson(stored);
  EXPECT_EQ(written["variants"]["en"]["whatsapp"], body["variants"]["en"]["whatsapp"]);
  EXPECT_FALSE(written["variants"]["ar"].contains("whatsapp"));
  absl::StatusOr<Template> back = TemplateFromStoredJson(written);
  ASSERT_TRUE(back.ok()) << MessageOf(back.status());
  EXPECT_EQ(back->Variant("en")->whatsapp, en->whatsapp);
}

TEST(TemplateTest, AWhatsAppTemplateIsCheckedFieldByField) {
  json body = ValidBody();
  body["variants"]["en"]["whatsapp"] = {{"name", "Distribution Day"},
                                        {"language", "english"},
                                        {"category", "promotional"},
                                        {"parameters", {"ok", "  ", "{{#contact.name}}"}},
                                        {"header", "x"}};
  body["variants"]["ar"]["whatsapp"] = {{"language", "ar"}};
  FieldErrors errors = ErrorsOf(body);
  const std::string all = Dump(errors);
  EXPECT_EQ(MessageAt(errors, "variants.en.whatsapp.name"),
            "must be 1 to 512 lower-case letters, digits and underscores, as registered")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.whatsapp.language"),
            "must be a WhatsApp language code such as en or en_US")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.whatsapp.category"),
            "must be marketing, utility or authentication")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.whatsapp.parameters[1]"),
            "must not be empty (WhatsApp refuses empty parameters)")
      << all;
  EXPECT_NE(MessageAt(errors, "variants.en.whatsapp.parameters[2]"), "") << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.whatsapp.header"), "unknown key") << all;
  EXPECT_EQ(MessageAt(errors, "variants.ar.whatsapp.name"), "is required") << all;
  EXPECT_EQ(MessageAt(errors, "variants.ar.whatsapp.category"), "is required") << all;
}

TEST(TemplateTest, ButtonsAndMediaAreReadAndRoundTrip) {
  json body = ValidBody();
  body["variants"]["en"]["buttons"] = json::parse(
      R"([{"id": "rsvp:yes", "title": "Yes"}, {"id": "rsvp:no", "title": "No, thanks"}])");
  body["variants"]["en"]["media"] = {{"kind", "document"},
                                     {"url", "https://example.org/{{event.id}}.pdf"},
                                     {"filename", "invitation.pdf"}};
  body["variants"]["en"]["whatsapp"] = {{"name", "roundtable"},  {"language", "en"},
                                        {"category", "utility"}, {"parameters", json::array()},
                                        {"media_header", true},  {"quick_reply_buttons", true}};
  body["variants"]["ar"]["buttons"] = json::parse(R"([{"id": "rsvp:yes", "title": "نعم"}])");
  absl::StatusOr<Template> t = TemplateFromJson(body, nullptr);
  ASSERT_TRUE(t.ok()) << MessageOf(t.status());
  const TemplateVariant* en = t->Variant("en");
  EXPECT_EQ(en->buttons, (std::vector<QuickReply>{{"rsvp:yes", "Yes"}, {"rsvp:no", "No, thanks"}}));
  ASSERT_TRUE(en->media.has_value());
  EXPECT_EQ(en->media->kind, MediaLink::Kind::kDocument);
  EXPECT_EQ(en->media->filename, "invitation.pdf");
  EXPECT_TRUE(en->whatsapp->media_header);
  EXPECT_TRUE(en->whatsapp->quick_reply_buttons);
  Template stored = *t;
  stored.id = "tpl_1";
  stored.org_id = "org_1";
  stored.version = 1;
  const json written = ToJson(stored);
  EXPECT_EQ(written["variants"]["en"]["buttons"], body["variants"]["en"]["buttons"]);
  EXPECT_EQ(written["variants"]["en"]["media"], body["variants"]["en"]["media"]);
  EXPECT_EQ(written["variants"]["en"]["whatsapp"], body["variants"]["en"]["whatsapp"]);
  EXPECT_FALSE(written["variants"]["pt-BR"].contains("buttons"));
  absl::StatusOr<Template> back = TemplateFromStoredJson(written);
  ASSERT_TRUE(back.ok()) << MessageOf(back.status());
  EXPECT_EQ(back->Variant("en")->buttons, en->buttons);
  EXPECT_EQ(back->Variant("en")->media, en->media);
  EXPECT_EQ(back->Variant("ar")->buttons, t->Variant("ar")->buttons);
}

TEST(TemplateTest, ButtonsAndMediaAreCheckedFieldByField) {
  json body = ValidBody();
  body["variants"]["en"]["buttons"] = json::parse(R"([
      {"id": "yes", "title": "Yes"},
      {"id": "yes", "title": "Yes"},
      {"id": "has space", "title": "An answer far too long to show"},
      {"id": "x", "title": ""}])");
  body["variants"]["en"]["media"] = {
      {"kind", "image"}, {"url", "ftp://example.org/poster.jpg"}, {"filename", "poster.jpg"}};
  body["variants"]["ar"]["media"] = {{"kind", "video"}, {"url", "https://x/{{#a}}"}};
  body["variants"]["pt-br"]["whatsapp"] = {{"name", "roundtable"},
                                           {"language", "pt_BR"},
                                           {"category", "utility"},
                                           {"media_header", true},
                                           {"quick_reply_buttons", true}};
  FieldErrors errors = ErrorsOf(body);
  const std::string all = Dump(errors);
  EXPECT_EQ(MessageAt(errors, "variants.en.buttons"),
            "must be at most 3 (WhatsApp shows no more reply buttons)")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.buttons[1].id"), "repeats an earlier button's id")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.buttons[1].title"), "repeats an earlier button's title")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.buttons[2].id"),
            "must be 1 to 64 of A-Z, a-z, 0-9, _, -, : and .")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.buttons[2].title"),
            "must be 1 to 20 characters (WhatsApp and Messenger cut nothing: they refuse)")
      << all;
  EXPECT_NE(MessageAt(errors, "variants.en.buttons[3].title"), "") << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.media.url"),
            "must be an http:// or https:// URL the provider can fetch")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.media.filename"), "is for documents only") << all;
  EXPECT_EQ(MessageAt(errors, "variants.ar.media.kind"), "must be image or document") << all;
  EXPECT_NE(MessageAt(errors, "variants.ar.media.url"), "") << all;
  EXPECT_EQ(MessageAt(errors, "variants.pt-br.whatsapp.media_header"), "needs the variant's media")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.pt-br.whatsapp.quick_reply_buttons"),
            "needs the variant's buttons")
      << all;
}

TEST(TemplateTest, DefaultLanguageNeedsAVariant) {
  json body = ValidBody();
  body["default_language"] = "fr";
  body["collects_data"] = false;
  EXPECT_EQ(MessageAt(ErrorsOf(body), "default_language"), "has no variant in variants");
  body["default_language"] = "not a tag";
  EXPECT_EQ(MessageAt(ErrorsOf(body), "default_language"), "is not a BCP 47 language tag");
  body["default_language"] = "PT-BR";  // Matched in canonical form.
  absl::StatusOr<Template> t = TemplateFromJson(body, nullptr);
  ASSERT_TRUE(t.ok()) << MessageOf(t.status());
  EXPECT_EQ(t->default_language, "pt-BR");
  body.erase("default_language");
  EXPECT_EQ(MessageAt(ErrorsOf(body), "default_language"), "is required");
}

TEST(TemplateTest, CollectsDataNeedsDataUseInTheDefaultLanguage) {
  json body = ValidBody();
  body["variants"]["en"].erase("data_use");
  body["variants"]["ar"]["data_use"] = "نحتفظ بإجاباتك";  // Another language does not count.
  EXPECT_EQ(MessageAt(ErrorsOf(body), "variants.en.data_use"),
            "is required in the default language when collects_data is true");
  body["collects_data"] = false;
  EXPECT_TRUE(TemplateFromJson(body, nullptr).ok());
}

TEST(TemplateTest, VariantsAreRequiredAndUnique) {
  json body = ValidBody();
  body["variants"] = json::object();
  FieldErrors errors = ErrorsOf(body);
  EXPECT_EQ(MessageAt(errors, "variants"), "needs at least one language") << Dump(errors);
  body.erase("variants");
  EXPECT_EQ(MessageAt(ErrorsOf(body), "variants"), "is required");
  body = ValidBody();
  body["variants"]["EN"] = {{"body", "duplicate"}};
  EXPECT_EQ(MessageAt(ErrorsOf(body), "variants.en"), "duplicates language en");
  body = ValidBody();
  body["variants"]["en"]["subject"] = "two\nlines";
  EXPECT_EQ(MessageAt(ErrorsOf(body), "variants.en.subject"), "must be a single line");
  body = ValidBody();
  body["name"] = std::string(201, 'x');
  EXPECT_EQ(MessageAt(ErrorsOf(body), "name"), "must be 1 to 200 bytes");
  EXPECT_FALSE(TemplateFromJson(json::array(), nullptr).ok());
}

TEST(TemplateTest, MustacheErrorsNameVariantFieldAndPosition) {
  json body = ValidBody();
  body["variants"]["ar"]["body"] = "مرحبا\n{{#contact.city}}في {{contact.city}}";
  body["variants"]["en"]["sms"] = "Hi {{contact.name";
  body["variants"]["en"]["subject"] = "{{>header}} news";
  body["variants"]["pt-br"]["body"] = "Olá\n  {{date}}";
  FieldErrors errors = ErrorsOf(body);
  std::string all = Dump(errors);
  EXPECT_EQ(MessageAt(errors, "variants.ar.body"),
            "Unclosed section \"contact.city\" at line 2, column 1")
      << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.sms"), "Unclosed tag at line 1, column 4") << all;
  EXPECT_EQ(MessageAt(errors, "variants.en.subject"),
            "partials ({{>header}}) are not supported at line 1, column 1")
      << all;
  EXPECT_NE(MessageAt(errors, "variants.pt-br.body").find("{{date}} is a formatting section"),
            std::string::npos)
      << all;
  EXPECT_NE(MessageAt(errors, "variants.pt-br.body").find("line 2, column 3"), std::string::npos)
      << all;
}

TEST(TemplateTest, CheckMustache) {
  EXPECT_TRUE(CheckMustache("").ok());
  EXPECT_TRUE(CheckMustache("no tags { } }}").ok());
  EXPECT_TRUE(
      CheckMustache("{{a}} {{{b}}} {{&c}} {{#d}}{{.}}{{/d}} {{^e}}x{{/e}} {{! note }}").ok());
  EXPECT_TRUE(CheckMustache("{{#date}}{{event.date}}{{/date}}").ok());
  EXPECT_EQ(CheckMustache("{{/a}}").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MessageOf(CheckMustache("ab\n{{#a}}{{/b}}")),
            "Unclosed section \"a\" at line 2, column 1");
  EXPECT_EQ(MessageOf(CheckMustache("{{=<% %>=}}")),
            "changing delimiters is not supported at line 1, column 1");
  EXPECT_EQ(MessageOf(CheckMustache("x {{ }}")), "empty tag at line 1, column 3");
  EXPECT_FALSE(CheckMustache("{{{time}}}").ok());
}

TEST(TemplateTest, SectionsNestAtMostFourDeep) {
  EXPECT_TRUE(CheckMustache("{{#a}}{{#b}}{{^c}}{{#date}}{{x}}{{/date}}{{/c}}{{/b}}{{/a}}").ok());
  // Side by side is not nested.
  EXPECT_TRUE(CheckMustache("{{#a}}{{/a}}{{#a}}{{/a}}{{#a}}{{/a}}{{#a}}{{/a}}{{#a}}{{/a}}").ok());
  std::string deep;
  for (int i = 0; i < 9; ++i) deep += "{{#event.l}}";
  deep += "x";
  for (int i = 0; i < 9; ++i) deep += "{{/event.l}}";
  EXPECT_EQ(MessageOf(CheckMustache("Hi\n" + deep)),
            "sections are nested more than 4 deep at line 2, column 49");
}

TEST(TemplateTest, ScanMustacheTags) {
  std::vector<MustacheTag> tags = ScanMustacheTags(
      "{{ a.b }}{{{c}}}{{&d}}{{#e}}{{^f}}{{/f}}{{/e}}{{!x y}}{{>p}}{{=| |=}}{{g}}");
  std::vector<std::pair<MustacheTag::Kind, std::string>> got;
  for (const MustacheTag& tag : tags) got.emplace_back(tag.kind, tag.name);
  using K = MustacheTag::Kind;
  EXPECT_EQ(got, (std::vector<std::pair<K, std::string>>{{K::kVariable, "a.b"},
                                                         {K::kUnescaped, "c"},
                                                         {K::kUnescaped, "d"},
                                                         {K::kSection, "e"},
                                                         {K::kInverted, "f"},
                                                         {K::kEnd, "f"},
                                                         {K::kEnd, "e"},
                                                         {K::kComment, "x y"},
                                                         {K::kPartial, "p"},
                                                         {K::kDelimiters, "| |="}}));
  EXPECT_EQ(tags[1].offset, 9u);
  EXPECT_TRUE(ScanMustacheTags("{{unclosed").empty());
}

TEST(TemplateTest, CanonicalLanguageTag) {
  EXPECT_EQ(CanonicalLanguageTag("EN"), "en");
  EXPECT_EQ(CanonicalLanguageTag("pt-br"), "pt-BR");
  EXPECT_EQ(CanonicalLanguageTag("zh-hant-tw"), "zh-Hant-TW");
  EXPECT_EQ(CanonicalLanguageTag("es-419"), "es-419");
  EXPECT_EQ(CanonicalLanguageTag("ckb"), "ckb");
  EXPECT_EQ(CanonicalLanguageTag("en-US-x-Twain-AB"), "en-US-x-twain-ab");
  for (const char* bad :
       {"", "e", "english", "en_US", "en-", "-en", "en--US", "e1", "en-abcdefghi", "fr-ç"}) {
    EXPECT_EQ(CanonicalLanguageTag(bad), std::nullopt) << bad;
  }
}

TEST(TemplateTest, JsonRoundTrip) {
  absl::StatusOr<Template> t = TemplateFromJson(ValidBody(), nullptr);
  ASSERT_TRUE(t.ok());
  t->id = "tpl_1";
  t->org_id = "org_1";
  t->version = 3;
  t->created_at_millis = 1000;
  t->updated_at_millis = 2000;
  json j = ToJson(*t);
  EXPECT_EQ(j["id"], "tpl_1");
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["created_at"], 1000);
  EXPECT_EQ(j["variants"]["pt-BR"], json({{"body", "Olá {{contact.name}}"}}));
  EXPECT_FALSE(j["variants"]["ar"].contains("sms"));
  absl::StatusOr<Template> back = TemplateFromStoredJson(j);
  ASSERT_TRUE(back.ok()) << MessageOf(back.status());
  EXPECT_EQ(ToJson(*back), j);
  EXPECT_EQ(back->org_id, "org_1");
  EXPECT_EQ(back->updated_at_millis, 2000);

  j.erase("version");
  absl::StatusOr<Template> corrupt = TemplateFromStoredJson(j);
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(MessageOf(corrupt.status())).find("version: is required"),
            std::string::npos);
  // The API form does not accept stored-only keys.
  json input = ToJson(*t);
  FieldErrors errors = ErrorsOf(input);
  EXPECT_EQ(MessageAt(errors, "id"), "unknown key");
  EXPECT_EQ(MessageAt(errors, "version"), "unknown key");
}

}  // namespace
}  // namespace ogw
