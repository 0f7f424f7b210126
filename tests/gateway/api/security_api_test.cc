// Threats from docs/ARCHITECTURE.md, "Threats and mitigations", against an in-process gateway:
// one organisation capturing another's messages, credentials in answers, public routes that
// store what anyone sends.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "adapters/sms/kannel_webhooks.h"
#include "gateway/api/scan_gate.h"
#include "gateway/core/key_schema.h"
#include "tests/testutil/api_harness.h"
#include "tests/testutil/http_sink.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kInboundSecret[] = "kannel-inbound-secret-0123456789";

class SecurityApiTest : public ApiTest {
 protected:
  // An admin's Kannel account for the organisation, optionally with a country.
  void AddKannel(const std::string& country) {
    json k = {{"name", "kannel-1"},
              {"type", "kannel"},
              {"channels", {"sms"}},
              {"url", "http://127.0.0.1:13013/cgi-bin/sendsms"},
              {"username", "embassy"},
              {"password", "pw"},
              {"inbound_secret", kInboundSecret}};
    if (!country.empty()) k["country"] = country;
    HttpResult r = Post("/v1/providers", k, admin_token_);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // What smsbox fetches for one incoming SMS, correctly keyed.
  HttpResult KannelSms(const std::string& id, const std::string& from, const std::string& text,
                       const std::string& charset = "UTF-8") {
    FormParams q = {{"id", id},       {"from", from},       {"to", "+4930555"},
                    {"text", text},   {"coding", "0"},      {"charset", charset},
                    {"ts", "1700000000"},
                    {"key", KannelInboundKey(kInboundSecret, "kannel-1")}};
    return Get("/v1/inbound/kannel/kannel-1?" + EncodeFormUrlEncoded(q), "");
  }

  // Every contact's addresses of `kind`, by value.
  std::map<std::string, json> AddressesOf(const std::string& kind) {
    std::map<std::string, json> out;
    HttpResult list = Get("/v1/contacts?limit=100", admin_token_);
    for (const json& c : list.json["items"]) {
      for (const json& a : c["addresses"]) {
        if (a["kind"] == kind) out[a["value"].get<std::string>()] = a;
      }
    }
    return out;
  }

  // A plain TCP connection to the API, for requests no HTTP client would send; -1 (with a
  // test failure) when it cannot connect.
  int ConnectToApi() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ADD_FAILURE() << "cannot connect to the API";
      close(fd);
      return -1;
    }
    return fd;
  }

  // Sends raw bytes to the API and reads until the server closes or `timeout_ms` passes.
  std::string RawExchange(const std::string& request, int timeout_ms) {
    int fd = ConnectToApi();
    if (fd < 0) return "";
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    std::string answer;
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      answer.append(buf, static_cast<size_t>(n));
      // One answer is enough: stop at the end of its body.
      const size_t head = answer.find("\r\n\r\n");
      const size_t cl = answer.find("Content-Length: ");
      if (head != std::string::npos && cl != std::string::npos && cl < head) {
        const size_t length = std::stoul(answer.substr(cl + 16));
        if (answer.size() >= head + 4 + length) break;
      }
    }
    close(fd);
    return answer;
  }
};

