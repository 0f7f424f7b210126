// Routes for campaigns: drafts, launch, and pause/resume/cancel of their delivery.

#include "gateway/api/route_helpers.h"

namespace ogw {
namespace {

// Everyone in the organisation reads organisation-wide campaigns; officers and viewers also
// those of their posts.
bool Visible(const Principal& p, const Campaign& c) {
  return c.post_id.empty() || p.scope.Allows(c.post_id);
}

bool VisibleTemplate(const Principal& p, const Template& t) {
  return t.post_id.empty() || p.scope.Allows(t.post_id);
}

bool VisibleSegment(const Principal& p, const Segment& s) {
  return s.post_id.empty() || p.scope.Allows(s.post_id);
}

// Changing or driving an organisation-wide campaign is for admins; the caller can already see
// it, so this is a 403 rather than a 404.
std::optional<ApiResponse> CheckControl(const RequestContext& ctx, const Campaign& c,
                                        std::string_view verb) {
  if (c.post_id.empty() && !ctx.principal.IsAdmin()) {
    return Problem(403, "Forbidden",
                   "only admins " + std::string(verb) + " organisation-wide campaigns");
  }
  return std::nullopt;
}

ApiResponse CampaignResponse(RequestContext& ctx, int status, const Campaign& c) {
  nlohmann::json j = ToJson(c);
  if (auto s = AddDelivery(ctx, c, &j); !s.ok()) return ProblemFromStatus(s);
  return ApiResponse::Json(status, j);
}

// Reads the writable fields over `campaign` and checks what they refer to: the post must be
// the caller's (officers must name one), and the template and segment must exist and be
// visible to the caller. False with a 422 (or a storage problem) otherwise.
bool ReadCampaign(RequestContext& ctx, const nlohmann::json& body, Campaign* campaign,
                  bool creating, ApiResponse* problem) {
  JsonReader r = JsonReader::ForInput(body);
  ReadCampaignFields(r, campaign, creating);
  const std::string& org = ctx.principal.org_id;
  if (!campaign->post_id.empty() && !ctx.principal.scope.Allows(campaign->post_id)) {
    r.Error("post_id", "post is not one of your posts");
  } else if (!campaign->post_id.empty()) {
    auto post = ctx.services.orgs->GetPost(org, campaign->post_id);
    if (!post.ok()) {
      *problem = ProblemFromStatus(post.status());
      return false;
    }
    if (!*post) r.Error("post_id", "unknown post");
  }
  if (campaign->post_id.empty() && !ctx.principal.IsAdmin()) {
    r.Error("post_id", "required: officers keep campaigns in one of their posts");
  }
  if (!campaign->template_id.empty()) {
    auto t = ctx.services.templates->Get(org, campaign->template_id);
    if (!t.ok()) {
      *problem = ProblemFromStatus(t.status());
      return false;
    }
    if (!*t || !VisibleTemplate(ctx.principal, **t)) {
      r.Error("template_id", "unknown template");
    } else if (!(*t)->post_id.empty() && (*t)->post_id != campaign->post_id) {
      // Another post's officers edit it: they would control this campaign's content.
      r.Error("template_id", "a campaign uses templates of its own post or the organisation's");
    }
  }
  if (!campaign->segment_id.empty()) {
    auto s = ctx.services.segments->Get(org, campaign->segment_id);
    if (!s.ok()) {
      *problem = ProblemFromStatus(s.status());
      return false;
    }
    if (!*s || !VisibleSegment(ctx.principal, **s)) {
      r.Error("segment_id", "unknown segment");
    } else if (!(*s)->post_id.empty() && (*s)->post_id != campaign->post_id) {
      r.Error("segment_id", "a campaign uses segments of its own post or the organisation's");
    }
  }
  if (!r.Finish().ok()) {
    *problem = InvalidFields(r);
    return false;
  }
  return true;
}

// The template or segment a launch found missing, named as the field that refers to it.
std::string_view MissingField(std::string_view message) {
  if (message.starts_with("template")) return "template_id";
  if (message.starts_with("segment")) return "segment_id";
  return "";
}

ApiResponse LaunchProblem(const absl::Status& s) {
  const std::string_view msg = MessageOf(s);
  switch (s.code()) {
    case absl::StatusCode::kFailedPrecondition:
      return Problem(409, "Conflict", msg);
    case absl::StatusCode::kNotFound:
      return Problem(409, "Conflict", msg, MissingField(msg));
    case absl::StatusCode::kInvalidArgument:
      return Problem(422, "Invalid input",
                     "the segment's expression no longer parses: " + std::string(msg),
                     "segment_id");
    default:
      return ProblemFromStatus(s);
  }
}

enum class Control { kPause, kResume, kCancel };

ApiResponse Drive(RequestContext& ctx, Control action) {
  static constexpr std::string_view kVerbs[] = {"pause", "resume", "cancel"};
  const std::string_view verb = kVerbs[static_cast<int>(action)];
  ApiResponse problem;
  auto campaign = VisibleCampaign(ctx, &problem);
  if (!campaign) return problem;
  if (auto forbidden = CheckControl(ctx, *campaign, verb)) return *forbidden;
  DeliveryQueue& queue = *ctx.services.queue;
  const std::string& org = ctx.principal.org_id;
  if (action == Control::kCancel && !campaign->launched() && campaign->launch_at_millis != 0) {
    // A draft waiting for its launch time: it stays a draft, never launched.
    auto unplanned = ctx.services.event_messages->UnplanLaunch(org, campaign->id);
    if (!unplanned.ok()) return LaunchProblem(unplanned.status());
    if (*unplanned) return CampaignResponse(ctx, 200, **unplanned);
  }
  absl::StatusOr<CampaignState> state;
  switch (action) {
    case Control::kPause:
      state = queue.Pause(org, campaign->id);
      break;
    case Control::kResume:
      state = queue.Resume(org, campaign->id);
      break;
    case Control::kCancel:
      state = queue.Cancel(org, campaign->id);
      break;
  }
  if (!state.ok()) {
    if (state.status().code() == absl::StatusCode::kNotFound) {
      return Problem(409, "Conflict", "campaign is not launched");
    }
    if (state.status().code() == absl::StatusCode::kFailedPrecondition) {
      return Problem(409, "Conflict",
                     "cannot " + std::string(verb) + ": " + std::string(MessageOf(state.status())));
    }
    return ProblemFromStatus(state.status());
  }
  auto stats = queue.CampaignStats(org, campaign->id);
  if (!stats.ok()) return ProblemFromStatus(stats.status());
  nlohmann::json body = {
      {"id", campaign->id}, {"state", CampaignStateName(*state)}, {"stats", *stats}};
  // Cancelling drops what is still queued: say how many people will not get the message.
  if (action == Control::kCancel) body["not_sent"] = (*stats)["pending"];
  return ApiResponse::Json(200, body);
}

// GET /v1/campaigns
ApiResponse ListCampaigns(RequestContext& ctx) {
  auto list = ctx.services.campaigns->List(ctx.principal.org_id);
  if (!list.ok()) return ProblemFromStatus(list.status());
  std::vector<const Campaign*> shown;
  std::vector<std::string> ids;
  for (const auto& c : *list) {
    if (!Visible(ctx.principal, c)) continue;
    shown.push_back(&c);
    ids.push_back(c.id);
  }
  auto deliveries = ctx.services.queue->Deliveries(ctx.principal.org_id, ids);
  if (!deliveries.ok()) return ProblemFromStatus(deliveries.status());
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < shown.size(); ++i) {
    nlohmann::json j = ToJson(*shown[i]);
    const CampaignDelivery& d = (*deliveries)[i];
    j["state"] = std::string(CampaignStateName(d.state.value_or(CampaignState::kDraft)));
    j["stats"] = d.state ? nlohmann::json(d.stats) : nlohmann::json::object();
    items.push_back(std::move(j));
  }
  return ApiResponse::Json(200, {{"items", std::move(items)}});
}

// POST /v1/campaigns
ApiResponse CreateCampaign(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  Campaign campaign;
  campaign.org_id = ctx.principal.org_id;
  campaign.created_by = ctx.principal.officer_id;
  if (!ReadCampaign(ctx, *body, &campaign, true, &problem)) return problem;
  auto created = ctx.services.campaigns->Create(std::move(campaign));
  if (!created.ok()) return ProblemFromStatus(created.status());
  nlohmann::json j = ToJson(*created);
  j["state"] = std::string(CampaignStateName(CampaignState::kDraft));
  j["stats"] = nlohmann::json::object();
  return ApiResponse::Json(201, j);
}

// GET /v1/campaigns/{id}
ApiResponse GetCampaign(RequestContext& ctx) {
  ApiResponse problem;
  auto campaign = VisibleCampaign(ctx, &problem);
  if (!campaign) return problem;
  return CampaignResponse(ctx, 200, *campaign);
}

// PATCH /v1/campaigns/{id}
ApiResponse UpdateCampaign(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto campaign = VisibleCampaign(ctx, &problem);
  if (!campaign) return problem;
  if (auto forbidden = CheckControl(ctx, *campaign, "change")) return *forbidden;
  if (campaign->launched()) return Problem(409, "Conflict", "campaign already launched");
  // Holding the launch lock keeps a concurrent launch from being overwritten by this edit.
  CampaignStore& store = *ctx.services.campaigns;
  const std::string& org = ctx.principal.org_id;
  auto lock = store.HoldLaunch(org, campaign->id);
  if (!lock.ok()) return ProblemFromStatus(lock.status());
  if (*lock == nullptr) return Problem(409, "Conflict", "a launch of this campaign is in progress");
  auto fresh = store.Get(org, campaign->id);
  if (!fresh.ok()) return ProblemFromStatus(fresh.status());
  if (!*fresh) return NotFound("campaign");
  Campaign updated = **fresh;
  if (updated.launched()) return Problem(409, "Conflict", "campaign already launched");
  // An explicit null removes the quiet hours (the reader treats null as absent).
  if (auto q = body->find("quiet_hours"); q != body->end() && q->is_null()) {
    updated.quiet_hours.reset();
  }
  if (!ReadCampaign(ctx, *body, &updated, false, &problem)) return problem;
  if (auto s = store.Update(updated); !s.ok()) return ProblemFromStatus(s);
  auto stored = store.Get(org, updated.id);
  if (!stored.ok()) return ProblemFromStatus(stored.status());
  if (!*stored) return NotFound("campaign");
  return CampaignResponse(ctx, 200, **stored);
}

// POST /v1/campaigns/{id}/launch
ApiResponse LaunchCampaign(RequestContext& ctx) {
  ApiResponse problem;
  auto campaign = VisibleCampaign(ctx, &problem);
  if (!campaign) return problem;
  if (auto forbidden = CheckControl(ctx, *campaign, "launch")) return *forbidden;
  if (campaign->launched()) return Problem(409, "Conflict", "campaign already launched");
  if (!ctx.request.body.empty()) {
    // {"at": ms}: launched then by a worker, its audience chosen at that time.
    auto body = ctx.JsonBody(&problem);
    if (!body) return problem;
    int64_t at = 0;
    JsonReader r = JsonReader::ForInput(*body);
    r.Int("at", &at, 0, int64_t{32503680000000});  // Before year 3000.
    if (body->contains("at") && at <= ctx.services.clock->NowMillis()) {
      r.Error("at", "must be in the future (leave it out to launch now)");
    }
    if (!r.Finish().ok()) return InvalidFields(r);
    if (at != 0) {
      auto planned =
          ctx.services.event_messages->PlanLaunch(ctx.principal.org_id, campaign->id, at);
      if (!planned.ok()) return LaunchProblem(planned.status());
      return CampaignResponse(ctx, 202, *planned);
    }
  }
  auto launched = ctx.services.launcher->Launch(ctx.principal.org_id, campaign->id);
  if (!launched.ok()) return LaunchProblem(launched.status());
  if (ctx.services.metrics != nullptr) {
    for (const auto& [channel, n] : launched->channels) {
      ctx.services.metrics->CountDelivery(channel, launched->id, "queued", static_cast<double>(n));
    }
  }
  return CampaignResponse(ctx, 202, *launched);
}

}  // namespace

