#include "gateway/bulletins/bulletin_entry.h"

#include <algorithm>

#include "gateway/core/ids.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/text.h"
#include "templates/markdown_render.h"
#include "templates/template.h"

namespace ogw {
namespace {

constexpr size_t kMaxTitleBytes = 200;
constexpr size_t kMaxBodyBytes = 20'000;
constexpr size_t kMaxLanguages = 20;
constexpr int64_t kMaxMillis = int64_t{1} << 52;

// One language's {"title", "body"} into `text`; problems under `field`.
void ReadText(JsonReader& r, const std::string& field, const nlohmann::json& node,
              BulletinText* text) {
  if (!node.is_object()) {
    r.Error(field, "must be an object with title and body");
    return;
  }
  for (const auto& [key, value] : node.items()) {
    if (key != "title" && key != "body") r.Error(field + "." + key, "is not a known field");
  }
  auto read = [&](const char* name, size_t max, std::string* out) {
    const auto it = node.find(name);
    if (it == node.end() || !it->is_string() || it->get_ref<const std::string&>().empty() ||
        it->get_ref<const std::string&>().size() > max || !IsValidUtf8(it->get<std::string>())) {
      r.Error(field + "." + name,
              "must be a text of 1 to " + std::to_string(max) + " bytes of UTF-8");
      return;
    }
    *out = it->get<std::string>();
  };
  read("title", kMaxTitleBytes, &text->title);
  read("body", kMaxBodyBytes, &text->body);
  if (text->title.find_first_of("\r\n") != std::string::npos) {
    r.Error(field + ".title", "must be one line");
  } else if (HasControlCharacter(text->title, "")) {
    r.Error(field + ".title", "must not hold control characters");
  }
  // XML (the Atom feed) has no place for them: one would break the feed for every reader.
  if (HasControlCharacter(text->body, "\t\n\r")) {
    r.Error(field + ".body", "must not hold control characters other than tabs and line breaks");
  }
}

}  // namespace

absl::StatusOr<BulletinChange> BulletinChangeFromJson(const nlohmann::json& body, bool creating,
                                                      FieldErrors* errors) {
  JsonReader r = JsonReader::ForInput(body);
  BulletinChange c;
  if (body.contains("post_id")) {
    std::string post;
    r.String("post_id", &post);
    if (!post.empty() && !IsWellFormedId(post, "post")) r.Error("post_id", "must be a post id");
    c.post_id = post;
  }
  if (body.contains("event_id")) {
    std::string event;
    r.String("event_id", &event);
    if (!event.empty() && !IsWellFormedId(event, "evt")) r.Error("event_id", "must be an event id");
    c.event_id = event;
  }
  auto millis = [&](const char* name, std::optional<int64_t>* out) {
    if (!body.contains(name)) return;
    int64_t v = 0;
    r.Int(name, &v, 0, kMaxMillis);
    *out = v;
  };
  millis("published_at", &c.published_at_millis);
  millis("expires_at", &c.expires_at_millis);
  if (body.contains("pinned")) {
    bool pinned = false;
    r.Bool("pinned", &pinned);
    c.pinned = pinned;
  }
  if (body.contains("version")) {
    int64_t version = 0;
    r.Int("version", &version, 0, kMaxMillis);
    c.expected_version = version;
  }
  nlohmann::json texts;
  r.AnyObject("texts", &texts, creating);
  if (texts.is_object()) {
    std::map<std::string, BulletinText> read;
    if (texts.empty() || texts.size() > kMaxLanguages) {
      r.Error("texts", "must hold 1 to 20 languages");
    }
    for (const auto& [tag, node] : texts.items()) {
      const std::string field = "texts." + tag;
      const std::optional<std::string> language = CanonicalLanguageTag(tag);
      if (!language) {
        r.Error(field, "is not a BCP 47 language tag such as en or pt-BR");
        continue;
      }
      BulletinText text;
      ReadText(r, field, node, &text);
      if (!read.emplace(*language, std::move(text)).second) {
        r.Error(field, "names the same language as another key");
      }
    }
    c.texts = std::move(read);
  }
  if (c.published_at_millis && c.expires_at_millis && *c.expires_at_millis != 0 &&
      *c.expires_at_millis <= *c.published_at_millis) {
    r.Error("expires_at", "must be after published_at");
  }
  if (absl::Status s = r.Finish(); !s.ok()) {
    if (errors != nullptr) *errors = r.problems();
    return s;
  }
  return c;
}

absl::Status RenderBulletinTexts(std::map<std::string, BulletinText>* texts) {
  for (auto& [language, text] : *texts) {
    MarkdownRenderOptions options;
    options.rtl = IsRtlLanguage(language);
    auto html = RenderMarkdown(text.body, TextFormat::kHtml, options);
    if (!html.ok()) {
      return absl::InvalidArgumentError("texts." + language +
                                        ".body: " + std::string(MessageOf(html.status())));
    }
    text.html = *std::move(html);
  }
  return absl::OkStatus();
}

nlohmann::json ToJson(const BulletinEntry& e) {
  nlohmann::json texts = nlohmann::json::object();
  for (const auto& [language, t] : e.texts) {
    texts[language] = {{"title", t.title}, {"body", t.body}, {"html", t.html}};
  }
  return {{"id", e.id},
          {"org_id", e.org_id},
          {"post_id", e.post_id},
          {"texts", std::move(texts)},
          {"event_id", e.event_id},
          {"campaign_id", e.campaign_id},
          {"created_by", e.created_by},
          {"created_at", e.created_at_millis},
          {"published_at", e.published_at_millis},
          {"updated_at", e.updated_at_millis},
          {"expires_at", e.expires_at_millis},
          {"withdrawn_at", e.withdrawn_at_millis},
          {"changed_at", e.changed_at_millis},
          {"pinned", e.pinned},
          {"version", e.version}};
}

absl::StatusOr<BulletinEntry> BulletinEntryFromDoc(const std::string& doc) {
  try {
    const nlohmann::json j = nlohmann::json::parse(doc);
    BulletinEntry e;
    e.id = j.at("id");
    e.org_id = j.at("org_id");
    e.post_id = j.at("post_id");
    for (const auto& [language, t] : j.at("texts").items()) {
      e.texts[language] = {t.at("title"), t.at("body"), t.at("html")};
    }
    e.event_id = j.at("event_id");
    e.campaign_id = j.at("campaign_id");
    e.created_by = j.at("created_by");
    e.created_at_millis = j.at("created_at");
    e.published_at_millis = j.at("published_at");
    e.updated_at_millis = j.at("updated_at");
    e.expires_at_millis = j.at("expires_at");
    e.withdrawn_at_millis = j.at("withdrawn_at");
    e.changed_at_millis = j.at("changed_at");
    e.pinned = j.at("pinned");
    e.version = j.at("version");
    return e;
  } catch (const nlohmann::json::exception& ex) {
    return absl::DataLossError(std::string("stored bulletin entry is not readable: ") + ex.what());
  }
}

}  // namespace ogw