TEST_F(SecurityApiTest, NoAccountOfOneOrganisationServesAnother) {
  // A shared account from the configuration, serving every organisation's WhatsApp.
  auto shared = ProviderAccountFromJson(
      {{"name", "shared-whatsapp"}, {"type", "sandbox"}, {"channels", {"whatsapp"}}},
      ProviderSource::kConfig);
  ASSERT_TRUE(shared.ok()) << shared.status();
  config_.delivery.providers = {*shared};
  RestartGateway();
  if (HasFatalFailure()) return;

  HttpSink sink;
  ASSERT_TRUE(sink.Start());
  sink.set_recording(100);
  std::string attacker_org;
  const std::string attacker = CreateOrganisation("Attacker", &attacker_org);
  ASSERT_FALSE(attacker.empty());
  auto hook = [&](const std::string& name, const std::string& channel) {
    return json{{"name", name},
                {"type", "webhook"},
                {"channels", {channel}},
                {"url", sink.BaseUrl() + "/capture"}};
  };
  // Every implicit sandbox name, in any letter case, and every configured name are taken.
  for (Channel ch : kPersonChannels) {
    const std::string channel(ChannelName(ch));
    for (const std::string& name : {channel + "-sandbox", std::string("SMS-Sandbox")}) {
      HttpResult r = Post("/v1/providers", hook(name, channel), attacker);
      ExpectProblem(r, 422);
      EXPECT_THAT(ErrorFields(r), Contains("name")) << name;
    }
  }
  ExpectProblem(Post("/v1/providers", hook("shared-whatsapp", "whatsapp"), attacker), 409);

  // Accounts that got into Redis another way (an older version, by hand) are not used for
  // anyone else either: one under a sandbox name, one without an organisation.
  auto planted = ProviderAccountFromJson({{"name", "sms-sandbox"},
                                          {"type", "webhook"},
                                          {"channels", {"sms"}},
                                          {"organisation", attacker_org},
                                          {"url", sink.BaseUrl() + "/capture"}},
                                         ProviderSource::kConfig);
  ASSERT_TRUE(planted.ok()) << planted.status();
  ASSERT_TRUE(runtime_->Services().provider_store->Create(*planted).ok());
  planted->name = "email-hook";
  planted->channels = {"email"};
  planted->organisation = "";
  ASSERT_TRUE(runtime_->Services().provider_store->Create(*planted).ok());
  ASSERT_TRUE(runtime_->providers().Refresh(/*force=*/true).ok());
  EXPECT_FALSE(runtime_->providers().Find("sms-sandbox").has_value());
  EXPECT_FALSE(runtime_->providers().Find("email-hook").has_value());

  // The victim sends a direct message and a campaign on each of SMS and e-mail.
  const std::string person = CreateContact(
      {{"name", "Mira"},
       {"addresses",
        {{{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}},
         {{"kind", "email"}, {"value", "mira@victim.example"}, {"consent", "granted"}}}}},
      admin_token_);
  for (const char* channel : {"sms", "email"}) {
    json message = {{"contact_id", person}, {"channel", channel}, {"text", "Counselling day"}};
    if (std::string(channel) == "email") message["subject"] = "Counselling day";
    HttpResult sent = Post("/v1/messages", message, admin_token_);
    ASSERT_EQ(sent.status, 202) << sent.body;
  }
  const std::string tpl = CreateTemplate(
      {{"name", "Survey"},
       {"default_language", "en"},
       {"variants", {{"en", {{"subject", "Survey"}, {"body", "Please answer"}, {"sms", "Answer"}}}}}},
      admin_token_);
  const std::string everyone = CreateSegment({{"name", "All"}, {"expression", "true"}}, admin_token_);
  for (const char* channel : {"sms", "email"}) {
    HttpResult campaign = Post("/v1/campaigns",
                               {{"name", std::string("Survey ") + channel},
                                {"template_id", tpl},
                                {"segment_id", everyone},
                                {"channel", channel}},
                               admin_token_);
    ASSERT_EQ(campaign.status, 201) << campaign.body;
    HttpResult launched = Post("/v1/campaigns/" + campaign.json.value("id", "") + "/launch",
                               json::object(), admin_token_);
    ASSERT_EQ(launched.status, 202) << launched.body;
  }
  auto worker = runtime_->NewWorker();
  for (int round = 0; round < 3; ++round) {
    clock_.Advance(1000);
    ASSERT_TRUE(worker->RunOnce().ok());
  }
  EXPECT_EQ(sink.Recorded().size(), 0u);
  HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
  ASSERT_EQ(outbox.status, 200);
  EXPECT_EQ(outbox.json["items"].size(), 4u) << outbox.body;
}

TEST_F(SecurityApiTest, ProviderUrlsAreShownWithoutTheirCredentials) {
  json hook = {{"name", "hook"},
               {"type", "webhook"},
               {"channels", {"sms"}},
               {"url", "https://relay:s3cret-pass@93.184.216.34/send?x=1"}};
  HttpResult added = Post("/v1/providers", hook, admin_token_);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.json["url"], "https://redacted@93.184.216.34/send?x=1");
  const std::string viewer = CreateOfficerToken("viewer", {});
  HttpResult seen = Get("/v1/providers/hook", viewer);
  ASSERT_EQ(seen.status, 200);
  EXPECT_THAT(seen.body, ContainsNoneOf({"s3cret-pass"}));
  // What GET showed may be sent back: the stored credentials stay.
  json round_trip = seen.json;
  round_trip["per_second"] = 3;
  ASSERT_EQ(Patch("/v1/providers/hook", round_trip, admin_token_).status, 200);
  EXPECT_EQ(*runtime_->providers().Find("hook")->settings->Field("url"),
            "https://relay:s3cret-pass@93.184.216.34/send?x=1");
}

TEST_F(SecurityApiTest, MailboxPollsAreBoundedForApiAccounts) {
  json smtp = {{"name", "mail"},
               {"type", "smtp"},
               {"channels", {"email"}},
               {"url", "smtp://127.0.0.1:2525"},
               {"from", "consulate@example.org"},
               {"imap_url", "imap://127.0.0.1:1143/INBOX"},
               {"poll_seconds", 1}};
  HttpResult r = Post("/v1/providers", smtp, admin_token_);
  ExpectProblem(r, 422);
  EXPECT_THAT(ErrorFields(r), Contains("poll_seconds"));
}

