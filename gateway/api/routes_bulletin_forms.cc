// The bulletins' public forms: a reply to an entry (/b/<org>/<post>/<entry>/reply) and a
// subscription (/b/<org>/<post>/subscribe). Shown with a fresh signed token, never cached;
// posts pass a rate per client address and one per bulletin, then a bounded number of
// handling slots, before anything is read (docs/ARCHITECTURE.md, "Reply and subscription
// forms").

#include <spdlog/spdlog.h>

#include "gateway/api/route_helpers.h"
#include "gateway/bulletins/bulletin_form_pages.h"
#include "gateway/bulletins/bulletin_forms.h"
#include "gateway/bulletins/bulletin_site.h"
#include "gateway/core/key_schema.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

// Far above any form a person writes (2,000 characters of message in any script).
constexpr size_t kMaxFormBytes = 16 * 1024;

ApiResponse Html(int status, std::string body, const std::string& language) {
  return PublicHtml(status, std::move(body), language, PublicPage::kForm);
}

ApiResponse NoSuchForm() {
  return Html(404, BulletinNoticeHtml("en", "Not found", "There is no such notice.", ""), "en");
}

ApiResponse Unavailable() {
  ApiResponse r = Html(
      503, BulletinNoticeHtml("en", "Please try again", "The form cannot be sent just now.", ""),
      "en");
  r.headers["Retry-After"] = "30";
  return r;
}

ApiResponse Busy(const BulletinSite::FormPage& page, int status, int64_t retry_after_millis) {
  ApiResponse r =
      Html(status, BulletinFormBusyHtml(page.frame, page.entry_url), page.frame.language);
  r.headers["Retry-After"] = RetryAfterSeconds(retry_after_millis);
  return r;
}

// The form's place from the URL: org, post ("-" the organisation's), form, and the reader's
// language (the form's `lang` field, else ?lang=, else Accept-Language).
std::optional<BulletinSite::FormPage> PageOf(RequestContext& ctx, const std::string& form,
                                             ApiResponse* problem) {
  BulletinSite::Request request;
  request.org_id = ctx.params[0];
  request.post_id = ctx.params[1] == "-" ? "" : ctx.params[1];
  request.page = form;
  request.lang = ctx.request.get_param_value("lang");
  request.accept_language = ctx.request.get_header_value("Accept-Language");
  auto page = ctx.services.bulletin_site->FormPageOf(request);
  if (!page.ok()) {
    spdlog::warn("bulletin form {}/{}: {}", request.org_id, request.post_id,
                 MessageOf(page.status()));
    *problem = Unavailable();
    return std::nullopt;
  }
  if (!*page) {
    *problem = NoSuchForm();
    return std::nullopt;
  }
  return **page;
}

BulletinFormPlace PlaceOf(RequestContext& ctx, const BulletinSite::FormPage& page,
                          const std::string& form) {
  BulletinFormPlace place;
  place.org_id = ctx.params[0];
  place.post_id = ctx.params[1] == "-" ? "" : ctx.params[1];
  place.country = page.country;
  place.form = form;
  place.entry_title = page.entry_title;
  return place;
}

ApiResponse FormPage(const BulletinForms& forms, const BulletinSite::FormPage& page,
                     const BulletinFormPlace& place, BulletinFormView view, int status) {
  view.frame = page.frame;
  view.form_url = place.form == kSubscribeForm ? page.frame.base_url + "/subscribe"
                                               : page.frame.base_url + "/" + place.form + "/reply";
  view.back_url = page.entry_url;
  view.entry_title = page.entry_title;
  view.chat_channels = forms.ChatChannels(place);
  return Html(
      status,
      place.form == kSubscribeForm ? BulletinSubscribeFormHtml(view) : BulletinReplyFormHtml(view),
      page.frame.language);
}

