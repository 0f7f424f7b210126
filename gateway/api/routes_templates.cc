// Routes for message templates: CRUD, preview for one contact, validation against an audience.

#include "gateway/api/route_helpers.h"
#include "gateway/api/scan_gate.h"
#include "gateway/audience/template_audit.h"
#include "gateway/conversations/last_inbound.h"
#include "templates/sms_encoding.h"

namespace ogw {
namespace {

bool Visible(const Principal& p, const Template& t) {
  return t.post_id.empty() || p.scope.Allows(t.post_id);
}

std::optional<Template> VisibleTemplate(RequestContext& ctx, ApiResponse* problem) {
  auto t = ctx.services.templates->Get(ctx.principal.org_id, ctx.params[0]);
  if (!t.ok()) {
    *problem = ProblemFromStatus(t.status());
    return std::nullopt;
  }
  if (!*t || !Visible(ctx.principal, **t)) {
    *problem = NotFound("template");
    return std::nullopt;
  }
  return **t;
}

// Validates a template body; officers may only keep templates in their posts.
std::optional<Template> ReadTemplate(RequestContext& ctx, ApiResponse* problem) {
  return ReadPostRecord<Template>(ctx, &TemplateFromJson, "templates", "Invalid template", problem);
}

// Reads "variables" (extra Mustache variables such as the event) from a request body.
std::optional<nlohmann::json> ExtraVariables(const nlohmann::json& body, ApiResponse* problem) {
  nlohmann::json extra = body.value("variables", nlohmann::json::object());
  if (!extra.is_object() || extra.contains("contact")) {
    *problem = Problem(422, "Invalid input",
                       "variables must be an object and cannot override contact", "variables");
    return std::nullopt;
  }
  if (extra.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() >
      kMaxTemplateVariablesBytes) {
    *problem = Problem(422, "Invalid input",
                       "variables must be at most " +
                           std::to_string(kMaxTemplateVariablesBytes) + " bytes of JSON",
                       "variables");
    return std::nullopt;
  }
  return extra;
}

// GET /v1/templates
ApiResponse ListTemplates(RequestContext& ctx) {
  auto list = ctx.services.templates->List(ctx.principal.org_id);
  if (!list.ok()) return ProblemFromStatus(list.status());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& t : *list) {
    if (Visible(ctx.principal, t)) items.push_back(ToJson(t));
  }
  return ApiResponse::Json(200, {{"items", std::move(items)}});
}

// POST /v1/templates
ApiResponse CreateTemplate(RequestContext& ctx) {
  ApiResponse problem;
  auto t = ReadTemplate(ctx, &problem);
  if (!t) return problem;
  auto created = ctx.services.templates->Create(*std::move(t));
  if (!created.ok()) return ProblemFromStatus(created.status());
  return ApiResponse::Json(201, ToJson(*created));
}

// GET /v1/templates/{id}
ApiResponse GetTemplate(RequestContext& ctx) {
  ApiResponse problem;
  auto t = VisibleTemplate(ctx, &problem);
  if (!t) return problem;
  return ApiResponse::Json(200, ToJson(*t));
}

// PUT /v1/templates/{id}
ApiResponse ReplaceTemplate(RequestContext& ctx) {
  ApiResponse problem;
  auto existing = VisibleTemplate(ctx, &problem);
  if (!existing) return problem;
  if (existing->post_id.empty() && !ctx.principal.IsAdmin()) {
    return Problem(403, "Forbidden", "only admins change organisation-wide templates");
  }
  auto t = ReadTemplate(ctx, &problem);
  if (!t) return problem;
  t->id = existing->id;
  t->version = existing->version;  // Expected version: a concurrent change makes this fail.
  auto updated = ctx.services.templates->Update(*std::move(t));
  if (!updated.ok()) return ProblemFromStatus(updated.status());
  return ApiResponse::Json(200, ToJson(*updated));
}

// DELETE /v1/templates/{id}
ApiResponse DeleteTemplate(RequestContext& ctx) {
  ApiResponse problem;
  auto t = VisibleTemplate(ctx, &problem);
  if (!t) return problem;
  if (t->post_id.empty() && !ctx.principal.IsAdmin()) {
    return Problem(403, "Forbidden", "only admins delete organisation-wide templates");
  }
  auto s = ctx.services.templates->Delete(ctx.principal.org_id, t->id);
  if (!s.ok()) return ProblemFromStatus(s);
  return ApiResponse::NoContent();
}

// What one contact would receive on one channel.
ApiResponse PreviewTemplate(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto t = VisibleTemplate(ctx, &problem);
  if (!t) return problem;
  const auto& channel_field = (*body)["channel"];
  auto channel =
      ParseAnyChannel(channel_field.is_string() ? channel_field.get<std::string>() : std::string());
  if (!channel) {
    return Problem(422, "Invalid input",
                   "channel must be email, sms, whatsapp, telegram, messenger or bulletin",
                   "channel");
  }
  auto extra = ExtraVariables(*body, &problem);
  if (!extra) return problem;
  const auto& contact_field = (*body)["contact_id"];
  std::string contact_id = contact_field.is_string() ? contact_field.get<std::string>() : "";
  auto stored = ctx.services.contacts->Get(ctx.principal.org_id, contact_id);
  if (!stored.ok()) return ProblemFromStatus(stored.status());
  if (!*stored || !ctx.principal.scope.Allows((*stored)->contact.post_id)) {
    return Problem(422, "Invalid input", "unknown contact", "contact_id");
  }
  const Contact& contact = (*stored)->contact;
  std::string post_language;
  if (!contact.post_id.empty()) {
    auto post = ctx.services.orgs->GetPost(ctx.principal.org_id, contact.post_id);
    if (post.ok() && *post) post_language = (*post)->default_language;
  }
  auto rendered = RenderFor(*ctx.services.renderer, *t, contact, *channel, post_language, *extra);
  if (!rendered.ok()) return ProblemFromStatus(rendered.status());
  nlohmann::json out = {{"template", t->id},
                        {"contact_id", contact.id},
                        {"channel", ChannelName(*channel)},
                        {"subject", rendered->subject},
                        {"text", rendered->text},
                        {"text_format", TextFormatName(rendered->text_format)},
                        {"html", rendered->html},
                        {"body_language", rendered->body_language},
                        {"subject_language", rendered->subject_language},
                        {"sms_language", rendered->sms_language},
                        {"missing_variables", rendered->missing_variables}};
  if (rendered->whatsapp_template) {
    const WhatsAppTemplateRef& wa = *rendered->whatsapp_template;
    out["whatsapp_template"] = {{"name", wa.name},
                                {"language", wa.language},
                                {"category", wa.category},
                                {"parameters", wa.parameters}};
    if (rendered->whatsapp_header_media) {
      out["whatsapp_template"]["header_media"] = MediaJson(*rendered->whatsapp_header_media);
    }
    if (!rendered->whatsapp_button_payloads.empty()) {
      out["whatsapp_template"]["button_payloads"] = rendered->whatsapp_button_payloads;
    }
  }
  if (!rendered->buttons.empty()) out["buttons"] = ButtonsJson(rendered->buttons);
  if (rendered->media) out["media"] = MediaJson(*rendered->media);
  if (HasServiceWindow(*channel)) {
    // Which form this person would get now: free text inside their 24-hour window, else the
    // approved template, else nothing.
    auto last = ReadLastInbound(*ctx.services.redis, ctx.principal.org_id, contact.id);
    if (!last.ok()) return ProblemFromStatus(last.status());
    const Address* address = contact.FindAddress(AddressKindForChannel(*channel));
    const int64_t wrote = address != nullptr ? last->At(AddressKey(*address)) : 0;
    const bool open = ServiceWindowOpen(wrote, ctx.services.clock->NowMillis());
    out["window"] = {{"open", open},
                     {"closes_at", open ? nlohmann::json(wrote + kServiceWindowMillis)
                                        : nlohmann::json(nullptr)}};
    out["form"] = open ? "text" : rendered->whatsapp_template ? "template" : "not_sendable";
  }
  if (*channel == Channel::kSms) {
    auto info = AnalyzeSms(rendered->text);
    if (info.ok()) {
      out["sms"] = {{"encoding", info->encoding == SmsEncoding::kGsm7 ? "gsm7" : "ucs2"},
                    {"units", info->units},
                    {"segments", info->segments}};
    }
  }
  ApiResponse r = ApiResponse::Json(200, out);
  r.contact_ids = {contact.id};
  return r;
}

// Everything a launch to this audience on these channels would check.
ApiResponse ValidateTemplate(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto t = VisibleTemplate(ctx, &problem);
  if (!t) return problem;
  auto permit = ctx.services.scans->Enter(ctx.principal.org_id, &problem);
  if (!permit) return problem;
  AuditOptions options;
  JsonReader r = JsonReader::ForInput(*body);
  std::string segment_id, expression;
  std::vector<std::string> channels;
  int max_segments = 4;
  r.String("segment_id", &segment_id);
  r.String("expression", &expression);
  r.StringList("channels", &channels, true);
  r.Int("max_sms_segments", &max_segments, 1, 20);
  r.Double("sms_price_per_segment", &options.sms_price_per_segment, 0, 100);
  r.Object("whatsapp_price_per_template", [&](JsonReader& prices) {
    for (const char* category : {"marketing", "utility", "authentication"}) {
      double price = 0;
      prices.Double(category, &price, 0, 100);
      options.whatsapp_price_per_template[category] = price;
    }
  });
  r.String("currency", &options.currency);
  r.Object("variables", [](JsonReader&) {});  // Free-form; validated below.
  for (size_t i = 0; i < channels.size(); ++i) {
    auto c = ParseAnyChannel(channels[i]);
    c ? options.channels.push_back(*c)
      : r.Error("channels[" + std::to_string(i) + "]", "unknown channel");
  }
  if (segment_id.empty() == expression.empty()) {
    r.Error("segment_id", "give exactly one of segment_id and expression");
  }
  options.max_sms_segments = static_cast<size_t>(max_segments);
  (void)r.Finish();
  std::vector<std::pair<std::string, std::string>> field_problems;
  for (const auto& p : r.problems()) {
    if (!p.first.starts_with("variables.")) field_problems.push_back(p);
  }
  if (!field_problems.empty()) {
    std::vector<FieldProblem> problems;
    for (const auto& [f, m] : field_problems) problems.push_back({f, m});
    return Problem(422, "Invalid input", problems.front().field + ": " + problems.front().message,
                   problems.front().field, problems);
  }
  auto extra = ExtraVariables(*body, &problem);
  if (!extra) return problem;
  options.extra_variables = *extra;
  if (!segment_id.empty()) {
    auto segment = ctx.services.segments->Get(ctx.principal.org_id, segment_id);
    if (!segment.ok()) return ProblemFromStatus(segment.status());
    if (!*segment ||
        !((*segment)->post_id.empty() || ctx.principal.scope.Allows((*segment)->post_id))) {
      return Problem(422, "Invalid input", "unknown segment", "segment_id");
    }
    expression = (*segment)->expression;
  }
  auto audience = ParseAudience(ctx, expression, "expression", &problem);
  if (!audience) return problem;
  // Who is inside their window now, from the record of when each person last wrote (read once
  // per person: WhatsApp and Messenger ask for the same contact one after the other).
  std::string cached_contact;
  LastInbound cached;
  options.last_inbound_millis = [&](const Contact& c,
                                    const Address& address) -> absl::StatusOr<int64_t> {
    if (c.id != cached_contact) {
      ASSIGN_OR_RETURN(cached, ReadLastInbound(*ctx.services.redis, ctx.principal.org_id, c.id));
      cached_contact = c.id;
    }
    return cached.At(AddressKey(address));
  };
  options.now_millis = ctx.services.clock->NowMillis();
  auto report = AuditTemplate(*ctx.services.renderer, *t, ctx.services.contacts,
                              ctx.principal.org_id, ctx.principal.scope, *audience, options);
  if (!report.ok()) return ProblemFromStatus(report.status());
  return ApiResponse::Json(200, *report);
}

}  // namespace

void RegisterTemplateRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/templates", Access::kRead, &ListTemplates);
  router.Add("POST", "/v1/templates", Access::kWrite, &CreateTemplate);
  router.Add("GET", "/v1/templates/{id}", Access::kRead, &GetTemplate);
  router.Add("PUT", "/v1/templates/{id}", Access::kWrite, &ReplaceTemplate);
  router.Add("DELETE", "/v1/templates/{id}", Access::kWrite, &DeleteTemplate);
  router.Add("POST", "/v1/templates/{id}/preview", Access::kRead, &PreviewTemplate);
  router.Add("POST", "/v1/templates/{id}/validate", Access::kRead, &ValidateTemplate);
}

}  // namespace ogw
