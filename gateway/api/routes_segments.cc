// Routes for saved segments and their previews.

#include "gateway/api/route_helpers.h"
#include "gateway/api/scan_gate.h"
#include "gateway/contacts/contact_json.h"
#include "gateway/segments/behaviour_facts.h"

namespace ogw {
namespace {

constexpr size_t kDefaultSample = 20;
constexpr size_t kMaxSample = 100;

// Officers see organisation-wide segments and those of their posts.
bool Visible(const Principal& p, const Segment& s) {
  return s.post_id.empty() || p.scope.Allows(s.post_id);
}

// Reads name, expression and post_id; validates the expression and the post scope.
bool ReadSegment(RequestContext& ctx, const nlohmann::json& body, Segment* segment, bool creating,
                 ApiResponse* problem) {
  JsonReader r = JsonReader::ForInput(body);
  r.String("name", &segment->name, creating);
  r.String("expression", &segment->expression, creating);
  r.String("post_id", &segment->post_id);
  if (segment->name.empty() || segment->name.size() > 200) {
    r.Error("name", "must be 1 to 200 bytes");
  }
  if (auto parsed = SegmentExpression::Parse(segment->expression); !parsed.ok()) {
    r.Error("expression", MessageOf(parsed.status()));
  }
  if (!segment->post_id.empty() && !ctx.principal.scope.Allows(segment->post_id)) {
    r.Error("post_id", "post is not one of your posts");
  }
  if (segment->post_id.empty() && !ctx.principal.IsAdmin()) {
    r.Error("post_id", "required: officers save segments in one of their posts");
  }
  if (!r.Finish().ok()) {
    *problem = InvalidFields(r);
    return false;
  }
  return true;
}

std::optional<Segment> VisibleSegment(RequestContext& ctx, ApiResponse* problem) {
  auto segment = ctx.services.segments->Get(ctx.principal.org_id, ctx.params[0]);
  if (!segment.ok()) {
    *problem = ProblemFromStatus(segment.status());
    return std::nullopt;
  }
  if (!*segment || !Visible(ctx.principal, **segment)) {
    *problem = NotFound("segment");
    return std::nullopt;
  }
  return **segment;
}

ApiResponse Preview(RequestContext& ctx, const std::string& expression_text) {
  std::string raw = ctx.Query("sample", std::to_string(kDefaultSample));
  size_t sample = 0;
  if (raw.empty() || raw.size() > 4 || raw.find_first_not_of("0123456789") != std::string::npos ||
      (sample = std::stoul(raw)) > kMaxSample) {
    return Problem(400, "Invalid query parameter", "sample must be an integer from 0 to 100",
                   "sample");
  }
  ApiResponse problem;
  auto expression = ParseAudience(ctx, expression_text, "expression", &problem);
  if (!expression) return problem;
  auto preview = EvaluateSegment(ctx.services.contacts, ctx.principal.org_id, ctx.principal.scope,
                                 *expression, sample);
  if (!preview.ok()) return ProblemFromStatus(preview.status());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& c : preview->sample) items.push_back(ContactToJson(c));
  ApiResponse r = ApiResponse::Json(200, {{"count", preview->count}, {"sample", std::move(items)}});
  // The sample is personal data: an idempotent replay of it goes when any of them is erased.
  for (const auto& c : preview->sample) r.contact_ids.push_back(c.id);
  return r;
}

// GET /v1/segments
ApiResponse ListSegments(RequestContext& ctx) {
  auto segments = ctx.services.segments->List(ctx.principal.org_id);
  if (!segments.ok()) return ProblemFromStatus(segments.status());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& s : *segments) {
    if (Visible(ctx.principal, s)) items.push_back(ToJson(s));
  }
  return ApiResponse::Json(200, {{"items", std::move(items)}});
}

// POST /v1/segments
ApiResponse CreateSegment(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  Segment segment;
  segment.org_id = ctx.principal.org_id;
  segment.created_by = ctx.principal.officer_id;
  if (!ReadSegment(ctx, *body, &segment, true, &problem)) return problem;
  auto created = ctx.services.segments->Create(std::move(segment));
  if (!created.ok()) return ProblemFromStatus(created.status());
  return ApiResponse::Json(201, ToJson(*created));
}

