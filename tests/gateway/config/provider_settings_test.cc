// Provider accounts as JSON (gateway/config/provider_settings): the common fields read here, the
// rest by each registered type, in the configuration file and the API alike.

#include "gateway/config/provider_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "tests/testutil/secret_matchers.h"

namespace ogw {
namespace {

using ::ogw::testing::ContainsNoneOf;
using ::testing::HasSubstr;
using json = nlohmann::json;

// Every account of config/providers.example.json, its ${ENV} secrets replaced by values.
std::vector<json> ExampleAccounts() {
  std::ifstream in(OGW_SOURCE_DIR "/config/providers.example.json");
  json doc = json::parse(in);
  std::vector<json> out;
  for (json account : doc["delivery"]["providers"]) {
    for (auto& [key, value] : account.items()) {
      if (value.is_string() && value.get<std::string>().starts_with("${")) {
        value = key + "-value-0123456789abcdefgh";
      }
    }
    out.push_back(std::move(account));
  }
  return out;
}

std::vector<std::string> Problems(const json& j, ProviderSource source) {
  ProviderAccount account;
  JsonReader r = JsonReader::ForInput(j);
  ReadProviderAccount(r, source, &account);
  (void)r.Finish();
  std::vector<std::string> out;
  for (const auto& [field, message] : r.problems()) out.push_back(field + ": " + message);
  return out;
}

TEST(ProviderSettingsTest, EveryTypesExampleRoundTripsThroughItsJson) {
  std::set<std::string> types;
  for (const json& example : ExampleAccounts()) {
    auto account = ProviderAccountFromJson(example, ProviderSource::kConfig);
    ASSERT_TRUE(account.ok()) << example.dump() << ": " << account.status();
    types.insert(account->type);
    const json stored = ProviderAccountToJson(*account, /*with_secrets=*/true);
    auto again = ProviderAccountFromJson(stored, ProviderSource::kConfig);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(ProviderAccountToJson(*again, /*with_secrets=*/true), stored) << account->type;
    // Every field the example gives comes back (the `_comment` aside).
    for (const auto& [key, value] : example.items()) {
      if (key.starts_with("_") || (value.is_string() && value.get<std::string>().empty())) continue;
      EXPECT_TRUE(stored.contains(key)) << account->type << " lost " << key;
    }
  }
  for (const ProviderType* type : ProviderTypes()) {
    EXPECT_TRUE(types.contains(std::string(type->name()))) << type->name();
  }
}

TEST(ProviderSettingsTest, EachTypeNamesItsSecretsAndTheyAreNeverAnswered) {
  const std::map<std::string, std::set<std::string>> expected = {
      {"sandbox", {}},
      {"webhook", {"auth_header"}},
      {"twilio", {"auth_token"}},
      {"kannel", {"password", "inbound_secret"}},
      {"smtp", {"password", "imap_password", "inbound_secret"}},
      {"telegram", {"bot_token", "webhook_secret"}},
      {"whatsapp", {"access_token", "app_secret", "verify_token"}},
      {"messenger", {"page_access_token", "app_secret", "verify_token"}}};
  for (const json& example : ExampleAccounts()) {
    auto account = ProviderAccountFromJson(example, ProviderSource::kConfig);
    ASSERT_TRUE(account.ok()) << account.status();
    std::set<std::string> secrets;
    ForEachTypeField(*account, [&](std::string_view key, const std::string&, FieldKind kind) {
      if (kind == FieldKind::kSecret) secrets.emplace(key);
    });
    EXPECT_EQ(secrets, expected.at(account->type)) << account->type;
    const json shown = ProviderAccountToJson(*account, /*with_secrets=*/false);
    for (const std::string& secret : secrets) {
      EXPECT_FALSE(shown.contains(secret)) << account->type << " answers " << secret;
      if (example.contains(secret)) {
        EXPECT_THAT(shown["secrets_set"].get<std::vector<std::string>>(),
                    ::testing::Contains(secret));
        EXPECT_THAT(shown.dump(), ContainsNoneOf({secret + "-value-"}));
      }
    }
  }
}

TEST(ProviderSettingsTest, FieldsOfAnotherTypeAreUnknown) {
  // A Twilio account does not take Kannel's url, nor an e-mail account Twilio's token.
  EXPECT_THAT(Problems({{"name", "t"},
                        {"type", "twilio"},
                        {"channels", {"sms"}},
                        {"account_sid", "AC1"},
                        {"auth_token", "x"},
                        {"from", "+1"},
                        {"url", "http://127.0.0.1:1/"}},
                       ProviderSource::kApi),
              ::testing::ElementsAre(HasSubstr("url: unknown key")));
  EXPECT_THAT(Problems({{"name", "m"},
                        {"type", "smtp"},
                        {"channels", {"email"}},
                        {"url", "smtp://127.0.0.1:25"},
                        {"from", "a@b.example"},
                        {"auth_token", "x"}},
                       ProviderSource::kApi),
              ::testing::ElementsAre(HasSubstr("auth_token: unknown key")));
}

TEST(ProviderSettingsTest, UnknownTypesAndChannelsNameTheirField) {
  EXPECT_THAT(
      Problems({{"name", "x"}, {"type", "carrier-pigeon"}, {"channels", {"sms"}}},
               ProviderSource::kApi),
      ::testing::ElementsAre(HasSubstr("type: expected sandbox, webhook, twilio, kannel, smtp")));
  EXPECT_THAT(
      Problems({{"name", "x"}, {"type", "sandbox"}, {"channels", {"fax"}}}, ProviderSource::kApi),
      ::testing::ElementsAre(HasSubstr("channels: unknown channel fax")));
  EXPECT_THAT(Problems({{"name", "k"},
                        {"type", "kannel"},
                        {"channels", {"email"}},
                        {"organisation", "org_1"},
                        {"url", "http://127.0.0.1:13013/"},
                        {"username", "u"},
                        {"inbound_secret", std::string(24, 's')}},
                       ProviderSource::kApi),
              ::testing::ElementsAre(HasSubstr("channels: kannel serves sms")));
}

TEST(ProviderSettingsTest, ServerPathsOnlyFromTheConfigurationFile) {
  const json mail = {{"name", "m"},           {"type", "smtp"},
                     {"channels", {"email"}}, {"url", "smtp://127.0.0.1:25"},
                     {"from", "a@b.example"}, {"ca_file", "/etc/ssl/certs/ca-certificates.crt"}};
  EXPECT_TRUE(Problems(mail, ProviderSource::kConfig).empty());
  EXPECT_THAT(Problems(mail, ProviderSource::kApi),
              ::testing::ElementsAre(HasSubstr("ca_file: can only be set in the configuration")));
}

TEST(ProviderSettingsTest, CommonRulesHoldForEveryType) {
  for (const char* type : {"sandbox", "webhook"}) {
    json j = {{"name", "bad name!"},
              {"type", type},
              {"channels", {"sms"}},
              {"post", "post_1"},
              {"country", "Atlantis"}};
    if (std::string(type) == "webhook") j["url"] = "http://127.0.0.1:1/";
    const std::vector<std::string> problems = Problems(j, ProviderSource::kApi);
    EXPECT_THAT(problems, ::testing::Contains(HasSubstr("name: must be 1 to 64"))) << type;
    EXPECT_THAT(problems, ::testing::Contains(HasSubstr("post: a post's provider must also")));
    EXPECT_THAT(problems, ::testing::Contains(HasSubstr("country:")));
  }
  // The implicit sandboxes' names are the gateway's, in any letter case.
  EXPECT_THAT(Problems({{"name", "SMS-Sandbox"}, {"type", "sandbox"}, {"channels", {"sms"}}},
                       ProviderSource::kApi),
              ::testing::ElementsAre(HasSubstr("name: SMS-Sandbox is reserved")));
}

TEST(ProviderSettingsTest, CountriesAreNormalised) {
  auto account = ProviderAccountFromJson(
      {{"name", "k"}, {"type", "sandbox"}, {"channels", {"sms"}}, {"country", "de"}},
      ProviderSource::kApi);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->country, "DE");
}

TEST(ProviderSettingsTest, AnAccountWithoutARateTakesItsTypesLimit) {
  const json telegram = {{"name", "tg"},
                         {"type", "telegram"},
                         {"channels", {"telegram"}},
                         {"organisation", "org_1"},
                         {"bot_token", "123456:ABC-DEF"},
                         {"updates", "polling"}};
  auto account = ProviderAccountFromJson(telegram, ProviderSource::kConfig);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->per_second, 30) << "Telegram's limit per bot";
  // Written out with it, so the stored account keeps what it was read with.
  EXPECT_EQ(ProviderAccountToJson(*account, false)["per_second"], 30);
  json slower = telegram;
  slower["per_second"] = 5;
  account = ProviderAccountFromJson(slower, ProviderSource::kConfig);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->per_second, 5);
  account = ProviderAccountFromJson({{"name", "s"}, {"type", "sandbox"}, {"channels", {"sms"}}},
                                    ProviderSource::kApi);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->per_second, 0) << "no limit of its own";
}

}  // namespace
}  // namespace ogw
