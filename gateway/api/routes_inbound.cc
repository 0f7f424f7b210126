// Public routes that providers and recipients call: provider webhooks (incoming messages and
// delivery reports, each verified before anything is read) and the one-click unsubscribe.
// Every webhook is stored before it is answered 2xx; an answer of 5xx makes the provider retry.

#include <spdlog/spdlog.h>

#include "adapters/sms/kannel_webhooks.h"
#include "adapters/sms/twilio_webhooks.h"
#include "gateway/inbound/email_intake.h"
#include "gateway/api/route_helpers.h"
#include "gateway/core/crypto.h"
#include "gateway/inbound/quarantine.h"

namespace ogw {
namespace {

// The provider account `name` of `type` that can receive (it has an organisation).
std::optional<ProviderSettings> InboundProvider(const RequestContext& ctx, std::string_view type,
                                                const std::string& name) {
  if (ctx.services.providers == nullptr) return std::nullopt;
  std::optional<ProviderSettings> p = ctx.services.providers->Find(name);
  if (!p || p->type != type || p->organisation.empty()) return std::nullopt;
  return p;
}

InboundSource SourceOf(const ProviderSettings& p, bool provider_confirms_keywords) {
  return InboundSource{p.organisation, p.post, p.name, provider_confirms_keywords, p.country};
}

// Refusals are logged with the provider and the reason only: never the body, which holds
// personal data.
ApiResponse Refuse(int status, const std::string& provider, std::string_view reason) {
  spdlog::warn("inbound {}: refused ({})", provider, reason);
  return Problem(status, status == 401 ? "Unauthorized" : "Forbidden", reason);
}

// A failure to store: 503 so that the provider retries later.
ApiResponse StoreFailed(const std::string& provider, const absl::Status& status) {
  spdlog::error("inbound {}: not stored: {}", provider, MessageOf(status));
  return Problem(503, "Unavailable", "the message could not be stored; retry later");
}

// A request that proved where it came from but whose content cannot be read: kept in the
// provider's quarantine and acknowledged, since the provider would only send it again
// unchanged (or, like smsbox, not at all). Unavailable when even that cannot be stored.
absl::Status Quarantine(const RequestContext& ctx, const ProviderSettings& provider,
                        std::string_view source, const absl::Status& why,
                        std::string_view sample) {
  return ctx.services.quarantine->Put(
      provider.organisation, provider.name,
      {std::string(source), std::string(MessageOf(why)), ctx.request.body.size() +
                                                             ctx.request.target.size(),
       std::string(sample)});
}

// The query or form without the fields that authenticate it.
std::string WithoutSecrets(const FormParams& form) {
  std::string out;
  for (const auto& [k, v] : form) {
    if (k == "key" || k == "sig") continue;
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

ApiResponse TwilioAnswer() {
  ApiResponse r;
  r.content_type = "text/xml";
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";
  return r;
}

// Verifies X-Twilio-Signature over the URL Twilio called (public base URL + the request
// target) and the form; the parsed form, or a refusal.
std::optional<FormParams> VerifiedTwilioForm(const RequestContext& ctx,
                                             const ProviderSettings& provider,
                                             ApiResponse* refusal) {
  auto form = ParseFormUrlEncoded(ctx.request.body);
  const std::string url = ctx.services.public_base_url + ctx.request.target;
  const std::string signature = ctx.request.get_header_value("X-Twilio-Signature");
  if (signature.empty()) {
    *refusal = Refuse(401, provider.name, "X-Twilio-Signature is missing");
    return std::nullopt;
  }
  if (!form.ok() || !VerifyTwilioSignature(provider.auth_token, url, *form, signature)) {
    *refusal = Refuse(403, provider.name, "X-Twilio-Signature does not match");
    return std::nullopt;
  }
  return *std::move(form);
}

ApiResponse TwilioIncoming(RequestContext& ctx) {
  std::optional<ProviderSettings> provider = InboundProvider(ctx, "twilio", ctx.params[0]);
  if (!provider) return NotFound("provider");
  ApiResponse refusal;
  auto form = VerifiedTwilioForm(ctx, *provider, &refusal);
  if (!form) return refusal;
  auto sms = ParseTwilioInboundSms(*form);
  if (!sms.ok()) {
    absl::Status kept = Quarantine(ctx, *provider, "twilio", sms.status(), WithoutSecrets(*form));
    return kept.ok() ? TwilioAnswer() : StoreFailed(provider->name, kept);
  }
  InboundMessage m;
  m.provider = provider->name;
  m.channel = "sms";
  m.provider_message_id = sms->message_sid;
  m.from = sms->from;
  m.to = sms->to;
  m.text = sms->body;
  // Twilio answers STOP/START itself (and refuses to send to an opted-out number).
  auto stored = ctx.services.inbound->Receive(SourceOf(*provider, true), m);
  if (stored.status().code() == absl::StatusCode::kInvalidArgument) {
    absl::Status kept =
        Quarantine(ctx, *provider, "twilio", stored.status(), WithoutSecrets(*form));
    return kept.ok() ? TwilioAnswer() : StoreFailed(provider->name, kept);
  }
  if (!stored.ok()) return StoreFailed(provider->name, stored.status());
  return TwilioAnswer();
}

ApiResponse TwilioStatus(RequestContext& ctx) {
  std::optional<ProviderSettings> provider = InboundProvider(ctx, "twilio", ctx.params[0]);
  if (!provider) return NotFound("provider");
  ApiResponse refusal;
  auto form = VerifiedTwilioForm(ctx, *provider, &refusal);
  if (!form) return refusal;
  auto update = ParseTwilioStatusUpdate(*form);
  if (!update.ok()) return Problem(400, "Invalid webhook", MessageOf(update.status()));
  DeliveryReport report;
  report.provider = provider->name;
  report.message_id = ctx.Query("m");
  report.provider_message_id = update->message_sid;
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
  auto applied = ctx.services.inbound->Report(SourceOf(*provider, true), report);
  if (!applied.ok()) return StoreFailed(provider->name, applied.status());
  return ApiResponse::NoContent();
}

// The query string of the request as Kannel sent it (its escapes are URL-encoded values).
absl::StatusOr<FormParams> KannelQuery(const RequestContext& ctx) {
  const std::string& target = ctx.request.target;
  const size_t q = target.find('?');
  return ParseFormUrlEncoded(q == std::string::npos ? "" : std::string_view(target).substr(q + 1));
}

ApiResponse KannelIncoming(RequestContext& ctx) {
  std::optional<ProviderSettings> provider = InboundProvider(ctx, "kannel", ctx.params[0]);
  if (!provider) return NotFound("provider");
  auto query = KannelQuery(ctx);
  if (!query.ok()) return Problem(400, "Invalid webhook", MessageOf(query.status()));
  auto sms = ParseKannelInboundSms(*query, provider->name, provider->inbound_secret);
  absl::Status unreadable;
  if (sms.status().code() == absl::StatusCode::kPermissionDenied) {
    return Refuse(403, provider->name, MessageOf(sms.status()));
  }
  if (!sms.ok()) {
    unreadable = sms.status();
  } else {
    auto stored = ctx.services.inbound->Receive(SourceOf(*provider, false), *sms);
    if (stored.status().code() == absl::StatusCode::kInvalidArgument) {
      unreadable = stored.status();
    } else if (!stored.ok()) {
      return StoreFailed(provider->name, stored.status());
    }
  }
  // smsbox does not retry a refused message: whatever it sent is kept.
  if (!unreadable.ok()) {
    absl::Status kept = Quarantine(ctx, *provider, "kannel", unreadable, WithoutSecrets(*query));
    if (!kept.ok()) return StoreFailed(provider->name, kept);
  }
  // smsbox would send a non-empty answer back to the phone as a reply.
  ApiResponse r;
  r.content_type = "text/plain";
  return r;
}

ApiResponse KannelReport(RequestContext& ctx) {
  std::optional<ProviderSettings> provider = InboundProvider(ctx, "kannel", ctx.params[0]);
  if (!provider) return NotFound("provider");
  auto query = KannelQuery(ctx);
  if (!query.ok()) return Problem(400, "Invalid webhook", MessageOf(query.status()));
  auto dlr = ParseKannelDlr(*query, provider->name, provider->inbound_secret);
  if (!dlr.ok()) {
    if (dlr.status().code() == absl::StatusCode::kPermissionDenied) {
      return Refuse(403, provider->name, MessageOf(dlr.status()));
    }
    return Problem(400, "Invalid webhook", MessageOf(dlr.status()));
  }
  auto applied = ctx.services.inbound->Report(SourceOf(*provider, false), dlr->report);
  if (!applied.ok()) return StoreFailed(provider->name, applied.status());
  ApiResponse r;
  r.content_type = "text/plain";
  return r;
}

// A raw e-mail (message/rfc822) from a relay in front of the provider's mailbox, with
// "Authorization: Bearer <inbound_secret>".
ApiResponse EmailIncoming(RequestContext& ctx) {
  std::optional<ProviderSettings> provider = InboundProvider(ctx, "smtp", ctx.params[0]);
  if (!provider) return NotFound("provider");
  const std::string auth = ctx.request.get_header_value("Authorization");
  if (auth.empty()) return Refuse(401, provider->name, "Authorization is missing");
  if (provider->inbound_secret.empty() ||
      !ConstantTimeEquals(auth, "Bearer " + provider->inbound_secret)) {
    return Refuse(403, provider->name, "Authorization does not match the inbound secret");
  }
  absl::Status taken = TakeEmail(*ctx.services.inbound, *provider, ctx.request.body);
  if (taken.code() == absl::StatusCode::kInvalidArgument) {
    taken = Quarantine(ctx, *provider, "email_webhook", taken,
                       EmailHeaderBlock(ctx.request.body));
  }
  if (!taken.ok()) return StoreFailed(provider->name, taken);
  return ApiResponse::NoContent();
}

std::string HtmlPage(std::string_view title, std::string_view body) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width\"><title>" +
         std::string(title) + "</title></head><body><main><h1>" + std::string(title) +
         "</h1>" + std::string(body) + "</main></body></html>";
}

ApiResponse Html(int status, std::string_view title, std::string_view body) {
  ApiResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = HtmlPage(title, body);
  r.headers["Cache-Control"] = "no-store";
  r.headers["Referrer-Policy"] = "no-referrer";
  return r;
}

// GET shows a confirmation form: mail scanners follow links, and must not unsubscribe anyone.
ApiResponse UnsubscribePage(RequestContext& ctx) {
  auto token = ctx.services.tokens->ParseUnsubscribeToken(ctx.params[0]);
  if (!token) return Html(404, "Link not valid", "<p>This unsubscribe link is not valid.</p>");
  return Html(200, "Unsubscribe",
              "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" "
              "value=\"One-Click\"><p>Stop receiving messages on this channel?</p>"
              "<button type=\"submit\">Unsubscribe</button></form>");
}

// POST (RFC 8058 one-click, or the form above) withdraws consent for the channel at once.
ApiResponse Unsubscribe(RequestContext& ctx) {
  auto token = ctx.services.tokens->ParseUnsubscribeToken(ctx.params[0]);
  if (!token) return Html(404, "Link not valid", "<p>This unsubscribe link is not valid.</p>");
  auto changed = ctx.services.inbound->ChangeConsent(
      {token->org_id, token->contact_id, token->channel, "", true,
       "unsubscribe:" + token->channel, false});
  if (!changed.ok() && changed.status().code() != absl::StatusCode::kNotFound) {
    spdlog::error("unsubscribe: {}", MessageOf(changed.status()));
    return Html(503, "Please try again", "<p>We could not record this now. Please try again.</p>");
  }
  // An erased person or a removed address: nothing to send to any more either.
  return Html(200, "Unsubscribed", "<p>You will receive no more messages on this channel.</p>");
}

// The link of an opt-in request. GET shows a button (mail scanners follow links and must not
// subscribe anyone); POST re-grants consent for the address the link names.
std::optional<PersonTokens::OptIn> OptInOf(RequestContext& ctx) {
  return ctx.services.tokens->ParseOptInToken(ctx.params[0],
                                              ctx.services.clock->NowMillis() / 1000);
}

ApiResponse OptInPage(RequestContext& ctx) {
  if (!OptInOf(ctx)) {
    return Html(404, "Link not valid", "<p>This link is not valid or has expired.</p>");
  }
  return Html(200, "Receive messages again",
              "<form method=\"post\"><p>Receive messages on this channel again?</p>"
              "<button type=\"submit\">Yes, send me messages</button></form>");
}

ApiResponse OptIn(RequestContext& ctx) {
  auto opt_in = OptInOf(ctx);
  if (!opt_in) return Html(404, "Link not valid", "<p>This link is not valid or has expired.</p>");
  auto granted = ctx.services.inbound->GrantConfirmed(*opt_in);
  if (!granted.ok() && granted.status().code() == absl::StatusCode::kNotFound) {
    return Html(404, "Link not valid", "<p>This link is not valid any more.</p>");
  }
  if (!granted.ok()) {
    spdlog::error("opt-in: {}", MessageOf(granted.status()));
    return Html(503, "Please try again", "<p>We could not record this now. Please try again.</p>");
  }
  return Html(200, "Subscribed", "<p>You will receive messages on this channel again.</p>");
}

}  // namespace

void RegisterInboundRoutes(ApiRouter& router) {
  router.Add("GET", "/c/{token}", Access::kPublic,
             [](RequestContext& ctx) { return OptInPage(ctx); });
  router.Add("POST", "/c/{token}", Access::kPublic,
             [](RequestContext& ctx) { return OptIn(ctx); });
  router.Add("POST", "/v1/inbound/twilio/{provider}", Access::kPublic,
             [](RequestContext& ctx) { return TwilioIncoming(ctx); });
  router.Add("POST", "/v1/inbound/twilio/{provider}/status", Access::kPublic,
             [](RequestContext& ctx) { return TwilioStatus(ctx); });
  router.Add("GET", "/v1/inbound/kannel/{provider}", Access::kPublic,
             [](RequestContext& ctx) { return KannelIncoming(ctx); });
  router.Add("GET", "/v1/inbound/kannel/{provider}/dlr", Access::kPublic,
             [](RequestContext& ctx) { return KannelReport(ctx); });
  router.Add("POST", "/v1/inbound/email/{provider}", Access::kPublic,
             [](RequestContext& ctx) { return EmailIncoming(ctx); });
  router.Add("GET", "/u/{token}", Access::kPublic,
             [](RequestContext& ctx) { return UnsubscribePage(ctx); });
  router.Add("POST", "/u/{token}", Access::kPublic,
             [](RequestContext& ctx) { return Unsubscribe(ctx); });
}

}  // namespace ogw
