#include "adapters/messenger/messenger_type.h"

#include "adapters/messenger/messenger_provider.h"
#include "adapters/messenger/messenger_webhooks.h"
#include "adapters/meta/meta_app.h"
#include "adapters/meta/meta_webhooks.h"

namespace ogw {
namespace {

constexpr char kQuarantineSource[] = "messenger";

struct MessengerSettings final : SettingsOf<MessengerSettings> {
  std::string page_access_token;  // Secret: "${MESSENGER_PAGE_ACCESS_TOKEN}" in the file.
  std::string page_id;
  MetaAppSettings app;

  void ForEachField(const FieldFn& fn) override {
    fn("page_access_token", page_access_token, FieldKind::kSecret);
    fn("page_id", page_id, FieldKind::kText);
    app.ForEachField(fn);
  }
};

InboundOutcome Verify(const ProviderAccount& account, const InboundRequest& request,
                      const ProviderContext&) {
  return VerifyMetaSubscription(request, account.SettingsAs<MessengerSettings>().app.verify_token);
}

// Messages, postbacks and deliveries, once the app secret's signature checks out.
InboundOutcome Incoming(const ProviderAccount& account, const InboundRequest& request,
                        const ProviderContext&) {
  const auto& s = account.SettingsAs<MessengerSettings>();
  return MetaWebhook(
      request, s.app.app_secret, kQuarantineSource,
      [&](std::string_view body) -> absl::StatusOr<InboundBatch> {
        ASSIGN_OR_RETURN(MessengerWebhook webhook,
                         ParseMessengerWebhook(body, account.name, s.page_id));
        InboundBatch batch;
        batch.messages = std::move(webhook.messages);
        batch.reports = std::move(webhook.reports);
        if (!webhook.foreign_page_ids.empty()) {
          // One app's webhook serves every Page subscribed to it: kept for an officer.
          batch.quarantine_reason =
              "entries for Page ids this account does not serve (configure an account for each "
              "Page, or one app per account)";
        }
        return batch;
      });
}

MessengerConfig ConfigOf(const ProviderAccount& account, const ProviderContext& ctx) {
  const auto& s = account.SettingsAs<MessengerSettings>();
  MessengerConfig config;
  config.name = account.name;
  config.api_base = s.app.api_base;
  config.api_version = s.app.api_version;
  config.page_id = s.page_id;
  config.page_access_token = s.page_access_token;
  config.timeout_ms = account.timeout_ms;
  config.destinations = ctx.PolicyFor(account, s.app.api_base);
  return config;
}

class Messenger final : public ProviderType {
 public:
  std::string_view name() const override { return "messenger"; }
  std::vector<std::string_view> channels() const override { return {"messenger"}; }
  // Meta's Send API limit for text per Page: 300 calls per second
  // (https://developers.facebook.com/docs/messenger-platform/overview/rate-limiting). The other
  // limit there, 200 calls per engaged person per 24 hours, is far above what the gateway
  // sends to people whose window is open; Meta answers 613 should it be reached.
  double default_per_second() const override { return 300; }
  std::unique_ptr<TypeSettings> NewSettings() const override {
    return std::make_unique<MessengerSettings>();
  }
  void Check(const ProviderAccount& account, ProviderSource source, JsonReader& r) const override {
    const auto& s = account.SettingsAs<MessengerSettings>();
    CheckMetaToken(s.page_access_token, "page_access_token", source, r);
    if (!IsGraphId(s.page_id)) r.Error("page_id", "expected the Facebook Page's id (digits)");
    CheckMetaApp(s.app, account, source, r, "the Page");
  }
  absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                 const ProviderContext& ctx) const override {
    return std::shared_ptr<Provider>(std::make_shared<MessengerProvider>(ConfigOf(account, ctx)));
  }
  std::vector<InboundRoute> inbound_routes() const override {
    return {{"GET", "", &Verify}, {"POST", "", &Incoming}};
  }
  // Messenger hands the ref to the Page in a referral (or the Get Started postback).
  std::string ChatLink(const ProviderAccount& account, std::string_view code) const override {
    return "https://m.me/" + account.SettingsAs<MessengerSettings>().page_id +
           "?ref=" + std::string(code);
  }
  std::vector<ProviderSetup> Setup(const ProviderAccount& account,
                                   const ProviderContext& ctx) const override {
    return {{"App dashboard > Messenger > Settings > Webhooks: Callback URL",
             ctx.InboundUrl(inbound_path(), account, "")},
            {"App dashboard > Messenger > Settings > Webhooks: Verify token",
             "the account's verify_token"},
            {"Page subscriptions (webhook fields)",
             "messages, messaging_postbacks, "
             "message_deliveries"}};
  }
};

}  // namespace

const ProviderType& MessengerType() {
  static const Messenger type;
  return type;
}

}  // namespace ogw