std::optional<Campaign> VisibleCampaign(RequestContext& ctx, ApiResponse* problem) {
  const std::string& id = ctx.params[0];
  if (!IsWellFormedId(id, "cmp")) {
    *problem = NotFound("campaign");
    return std::nullopt;
  }
  auto campaign = ctx.services.campaigns->Get(ctx.principal.org_id, id);
  if (!campaign.ok()) {
    *problem = ProblemFromStatus(campaign.status());
    return std::nullopt;
  }
  if (!*campaign || !Visible(ctx.principal, **campaign)) {
    *problem = NotFound("campaign");
    return std::nullopt;
  }
  return **campaign;
}

absl::Status AddDelivery(RequestContext& ctx, const Campaign& c, nlohmann::json* out) {
  ASSIGN_OR_RETURN(std::optional<CampaignState> state,
                   ctx.services.queue->State(ctx.principal.org_id, c.id));
  if (!state) {
    (*out)["state"] = std::string(CampaignStateName(CampaignState::kDraft));
    (*out)["stats"] = nlohmann::json::object();
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto stats, ctx.services.queue->CampaignStats(ctx.principal.org_id, c.id));
  (*out)["state"] = CampaignStateName(*state);
  (*out)["stats"] = stats;
  return absl::OkStatus();
}

void RegisterCampaignRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/campaigns", Access::kRead, &ListCampaigns);
  router.Add("POST", "/v1/campaigns", Access::kWrite, &CreateCampaign);
  router.Add("GET", "/v1/campaigns/{id}", Access::kRead, &GetCampaign);
  router.Add("PATCH", "/v1/campaigns/{id}", Access::kWrite, &UpdateCampaign);
  router.Add("POST", "/v1/campaigns/{id}/launch", Access::kWrite, &LaunchCampaign);
  router.Add("POST", "/v1/campaigns/{id}/pause", Access::kWrite,
             [](RequestContext& ctx) { return Drive(ctx, Control::kPause); });
  router.Add("POST", "/v1/campaigns/{id}/resume", Access::kWrite,
             [](RequestContext& ctx) { return Drive(ctx, Control::kResume); });
  router.Add("POST", "/v1/campaigns/{id}/cancel", Access::kWrite,
             [](RequestContext& ctx) { return Drive(ctx, Control::kCancel); });
}

}  // namespace ogw
