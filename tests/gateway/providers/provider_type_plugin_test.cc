// A provider type that exists only in this test, added to the gateway the way every type is
// (adapters/provider_type.h) and used without a line of gateway/ knowing it: configured with
// its own settings (a secret among them, never answered), registered at its provider once per
// definition, sent through by the delivery worker, and receiving through the inbound route the
// gateway mounts for it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "gateway/core/crypto.h"
#include "tests/testutil/api_harness.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw::testing {
namespace {

using ::testing::ElementsAre;
using json = nlohmann::json;

constexpr char kSecret[] = "relay-shared-secret-0123456789";

// "relay": hands Telegram messages to an in-memory relay and takes replies as JSON POSTed
// with the shared secret in X-Relay-Secret.
struct RelaySettings final : SettingsOf<RelaySettings> {
  std::string bot;     // The bot the relay speaks as.
  std::string secret;  // Authenticates what the relay posts.
  void ForEachField(const FieldFn& fn) override {
    fn("bot", bot, FieldKind::kText);
    fn("secret", secret, FieldKind::kSecret);
  }
};

// What the relay was handed, across every provider of the type.
struct Relayed {
  std::string bot, to, text;
};
std::mutex relayed_mu;
std::vector<Relayed> relayed;
// Where the relay was told to post replies, per registration; the next `failing` ones fail.
struct Registered {
  std::string bot, url;
};
std::vector<Registered> registered;
int failing = 0;

class RelayProvider final : public Provider {
 public:
  RelayProvider(std::string name, std::string bot) : name_(std::move(name)), bot_(std::move(bot)) {}
  const std::string& name() const override { return name_; }
  void SendBatch(std::span<const OutboundMessage> messages,
                 std::span<SendResult> results) override {
    std::lock_guard lock(relayed_mu);
    for (size_t i = 0; i < messages.size(); ++i) {
      relayed.push_back({bot_, messages[i].to, messages[i].text});
      results[i].outcome = SendResult::Outcome::kAccepted;
      results[i].provider_message_id = "relay-" + std::to_string(relayed.size());
    }
  }

 private:
  const std::string name_;
  const std::string bot_;
};

InboundOutcome RelayIncoming(const ProviderAccount& account, const InboundRequest& request,
                             const ProviderContext&) {
  const std::string& secret = account.SettingsAs<RelaySettings>().secret;
  const std::string presented = request.header("X-Relay-Secret");
  if (presented.empty()) return InboundOutcome::Refuse(401, "X-Relay-Secret is missing");
  if (!ConstantTimeEquals(presented, secret)) {
    return InboundOutcome::Refuse(403, "X-Relay-Secret does not match");
  }
  const json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.value("id", json()).is_string() ||
      !body.value("chat", json()).is_string() || !body.value("text", json()).is_string()) {
    return InboundOutcome::Invalid("expected {\"id\", \"chat\", \"text\"} strings");
  }
  InboundOutcome out;
  InboundMessage m;
  m.provider = account.name;
  m.channel = Channel::kTelegram;
  m.provider_message_id = body["id"];
  m.from = body["chat"];
  m.to = account.SettingsAs<RelaySettings>().bot;
  m.text = body["text"];
  out.batch.messages.push_back(std::move(m));
  return out;
}

class RelayType final : public ProviderType {
 public:
  std::string_view name() const override { return "relay"; }
  std::vector<std::string_view> channels() const override { return {"telegram"}; }
  std::unique_ptr<TypeSettings> NewSettings() const override {
    return std::make_unique<RelaySettings>();
  }
  void Check(const ProviderAccount& account, ProviderSource, JsonReader& r) const override {
    if (account.SettingsAs<RelaySettings>().bot.empty()) r.Error("bot", "required");
    if (account.SettingsAs<RelaySettings>().secret.size() < 24) {
      r.Error("secret", "must be at least 24 characters");
    }
  }
  absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                 const ProviderContext&) const override {
    return std::shared_ptr<Provider>(
        std::make_shared<RelayProvider>(account.name, account.SettingsAs<RelaySettings>().bot));
  }
  std::vector<InboundRoute> inbound_routes() const override {
    return {{"POST", "", &RelayIncoming}};
  }
  bool registers() const override { return true; }
  absl::Status Register(const ProviderAccount& account,
                        const ProviderContext& context) const override {
    std::lock_guard lock(relayed_mu);
    if (failing > 0) {
      --failing;
      return absl::UnavailableError("the relay did not answer");
    }
    registered.push_back(
        {account.SettingsAs<RelaySettings>().bot, context.InboundUrl(inbound_path(), account, "")});
    return absl::OkStatus();
  }
};

const RelayType kRelayType;

class ProviderTypePluginTest : public ApiTest {
 protected:
  void SetUp() override {
    RegisterProviderType(&kRelayType);  // Before the gateway opens: it mounts the routes.
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    {
      std::lock_guard lock(relayed_mu);
      relayed.clear();
      registered.clear();
      failing = 0;
    }
    ConfigureRelay("@berlin_embassy_bot");
  }

