// Provider accounts through the API: an organisation's admin adds an account for a post,
// messages to that post's people go through it, every process picks it up, secrets stay
// sealed and out of answers; validation, scope and roles.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "adapters/sms/kannel_webhooks.h"
#include "gateway/core/key_schema.h"
#include "tests/testutil/api_harness.h"
#include "tests/testutil/http_sink.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using json = nlohmann::json;

constexpr char kPassword[] = "sendsms-password-not-for-logs";
constexpr char kInboundSecret[] = "kannel-inbound-secret-0123456789";

class ProvidersApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    berlin_ = CreatePost("Berlin");
    athens_ = CreatePost("Athens");
    officer_berlin_ = CreateOfficerToken("officer", {berlin_});
  }

  json Kannel(const std::string& name, const std::string& post) {
    return {{"name", name},
            {"type", "kannel"},
            {"channels", {"sms"}},
            {"post", post},
            {"url", "http://127.0.0.1:13013/cgi-bin/sendsms"},
            {"username", "embassy"},
            {"password", kPassword},
            {"from", "EMBASSY"},
            {"inbound_secret", kInboundSecret}};
  }

  std::string org_;
  std::string berlin_;
  std::string athens_;
  std::string officer_berlin_;
};

TEST_F(ProvidersApiTest, AdminAddsChangesAndRemovesAnAccountWithoutEverShowingItsSecrets) {
  HttpResult added = Post("/v1/providers", Kannel("kannel-berlin", berlin_), admin_token_);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.json["organisation"], org_);
  EXPECT_EQ(added.json["post"], berlin_);
  EXPECT_EQ(added.json["source"], "api");
  EXPECT_THAT(added.json["secrets_set"], UnorderedElementsAre("password", "inbound_secret"));
  EXPECT_THAT(added.body, ContainsNoneOf({kPassword, kInboundSecret}));
  EXPECT_FALSE(added.json.contains("api_base"));  // Twilio's, not Kannel's.

  // Sealed at rest: Redis never holds the secrets in clear.
  auto stored = pool().Command({"HGET", keys::ProviderDefinitions(), "kannel-berlin"});
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->str, HasSubstr("\"username\":\"embassy\""));
  EXPECT_THAT(stored->str, ContainsNoneOf({kPassword, kInboundSecret}));

  HttpResult listed = Get("/v1/providers", admin_token_);
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json["items"].size(), 1u);
  EXPECT_EQ(listed.json["items"][0]["name"], "kannel-berlin");
  EXPECT_THAT(listed.body, ContainsNoneOf({kPassword}));

  // A change that leaves the secrets out keeps them.
  HttpResult changed = Patch("/v1/providers/kannel-berlin", {{"from", "BOTSCHAFT"}}, admin_token_);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.json["from"], "BOTSCHAFT");
  EXPECT_THAT(changed.json["secrets_set"], UnorderedElementsAre("password", "inbound_secret"));
  std::optional<ProviderAccount> in_use = runtime_->providers().Find("kannel-berlin");
  ASSERT_TRUE(in_use.has_value());
  EXPECT_EQ(*in_use->settings->Field("password"), kPassword);
  EXPECT_EQ(*in_use->settings->Field("from"), "BOTSCHAFT");
  // What GET answered may be sent back as it is.
  json round_trip = Get("/v1/providers/kannel-berlin", admin_token_).json;
  round_trip["per_second"] = 5;
  changed = Patch("/v1/providers/kannel-berlin", round_trip, admin_token_);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.json["per_second"], 5);
  EXPECT_EQ(*runtime_->providers().Find("kannel-berlin")->settings->Field("password"), kPassword);
  // null clears a field.
  changed = Patch("/v1/providers/kannel-berlin", {{"password", nullptr}}, admin_token_);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_THAT(changed.json["secrets_set"], ElementsAre("inbound_secret"));
  // The name, type and organisation stay.
  ExpectProblem(Patch("/v1/providers/kannel-berlin", {{"type", "twilio"}}, admin_token_), 422);
  ExpectProblem(Patch("/v1/providers/kannel-berlin", {{"organisation", "o_other"}}, admin_token_),
                422);

  ASSERT_EQ(Delete("/v1/providers/kannel-berlin", admin_token_).status, 204);
  ExpectProblem(Get("/v1/providers/kannel-berlin", admin_token_), 404);
  EXPECT_FALSE(runtime_->providers().Find("kannel-berlin").has_value());
  auto gone = pool().Command({"HEXISTS", keys::ProviderDefinitions(), "kannel-berlin"});
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->integer, 0);
}