// GET: the form, with a token issued now.
ApiResponse ShowForm(RequestContext& ctx, const std::string& form) {
  ApiResponse problem;
  std::optional<BulletinSite::FormPage> page = PageOf(ctx, form, &problem);
  if (!page) return problem;
  const BulletinFormPlace place = PlaceOf(ctx, *page, form);
  BulletinFormView view;
  view.token = ctx.services.bulletin_forms->IssueToken(place);
  return FormPage(*ctx.services.bulletin_forms, *page, place, std::move(view), 200);
}

BulletinFormFields ReadFields(const httplib::Request& req) {
  BulletinFormFields f;
  f.token = req.get_param_value("token");
  f.language = req.get_param_value("lang");
  f.message = req.get_param_value("message");
  f.name = req.get_param_value("name");
  f.email = req.get_param_value("email");
  f.phone = req.get_param_value("phone");
  f.consent = req.get_param_value("consent") == "yes";
  f.website = req.get_param_value("website");
  f.code_token = req.get_param_value("code_token");
  f.code = req.get_param_value("code");
  const size_t channels = std::min<size_t>(req.get_param_value_count("channels"), 8);
  for (size_t i = 0; i < channels; ++i) f.channels.push_back(req.get_param_value("channels", i));
  return f;
}

// A form post's place first (from the bulletin cache, so that even a refusal speaks the
// reader's language), then its admission, cheapest refusals first: the form rate of the
// client address and of the bulletin, a handling slot (held in `slot` while the form is
// handled), the size and the type. nullopt when admitted.
std::optional<ApiResponse> Admit(RequestContext& ctx, const std::string& form,
                                 std::optional<BulletinSite::FormPage>* form_page,
                                 BulletinFormPlace* form_place,
                                 std::optional<BulletinForms::Slot>* slot) {
  ApiResponse problem;
  *form_page = PageOf(ctx, form, &problem);
  if (!*form_page) return problem;
  const BulletinSite::FormPage& page = **form_page;
  *form_place = PlaceOf(ctx, page, form);
  const BulletinFormPlace& place = *form_place;
  const BulletinSettings& settings = ctx.services.bulletin_settings;
  for (const auto& [key, limit] :
       {std::pair{keys::FormRateLimit(ctx.ClientAddress()), settings.form_rate_limit},
        std::pair{keys::BulletinFormRateLimit(place.org_id, place.post_id),
                  settings.bulletin_form_rate_limit}}) {
    auto decision = ctx.services.rate_limiter->Acquire(key, limit);
    if (!decision.ok()) return Unavailable();
    if (!decision->allowed) {
      ctx.services.metrics->CountRateLimited();
      return Busy(page, 429, decision->retry_after_millis);
    }
  }
  std::optional<BulletinForms::Slot> taken = ctx.services.bulletin_forms->TryEnter();
  if (!taken) return Busy(page, 503, 5000);
  slot->emplace(std::move(*taken));
  if (ctx.request.body.size() > kMaxFormBytes) {
    return Html(413,
                BulletinNoticeHtml(page.frame.language, "Too long",
                                   "The form is too long to be sent.", page.entry_url),
                page.frame.language);
  }
  if (!StartsWithIgnoreAsciiCase(ctx.request.get_header_value("Content-Type"),
                                 "application/x-www-form-urlencoded")) {
    return Html(415,
                BulletinNoticeHtml(page.frame.language, "Unsupported form",
                                   "Send the form from its page.", page.entry_url),
                page.frame.language);
  }
  return std::nullopt;
}

// The page after a subscription: what to do next, and the code form when an SMS was asked.
ApiResponse SubscribeNext(const BulletinSite::FormPage& page, BulletinFormOutcome outcome,
                          int status) {
  BulletinSubscribeNextView view;
  view.frame = page.frame;
  view.back_url = page.entry_url;
  view.confirm_url = page.frame.base_url + "/subscribe/confirm";
  view.outcome = std::move(outcome);
  return Html(status, BulletinSubscribeNextHtml(view), page.frame.language);
}