  // The account in the configuration file, read as the gateway reads that file; the gateway
  // restarts with it.
  void ConfigureRelay(const std::string& bot) {
    const json account = {
        {"name", "relay-berlin"}, {"type", "relay"}, {"channels", {"telegram"}},
        {"organisation", org_},   {"bot", bot},      {"secret", "${RELAY_SECRET}"}};
    setenv("RELAY_SECRET", kSecret, 1);
    ConfigureProviders({account});
  }

  std::vector<Registered> Registrations() {
    std::lock_guard lock(relayed_mu);
    return registered;
  }

  HttpResult Relay(const json& body, const std::string& secret) {
    httplib::Headers headers;
    if (!secret.empty()) headers.emplace("X-Relay-Secret", secret);
    return Post("/v1/inbound/relay/relay-berlin", body, "", headers);
  }

  std::string org_;
};

TEST_F(ProviderTypePluginTest, ItsSettingsAreCheckedByItAndItsSecretIsNeverAnswered) {
  HttpResult shown = Get("/v1/providers/relay-berlin", admin_token_);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.json["bot"], "@berlin_embassy_bot");
  EXPECT_FALSE(shown.json.contains("secret"));
  EXPECT_THAT(shown.json["secrets_set"], ElementsAre("secret"));
  EXPECT_THAT(shown.body, ContainsNoneOf({kSecret}));

  // Through the API: the type's own checks and field names, and its channel.
  HttpResult bad = Post("/v1/providers",
                        {{"name", "relay-2"},
                         {"type", "relay"},
                         {"channels", {"sms"}},
                         {"secret", "short"},
                         {"unknown_field", "x"}},
                        admin_token_);
  ExpectProblem(bad, 422);
  EXPECT_THAT(ErrorFields(bad),
              ::testing::IsSupersetOf({"bot", "secret", "channels", "unknown_field"}));
}

TEST_F(ProviderTypePluginTest, ItRegistersOncePerDefinitionAcrossRestartsAndRetriesFailures) {
  ASSERT_TRUE(RegisterProviders());
  std::vector<Registered> seen = Registrations();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].bot, "@berlin_embassy_bot");
  EXPECT_TRUE(seen[0].url.ends_with("/v1/inbound/relay/relay-berlin")) << seen[0].url;

  // Another process over the same Redis (here: a restart) finds that definition registered.
  RestartGateway();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(RegisterProviders());
  EXPECT_EQ(Registrations().size(), 1u);

  // A changed definition registers again; the relay fails twice first, and the account
  // sends meanwhile.
  {
    std::lock_guard lock(relayed_mu);
    failing = 2;
  }
  ConfigureRelay("@berlin_consulate_bot");
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(runtime_->providers().registry().For(Channel::kTelegram, org_, "") != nullptr);
  ASSERT_TRUE(RegisterProviders());
  seen = Registrations();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].bot, "@berlin_consulate_bot");
  {
    std::lock_guard lock(relayed_mu);
    EXPECT_EQ(failing, 0);
  }
}

TEST_F(ProviderTypePluginTest, MessagesGoThroughItAndRepliesComeBackThroughItsRoute) {
  const std::string ana = CreateContact(
      {{"name", "Ana"},
       {"addresses", {{{"kind", "telegram"}, {"value", "100200300"}, {"consent", "granted"}}}}},
      admin_token_);
  ASSERT_FALSE(ana.empty());
  HttpResult queued =
      Post("/v1/messages", {{"contact_id", ana}, {"channel", "telegram"}, {"text", "Hello Ana"}},
           admin_token_);
  ASSERT_EQ(queued.status, 202) << queued.body;
  auto worker = runtime_->NewWorker();
  ASSERT_TRUE(worker->RunOnce().ok());
  {
    std::lock_guard lock(relayed_mu);
    ASSERT_EQ(relayed.size(), 1u);
    EXPECT_EQ(relayed[0].bot, "@berlin_embassy_bot");
    EXPECT_EQ(relayed[0].to, "100200300");
    EXPECT_EQ(relayed[0].text, "Hello Ana");
  }
  HttpResult status = Get("/v1/messages/" + queued.json.value("id", ""), admin_token_);
  EXPECT_EQ(status.json["status"], "sent") << status.body;

  // Her reply, through the route the gateway mounted for the type; a retry is one entry.
  const json reply = {{"id", "r-1"}, {"chat", "100200300"}, {"text", "Thank you"}};
  EXPECT_EQ(Relay(reply, "").status, 401);
  EXPECT_EQ(Relay(reply, "relay-wrong-secret-0123456789").status, 403);
  ExpectProblem(Relay({{"id", "r-2"}}, kSecret), 400);
  ASSERT_EQ(Relay(reply, kSecret).status, 204);
  ASSERT_EQ(Relay(reply, kSecret).status, 204);
  HttpResult log = Get("/v1/contacts/" + ana + "/conversation", admin_token_);
  ASSERT_EQ(log.status, 200) << log.body;
  int replies = 0;
  for (const json& entry : log.json["entries"]) {
    if (entry.value("kind", "") == "in") {
      ++replies;
      EXPECT_EQ(entry.value("text", ""), "Thank you");
      EXPECT_EQ(entry.value("channel", ""), "telegram");
    }
  }
  EXPECT_EQ(replies, 1) << log.body;
}

}  // namespace
}  // namespace ogw::testing