TEST_F(ProvidersApiTest, BadAccountsAreRefusedNamingTheField) {
  json no_secret = Kannel("k1", berlin_);
  no_secret.erase("inbound_secret");
  HttpResult r = Post("/v1/providers", no_secret, admin_token_);
  ExpectProblem(r, 422);
  EXPECT_THAT(ErrorFields(r), Contains("inbound_secret"));

  json wrong_channel = Kannel("k1", berlin_);
  wrong_channel["channels"] = {"email"};
  EXPECT_THAT(ErrorFields(Post("/v1/providers", wrong_channel, admin_token_)),
              Contains("channels"));

  json bad_name = Kannel("k/../1", berlin_);
  EXPECT_THAT(ErrorFields(Post("/v1/providers", bad_name, admin_token_)), Contains("name"));

  json unknown_post = Kannel("k1", "p_doesnotexist");
  EXPECT_THAT(ErrorFields(Post("/v1/providers", unknown_post, admin_token_)), Contains("post"));

  json other_org = Kannel("k1", berlin_);
  other_org["organisation"] = "o_someoneelse";
  EXPECT_THAT(ErrorFields(Post("/v1/providers", other_org, admin_token_)),
              Contains("organisation"));

  // A file on the server is not the API's to name.
  json smtp = {{"name", "mail-berlin"}, {"type", "smtp"},          {"channels", {"email"}},
               {"post", berlin_},       {"url", "smtp://127.0.0.1:25"},
               {"from", "berlin@embassy.example"}, {"ca_file", "/etc/shadow"}};
  EXPECT_THAT(ErrorFields(Post("/v1/providers", smtp, admin_token_)), Contains("ca_file"));

  json unknown_field = Kannel("k1", berlin_);
  unknown_field["colour"] = "blue";
  EXPECT_THAT(ErrorFields(Post("/v1/providers", unknown_field, admin_token_)),
              Contains("colour"));

  // One account per channel and post; another post may have its own.
  ASSERT_EQ(Post("/v1/providers", Kannel("k1", berlin_), admin_token_).status, 201);
  r = Post("/v1/providers", Kannel("k2", berlin_), admin_token_);
  ExpectProblem(r, 422);
  EXPECT_THAT(ErrorFields(r), Contains("channels"));
  EXPECT_EQ(Post("/v1/providers", Kannel("k2", athens_), admin_token_).status, 201);
  // Names are unique.
  ExpectProblem(Post("/v1/providers", Kannel("k1", ""), admin_token_), 409);
  // Nothing stored was touched by the refusals.
  HttpResult listed = Get("/v1/providers", admin_token_);
  ASSERT_EQ(listed.json["items"].size(), 2u);
}

TEST_F(ProvidersApiTest, TheInstallationChoosesWhichTypesTheApiTakes) {
  config_.api.provider_types = {"kannel"};
  RestartGateway();
  if (HasFatalFailure()) return;
  json webhook = {{"name", "hook"},       {"type", "webhook"},
                  {"channels", {"sms"}},  {"url", "http://10.0.0.1/internal"}};
  HttpResult r = Post("/v1/providers", webhook, admin_token_);
  ExpectProblem(r, 422);
  EXPECT_THAT(ErrorFields(r), Contains("type"));
  EXPECT_EQ(Post("/v1/providers", Kannel("k1", berlin_), admin_token_).status, 201);
}

TEST_F(ProvidersApiTest, OnlyAdminsChangeAccountsAndOfficersSeeTheirPostsOnly) {
  ASSERT_EQ(Post("/v1/providers", Kannel("k-berlin", berlin_), admin_token_).status, 201);
  ASSERT_EQ(Post("/v1/providers", Kannel("k-athens", athens_), admin_token_).status, 201);
  ExpectProblem(Post("/v1/providers", Kannel("k-mine", berlin_), officer_berlin_), 403);
  ExpectProblem(Patch("/v1/providers/k-berlin", {{"from", "X"}}, officer_berlin_), 403);
  ExpectProblem(Delete("/v1/providers/k-berlin", officer_berlin_), 403);

  HttpResult listed = Get("/v1/providers", officer_berlin_);
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json["items"].size(), 1u);
  EXPECT_EQ(listed.json["items"][0]["name"], "k-berlin");
  ExpectProblem(Get("/v1/providers/k-athens", officer_berlin_), 404);
}

