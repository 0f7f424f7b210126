#include "adapters/whatsapp/whatsapp_type.h"

#include "adapters/meta/meta_app.h"
#include "adapters/meta/meta_webhooks.h"
#include "adapters/whatsapp/whatsapp_provider.h"
#include "adapters/whatsapp/whatsapp_webhooks.h"

namespace ogw {
namespace {

constexpr char kQuarantineSource[] = "whatsapp";

struct WhatsAppSettings final : SettingsOf<WhatsAppSettings> {
  std::string access_token;  // Secret: "${WHATSAPP_ACCESS_TOKEN}" in the file.
  std::string phone_number_id;
  std::string phone_number;  // The number people write to (E.164), for wa.me links; optional.
  MetaAppSettings app;

  void ForEachField(const FieldFn& fn) override {
    fn("access_token", access_token, FieldKind::kSecret);
    fn("phone_number_id", phone_number_id, FieldKind::kText);
    fn("phone_number", phone_number, FieldKind::kText);
    app.ForEachField(fn);
  }
};

InboundOutcome Verify(const ProviderAccount& account, const InboundRequest& request,
                      const ProviderContext&) {
  return VerifyMetaSubscription(request, account.SettingsAs<WhatsAppSettings>().app.verify_token);
}

// Messages and statuses, once the app secret's signature checks out.
InboundOutcome Incoming(const ProviderAccount& account, const InboundRequest& request,
                        const ProviderContext&) {
  const auto& s = account.SettingsAs<WhatsAppSettings>();
  return MetaWebhook(
      request, s.app.app_secret, kQuarantineSource,
      [&](std::string_view body) -> absl::StatusOr<InboundBatch> {
        ASSIGN_OR_RETURN(WhatsAppWebhook webhook,
                         ParseWhatsAppWebhook(body, account.name, s.phone_number_id));
        InboundBatch batch;
        batch.messages = std::move(webhook.messages);
        batch.reports = std::move(webhook.reports);
        if (!webhook.foreign_phone_number_ids.empty()) {
          // One app's webhook serves all its numbers: kept for an officer, not lost.
          batch.quarantine_reason =
              "changes for phone number ids this account does not serve (configure an account "
              "for each number, or one app per account)";
        }
        return batch;
      });
}

WhatsAppConfig ConfigOf(const ProviderAccount& account, const ProviderContext& ctx) {
  const auto& s = account.SettingsAs<WhatsAppSettings>();
  WhatsAppConfig config;
  config.name = account.name;
  config.api_base = s.app.api_base;
  config.api_version = s.app.api_version;
  config.phone_number_id = s.phone_number_id;
  config.access_token = s.access_token;
  config.timeout_ms = account.timeout_ms;
  config.destinations = ctx.PolicyFor(account, s.app.api_base);
  return config;
}

class WhatsApp final : public ProviderType {
 public:
  std::string_view name() const override { return "whatsapp"; }
  std::vector<std::string_view> channels() const override { return {"whatsapp"}; }
  // The Cloud API's default throughput per business phone number.
  double default_per_second() const override { return 80; }
  std::unique_ptr<TypeSettings> NewSettings() const override {
    return std::make_unique<WhatsAppSettings>();
  }
  void Check(const ProviderAccount& account, ProviderSource source, JsonReader& r) const override {
    const auto& s = account.SettingsAs<WhatsAppSettings>();
    CheckMetaToken(s.access_token, "access_token", source, r);
    if (!IsGraphId(s.phone_number_id)) {
      r.Error("phone_number_id", "expected the number's id from WhatsApp Manager (digits)");
    }
    if (!s.phone_number.empty() && (s.phone_number[0] != '+' || s.phone_number.size() < 8 ||
                                    !IsGraphId(std::string_view(s.phone_number).substr(1)))) {
      r.Error("phone_number", "expected the number people write to, in E.164 (+4930...)");
    }
    CheckMetaApp(s.app, account, source, r, "the number");
  }
  // A wa.me link opens a chat with the number, the code already typed; the person sends it.
  std::string ChatLink(const ProviderAccount& account, std::string_view code) const override {
    const std::string& number = account.SettingsAs<WhatsAppSettings>().phone_number;
    if (number.empty()) return "";
    return "https://wa.me/" + number.substr(1) + "?text=" + std::string(code);
  }
  absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                 const ProviderContext& ctx) const override {
    return std::shared_ptr<Provider>(std::make_shared<WhatsAppProvider>(ConfigOf(account, ctx)));
  }
  std::vector<InboundRoute> inbound_routes() const override {
    return {{"GET", "", &Verify}, {"POST", "", &Incoming}};
  }
  std::vector<ProviderSetup> Setup(const ProviderAccount& account,
                                   const ProviderContext& ctx) const override {
    return {
        {"App dashboard > WhatsApp > Configuration > Webhook: Callback URL",
         ctx.InboundUrl(inbound_path(), account, "")},
        {"App dashboard > WhatsApp > Configuration > Webhook: Verify token",
         "the account's verify_token"},
        {"App dashboard > WhatsApp > Configuration > Webhook fields: subscribe to", "messages"}};
  }
};

}  // namespace

const ProviderType& WhatsAppType() {
  static const WhatsApp type;
  return type;
}

}  // namespace ogw
