// Public routes that providers and recipients call: provider webhooks (incoming messages and
// delivery reports, each verified before anything is read) and the one-click unsubscribe.
// Every webhook is stored before it is answered 2xx; an answer of 5xx makes the provider retry.

#include <spdlog/spdlog.h>

#include "adapters/provider_type.h"
#include "gateway/api/route_helpers.h"
#include "gateway/inbound/account_inbox.h"
#include "gateway/inbound/consent_pages.h"

namespace ogw {
namespace {

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

ApiResponse Answer(const InboundOutcome& outcome) {
  if (outcome.status == 204) return ApiResponse::NoContent();
  ApiResponse r;
  r.status = outcome.status;
  r.content_type = outcome.content_type;
  r.body = outcome.body;
  return r;
}

// Route `route` of type `type` for the account named in the path: it must be of that type
// and have an owner. The route verifies and parses; what proves its origin but cannot be
// read is quarantined (and acknowledged: the provider would only send it again unchanged,
// or, like smsbox, not at all); the rest is stored before the answer is 2xx.
ApiResponse HandleInbound(RequestContext& ctx, const ProviderType& type,
                          const InboundRoute& route) {
  if (ctx.services.providers == nullptr) return NotFound("provider");
  std::optional<ProviderAccount> account = ctx.services.providers->Find(ctx.params[0]);
  if (!account || account->type != type.name() || account->organisation.empty()) {
    return NotFound("provider");
  }
  InboundRequest request;
  request.target = ctx.request.target;
  request.body = ctx.request.body;
  request.public_url = ctx.services.public_base_url + ctx.request.target;
  request.header = [&](std::string_view name) {
    return ctx.request.get_header_value(std::string(name));
  };
  request.query = [&](std::string_view name) { return ctx.Query(std::string(name)); };
  const InboundOutcome outcome = route.handle(*account, request, ctx.services.providers->context());
  using Verdict = InboundOutcome::Verdict;
  if (outcome.verdict == Verdict::kRefuse) {
    return Refuse(outcome.status, account->name, outcome.reason);
  }
  if (outcome.verdict == Verdict::kInvalid) {
    return Problem(400, "Invalid webhook", outcome.reason);
  }
  AccountInbox inbox(ctx.services.inbound, ctx.services.quarantine, *std::move(account));
  absl::Status unreadable = outcome.verdict == Verdict::kUnreadable
                                ? absl::InvalidArgumentError(outcome.reason)
                                : inbox.Store(outcome.batch);
  // Only a route that says how to file what it received quarantines it.
  if (unreadable.code() == absl::StatusCode::kInvalidArgument &&
      !outcome.quarantine_source.empty()) {
    const uint64_t bytes = ctx.request.body.size() + ctx.request.target.size();
    unreadable = inbox.Quarantine(outcome.quarantine_source, MessageOf(unreadable), bytes,
                                  outcome.quarantine_sample);
  }
  if (!unreadable.ok()) return StoreFailed(inbox.account().name, unreadable);
  return Answer(outcome);
}

// GET shows a confirmation form: mail scanners follow links, and must not unsubscribe anyone.
ApiResponse UnsubscribePage(RequestContext& ctx) {
  auto token = ctx.services.tokens->ParseUnsubscribeToken(ctx.params[0]);
  if (!token) return ConsentLinkPage(ctx, 404, ConsentPage::kLinkInvalid);
  return ConsentLinkPage(ctx, 200, ConsentPage::kConfirmUnsubscribe);
}

// POST (RFC 8058 one-click, or the form above) withdraws consent for the channel at once.
ApiResponse Unsubscribe(RequestContext& ctx) {
  auto token = ctx.services.tokens->ParseUnsubscribeToken(ctx.params[0]);
  if (!token) return ConsentLinkPage(ctx, 404, ConsentPage::kLinkInvalid);
  auto changed =
      ctx.services.inbound->ChangeConsent({token->org_id, token->contact_id, token->channel, "",
                                           true, "unsubscribe:" + token->channel, false});
  if (!changed.ok() && changed.status().code() != absl::StatusCode::kNotFound) {
    spdlog::error("unsubscribe: {}", MessageOf(changed.status()));
    return ConsentLinkPage(ctx, 503, ConsentPage::kTryAgain);
  }
  // An erased person or a removed address: nothing to send to any more either.
  return ConsentLinkPage(ctx, 200, ConsentPage::kUnsubscribed);
}

// The link of an opt-in request. GET shows a button (mail scanners follow links and must not
// subscribe anyone); POST re-grants consent for the address the link names.
std::optional<PersonTokens::OptIn> OptInOf(RequestContext& ctx) {
  return ctx.services.tokens->ParseOptInToken(ctx.params[0],
                                              ctx.services.clock->NowMillis() / 1000);
}

ApiResponse OptInPage(RequestContext& ctx) {
  if (!OptInOf(ctx)) return ConsentLinkPage(ctx, 404, ConsentPage::kLinkInvalid);
  return ConsentLinkPage(ctx, 200, ConsentPage::kConfirmOptIn);
}

ApiResponse OptIn(RequestContext& ctx) {
  auto opt_in = OptInOf(ctx);
  if (!opt_in) return ConsentLinkPage(ctx, 404, ConsentPage::kLinkInvalid);
  auto granted = ctx.services.inbound->GrantConfirmed(*opt_in);
  // The contact no longer has the address the link names.
  if (!granted.ok() && granted.status().code() == absl::StatusCode::kNotFound) {
    return ConsentLinkPage(ctx, 404, ConsentPage::kLinkInvalid);
  }
  if (!granted.ok()) {
    spdlog::error("opt-in: {}", MessageOf(granted.status()));
    return ConsentLinkPage(ctx, 503, ConsentPage::kTryAgain);
  }
  return ConsentLinkPage(ctx, 200, ConsentPage::kOptedIn);
}

}  // namespace

void RegisterInboundRoutes(ApiRouter& router) {
  router.Add("GET", "/c/{token}", Access::kPublic,
             [](RequestContext& ctx) { return OptInPage(ctx); });
  router.Add("POST", "/c/{token}", Access::kPublic, [](RequestContext& ctx) { return OptIn(ctx); });
  for (const ProviderType* type : ProviderTypes()) {
    for (const InboundRoute& route : type->inbound_routes()) {
      const std::string path = "/v1/inbound/" + std::string(type->inbound_path()) + "/{provider}" +
                               std::string(route.suffix);
      router.Add(std::string(route.method), path, Access::kPublic,
                 [type, route](RequestContext& ctx) { return HandleInbound(ctx, *type, route); });
    }
  }
  router.Add("GET", "/u/{token}", Access::kPublic,
             [](RequestContext& ctx) { return UnsubscribePage(ctx); });
  router.Add("POST", "/u/{token}", Access::kPublic,
             [](RequestContext& ctx) { return Unsubscribe(ctx); });
}

}  // namespace ogw
