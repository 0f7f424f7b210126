#include "adapters/sms/twilio_type.h"

#include "adapters/sms/twilio_provider.h"
#include "adapters/sms/twilio_webhooks.h"

namespace ogw {
namespace {

struct TwilioSettings final : SettingsOf<TwilioSettings> {
  std::string account_sid;
  std::string auth_token;  // A secret: "${TWILIO_AUTH_TOKEN}" in the file.
  std::string from;        // A number or alphanumeric id; or:
  std::string messaging_service_sid;
  std::string status_callback_url;  // Empty: the gateway's own route (accounts with an owner).
  std::string api_base = "https://api.twilio.com";  // Tests point it at a fake.
  void ForEachField(const FieldFn& fn) override {
    fn("account_sid", account_sid, FieldKind::kText);
    fn("auth_token", auth_token, FieldKind::kSecret);
    fn("from", from, FieldKind::kText);
    fn("messaging_service_sid", messaging_service_sid, FieldKind::kText);
    fn("status_callback_url", status_callback_url, FieldKind::kUrl);
    fn("api_base", api_base, FieldKind::kDestination);
  }
};

InboundOutcome TwilioAnswer() {
  InboundOutcome o;
  o.status = 200;
  o.content_type = "text/xml";
  o.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";
  return o;
}

// The form, once X-Twilio-Signature over the URL Twilio called and the form checks out.
absl::StatusOr<FormParams> VerifiedForm(const ProviderAccount& account,
                                        const InboundRequest& request, InboundOutcome* refusal) {
  auto form = ParseFormUrlEncoded(request.body);
  const std::string signature = request.header("X-Twilio-Signature");
  if (signature.empty()) {
    *refusal = InboundOutcome::Refuse(401, "X-Twilio-Signature is missing");
    return absl::PermissionDeniedError("");
  }
  if (!form.ok() || !VerifyTwilioSignature(account.SettingsAs<TwilioSettings>().auth_token,
                                           request.public_url, *form, signature)) {
    *refusal = InboundOutcome::Refuse(403, "X-Twilio-Signature does not match");
    return absl::PermissionDeniedError("");
  }
  return form;
}

InboundOutcome Incoming(const ProviderAccount& account, const InboundRequest& request,
                        const ProviderContext&) {
  InboundOutcome out;
  auto form = VerifiedForm(account, request, &out);
  if (!form.ok()) return out;
  out = TwilioAnswer();
  out.quarantine_source = "twilio";
  out.quarantine_sample = FormWithoutCredentials(*form);
  auto sms = ParseTwilioInboundSms(*form);
  if (!sms.ok()) {
    out.verdict = InboundOutcome::Verdict::kUnreadable;
    out.reason = std::string(MessageOf(sms.status()));
    return out;
  }
  InboundMessage m;
  m.provider = account.name;
  m.channel = Channel::kSms;
  m.provider_message_id = sms->message_sid;
  m.from = sms->from;
  m.to = sms->to;
  m.text = sms->body;
  out.batch.messages.push_back(std::move(m));
  // Twilio answers STOP/START itself (and refuses to send to an opted-out number).
  out.batch.provider_confirms_keywords = true;
  return out;
}

InboundOutcome Status(const ProviderAccount& account, const InboundRequest& request,
                      const ProviderContext&) {
  InboundOutcome out;
  auto form = VerifiedForm(account, request, &out);
  if (!form.ok()) return out;
  auto update = ParseTwilioStatusUpdate(*form);
  if (!update.ok()) return InboundOutcome::Invalid(std::string(MessageOf(update.status())));
  DeliveryReport report;
  report.provider = account.name;
  report.message_id = request.query("m");
  report.provider_message_id = update->message_sid;
  report.channel = Channel::kSms;
  report.to = update->to;
  const std::string& s = update->status;
  if (s == "delivered" || s == "read") {
    report.state = DeliveryReport::State::kDelivered;
  } else if (s == "failed" || s == "undelivered") {
    report.state = DeliveryReport::State::kFailed;
  } else {
    report.state = DeliveryReport::State::kSent;
  }
  if (update->error_code != 0) {
    report.code = "twilio_" + std::to_string(update->error_code);
    // 30005 unknown destination, 30006 landline or unreachable carrier: the number cannot
    // take SMS. 21610: the person replied STOP to this sender.
    report.address_invalid = update->error_code == 30005 || update->error_code == 30006;
    report.opted_out = update->error_code == 21610;
  }
  out.batch.reports.push_back(std::move(report));
  out.batch.provider_confirms_keywords = true;
  return out;
}

class Twilio final : public ProviderType {
 public:
  std::string_view name() const override { return "twilio"; }
  std::vector<std::string_view> channels() const override { return {"sms"}; }
  std::unique_ptr<TypeSettings> NewSettings() const override {
    return std::make_unique<TwilioSettings>();
  }
  void Check(const ProviderAccount& account, ProviderSource source, JsonReader& r) const override {
    const auto& s = account.SettingsAs<TwilioSettings>();
    if (!s.account_sid.starts_with("AC")) r.Error("account_sid", "expected AC...");
    if (s.auth_token.empty()) {
      r.Error("auth_token",
              source == ProviderSource::kConfig ? "required (use ${ENV})" : "required");
    }
    if (s.from.empty() && s.messaging_service_sid.empty()) {
      r.Error("from", "from or messaging_service_sid is required");
    }
    if (!IsHttpUrl(s.api_base)) r.Error("api_base", "must start with http:// or https://");
  }
  absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                 const ProviderContext& ctx) const override {
    const auto& s = account.SettingsAs<TwilioSettings>();
    TwilioConfig tc;
    tc.name = account.name;
    tc.api_base = s.api_base;
    tc.destinations = ctx.PolicyFor(account, s.api_base);
    tc.account_sid = s.account_sid;
    tc.auth_token = s.auth_token;
    tc.from = s.from;
    tc.messaging_service_sid = s.messaging_service_sid;
    tc.status_callback_url = s.status_callback_url;
    // Only an account with an owner can take reports: they must land in one organisation.
    if (tc.status_callback_url.empty() && !account.organisation.empty()) {
      tc.status_callback_url = ctx.InboundUrl(inbound_path(), account, "/status");
    }
    tc.timeout_ms = account.timeout_ms;
    return std::shared_ptr<Provider>(std::make_shared<TwilioProvider>(tc));
  }
  std::vector<InboundRoute> inbound_routes() const override {
    return {{"POST", "", &Incoming}, {"POST", "/status", &Status}};
  }
  // Status callbacks ride on every message; the number's incoming webhook is set by hand.
  std::vector<ProviderSetup> Setup(const ProviderAccount& account,
                                   const ProviderContext& ctx) const override {
    if (account.organisation.empty()) return {};
    return {{"Phone number > Messaging > A message comes in: Webhook, HTTP POST",
             ctx.InboundUrl(inbound_path(), account, "")}};
  }
};

}  // namespace

const ProviderType& TwilioType() {
  static const Twilio type;
  return type;
}

}  // namespace ogw
