// Survey completion: the person's own link (/done/<token>, {{survey.completion_url}} in a
// campaign's template) that a survey tool sends them to, or calls, at the end; and officers
// marking a completion they learnt of otherwise. Both set the campaign's `completed` bit
// (CampaignResponses), counted once per person in its report.

#include "gateway/api/route_helpers.h"
#include "queue/campaign_responses.h"

namespace ogw {
namespace {

CampaignResponses Responses(RequestContext& ctx) {
  return CampaignResponses(ctx.services.redis, ctx.services.clock,
                           ctx.services.queue->options().chunk_size);
}

// Marks the completion a token names; the page (or status) to answer.
ApiResponse CompleteByLink(RequestContext& ctx, bool page) {
  const std::optional<PersonTokens::Completion> done =
      ctx.services.tokens == nullptr ? std::nullopt
                                     : ctx.services.tokens->ParseCompletionToken(ctx.params[0]);
  auto not_valid = [&] {
    return page ? ConsentLinkPage(ctx, 404, ConsentPage::kLinkInvalid)
                : Problem(404, "Not found", "link not found");
  };
  if (!done) return not_valid();
  auto marked = Responses(ctx).Mark(done->org_id, done->campaign_id, done->contact_id,
                                    CampaignResponses::Kind::kCompleted);
  if (!marked.ok()) {
    return page ? ConsentLinkPage(ctx, 503, ConsentPage::kTryAgain)
                : ProblemFromStatus(marked.status());
  }
  // Erased since, or the campaign's recipients are gone: nothing to count.
  if (*marked == CampaignResponses::Marked::kNotRecipient) return not_valid();
  if (!page) return ApiResponse::NoContent();
  return ConsentLinkPage(ctx, 200, ConsentPage::kSurveyDone);
}

// POST /v1/campaigns/{id}/completions
ApiResponse MarkCompletion(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto campaign = VisibleCampaign(ctx, &problem);
  if (!campaign) return problem;
  JsonReader r = JsonReader::ForInput(*body);
  std::string contact_id;
  r.String("contact_id", &contact_id, true);
  if (!r.Finish().ok()) return InvalidFields(r);
  if (!campaign->launched()) return Problem(409, "Conflict", "campaign not launched yet");
  auto marked = Responses(ctx).Mark(ctx.principal.org_id, campaign->id, contact_id,
                                    CampaignResponses::Kind::kCompleted);
  if (!marked.ok()) return ProblemFromStatus(marked.status());
  if (*marked == CampaignResponses::Marked::kNotRecipient) {
    return Problem(422, "Invalid input", "contact_id: not a recipient of this campaign",
                   "contact_id");
  }
  const bool first = *marked == CampaignResponses::Marked::kFirstTime;
  return ApiResponse::Json(
      200, {{"campaign_id", campaign->id}, {"contact_id", contact_id}, {"completed", first}});
}

}  // namespace

void RegisterSurveyRoutes(ApiRouter& router) {
  // GET: a person's browser sent there by the survey tool; POST: the tool itself.
  router.Add("GET", "/done/{token}", Access::kPublic,
             [](RequestContext& ctx) { return CompleteByLink(ctx, true); });
  router.Add("POST", "/done/{token}", Access::kPublic,
             [](RequestContext& ctx) { return CompleteByLink(ctx, false); });
  router.Add("POST", "/v1/campaigns/{id}/completions", Access::kWrite, &MarkCompletion);
}

}  // namespace ogw