// An unsaved expression, to try before saving.
ApiResponse PreviewExpression(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  std::string expression;
  JsonReader r = JsonReader::ForInput(*body);
  r.String("expression", &expression, true);
  if (!r.Finish().ok()) return InvalidFields(r);
  auto permit = ctx.services.scans->Enter(ctx.principal.org_id, &problem);
  if (!permit) return problem;
  return Preview(ctx, expression);
}

// GET /v1/segments/{id}
ApiResponse GetSegment(RequestContext& ctx) {
  ApiResponse problem;
  auto segment = VisibleSegment(ctx, &problem);
  if (!segment) return problem;
  return ApiResponse::Json(200, ToJson(*segment));
}

// PUT /v1/segments/{id}
ApiResponse ReplaceSegment(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto segment = VisibleSegment(ctx, &problem);
  if (!segment) return problem;
  if (segment->post_id.empty() && !ctx.principal.IsAdmin()) {
    return Problem(403, "Forbidden", "only admins change organisation-wide segments");
  }
  if (!ReadSegment(ctx, *body, &*segment, false, &problem)) return problem;
  if (auto s = ctx.services.segments->Update(*segment); !s.ok()) return ProblemFromStatus(s);
  return ApiResponse::Json(200, ToJson(*segment));
}

// DELETE /v1/segments/{id}
ApiResponse DeleteSegment(RequestContext& ctx) {
  ApiResponse problem;
  auto segment = VisibleSegment(ctx, &problem);
  if (!segment) return problem;
  if (segment->post_id.empty() && !ctx.principal.IsAdmin()) {
    return Problem(403, "Forbidden", "only admins delete organisation-wide segments");
  }
  if (auto s = ctx.services.segments->Delete(ctx.principal.org_id, segment->id); !s.ok()) {
    return ProblemFromStatus(s);
  }
  return ApiResponse::NoContent();
}

// GET /v1/segments/{id}/preview
ApiResponse PreviewSegment(RequestContext& ctx) {
  ApiResponse problem;
  auto segment = VisibleSegment(ctx, &problem);
  if (!segment) return problem;
  auto permit = ctx.services.scans->Enter(ctx.principal.org_id, &problem);
  if (!permit) return problem;
  return Preview(ctx, segment->expression);
}

}  // namespace

std::optional<SegmentExpression> ParseAudience(RequestContext& ctx, const std::string& text,
                                               const std::string& field, ApiResponse* problem) {
  auto parsed = SegmentExpression::Parse(text);
  if (parsed.ok()) {
    parsed = BindBehaviour(*parsed, ctx.principal.org_id, ctx.principal.scope,
                           {.queue = ctx.services.queue,
                            .campaigns = ctx.services.campaigns,
                            .events = ctx.services.events,
                            .seats = ctx.services.event_seats});
  }
  if (parsed.ok()) return *std::move(parsed);
  if (parsed.status().code() != absl::StatusCode::kInvalidArgument) {
    *problem = ProblemFromStatus(parsed.status());
  } else {
    *problem = Problem(422, "Invalid input", MessageOf(parsed.status()), field);
  }
  return std::nullopt;
}

void RegisterSegmentRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/segments", Access::kRead, &ListSegments);
  router.Add("POST", "/v1/segments", Access::kWrite, &CreateSegment);
  router.Add("POST", "/v1/segments/preview", Access::kRead, &PreviewExpression);
  router.Add("GET", "/v1/segments/{id}", Access::kRead, &GetSegment);
  router.Add("PUT", "/v1/segments/{id}", Access::kWrite, &ReplaceSegment);
  router.Add("DELETE", "/v1/segments/{id}", Access::kWrite, &DeleteSegment);
  router.Add("GET", "/v1/segments/{id}/preview", Access::kRead, &PreviewSegment);
}

}  // namespace ogw
