#include "gateway/campaigns/in_channel_survey.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "gateway/inbound/keywords.h"

namespace ogw {
namespace {

constexpr size_t kMaxTextBytes = 1000;
constexpr size_t kMaxWords = 10;
constexpr size_t kMaxWordBytes = 50;

bool IsName(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Language tag -> text, each 1 to kMaxTextBytes, at least one.
void ReadTexts(JsonReader& r, std::string_view key, bool required,
               std::map<std::string, std::string>* out) {
  nlohmann::json texts;
  r.AnyObject(key, &texts, required);
  if (texts.is_null()) return;
  out->clear();
  for (const auto& [language, text] : texts.items()) {
    if (language.empty() || language.size() > 35 || !text.is_string() ||
        text.get<std::string>().empty() || text.get<std::string>().size() > kMaxTextBytes) {
      r.Error(key, "must map language tags to texts of 1 to 1000 bytes");
      return;
    }
    (*out)[language] = text.get<std::string>();
  }
  if (required && out->empty()) r.Error(key, "must have a text in at least one language");
}

void ReadChoice(JsonReader& c, SurveyChoice* choice) {
  c.String("value", &choice->value, true);
  c.StringList("words", &choice->words);
  if (!choice->value.empty() && !IsName(choice->value)) {
    c.Error("value", "must be 1 to 32 of a-z, 0-9 and _");
  }
  if (choice->words.size() > kMaxWords) c.Error("words", "at most 10 words");
  for (const std::string& w : choice->words) {
    if (KeywordMatcher::Fold(w).empty() || w.size() > kMaxWordBytes) {
      c.Error("words", "each word must be 1 to 50 bytes with a letter or digit");
      break;
    }
  }
}

void ReadQuestion(JsonReader& q, SurveyQuestion* question) {
  q.String("key", &question->key, true);
  if (!question->key.empty() && !IsName(question->key)) {
    q.Error("key", "must be 1 to 32 of a-z, 0-9 and _");
  }
  ReadTexts(q, "text", true, &question->text);
  q.ObjectList("choices", [&](JsonReader& c) { ReadChoice(c, &question->choices.emplace_back()); });
  if (question->choices.size() < 2 || question->choices.size() > 9) {
    q.Error("choices", "must have 2 to 9 choices (answered 1 to 9)");
  }
  std::set<std::string> seen;
  for (const SurveyChoice& c : question->choices) {
    if (!seen.insert(KeywordMatcher::Fold(c.value)).second) {
      q.Error("choices", "value " + c.value + " is listed twice");
    }
    for (const std::string& w : c.words) {
      if (!seen.insert(KeywordMatcher::Fold(w)).second) {
        q.Error("choices", "\"" + w + "\" would mean two choices");
      }
    }
  }
}

// The first line with something on it.
std::string_view FirstLine(std::string_view text) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!KeywordMatcher::Fold(line).empty()) return line;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return {};
}

}  // namespace

const SurveyQuestion* InChannelSurvey::Find(std::string_view key) const {
  for (const SurveyQuestion& q : questions) {
    if (q.key == key) return &q;
  }
  return nullptr;
}

nlohmann::json ToJson(const InChannelSurvey& survey) {
  nlohmann::json questions = nlohmann::json::array();
  for (const SurveyQuestion& q : survey.questions) {
    nlohmann::json choices = nlohmann::json::array();
    for (const SurveyChoice& c : q.choices) {
      choices.push_back({{"value", c.value}, {"words", c.words}});
    }
    questions.push_back({{"key", q.key}, {"text", q.text}, {"choices", std::move(choices)}});
  }
  return {{"questions", std::move(questions)}, {"thanks", survey.thanks}};
}

InChannelSurvey InChannelSurveyFromJson(const nlohmann::json& j) {
  InChannelSurvey survey;
  for (const auto& q : j.at("questions")) {
    SurveyQuestion& question = survey.questions.emplace_back();
    question.key = q.at("key");
    question.text = q.at("text").get<std::map<std::string, std::string>>();
    for (const auto& c : q.at("choices")) {
      question.choices.push_back({c.at("value"), c.at("words").get<std::vector<std::string>>()});
    }
  }
  survey.thanks = j.value("thanks", std::map<std::string, std::string>{});
  return survey;
}

void ReadInChannelSurvey(JsonReader& reader, InChannelSurvey* out) {
  reader.Object("in_channel_survey", [&](JsonReader& s) {
    InChannelSurvey survey;
    s.ObjectList("questions",
                 [&](JsonReader& q) { ReadQuestion(q, &survey.questions.emplace_back()); });
    if (survey.questions.size() > kMaxSurveyQuestions) {
      s.Error("questions", "at most 5 questions");
    }
    std::set<std::string> keys;
    for (const SurveyQuestion& q : survey.questions) {
      if (!q.key.empty() && !keys.insert(q.key).second) {
        s.Error("questions", "key " + q.key + " is used twice");
      }
    }
    ReadTexts(s, "thanks", false, &survey.thanks);
    *out = std::move(survey);
  });
}

std::string TextIn(const std::map<std::string, std::string>& texts,
                   const std::vector<std::string>& languages) {
  for (const std::string& language : languages) {
    if (auto it = texts.find(language); it != texts.end()) return it->second;
    // "fr-CA" is answered in "fr".
    if (auto it = texts.find(language.substr(0, language.find('-'))); it != texts.end()) {
      return it->second;
    }
  }
  if (auto it = texts.find("en"); it != texts.end()) return it->second;
  return texts.empty() ? "" : texts.begin()->second;
}

std::optional<std::string> ReadSurveyAnswer(const SurveyQuestion& question,
                                            std::string_view reply) {
  const std::string folded = KeywordMatcher::Fold(FirstLine(reply));
  if (folded.empty()) return std::nullopt;
  // Values and words first: a scale whose values are "5" to "1" means what it says.
  for (const SurveyChoice& c : question.choices) {
    if (KeywordMatcher::Fold(c.value) == folded) return c.value;
    for (const std::string& w : c.words) {
      if (KeywordMatcher::Fold(w) == folded) return c.value;
    }
  }
  if (folded.size() == 1 && folded[0] >= '1' && folded[0] <= '9') {
    const size_t n = static_cast<size_t>(folded[0] - '1');
    if (n < question.choices.size()) return question.choices[n].value;
  }
  return std::nullopt;
}

}  // namespace ogw
