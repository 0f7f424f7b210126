// Opt-out / opt-in keywords and the choice of provider per post.

#include <gtest/gtest.h>

#include "adapters/sandbox/sandbox_provider.h"
#include "gateway/delivery/provider_registry.h"
#include "gateway/inbound/keywords.h"

namespace ogw {
namespace {

KeywordMatcher Defaults() {
  return KeywordMatcher(KeywordMatcher::DefaultStopKeywords(),
                        KeywordMatcher::DefaultStartKeywords());
}

TEST(KeywordMatcherTest, StopWordsOfManyLanguagesWithCaseAccentsAndPunctuationFolded) {
  const KeywordMatcher m = Defaults();
  for (const char* text : {"STOP", "stop", " Stop! ", "STOP ALL", "stop  all", "Unsubscribe.",
                           "ARRET", "arrêt", "Arrêter", "ARRÊTER", "pare", "Baja", "توقف",
                           "إلغاء", "الغاء", "СТОП", "стоп.", "გაჩერება", "Stopp"}) {
    EXPECT_EQ(m.Match(text), KeywordIntent::kStop) << text;
  }
  for (const char* text : {"START", "start", "Unstop", "СТАРТ"}) {
    EXPECT_EQ(m.Match(text), KeywordIntent::kStart) << text;
  }
}

TEST(KeywordMatcherTest, ConversationIsNotAKeyword) {
  const KeywordMatcher m = Defaults();
  for (const char* text : {"", "please don't stop", "stop sending me the survey please, I will "
                           "answer it next week when I am back home", "stopover", "ok", "?"}) {
    EXPECT_EQ(m.Match(text), KeywordIntent::kNone) << text;
  }
}

TEST(KeywordMatcherTest, ConfiguredListsReplaceTheDefaults) {
  const KeywordMatcher m({"Halt"}, {"Weiter"});
  EXPECT_EQ(m.Match("HALT"), KeywordIntent::kStop);
  EXPECT_EQ(m.Match("weiter!"), KeywordIntent::kStart);
  EXPECT_EQ(m.Match("STOP"), KeywordIntent::kNone);
}

TEST(KeywordMatcherTest, ConfirmationsFollowThePersonsLanguages) {
  EXPECT_NE(OptOutConfirmation({"de-AT", "fr"}).find("abgemeldet"), std::string::npos);
  EXPECT_NE(OptOutConfirmation({"xx", "fr-CA"}).find("désabonné"), std::string::npos);
  EXPECT_NE(OptOutConfirmation({}).find("unsubscribed"), std::string::npos);
  EXPECT_NE(OptInConfirmation({"ar"}).find("STOP"), std::string::npos);
}

TEST(ProviderRegistryTest, PostThenOrganisationThenShared) {
  auto binding = [](const std::string& name) {
    return ProviderBinding{std::make_shared<SandboxProvider>(name, nullptr, nullptr), name, {}};
  };
  ProviderRegistry r;
  r.Bind(Channel::kSms, binding("shared"));
  r.Bind(Channel::kSms, binding("org"), "org_1");
  r.Bind(Channel::kSms, binding("berlin"), "org_1", "post_b");
  EXPECT_EQ(r.For(Channel::kSms, "org_1", "post_b")->account, "berlin");
  EXPECT_EQ(r.For(Channel::kSms, "org_1", "post_x")->account, "org");
  EXPECT_EQ(r.For(Channel::kSms, "org_1", "")->account, "org");
  EXPECT_EQ(r.For(Channel::kSms, "org_2", "post_b")->account, "shared");
  EXPECT_EQ(r.For(Channel::kEmail, "org_1", "post_b"), nullptr);
}

}  // namespace
}  // namespace ogw
