#include "gateway/conversations/canned_answers.h"

#include <algorithm>

#include "gateway/core/ids.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/key_schema.h"
#include "gateway/delivery/contact_rendering.h"
#include "templates/template.h"

namespace ogw {
namespace {

constexpr size_t kMaxTitleBytes = 100;
constexpr size_t kMaxTextBytes = 10'000;
constexpr size_t kMaxLanguages = 20;

absl::StatusOr<CannedAnswer> CannedAnswerFromDoc(const std::string& doc) {
  try {
    const nlohmann::json j = nlohmann::json::parse(doc);
    CannedAnswer a;
    a.id = j.at("id");
    a.org_id = j.at("org_id");
    a.post_id = j.at("post_id");
    a.title = j.at("title");
    a.texts = j.at("texts").get<std::map<std::string, std::string>>();
    a.created_by = j.at("created_by");
    a.created_at_millis = j.at("created_at");
    a.updated_at_millis = j.at("updated_at");
    return a;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("stored canned answer is not readable: ") + e.what());
  }
}

// The answer as a template of one body per language, so it is filled in exactly as templates
// are (variables escaped as Markdown, numbers and dates in the text's language).
Template AsTemplate(const CannedAnswer& answer) {
  Template t;
  t.id = answer.id;
  t.org_id = answer.org_id;
  t.version = answer.updated_at_millis;
  t.default_language = answer.texts.empty() ? "" : answer.texts.begin()->first;
  for (const auto& [language, text] : answer.texts) {
    TemplateVariant v;
    v.language = language;
    v.body = text;
    t.variants.push_back(std::move(v));
  }
  return t;
}

}  // namespace

absl::StatusOr<CannedAnswer> CannedAnswerFromJson(
    const nlohmann::json& body, std::vector<std::pair<std::string, std::string>>* errors) {
  JsonReader r = JsonReader::ForInput(body);
  CannedAnswer a;
  nlohmann::json texts;
  r.String("title", &a.title, true);
  r.String("post_id", &a.post_id);
  r.AnyObject("texts", &texts, true);
  if (a.title.empty() || a.title.size() > kMaxTitleBytes) {
    if (body.contains("title")) r.Error("title", "must be 1 to 100 bytes");
  }
  if (!a.post_id.empty() && !IsWellFormedId(a.post_id, "post")) {
    r.Error("post_id", "must be a post id");
  }
  if (texts.is_object()) {
    if (texts.empty() || texts.size() > kMaxLanguages) {
      r.Error("texts", "must hold 1 to 20 languages");
    }
    for (const auto& [tag, text] : texts.items()) {
      const std::string field = "texts." + tag;
      std::optional<std::string> language = CanonicalLanguageTag(tag);
      if (!language) {
        r.Error(field, "is not a BCP 47 language tag such as en or pt-BR");
        continue;
      }
      if (!text.is_string() || text.get_ref<const std::string&>().empty() ||
          text.get_ref<const std::string&>().size() > kMaxTextBytes) {
        r.Error(field, "must be a text of 1 to 10000 bytes");
        continue;
      }
      const std::string& value = text.get_ref<const std::string&>();
      if (absl::Status s = CheckMustache(value); !s.ok()) {
        r.Error(field, MessageOf(s));
        continue;
      }
      if (!a.texts.emplace(*language, value).second) {
        r.Error(field, "names the same language as another key");
      }
    }
  }
  if (absl::Status s = r.Finish(); !s.ok()) {
    if (errors != nullptr) *errors = r.problems();
    return s;
  }
  return a;
}

nlohmann::json ToJson(const CannedAnswer& a) {
  return {{"id", a.id},
          {"org_id", a.org_id},
          {"post_id", a.post_id},
          {"title", a.title},
          {"texts", a.texts},
          {"created_by", a.created_by},
          {"created_at", a.created_at_millis},
          {"updated_at", a.updated_at_millis}};
}

absl::StatusOr<std::string> RenderCannedAnswer(const TemplateRenderer& renderer,
                                               const CannedAnswer& answer, const Contact& contact,
                                               std::string_view fallback_language,
                                               std::string* language) {
  return renderer.RenderBodyMarkdown(AsTemplate(answer), RecipientFor(contact, nullptr),
                                     fallback_language, language);
}

CannedAnswerStore::CannedAnswerStore(RedisPool* redis, const Clock* clock)
    : clock_(clock), docs_(redis, "canned answer") {}

absl::StatusOr<CannedAnswer> CannedAnswerStore::Create(CannedAnswer answer) {
  answer.id = NewId("ca", clock_->NowMillis());
  answer.created_at_millis = answer.updated_at_millis = clock_->NowMillis();
  RETURN_IF_ERROR(docs_.Put(keys::CannedAnswers(answer.org_id), answer.id, ToJson(answer).dump()));
  return answer;
}

absl::StatusOr<std::optional<CannedAnswer>> CannedAnswerStore::Get(std::string_view org_id,
                                                                   std::string_view id) {
  return docs_.Get<CannedAnswer>(keys::CannedAnswers(org_id), id, CannedAnswerFromDoc);
}

absl::StatusOr<std::vector<CannedAnswer>> CannedAnswerStore::List(std::string_view org_id) {
  return docs_.List<CannedAnswer>(keys::CannedAnswers(org_id), CannedAnswerFromDoc);
}

absl::StatusOr<CannedAnswer> CannedAnswerStore::Update(const CannedAnswer& answer) {
  CannedAnswer a = answer;
  // Strictly later, so the renderer's cache (keyed by id and this) never serves the old text.
  a.updated_at_millis = std::max(clock_->NowMillis(), answer.updated_at_millis + 1);
  RETURN_IF_ERROR(docs_.Replace(keys::CannedAnswers(a.org_id), a.id, ToJson(a).dump()));
  return a;
}

absl::Status CannedAnswerStore::Delete(std::string_view org_id, std::string_view id) {
  return docs_.Delete(keys::CannedAnswers(org_id), id);
}

}  // namespace ogw
