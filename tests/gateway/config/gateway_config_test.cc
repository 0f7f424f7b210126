#include "gateway/config/gateway_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

namespace ogw {
namespace {

// Sets every ${NAME} that `path` refers to and the environment lacks, as an operator would.
void SetReferencedEnvironment(const std::string& path) {
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::regex reference(R"(\$\{([A-Z_][A-Z0-9_]*)\})");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), reference);
       it != std::sregex_iterator(); ++it) {
    setenv((*it)[1].str().c_str(), "example-secret-0123456789abcdef", /*overwrite=*/0);
  }
}

// Every example config in config/ loads (one of them has an account of every provider
// type), so the examples never go stale.
TEST(GatewayConfigTest, EveryExampleConfigLoads) {
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(OGW_SOURCE_DIR "/config")) {
    if (!entry.path().string().ends_with(".example.json")) continue;
    SetReferencedEnvironment(entry.path().string());
    auto config = GatewayConfig::LoadFile(entry.path().string());
    EXPECT_TRUE(config.ok()) << entry.path() << ": " << config.status();
    ++loaded;
  }
  EXPECT_GE(loaded, 2);
}

TEST(GatewayConfigTest, TheProviderExampleHasAnAccountOfEveryType) {
  SetReferencedEnvironment(OGW_SOURCE_DIR "/config/providers.example.json");
  auto config = GatewayConfig::LoadFile(OGW_SOURCE_DIR "/config/providers.example.json");
  ASSERT_TRUE(config.ok()) << config.status();
  std::set<std::string> types;
  for (const ProviderAccount& account : config->delivery.providers) types.insert(account.type);
  for (const ProviderType* type : ProviderTypes()) {
    EXPECT_TRUE(types.contains(std::string(type->name()))) << type->name();
  }
}

TEST(GatewayConfigTest, DefaultsApplyWhenKeysAreAbsent) {
  auto config = GatewayConfig::FromJson(nlohmann::json::object());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->server.port, 8080);
  EXPECT_TRUE(config->redis.url.empty());
  EXPECT_EQ(config->api.max_page_size, 500);
}