// POST: admission, then the form.
ApiResponse TakeForm(RequestContext& ctx, const std::string& form) {
  std::optional<BulletinSite::FormPage> page;
  BulletinFormPlace place;
  std::optional<BulletinForms::Slot> slot;
  if (auto refused = Admit(ctx, form, &page, &place, &slot)) return *std::move(refused);
  const BulletinFormFields fields = ReadFields(ctx.request);
  const bool subscription = form == kSubscribeForm;
  auto outcome = subscription ? ctx.services.bulletin_forms->Subscribe(place, fields)
                              : ctx.services.bulletin_forms->Reply(place, fields);
  if (!outcome.ok()) {
    spdlog::warn("bulletin form {}/{}/{}: {}", place.org_id, place.post_id, form,
                 MessageOf(outcome.status()));
    return Busy(*page, 503, 30000);
  }
  if (outcome->kind == BulletinFormOutcome::Kind::kInvalid) {
    BulletinFormView view;
    view.values = fields;
    view.values.token.clear();
    view.values.website.clear();
    view.errors = outcome->errors;
    const bool token_refused = std::any_of(view.errors.begin(), view.errors.end(),
                                           [](const auto& e) { return e.first == "token"; });
    // A token refused is replaced; an accepted one is kept, its time already spent.
    view.token = token_refused ? ctx.services.bulletin_forms->IssueToken(place) : fields.token;
    return FormPage(*ctx.services.bulletin_forms, *page, place, std::move(view), 422);
  }
  if (!subscription) {
    return Html(200, BulletinReplyDoneHtml(page->frame, page->entry_url, outcome->chat_links),
                page->frame.language);
  }
  // A robot's subscription is thanked like a person's by e-mail.
  if (outcome->kind == BulletinFormOutcome::Kind::kIgnored) outcome->by_email = true;
  return SubscribeNext(*page, *std::move(outcome), 200);
}

// POST of the code sent by SMS, on the page after a subscription.
ApiResponse ConfirmCode(RequestContext& ctx) {
  std::optional<BulletinSite::FormPage> page;
  BulletinFormPlace place;
  std::optional<BulletinForms::Slot> slot;
  if (auto refused = Admit(ctx, std::string(kSubscribeForm), &page, &place, &slot)) {
    return *std::move(refused);
  }
  auto outcome = ctx.services.bulletin_forms->ConfirmCode(place, ReadFields(ctx.request));
  if (!outcome.ok()) {
    spdlog::warn("bulletin code {}/{}: {}", place.org_id, place.post_id,
                 MessageOf(outcome.status()));
    return Busy(*page, 503, 30000);
  }
  if (outcome->kind == BulletinFormOutcome::Kind::kInvalid) {
    return SubscribeNext(*page, *std::move(outcome), 422);
  }
  return Html(200, BulletinCodeConfirmedHtml(page->frame, page->entry_url), page->frame.language);
}

}  // namespace

void RegisterBulletinFormRoutes(ApiRouter& router) {
  router.Add("GET", "/b/{org}/{post}/subscribe", Access::kPublic,
             [](RequestContext& ctx) { return ShowForm(ctx, std::string(kSubscribeForm)); });
  router.Add("POST", "/b/{org}/{post}/subscribe", Access::kPublic,
             [](RequestContext& ctx) { return TakeForm(ctx, std::string(kSubscribeForm)); });
  router.Add("POST", "/b/{org}/{post}/subscribe/confirm", Access::kPublic,
             [](RequestContext& ctx) { return ConfirmCode(ctx); });
  router.Add("GET", "/b/{org}/{post}/{entry}/reply", Access::kPublic,
             [](RequestContext& ctx) { return ShowForm(ctx, ctx.params[2]); });
  router.Add("POST", "/b/{org}/{post}/{entry}/reply", Access::kPublic,
             [](RequestContext& ctx) { return TakeForm(ctx, ctx.params[2]); });
}

}  // namespace ogw