TEST_F(ProvidersApiTest, AdminsGetTheExactUrlsToSetAtTheProvider) {
  ASSERT_EQ(Post("/v1/providers", Kannel("k-berlin", berlin_), admin_token_).status, 201);
  HttpResult got = Get("/v1/providers/k-berlin", admin_token_);
  ASSERT_EQ(got.status, 200) << got.body;
  ASSERT_EQ(got.json["setup"].size(), 1u) << got.body;
  EXPECT_THAT(got.json["setup"][0].value("setting", ""), HasSubstr("sms-service get-url"));
  // The get-url smsbox must fetch, key included: no one computes the HMAC by hand.
  const std::string base = config_.links.public_base_url + "/v1/inbound/kannel/k-berlin";
  EXPECT_EQ(got.json["setup"][0].value("value", ""),
            KannelSmsServiceGetUrl(base, kInboundSecret, "k-berlin"));
  EXPECT_THAT(got.body, Not(HasSubstr(kInboundSecret)));
  // The key lets anyone post SMS in the post's name: officers do not see it.
  HttpResult as_officer = Get("/v1/providers/k-berlin", officer_berlin_);
  ASSERT_EQ(as_officer.status, 200);
  EXPECT_FALSE(as_officer.json.contains("setup")) << as_officer.body;
  // What GET answers goes back through PATCH unchanged.
  EXPECT_EQ(Patch("/v1/providers/k-berlin", got.json, admin_token_).status, 200);
}

