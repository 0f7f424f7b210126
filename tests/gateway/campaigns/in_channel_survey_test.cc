// In-channel survey questions: validation that names the field, and how a person's reply is
// read against a question (numbers, values, words in their language, folded; the first line).

#include "gateway/campaigns/in_channel_survey.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ogw {
namespace {

using ::testing::Contains;
using ::testing::Pair;
using json = nlohmann::json;

json Attend() {
  return {{"key", "attend"},
          {"text", {{"en", "Will you come? 1 yes, 2 no"}, {"fr", "Viendrez-vous ? 1 oui, 2 non"}}},
          {"choices",
           {{{"value", "yes"}, {"words", {"oui", "да", "sí"}}},
            {{"value", "no"}, {"words", {"non", "нет"}}}}}};
}

std::vector<std::pair<std::string, std::string>> Problems(const json& body, InChannelSurvey* out) {
  JsonReader r = JsonReader::ForInput(body);
  ReadInChannelSurvey(r, out);
  (void)r.Finish();
  return r.problems();
}

TEST(InChannelSurveyTest, ReadsQuestionsAndKeepsThemThroughStorage) {
  InChannelSurvey survey;
  const json body = {
      {"in_channel_survey", {{"questions", {Attend()}}, {"thanks", {{"en", "Thank you!"}}}}}};
  EXPECT_TRUE(Problems(body, &survey).empty());
  ASSERT_EQ(survey.questions.size(), 1u);
  EXPECT_EQ(survey.questions[0].key, "attend");
  EXPECT_EQ(survey.questions[0].choices[1].words, (std::vector<std::string>{"non", "нет"}));
  EXPECT_EQ(InChannelSurveyFromJson(ToJson(survey)), survey);
  EXPECT_NE(survey.Find("attend"), nullptr);
  EXPECT_EQ(survey.Find("topics"), nullptr);
}

TEST(InChannelSurveyTest, BadSurveysNameTheField) {
  json six = json::array();
  for (int i = 0; i < 6; ++i) {
    json q = Attend();
    q["key"] = "q" + std::to_string(i);
    six.push_back(q);
  }
  json one_choice = Attend();
  one_choice["choices"] = {{{"value", "yes"}}};
  json clash = Attend();
  clash["choices"][1]["words"] = {"oui"};
  json bad_key = Attend();
  bad_key["key"] = "Attend me";
  json no_text = Attend();
  no_text["text"] = json::object();
  struct Case {
    std::string label;
    json questions;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"six questions", six, "in_channel_survey.questions"},
      {"one choice", {one_choice}, "in_channel_survey.questions[0].choices"},
      {"a word for two choices", {clash}, "in_channel_survey.questions[0].choices"},
      {"bad key", {bad_key}, "in_channel_survey.questions[0].key"},
      {"no text", {no_text}, "in_channel_survey.questions[0].text"},
      {"a key twice", {Attend(), Attend()}, "in_channel_survey.questions"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    InChannelSurvey survey;
    const auto problems = Problems({{"in_channel_survey", {{"questions", c.questions}}}}, &survey);
    std::vector<std::string> fields;
    for (const auto& [field, _] : problems) fields.push_back(field);
    EXPECT_THAT(fields, Contains(c.field));
  }
}

TEST(InChannelSurveyTest, RepliesAreReadByNumberValueOrWordOnTheFirstLine) {
  InChannelSurvey survey;
  ASSERT_TRUE(Problems({{"in_channel_survey", {{"questions", {Attend()}}}}}, &survey).empty());
  const SurveyQuestion& q = survey.questions[0];
  EXPECT_EQ(ReadSurveyAnswer(q, "1"), "yes");
  EXPECT_EQ(ReadSurveyAnswer(q, " 2. "), "no");
  EXPECT_EQ(ReadSurveyAnswer(q, "YES!"), "yes");
  EXPECT_EQ(ReadSurveyAnswer(q, "Oui"), "yes");
  EXPECT_EQ(ReadSurveyAnswer(q, "Да"), "yes");
  EXPECT_EQ(ReadSurveyAnswer(q, "NÉT"), std::nullopt);  // Not a word of the question.
  EXPECT_EQ(ReadSurveyAnswer(q, "нет"), "no");
  EXPECT_EQ(ReadSurveyAnswer(q, "Si"), "yes");  // Accents folded.
  // An e-mail answer: the first line with something on it.
  EXPECT_EQ(ReadSurveyAnswer(q, "\n\n2\n\nSent from my phone"), "no");
  EXPECT_EQ(ReadSurveyAnswer(q, "3"), std::nullopt);
  EXPECT_EQ(ReadSurveyAnswer(q, "maybe next year"), std::nullopt);
  EXPECT_EQ(ReadSurveyAnswer(q, ""), std::nullopt);
}

TEST(InChannelSurveyTest, AValueOrWordThatIsADigitMeansWhatItSays) {
  SurveyQuestion scale;
  scale.key = "rating";
  for (const char* v : {"5", "4", "3", "2", "1"}) scale.choices.push_back({v, {}});
  EXPECT_EQ(ReadSurveyAnswer(scale, "1"), "1");
  EXPECT_EQ(ReadSurveyAnswer(scale, "5"), "5");
  EXPECT_EQ(ReadSurveyAnswer(scale, "6"), std::nullopt);
}

TEST(InChannelSurveyTest, TextsFollowThePersonsLanguages) {
  const std::map<std::string, std::string> texts = {{"en", "Hello"}, {"fr", "Bonjour"}};
  EXPECT_EQ(TextIn(texts, {"fr-CA", "en"}), "Bonjour");
  EXPECT_EQ(TextIn(texts, {"ka"}), "Hello");
  EXPECT_EQ(TextIn({{"de", "Hallo"}}, {"ka"}), "Hallo");
  EXPECT_EQ(TextIn({}, {"en"}), "");
}

}  // namespace
}  // namespace ogw
