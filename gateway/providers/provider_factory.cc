#include "gateway/providers/provider_factory.h"

#include <unistd.h>

#include "adapters/common/circuit_breaker.h"
#include "adapters/email/smtp_provider.h"
#include "adapters/sandbox/sandbox_provider.h"
#include "adapters/sms/kannel_provider.h"
#include "adapters/sms/twilio_provider.h"
#include "adapters/webhook/webhook_provider.h"
#include "gateway/inbound/email_intake.h"

namespace ogw {
namespace {

// The connection policy for `url` of account `ps`: none for configured accounts (trusted).
std::shared_ptr<const DestinationPolicy> PolicyFor(const ProviderSettings& ps,
                                                  const ProviderContext& ctx,
                                                  std::string_view url) {
  return ps.from_api ? DestinationPolicy::For(ctx.destinations, url) : nullptr;
}

std::shared_ptr<Provider> MakeWebhook(const ProviderSettings& ps, const ProviderContext& ctx) {
  WebhookConfig wc;
  wc.name = ps.name;
  wc.url = ps.url;
  wc.destinations = PolicyFor(ps, ctx, ps.url);
  wc.auth_header = ps.auth_header;
  wc.timeout_ms = ps.timeout_ms;
  return std::make_shared<WebhookProvider>(wc);
}

std::shared_ptr<Provider> MakeTwilio(const ProviderSettings& ps, const ProviderContext& ctx) {
  TwilioConfig tc;
  tc.name = ps.name;
  tc.api_base = ps.api_base;
  tc.destinations = PolicyFor(ps, ctx, ps.api_base);
  tc.account_sid = ps.account_sid;
  tc.auth_token = ps.auth_token;
  tc.from = ps.from;
  tc.messaging_service_sid = ps.messaging_service_sid;
  tc.status_callback_url = ps.status_callback_url;
  // Only an account with an owner can take reports: they must land in one organisation.
  if (tc.status_callback_url.empty() && !ps.organisation.empty()) {
    tc.status_callback_url = ctx.public_base_url + "/v1/inbound/twilio/" + ps.name + "/status";
  }
  tc.timeout_ms = ps.timeout_ms;
  return std::make_shared<TwilioProvider>(tc);
}

std::shared_ptr<Provider> MakeKannel(const ProviderSettings& ps, const ProviderContext& ctx) {
  KannelConfig kc;
  kc.name = ps.name;
  kc.sendsms_url = ps.url;
  kc.destinations = PolicyFor(ps, ctx, ps.url);
  kc.username = ps.username;
  kc.password = ps.password;
  kc.from = ps.from;
  kc.smsc = ps.smsc;
  kc.dlr_url_base = ctx.public_base_url + "/v1/inbound/kannel/" + ps.name + "/dlr";
  kc.dlr_secret = ps.inbound_secret;
  kc.timeout_ms = ps.timeout_ms;
  return std::make_shared<KannelProvider>(kc);
}

absl::StatusOr<std::shared_ptr<Provider>> MakeSmtp(const ProviderSettings& ps,
                                                   const ProviderContext& ctx) {
  SmtpConfig sc;
  sc.name = ps.name;
  sc.url = ps.url;
  sc.destinations = PolicyFor(ps, ctx, ps.url);
  sc.starttls = ps.starttls;
  sc.username = ps.username;
  sc.password = ps.password;
  sc.from_address = ps.from;
  sc.from_name = ps.from_name;
  sc.message_id_domain = MessageIdDomain(ps);
  sc.message_id_key = ctx.message_id_key;
  sc.ca_file = ps.ca_file;
  sc.timeout_ms = ps.timeout_ms;
  RETURN_IF_ERROR(ValidateSmtpConfig(sc));
  // Said at start-up, not as a TLS failure on every send.
  if (!ps.ca_file.empty() && access(ps.ca_file.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError("ca_file: cannot read " + ps.ca_file);
  }
  return std::make_shared<SmtpProvider>(sc);
}

absl::StatusOr<std::shared_ptr<Provider>> MakeUnwrapped(const ProviderSettings& ps,
                                                        const ProviderContext& ctx) {
  if (ps.type == "webhook") return MakeWebhook(ps, ctx);
  if (ps.type == "twilio") return MakeTwilio(ps, ctx);
  if (ps.type == "kannel") return MakeKannel(ps, ctx);
  if (ps.type == "smtp") return MakeSmtp(ps, ctx);
  if (ps.type == "sandbox") {
    return std::shared_ptr<Provider>(
        std::make_shared<SandboxProvider>(ps.name, ctx.redis, ctx.clock));
  }
  return absl::InvalidArgumentError("type: unknown provider type " + ps.type);
}

}  // namespace

absl::StatusOr<std::shared_ptr<Provider>> MakeProvider(const ProviderSettings& settings,
                                                       const ProviderContext& context) {
  auto provider = MakeUnwrapped(settings, context);
  if (!provider.ok()) {
    return absl::InvalidArgumentError("provider " + settings.name + ": " +
                                      std::string(MessageOf(provider.status())));
  }
  return std::shared_ptr<Provider>(
      std::make_shared<CircuitBreakerProvider>(*std::move(provider), context.clock));
}

}  // namespace ogw
