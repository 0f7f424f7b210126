#include "adapters/sms/kannel_type.h"

#include "adapters/sms/kannel_provider.h"
#include "adapters/sms/kannel_webhooks.h"

namespace ogw {
namespace {

struct KannelSettings final : SettingsOf<KannelSettings> {
  std::string url;       // smsbox's sendsms URL.
  std::string username;  // sendsms user.
  std::string password;  // A secret ("${ENV}").
  std::string from;      // Default sender; empty: smsbox's.
  std::string smsc;      // Route through this smsc id; empty for Kannel's choice.
  // Authenticates Kannel's sms-service requests and signs the dlr-urls.
  std::string inbound_secret;
  void ForEachField(const FieldFn& fn) override {
    fn("url", url, FieldKind::kDestination);
    fn("username", username, FieldKind::kText);
    fn("password", password, FieldKind::kSecret);
    fn("from", from, FieldKind::kText);
    fn("smsc", smsc, FieldKind::kText);
    fn("inbound_secret", inbound_secret, FieldKind::kSecret);
  }
};

// The request's query string as Kannel sent it (its escapes are URL-encoded values).
absl::StatusOr<FormParams> QueryOf(const InboundRequest& request) {
  const size_t q = request.target.find('?');
  return ParseFormUrlEncoded(q == std::string_view::npos ? std::string_view()
                                                         : request.target.substr(q + 1));
}

// smsbox would send a non-empty answer back to the phone as a reply.
InboundOutcome EmptyAnswer() {
  InboundOutcome o;
  o.status = 200;
  o.content_type = "text/plain";
  return o;
}

InboundOutcome Incoming(const ProviderAccount& account, const InboundRequest& request,
                        const ProviderContext&) {
  auto query = QueryOf(request);
  if (!query.ok()) return InboundOutcome::Invalid(std::string(MessageOf(query.status())));
  auto sms = ParseKannelInboundSms(*query, account.name,
                                   account.SettingsAs<KannelSettings>().inbound_secret);
  if (sms.status().code() == absl::StatusCode::kPermissionDenied) {
    return InboundOutcome::Refuse(403, std::string(MessageOf(sms.status())));
  }
  InboundOutcome out = EmptyAnswer();
  // smsbox does not retry a refused message: whatever it sent is kept.
  out.quarantine_source = "kannel";
  out.quarantine_sample = FormWithoutCredentials(*query);
  if (!sms.ok()) {
    out.verdict = InboundOutcome::Verdict::kUnreadable;
    out.reason = std::string(MessageOf(sms.status()));
    return out;
  }
  out.batch.messages.push_back(*std::move(sms));
  return out;
}

InboundOutcome Report(const ProviderAccount& account, const InboundRequest& request,
                      const ProviderContext&) {
  auto query = QueryOf(request);
  if (!query.ok()) return InboundOutcome::Invalid(std::string(MessageOf(query.status())));
  auto dlr =
      ParseKannelDlr(*query, account.name, account.SettingsAs<KannelSettings>().inbound_secret);
  if (dlr.status().code() == absl::StatusCode::kPermissionDenied) {
    return InboundOutcome::Refuse(403, std::string(MessageOf(dlr.status())));
  }
  if (!dlr.ok()) return InboundOutcome::Invalid(std::string(MessageOf(dlr.status())));
  InboundOutcome out = EmptyAnswer();
  out.batch.reports.push_back(std::move(dlr->report));
  return out;
}

class Kannel final : public ProviderType {
 public:
  std::string_view name() const override { return "kannel"; }
  std::vector<std::string_view> channels() const override { return {"sms"}; }
  std::unique_ptr<TypeSettings> NewSettings() const override {
    return std::make_unique<KannelSettings>();
  }
  void Check(const ProviderAccount& account, ProviderSource, JsonReader& r) const override {
    const auto& s = account.SettingsAs<KannelSettings>();
    if (!IsHttpUrl(s.url)) {
      r.Error("url", "kannel providers need smsbox's sendsms URL (http:// or https://)");
    }
    if (s.username.empty()) r.Error("username", "required: the sendsms user");
    if (account.organisation.empty()) {
      r.Error("organisation", "required: incoming SMS must land in one organisation");
    }
    CheckInboundSecret(r, s.inbound_secret, "authenticates Kannel's sms-service requests");
  }
  absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                 const ProviderContext& ctx) const override {
    const auto& s = account.SettingsAs<KannelSettings>();
    KannelConfig kc;
    kc.name = account.name;
    kc.sendsms_url = s.url;
    kc.destinations = ctx.PolicyFor(account, s.url);
    kc.username = s.username;
    kc.password = s.password;
    kc.from = s.from;
    kc.smsc = s.smsc;
    kc.dlr_url_base = ctx.InboundUrl(inbound_path(), account, "/dlr");
    kc.dlr_secret = s.inbound_secret;
    kc.timeout_ms = account.timeout_ms;
    return std::shared_ptr<Provider>(std::make_shared<KannelProvider>(kc));
  }
  std::vector<InboundRoute> inbound_routes() const override {
    return {{"GET", "", &Incoming}, {"GET", "/dlr", &Report}};
  }
  // The dlr-url rides on every message; only the sms-service needs configuring.
  std::vector<ProviderSetup> Setup(const ProviderAccount& account,
                                   const ProviderContext& ctx) const override {
    return {
        {"kannel.conf sms-service get-url (with catch-all = true, max-messages = 0; "
         "smsbox mo-recode = true)",
         KannelSmsServiceGetUrl(ctx.InboundUrl(inbound_path(), account, ""),
                                account.SettingsAs<KannelSettings>().inbound_secret,
                                account.name)}};
  }
};

}  // namespace

const ProviderType& KannelType() {
  static const Kannel type;
  return type;
}

}  // namespace ogw