TEST_F(SecurityApiTest, SmsSendersWithoutPlusOrInNationalFormAreNeverRefused) {
  AddKannel("DE");
  if (HasFatalFailure()) return;
  // An SMSC's international digits, a national number, a short code.
  EXPECT_EQ(KannelSms("u1", "4915111111111", "Hallo").status, 200);
  EXPECT_EQ(KannelSms("u2", "0015122222222", "Hi").status, 200);
  EXPECT_EQ(KannelSms("u3", "015133333333", "Guten Tag").status, 200);
  EXPECT_EQ(KannelSms("u4", "88000", "promo").status, 200);
  std::map<std::string, json> phones = AddressesOf("phone");
  EXPECT_TRUE(phones.contains("+4915111111111"));
  EXPECT_TRUE(phones.contains("+15122222222"));
  EXPECT_TRUE(phones.contains("+4915133333333"));
  ASSERT_TRUE(phones.contains("88000"));
  EXPECT_EQ(phones["88000"]["verified"], false);
  // A retry of the same message is stored once.
  EXPECT_EQ(KannelSms("u1", "4915111111111", "Hallo").status, 200);
  EXPECT_EQ(AddressesOf("phone").size(), phones.size());
}

TEST_F(SecurityApiTest, SignedWebhooksThatCannotBeReadAreQuarantinedNotRefused) {
  AddKannel("");
  if (HasFatalFailure()) return;
  // Not UTF-8 in a charset that says so: smsbox does not retry a refusal, so it is kept.
  HttpResult r = KannelSms("bad1", "4915111111111", "\xff\xfe broken", "UTF-8");
  EXPECT_EQ(r.status, 200) << r.body;
  // A wrong key is still refused, and not kept.
  FormParams forged = {{"id", "x"}, {"from", "1"}, {"to", "2"}, {"text", "t"}, {"key", "00"}};
  EXPECT_EQ(Get("/v1/inbound/kannel/kannel-1?" + EncodeFormUrlEncoded(forged), "").status, 403);

  HttpResult listed = Get("/v1/providers/kannel-1/quarantine", admin_token_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json["items"].size(), 1u) << listed.body;
  const json& entry = listed.json["items"][0];
  EXPECT_EQ(entry["source"], "kannel");
  EXPECT_THAT(entry["reason"].get<std::string>(), HasSubstr("text"));
  EXPECT_THAT(entry["sample"].get<std::string>(), HasSubstr("id=bad1"));
  EXPECT_THAT(entry["sample"].get<std::string>(), Not(HasSubstr("key=")));
  EXPECT_THAT(Get("/metrics", "").body, HasSubstr("ogw_inbound_quarantined_total{source=\"kannel\"} 1"));
  // Admins only.
  ExpectProblem(Get("/v1/providers/kannel-1/quarantine", CreateOfficerToken("officer", {})), 403);
}

TEST_F(SecurityApiTest, KeywordFromAnAddressTheContactDoesNotHaveIsStoredAndApplied) {
  const std::string person = CreateContact(
      {{"name", "Ana"},
       {"addresses", {{{"kind", "email"}, {"value", "ana@home.example"}, {"consent", "granted"}}}}},
      admin_token_);
  const std::string org = Get("/v1/me", admin_token_).json.value("org_id", "");
  InboundMessage m;
  m.provider = "email-sandbox";
  m.channel = Channel::kEmail;
  m.provider_message_id = "<stop-1@work.example>";
  m.from = "ana@work.example";
  m.text = "STOP";
  m.reply_token = runtime_->tokens().ReplyToken(org, person);
  auto stored = runtime_->inbound().Receive({org, "", "email-sandbox", false, ""}, m);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->contact_id, person);
  EXPECT_EQ(stored->keyword, KeywordIntent::kStop);
  HttpResult contact = Get("/v1/contacts/" + person, admin_token_);
  std::map<std::string, json> by_value;
  for (const json& a : contact.json["addresses"]) by_value[a["value"].get<std::string>()] = a;
  ASSERT_TRUE(by_value.contains("ana@work.example")) << contact.body;
  EXPECT_EQ(by_value["ana@work.example"]["verified"], false);
  EXPECT_EQ(by_value["ana@work.example"]["consent"]["state"], "withdrawn");
  // The address the newsletter goes to is the person's own business.
  EXPECT_EQ(by_value["ana@home.example"]["consent"]["state"], "granted");
  // A retry is a duplicate, not an error.
  auto again = runtime_->inbound().Receive({org, "", "email-sandbox", false, ""}, m);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->kind, InboundResult::Kind::kDuplicate);
}