TEST(GatewayConfigTest, UnknownKeysAndWrongTypesNameTheirPath) {
  nlohmann::json j = {{"server", {{"port", "8080"}, {"listn", "x"}}},
                      {"redis", {{"url", "http://x"}}},
                      {"logging", {{"level", "loud"}}}};
  auto config = GatewayConfig::FromJson(j);
  ASSERT_FALSE(config.ok());
  std::string msg(MessageOf(config.status()));
  EXPECT_NE(msg.find("server.port: expected an integer"), std::string::npos) << msg;
  EXPECT_NE(msg.find("server.listn: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("redis.url: must start with redis://"), std::string::npos) << msg;
  EXPECT_NE(msg.find("logging.level"), std::string::npos) << msg;
}

TEST(GatewayConfigTest, SecretsComeFromTheEnvironment) {
  nlohmann::json j = {{"redis", {{"url", "redis://:${REDIS_PASSWORD}@127.0.0.1:6379"}}}};
  auto with = GatewayConfig::FromJson(
      j, [](const char* n) -> const char* { return std::string(n) == "REDIS_PASSWORD" ? "pw" : nullptr; });
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->redis.url, "redis://:pw@127.0.0.1:6379");
  auto without = GatewayConfig::FromJson(j, [](const char*) -> const char* { return nullptr; });
  ASSERT_FALSE(without.ok());
  EXPECT_NE(std::string(MessageOf(without.status())).find("redis.url: environment variable "
                                                           "REDIS_PASSWORD is not set"),
            std::string::npos);
}

TEST(GatewayConfigTest, ProvidersAreValidatedNamingTheirPath) {
  nlohmann::json j = {
      {"delivery",
       {{"chunk_size", 1001},
        {"providers",
         {{{"name", "sms"}, {"type", "twilio"}, {"channels", {"sms", "email"}},
           {"account_sid", "XY123"}},
          {{"name", "sms"}, {"type", "carrier-pigeon"}, {"channels", {"sms", "fax"}}},
          {{"name", "hook"}, {"type", "webhook"}, {"channels", {"email"}}}}}}}};
  auto config = GatewayConfig::FromJson(j);
  ASSERT_FALSE(config.ok());
  const std::string msg(MessageOf(config.status()));
  for (const char* expected :
       {"delivery.chunk_size: must be a multiple of 8", "delivery.providers[0].account_sid",
        "delivery.providers[0].auth_token", "delivery.providers[0].from",
        "delivery.providers[0].channels: twilio serves sms", "delivery.providers[1].name",
        "delivery.providers[1].type", "delivery.providers[1].channels: unknown channel fax",
        "delivery.providers[1].channels: channel sms already has a provider",
        "delivery.providers[2].url", "delivery.providers[2].channels: channel email already"}) {
    EXPECT_NE(msg.find(expected), std::string::npos) << expected << "\n" << msg;
  }
}

TEST(GatewayConfigTest, SecretsKeyIs64HexDigits) {
  auto ok = GatewayConfig::FromJson({{"delivery", {{"secrets_key", std::string(64, 'f')}}}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->delivery.secrets_key, std::string(64, 'f'));
  auto bad = GatewayConfig::FromJson({{"delivery", {{"secrets_key", "too-short"}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(MessageOf(bad.status()).find("delivery.secrets_key"), std::string::npos);
}

TEST(GatewayConfigTest, TwilioProviderTakesItsTokenFromTheEnvironment) {
  nlohmann::json j = {{"delivery",
                       {{"providers",
                         {{{"name", "twilio-main"}, {"type", "twilio"}, {"channels", {"sms"}},
                           {"account_sid", "AC0123"}, {"auth_token", "${TWILIO_AUTH_TOKEN}"},
                           {"from", "+15005550006"}, {"per_second", 10}}}}}}};
  auto config = GatewayConfig::FromJson(j, [](const char* n) -> const char* {
    return std::string(n) == "TWILIO_AUTH_TOKEN" ? "secret-token" : nullptr;
  });
  ASSERT_TRUE(config.ok()) << MessageOf(config.status());
  ASSERT_EQ(config->delivery.providers.size(), 1u);
  const std::string* token = config->delivery.providers[0].settings->Field("auth_token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(*token, "secret-token");
  EXPECT_EQ(config->delivery.providers[0].per_second, 10);
}

TEST(GatewayConfigTest, PostsMayHaveTheirOwnProvidersAndReceivingOnesNeedAnOwner) {
  nlohmann::json ok = {
      {"delivery",
       {{"providers",
         {{{"name", "shared"}, {"type", "webhook"}, {"channels", {"sms"}},
           {"url", "http://127.0.0.1:9/"}},
          {{"name", "berlin"}, {"type", "webhook"}, {"channels", {"sms"}},
           {"url", "http://127.0.0.1:9/"}, {"organisation", "org_1"}, {"post", "post_b"}},
          {{"name", "athens"}, {"type", "webhook"}, {"channels", {"sms"}},
           {"url", "http://127.0.0.1:9/"}, {"organisation", "org_1"}, {"post", "post_a"}}}}}},
      {"inbound", {{"reply_domain", "replies.example.org"}, {"stop_keywords", {"HALT"}}}}};
  auto config = GatewayConfig::FromJson(ok);
  ASSERT_TRUE(config.ok()) << MessageOf(config.status());
  EXPECT_EQ(config->inbound.reply_domain, "replies.example.org");
  EXPECT_EQ(config->inbound.stop_keywords, std::vector<std::string>{"HALT"});

  nlohmann::json bad = {
      {"delivery",
       {{"providers",
         {{{"name", "k"}, {"type", "kannel"}, {"channels", {"sms", "email"}},
           {"url", "ftp://x"}, {"inbound_secret", "short"}},
          {{"name", "p"}, {"type", "webhook"}, {"channels", {"email"}},
           {"url", "http://127.0.0.1:9/"}, {"post", "post_a"}},
          {{"name", "m"}, {"type", "smtp"}, {"channels", {"email"}}, {"url", "http://x"},
           {"starttls", "maybe"}, {"imap_url", "pop3://x"}}}}}},
      {"inbound", {{"reply_domain", "reply@example.org"}}}};
  auto refused = GatewayConfig::FromJson(bad);
  ASSERT_FALSE(refused.ok());
  const std::string msg(MessageOf(refused.status()));
  for (const char* expected :
       {"delivery.providers[0].url", "delivery.providers[0].username",
        "delivery.providers[0].organisation", "delivery.providers[0].inbound_secret",
        "delivery.providers[0].channels: kannel serves sms", "delivery.providers[1].post",
        "delivery.providers[2].url", "delivery.providers[2].from",
        "delivery.providers[2].starttls", "delivery.providers[2].imap_url",
        "inbound.reply_domain"}) {
    EXPECT_NE(msg.find(expected), std::string::npos) << expected << "\n" << msg;
  }
}

TEST(GatewayConfigTest, MissingOrMalformedFileIsAnError) {
  EXPECT_EQ(GatewayConfig::LoadFile("/nonexistent.json").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ogw