TEST_F(ProvidersApiTest, OfficersGetAPersonsChatLinksForTheAccountsOfTheirPost) {
  // Nothing listens on this port: the accounts only make links here.
  const std::string nowhere = "http://127.0.0.1:9";
  ConfigureProviders({{{"name", "bot-berlin"},
                       {"type", "telegram"},
                       {"channels", {"telegram"}},
                       {"organisation", org_},
                       {"post", berlin_},
                       {"api_base", nowhere},
                       {"bot_token", "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"},
                       {"bot_username", "berlin_embassy_bot"},
                       {"updates", "polling"}},
                      {{"name", "wa-org"},
                       {"type", "whatsapp"},
                       {"channels", {"whatsapp"}},
                       {"organisation", org_},
                       {"api_base", nowhere},
                       {"access_token", "EAAG-token"},
                       {"app_secret", "app-secret-0123456789"},
                       {"verify_token", "verify-0123456789"},
                       {"phone_number_id", "106540352242922"},
                       {"phone_number", "+4930123456"}},
                      {{"name", "page-org"},
                       {"type", "messenger"},
                       {"channels", {"messenger"}},
                       {"organisation", org_},
                       {"api_base", nowhere},
                       {"page_access_token", "EAAJ-token"},
                       {"app_secret", "app-secret-0123456789"},
                       {"verify_token", "verify-0123456789"},
                       {"page_id", "104500000000001"}}});
  ASSERT_FALSE(HasFatalFailure());
  officer_berlin_ = CreateOfficerToken("officer", {berlin_});
  const std::string viewer = CreateOfficerToken("viewer", {berlin_});
  const std::string officer_athens = CreateOfficerToken("officer", {athens_});
  const std::string ana = CreateContact(
      {{"name", "Ana"},
       {"post_id", berlin_},
       {"addresses", {{{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
      admin_token_);
  HttpResult got = Get("/v1/contacts/" + ana + "/chat-links", officer_berlin_);
  ASSERT_EQ(got.status, 200) << got.body;
  const std::string code = runtime_->tokens().ChatLinkToken(org_, ana);
  EXPECT_EQ(got.json["links"], (json{{"telegram", "https://t.me/berlin_embassy_bot?start=" + code},
                                     {"whatsapp", "https://wa.me/4930123456?text=" + code},
                                     {"messenger", "https://m.me/104500000000001?ref=" + code}}));
  // Whoever follows a link gets the person's messages: not for viewers, nor other posts.
  ExpectProblem(Get("/v1/contacts/" + ana + "/chat-links", viewer), 403);
  ExpectProblem(Get("/v1/contacts/" + ana + "/chat-links", officer_athens), 404);
  // A person of another post has no Telegram link: the bot serves Berlin only.
  const std::string bo = CreateContact(
      {{"name", "Bo"},
       {"post_id", athens_},
       {"addresses", {{{"kind", "email"}, {"value", "bo@b.example"}, {"consent", "granted"}}}}},
      admin_token_);
  got = Get("/v1/contacts/" + bo + "/chat-links", admin_token_);
  EXPECT_EQ(got.json["links"].size(), 2u) << got.body;
  EXPECT_FALSE(got.json["links"].contains("telegram"));
}

TEST_F(ProvidersApiTest, MessagesToThePostsPeopleGoThroughItsAccount) {
  HttpSink sink;
  ASSERT_TRUE(sink.Start());
  sink.set_recording(10);
  json webhook = {{"name", "berlin-sms"},    {"type", "webhook"},
                  {"channels", {"sms"}},     {"post", berlin_},
                  {"url", sink.BaseUrl() + "/send"}};
  ASSERT_EQ(Post("/v1/providers", webhook, admin_token_).status, 201);
  auto contact = [&](const std::string& post, const std::string& phone) {
    return CreateContact({{"name", "P"},
                          {"post_id", post},
                          {"addresses",
                           {{{"kind", "phone"}, {"value", phone}, {"consent", "granted"}}}}},
                         admin_token_);
  };
  const std::string in_berlin = contact(berlin_, "+4915111111111");
  const std::string in_athens = contact(athens_, "+306900000001");
  for (const std::string& id : {in_berlin, in_athens}) {
    ASSERT_EQ(Post("/v1/messages", {{"contact_id", id}, {"channel", "sms"}, {"text", "Hello"}},
                   admin_token_)
                  .status,
              202);
  }
  auto worker = runtime_->NewWorker();
  ASSERT_TRUE(worker->RunOnce().ok());
  std::vector<SinkRequest> got = sink.Recorded();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_THAT(got[0].body, HasSubstr("+4915111111111"));
  // Athens has no account of its own: the shared sandbox.
  HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
  ASSERT_EQ(outbox.json["items"].size(), 1u) << outbox.body;
  EXPECT_EQ(outbox.json["items"][0]["to"], "+306900000001");

  // Removed: the post's messages fall back to the sandbox from the next send on.
  ASSERT_EQ(Delete("/v1/providers/berlin-sms", admin_token_).status, 204);
  HttpResult again = Post("/v1/messages",
                          {{"contact_id", in_berlin}, {"channel", "sms"}, {"text", "Again"}},
                          admin_token_);
  ASSERT_EQ(again.status, 202);
  clock_.Advance(1000);  // The direct lane takes what was queued before this millisecond.
  ASSERT_TRUE(worker->RunOnce().ok());
  EXPECT_EQ(sink.Recorded().size(), 1u);
  EXPECT_EQ(Get("/v1/sandbox/messages", admin_token_).json["items"].size(), 2u);
}

TEST_F(ProvidersApiTest, AnotherGatewayProcessPicksUpTheAccountAndOpensItsSecrets) {
  // A second process on the same Redis (a worker host) with the same configuration.
  auto other = Runtime::Open(config_, &clock_);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE((*other)->providers().Find("k-berlin").has_value());
  ASSERT_EQ(Post("/v1/providers", Kannel("k-berlin", berlin_), admin_token_).status, 201);
  ASSERT_TRUE((*other)->providers().Refresh().ok());
  std::optional<ProviderAccount> seen = (*other)->providers().Find("k-berlin");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(*seen->settings->Field("password"), kPassword);
  EXPECT_EQ(*seen->settings->Field("inbound_secret"), kInboundSecret);
  EXPECT_EQ((*other)->providers().registry().For(Channel::kSms, org_, berlin_)->account,
            "k-berlin");
}

TEST_F(ProvidersApiTest, ConfiguredAccountsAreListedButNotChangedThroughTheApi) {
  // The gateway again, with an account of this organisation in its configuration.
  auto configured = ProviderAccountFromJson({{"name", "ministry-sms"},
                                             {"type", "sandbox"},
                                             {"channels", {"sms"}},
                                             {"organisation", org_}},
                                            ProviderSource::kConfig);
  ASSERT_TRUE(configured.ok()) << configured.status();
  config_.delivery.providers = {*configured};
  RestartGateway();
  if (HasFatalFailure()) return;

  HttpResult listed = Get("/v1/providers", admin_token_);
  ASSERT_EQ(listed.json["items"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.json["items"][0]["source"], "config");
  ExpectProblem(Patch("/v1/providers/ministry-sms", {{"per_second", 5}}, admin_token_), 409);
  ExpectProblem(Delete("/v1/providers/ministry-sms", admin_token_), 409);
  json same_name = Kannel("ministry-sms", berlin_);
  ExpectProblem(Post("/v1/providers", same_name, admin_token_), 409);
  // The organisation-wide SMS account is the configured one; a post may still have its own.
  json org_wide = Kannel("k-org", "");
  EXPECT_THAT(ErrorFields(Post("/v1/providers", org_wide, admin_token_)), Contains("channels"));
  EXPECT_EQ(Post("/v1/providers", Kannel("k-berlin", berlin_), admin_token_).status, 201);
}

}  // namespace
}  // namespace ogw::testing