TEST_F(SecurityApiTest, UnreadableMailFromTheRelayIsQuarantined) {
  json smtp = {{"name", "mail-1"},
               {"type", "smtp"},
               {"channels", {"email"}},
               {"url", "smtp://127.0.0.1:2525"},
               {"from", "consulate@example.org"},
               {"inbound_secret", kInboundSecret}};
  ASSERT_EQ(Post("/v1/providers", smtp, admin_token_).status, 201);
  // A header without any sender: nothing to thread it to.
  HttpResult r = PostRaw("/v1/inbound/email/mail-1",
                         "Subject: who wrote this?\r\nMessage-ID: <a@b.example>\r\n\r\nHello",
                         "message/rfc822", "",
                         {{"Authorization", std::string("Bearer ") + kInboundSecret}});
  EXPECT_LT(r.status, 300) << r.body;
  HttpResult listed = Get("/v1/providers/mail-1/quarantine", admin_token_);
  ASSERT_EQ(listed.json["items"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.json["items"][0]["source"], "email_webhook");
  EXPECT_THAT(listed.json["items"][0]["sample"].get<std::string>(), HasSubstr("who wrote this?"));
  EXPECT_THAT(listed.json["items"][0]["sample"].get<std::string>(), Not(HasSubstr("Hello")));
}

TEST_F(SecurityApiTest, APostWithoutBodyOrLengthIsAnEmptyBody) {
  // `curl -X POST <url>` as the README shows it: no Content-Length, no body.
  const std::string tpl = CreateTemplate(
      {{"name", "T"},
       {"default_language", "en"},
       {"variants", {{"en", {{"subject", "Hi"}, {"body", "Hi"}, {"sms", "Hi"}}}}}},
      admin_token_);
  const std::string everyone = CreateSegment({{"name", "All"}, {"expression", "true"}}, admin_token_);
  CreateContact({{"name", "P"},
                 {"addresses", {{{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}}}}},
                admin_token_);
  HttpResult campaign = Post("/v1/campaigns",
                             {{"name", "C"}, {"template_id", tpl}, {"segment_id", everyone},
                              {"channel", "sms"}},
                             admin_token_);
  ASSERT_EQ(campaign.status, 201) << campaign.body;
  const std::string answer = RawExchange(
      "POST /v1/campaigns/" + campaign.json.value("id", "") + "/launch HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\nAuthorization: Bearer " + admin_token_ + "\r\nAccept: */*\r\n\r\n",
      2000);
  EXPECT_THAT(answer, HasSubstr("HTTP/1.1 202")) << answer;
  // A malformed request gets the API's problem body, with a detail that helps.
  const std::string bad = RawExchange("POST /v1/posts HTTP/1.1\r\nHost: x\r\n"
                                      "Content-Length: nope\r\n\r\n", 2000);
  EXPECT_THAT(bad, HasSubstr("application/problem+json")) << bad;
}

TEST_F(SecurityApiTest, IdempotentAnswersAreKeptOnlyForCallersWithAKey) {
  for (int i = 0; i < 5; ++i) {
    Post("/u/not-a-token", json::object(), "", {{"Idempotency-Key", "k" + std::to_string(i)}});
  }
  auto keys = pool().Command({"KEYS", "*idem*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->elements.empty());
}

TEST_F(SecurityApiTest, AStoredAnswerIsNotReplayedAfterTheKeysPostsChanged) {
  const std::string berlin = CreatePost("Berlin");
  const std::string athens = CreatePost("Athens");
  std::string officer_id;
  const std::string officer = CreateOfficerToken("officer", {berlin}, &officer_id);
  httplib::Headers key = {{"Idempotency-Key", "contact-1"}};
  json body = {{"name", "Nino"},
               {"post_id", berlin},
               {"addresses", {{{"kind", "phone"}, {"value", "+995555123456"}}}}};
  HttpResult first = Post("/v1/contacts", body, officer, key);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(Post("/v1/contacts", body, officer, key).Header("Idempotent-Replayed"), "true");
  // Moved to Athens: the Berlin contact is no longer theirs to see, replayed or not.
  ASSERT_EQ(Patch("/v1/officers/" + officer_id, {{"posts", {athens}}}, admin_token_).status, 200);
  HttpResult replay = Post("/v1/contacts", body, officer, key);
  ExpectProblem(replay, 403);
  EXPECT_THAT(replay.body, Not(HasSubstr("Nino")));
}

TEST_F(SecurityApiTest, MetricsDoNotNameCampaigns) {
  const std::string person = CreateContact(
      {{"name", "P"},
       {"addresses", {{{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}}}}},
      admin_token_);
  ASSERT_EQ(Post("/v1/messages", {{"contact_id", person}, {"channel", "sms"}, {"text", "Hi"}},
                 admin_token_)
                .status,
            202);
  auto worker = runtime_->NewWorker();
  ASSERT_TRUE(worker->RunOnce().ok());
  const std::string metrics = Get("/metrics", "").body;
  EXPECT_THAT(metrics, HasSubstr("ogw_delivery_messages_total{channel=\"sms\",kind=\"direct\""));
  EXPECT_THAT(metrics, Not(HasSubstr("campaign=")));
}

class MetricsTokenTest : public ApiTest {
 protected:
  void Configure(GatewayConfig& config) override {
    config.api.metrics_token = "metrics-token-0123456789abcdef";
  }
};

TEST_F(MetricsTokenTest, MetricsNeedTheConfiguredToken) {
  ExpectProblem(Get("/metrics", ""), 403);
  ExpectProblem(Get("/metrics", "metrics-token-wrong-0123456789"), 403);
  HttpResult r = Get("/metrics", "metrics-token-0123456789abcdef");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("ogw_http_requests_total"));
}

TEST_F(SecurityApiTest, AFullRedisIsAnsweredWith503AndNothingChanges) {
  HttpResult before = Get("/v1/posts", admin_token_);
  ASSERT_EQ(before.status, 200);
  ASSERT_TRUE(pool().Command({"CONFIG", "SET", "maxmemory", "1"}).ok());
  HttpResult r = Post("/v1/posts", {{"name", "Embassy in Tbilisi"}}, admin_token_);
  ASSERT_TRUE(pool().Command({"CONFIG", "SET", "maxmemory", "0"}).ok());
  ExpectProblem(r, 503);
  EXPECT_THAT(r.json.value("detail", ""), HasSubstr("storage is full"));
  EXPECT_EQ(Get("/v1/posts", admin_token_).json["items"].size(), before.json["items"].size());
}


// An installation that allows no internal destination (the default).
class SsrfApiTest : public SecurityApiTest {
 protected:
  void Configure(GatewayConfig& config) override { config.api.allowed_destinations.clear(); }
};

TEST_F(SsrfApiTest, AccountsCannotPointAtInternalAddresses) {
  for (const char* host : {"localhost", "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1",
                           "[::1]", "[::ffff:127.0.0.1]", "10.0.0.1", "192.168.1.1",
                           "169.254.169.254", "100.64.0.1", "224.0.0.1", "0.0.0.0",
                           "[fe80::1]", "[fc00::1]"}) {
    json hook = {{"name", "hook"},
                 {"type", "webhook"},
                 {"channels", {"sms"}},
                 {"url", std::string("http://") + host + ":8080/internal"}};
    HttpResult r = Post("/v1/providers", hook, admin_token_);
    ExpectProblem(r, 422);
    EXPECT_THAT(ErrorFields(r), Contains("url")) << host;
  }
  json twilio = {{"name", "tw"},          {"type", "twilio"},
                 {"channels", {"sms"}},   {"account_sid", "AC123"},
                 {"auth_token", "secret"}, {"from", "+4930555"},
                 {"api_base", "http://169.254.169.254"}};
  EXPECT_THAT(ErrorFields(Post("/v1/providers", twilio, admin_token_)), Contains("api_base"));
  json smtp = {{"name", "mail"},
               {"type", "smtp"},
               {"channels", {"email"}},
               {"url", "smtp://93.184.216.34:587"},
               {"from", "consulate@example.org"},
               {"imap_url", "imap://10.1.2.3:143/INBOX"}};
  EXPECT_THAT(ErrorFields(Post("/v1/providers", smtp, admin_token_)), Contains("imap_url"));

  // A public address is fine; changing it to an internal one is refused like a new account.
  json hook = {{"name", "hook"},
               {"type", "webhook"},
               {"channels", {"sms"}},
               {"url", "https://93.184.216.34/send"}};
  ASSERT_EQ(Post("/v1/providers", hook, admin_token_).status, 201);
  HttpResult patched = Patch("/v1/providers/hook", {{"url", "http://0x7f000001:13013/"}},
                             admin_token_);
  ExpectProblem(patched, 422);
  EXPECT_THAT(ErrorFields(patched), Contains("url"));
  EXPECT_EQ(*runtime_->providers().Find("hook")->settings->Field("url"),
            "https://93.184.216.34/send");
}

TEST_F(SsrfApiTest, AnAccountThatGotPastTheCheckStillCannotConnectInternally) {
  // As after DNS rebinding: the stored account's URL now leads to loopback.
  HttpSink sink;
  ASSERT_TRUE(sink.Start());
  sink.set_recording(10);
  const std::string org = Get("/v1/me", admin_token_).json.value("org_id", "");
  auto planted = ProviderAccountFromJson({{"name", "hook"},
                                          {"type", "webhook"},
                                          {"channels", {"sms"}},
                                          {"organisation", org},
                                          {"url", sink.BaseUrl() + "/send"}},
                                         ProviderSource::kConfig);
  ASSERT_TRUE(planted.ok()) << planted.status();
  ASSERT_TRUE(runtime_->Services().provider_store->Create(*planted).ok());
  ASSERT_TRUE(runtime_->providers().Refresh(/*force=*/true).ok());
  const std::string person = CreateContact(
      {{"name", "P"},
       {"addresses", {{{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}}}}},
      admin_token_);
  HttpResult sent = Post("/v1/messages",
                         {{"contact_id", person}, {"channel", "sms"}, {"text", "Hi"}},
                         admin_token_);
  ASSERT_EQ(sent.status, 202) << sent.body;
  auto worker = runtime_->NewWorker();
  ASSERT_TRUE(worker->RunOnce().ok());
  EXPECT_TRUE(sink.Recorded().empty());
  HttpResult message = Get("/v1/messages/" + sent.json.value("id", ""), admin_token_);
  EXPECT_NE(message.json.value("status", ""), "sent") << message.body;
}


std::string Nested(int depth, const std::string& inner) {
  std::string t;
  for (int i = 0; i < depth; ++i) t += "{{#event.l}}";
  t += inner;
  for (int i = 0; i < depth; ++i) t += "{{/event.l}}";
  return t;
}

TEST_F(SecurityApiTest, RenderBudgetsStopExplodingTemplates) {
  // 10^9 renderings over a 10-item list: refused when saved, naming the field and position.
  HttpResult refused = Post("/v1/templates",
                            {{"name", "Bomb"},
                             {"default_language", "en"},
                             {"variants", {{"en", {{"body", Nested(9, "x")}}}}}},
                            admin_token_);
  ExpectProblem(refused, 422);
  EXPECT_THAT(refused.body, HasSubstr("nested more than 4 deep"));
  EXPECT_THAT(refused.body, HasSubstr("variants.en.body"));

  // Four levels pass the check; the variables given at send time make them explode.
  const std::string bomb = CreateTemplate({{"name", "Nested"},
                                           {"default_language", "en"},
                                           {"variants", {{"en", {{"sms", Nested(4, "x")},
                                                                 {"body", Nested(4, "x")}}}}}},
                                          admin_token_);
  const std::string plain = CreateTemplate(
      {{"name", "Plain"}, {"default_language", "en"}, {"variants", {{"en", {{"body", "Hello"}}}}}},
      admin_token_);
  const std::string everyone = CreateSegment({{"name", "All"}, {"expression", "true"}}, admin_token_);
  for (int i = 0; i < 3; ++i) {
    CreateContact({{"name", "P" + std::to_string(i)},
                   {"addresses",
                    {{{"kind", "phone"},
                      {"value", "+49151111111" + std::to_string(10 + i)},
                      {"consent", "granted"}}}}},
                  admin_token_);
  }
  json list = json::array();
  for (int i = 0; i < 300; ++i) list.push_back(i);
  // Oversized variables are refused outright.
  json huge = json::array();
  for (int i = 0; i < 20000; ++i) huge.push_back(i);
  HttpResult too_big = Post("/v1/campaigns",
                            {{"name", "Huge"}, {"template_id", plain}, {"segment_id", everyone},
                             {"channel", "sms"}, {"variables", {{"event", {{"l", huge}}}}}},
                            admin_token_);
  ExpectProblem(too_big, 422);
  EXPECT_EQ(too_big.json["field"], "variables");

  std::vector<std::string> campaigns;
  for (const auto& [tpl, variables] :
       {std::pair{bomb, json{{"event", {{"l", list}}}}}, std::pair{plain, json::object()}}) {
    HttpResult c = Post("/v1/campaigns",
                        {{"name", "C" + tpl}, {"template_id", tpl}, {"segment_id", everyone},
                         {"channel", "sms"}, {"variables", variables}},
                        admin_token_);
    ASSERT_EQ(c.status, 201) << c.body;
    campaigns.push_back(c.json.value("id", ""));
    ASSERT_EQ(Post("/v1/campaigns/" + campaigns.back() + "/launch", json::object(), admin_token_)
                  .status,
              202);
  }
  auto worker = runtime_->NewWorker();
  for (int round = 0; round < 3; ++round) {
    clock_.Advance(1000);
    ASSERT_TRUE(worker->RunOnce().ok());
  }
  HttpResult exploded = Get("/v1/campaigns/" + campaigns[0], admin_token_);
  EXPECT_EQ(exploded.json["stats"].value("failed", -1), 3) << exploded.body;
  HttpResult fine = Get("/v1/campaigns/" + campaigns[1], admin_token_);
  EXPECT_EQ(fine.json["stats"].value("sent", -1), 3) << fine.body;
}

TEST_F(SecurityApiTest, ClicksAreNotedOnceAnHourAndNeverEvictReplies) {
  const std::string org = Get("/v1/me", admin_token_).json.value("org_id", "");
  const std::string person = CreateContact(
      {{"name", "Ana"},
       {"addresses", {{{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
      admin_token_);
  ASSERT_EQ(Post("/v1/sandbox/replies",
                 {{"contact_id", person}, {"channel", "email"}, {"text", "My first reply"}},
                 admin_token_)
                .status,
            201);
  auto token = runtime_->links().Mint({org, "cmp_1", person, 0}, "https://example.org/survey");
  ASSERT_TRUE(token.ok());
  // A link-preview bot, a forwarded mail: 200 clicks in a minute.
  for (int i = 0; i < 200; ++i) ASSERT_EQ(Get("/l/" + *token, "").status, 302);
  auto count = [&](const std::string& kind) {
    auto entries = runtime_->conversations().Read(org, person, "", 10'000);
    EXPECT_TRUE(entries.ok());
    int n = 0;
    for (const auto& e : *entries) n += e.kind == kind;
    return n;
  };
  EXPECT_EQ(count("click"), 1);
  clock_.Advance(3'600'000);
  ASSERT_TRUE(pool().Command({"DEL", keys::ClickNoted(org, person, "cmp_1", "0")}).ok());
  ASSERT_EQ(Get("/l/" + *token, "").status, 302);
  EXPECT_EQ(count("click"), 2);

  // A full log (the reply, two clicks and the rest) takes no more clicks: the reply stays.
  std::vector<ConversationAppend> filler(ConversationLog::kMaxEntries - 3,
                                         {person, "status", {{"state", "sent"}}});
  ASSERT_TRUE(runtime_->conversations().AppendMany(org, filler).ok());
  ASSERT_TRUE(pool().Command({"DEL", keys::ClickNoted(org, person, "cmp_1", "0")}).ok());
  ASSERT_EQ(Get("/l/" + *token, "").status, 302);
  EXPECT_EQ(count("click"), 2);
  EXPECT_EQ(count("in"), 1);
}

TEST_F(SecurityApiTest, SimulatedRepliesNeverChangeConsentOnARealChannel) {
  HttpSink sink;
  ASSERT_TRUE(sink.Start());
  json hook = {{"name", "real-sms"}, {"type", "webhook"}, {"channels", {"sms"}},
               {"url", sink.BaseUrl() + "/send"}};
  ASSERT_EQ(Post("/v1/providers", hook, admin_token_).status, 201);
  const std::string person = CreateContact(
      {{"name", "Ana"},
       {"addresses",
        {{{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}},
         {{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
      admin_token_);
  HttpResult sms = Post("/v1/sandbox/replies",
                        {{"contact_id", person}, {"channel", "sms"}, {"text", "STOP"}},
                        admin_token_);
  ASSERT_EQ(sms.status, 201) << sms.body;
  EXPECT_EQ(sms.json["keyword"], "");
  // E-mail has no real provider here: the drill works as before.
  HttpResult email = Post("/v1/sandbox/replies",
                          {{"contact_id", person}, {"channel", "email"}, {"text", "STOP"}},
                          admin_token_);
  ASSERT_EQ(email.status, 201) << email.body;
  EXPECT_EQ(email.json["keyword"], "stop");
  HttpResult contact = Get("/v1/contacts/" + person, admin_token_);
  for (const json& a : contact.json["addresses"]) {
    EXPECT_EQ(a["consent"]["state"], a["kind"] == "phone" ? "granted" : "withdrawn") << a;
  }
  HttpResult log = Get("/v1/contacts/" + person + "/conversation", admin_token_);
  int simulated = 0;
  for (const json& e : log.json["entries"]) simulated += e.value("simulated", "") == "true";
  EXPECT_EQ(simulated, 2) << log.body;
}

class ScanLimitTest : public SecurityApiTest {
 protected:
  void Configure(GatewayConfig& config) override {
    SecurityApiTest::Configure(config);
    config.api.scan_rate_limit = {0.05, 2};
  }
};

TEST_F(ScanLimitTest, WholeOrganisationScansHaveTheirOwnRate) {
  json body = {{"expression", "true"}};
  EXPECT_EQ(Post("/v1/segments/preview", body, admin_token_).status, 200);
  EXPECT_EQ(Post("/v1/segments/preview", body, admin_token_).status, 200);
  HttpResult limited = Post("/v1/segments/preview", body, admin_token_);
  ExpectProblem(limited, 429);
  EXPECT_FALSE(limited.Header("Retry-After").empty());
  // Other requests of the same key are not held back.
  EXPECT_EQ(Get("/v1/segments", admin_token_).status, 200);
  // Another organisation has its own budget.
  const std::string other = CreateOrganisation("Other");
  EXPECT_EQ(Post("/v1/segments/preview", body, other).status, 200);
}

TEST_F(SecurityApiTest, AtMostTheGivenNumberOfScansRunAtOncePerOrganisation) {
  ScanGate gate(runtime_->Services().rate_limiter, RateLimit{1000, 1000}, 1);
  ApiResponse problem;
  std::optional<ScanGate::Permit> first = gate.Enter("o_a", &problem);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(gate.Enter("o_a", &problem).has_value());
  EXPECT_EQ(problem.status, 429);
  EXPECT_EQ(problem.headers["Retry-After"], "1");
  EXPECT_TRUE(gate.Enter("o_b", &problem).has_value());  // Released at once again.
  first.reset();
  EXPECT_TRUE(gate.Enter("o_a", &problem).has_value());
}

TEST_F(SecurityApiTest, AStartByEmailOnlyAsksTheAddressToConfirm) {
  const std::string org = Get("/v1/me", admin_token_).json.value("org_id", "");
  const std::string person = CreateContact(
      {{"name", "Ana"},
       {"languages", {"fr"}},
       {"addresses", {{{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
      admin_token_);
  auto receive = [&](const std::string& id, const std::string& text) {
    InboundMessage m;
    m.provider = "email-sandbox";
    m.channel = Channel::kEmail;
    m.provider_message_id = id;
    m.from = "ana@a.example";  // Anyone can write this.
    m.text = text;
    auto r = runtime_->inbound().Receive({org, "", "email-sandbox", false, ""}, m);
    EXPECT_TRUE(r.ok()) << r.status();
  };
  auto consent = [&] {
    return Get("/v1/contacts/" + person, admin_token_).json["addresses"][0]["consent"]["state"];
  };
  receive("<stop@a.example>", "STOP");  // The safe direction: at once.
  EXPECT_EQ(consent(), "withdrawn");
  receive("<start-1@forger.example>", "START");
  EXPECT_EQ(consent(), "withdrawn");
  receive("<start-2@forger.example>", "START");  // Asked once a day only.

  // One direct message per person at a time: the opt-out confirmation, then the request.
  auto worker = runtime_->NewWorker();
  for (int round = 0; round < 3; ++round) {
    clock_.Advance(1000);
    ASSERT_TRUE(worker->RunOnce().ok());
  }
  HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
  std::string link;
  int requests = 0;
  for (const json& m : outbox.json["items"]) {
    const std::string text = m.value("text", "");
    const size_t at = text.find("/c/");
    if (at == std::string::npos) continue;
    ++requests;
    EXPECT_THAT(text, HasSubstr("confirmer"));  // In the person's language.
    link = text.substr(at, text.find(' ', at) - at);
  }
  ASSERT_EQ(requests, 1) << outbox.body;
  // A mail scanner following the link changes nothing.
  EXPECT_EQ(Get(link, "").status, 200);
  EXPECT_EQ(consent(), "withdrawn");
  // Forged or altered links do nothing.
  EXPECT_EQ(PostRaw(link + "x", "", "application/x-www-form-urlencoded", "").status, 404);
  EXPECT_EQ(consent(), "withdrawn");
  HttpResult confirmed = PostRaw(link, "", "application/x-www-form-urlencoded", "");
  EXPECT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(consent(), "granted");
  // Expired after 7 days.
  clock_.Advance(8 * 86'400'000LL);
  EXPECT_EQ(Get(link, "").status, 404);
}

TEST_F(SecurityApiTest, AHundredSlowClientsDoNotStopTheApi) {
  // Each sends a request line and one header, then nothing: a connection the HTTP layer keeps
  // reading until its read timeout (30 s here).
  std::vector<int> slow;
  for (int i = 0; i < 100; ++i) {
    int fd = ConnectToApi();
    ASSERT_GE(fd, 0);
    const std::string partial = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    ASSERT_EQ(send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
    slow.push_back(fd);
  }
  // Health checks and provider webhooks are still answered while they hang, long before their
  // 30 s are up (5 s leaves room for a machine busy with other tests under the sanitizers).
  httplib::Client quick("127.0.0.1", server_->port());
  quick.set_connection_timeout(5, 0);
  quick.set_read_timeout(5, 0);
  for (int i = 0; i < 5; ++i) {
    auto health = quick.Get("/healthz");
    ASSERT_TRUE(health) << httplib::to_string(health.error());
    EXPECT_EQ(health->status, 200);
    auto hook = quick.Get("/v1/inbound/kannel/nobody?id=1");
    ASSERT_TRUE(hook) << httplib::to_string(hook.error());
    EXPECT_EQ(hook->status, 404);
  }
  for (int fd : slow) close(fd);
}

class PublicRateTest : public SecurityApiTest {
 protected:
  void Configure(GatewayConfig& config) override {
    SecurityApiTest::Configure(config);
    config.api.public_rate_limit = {0.1, 5};
  }
};

TEST_F(PublicRateTest, PublicRoutesHaveABudgetPerClientAddress) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Get("/l/aaaaaaaaaaaaaaaaaaaa", "").status, 404);
  HttpResult limited = Get("/u/whatever", "");
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.Header("Retry-After").empty());
  // The operator's own checks and the authenticated API are not held back.
  EXPECT_EQ(Get("/healthz", "").status, 200);
  EXPECT_EQ(Get("/v1/me", admin_token_).status, 200);
}

}  // namespace
}  // namespace ogw::testing
