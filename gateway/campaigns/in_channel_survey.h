#pragma once

// A short survey asked over the channel itself (docs/ARCHITECTURE.md, "In-channel surveys"):
// up to five questions, each answered with a number or a keyword, asked one after another in
// the person's language. The first question goes with the campaign message; each answer
// brings the next one.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/json_reader.h"

namespace ogw {

struct SurveyChoice {
  std::string value;               // What is stored: [a-z0-9_], 1 to 32 bytes.
  std::vector<std::string> words;  // Other replies that mean it ("yes", "oui", "да").
  bool operator==(const SurveyChoice&) const = default;
};

struct SurveyQuestion {
  std::string key;                          // [a-z0-9_], 1 to 32 bytes, unique in the survey.
  std::map<std::string, std::string> text;  // Language tag -> the question as sent.
  std::vector<SurveyChoice> choices;        // 2 to 9; choice i is also answered by "i".
  bool operator==(const SurveyQuestion&) const = default;
};

struct InChannelSurvey {
  std::vector<SurveyQuestion> questions;      // Empty: the campaign asks nothing.
  std::map<std::string, std::string> thanks;  // Language tag -> after the last answer.
  bool empty() const { return questions.empty(); }
  const SurveyQuestion* Find(std::string_view key) const;
  bool operator==(const InChannelSurvey&) const = default;
};

inline constexpr size_t kMaxSurveyQuestions = 5;

nlohmann::json ToJson(const InChannelSurvey& survey);
// The stored form (as ToJson wrote it).
InChannelSurvey InChannelSurveyFromJson(const nlohmann::json& j);
// Reads "in_channel_survey" from an API body when present; problems go to `reader` naming the
// field (in_channel_survey.questions[1].choices, ...).
void ReadInChannelSurvey(JsonReader& reader, InChannelSurvey* out);

// The text in the first of `languages` that has one, else in English, else the first.
std::string TextIn(const std::map<std::string, std::string>& texts,
                   const std::vector<std::string>& languages);
// The choice a reply names: its number, its value or one of its words, on the reply's first
// non-empty line, case, accents and punctuation folded. nullopt when unclear.
std::optional<std::string> ReadSurveyAnswer(const SurveyQuestion& question, std::string_view reply);

}  // namespace ogw
