#include "adapters/webhook/webhook_type.h"

#include "adapters/webhook/webhook_provider.h"

namespace ogw {
namespace {

struct WebhookSettings final : SettingsOf<WebhookSettings> {
  std::string url;
  std::string auth_header;  // e.g. "Authorization: Bearer ${TOKEN}".
  void ForEachField(const FieldFn& fn) override {
    fn("url", url, FieldKind::kDestination);
    fn("auth_header", auth_header, FieldKind::kSecret);
  }
};

class Webhook final : public ProviderType {
 public:
  std::string_view name() const override { return "webhook"; }
  std::unique_ptr<TypeSettings> NewSettings() const override {
    return std::make_unique<WebhookSettings>();
  }
  void Check(const ProviderAccount& account, ProviderSource, JsonReader& r) const override {
    if (!IsHttpUrl(account.SettingsAs<WebhookSettings>().url)) {
      r.Error("url", "webhook providers need an http:// or https:// url");
    }
  }
  absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                 const ProviderContext& ctx) const override {
    const auto& s = account.SettingsAs<WebhookSettings>();
    WebhookConfig wc;
    wc.name = account.name;
    wc.url = s.url;
    wc.destinations = ctx.PolicyFor(account, s.url);
    wc.auth_header = s.auth_header;
    wc.timeout_ms = account.timeout_ms;
    return std::shared_ptr<Provider>(std::make_shared<WebhookProvider>(wc));
  }
};

}  // namespace

const ProviderType& WebhookType() {
  static const Webhook type;
  return type;
}

}  // namespace ogw
