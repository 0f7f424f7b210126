// The public redirect behind personal tracked links.

#include <spdlog/spdlog.h>

#include "gateway/api/route_helpers.h"
#include "queue/campaign_responses.h"

namespace ogw {

void RegisterLinkRoutes(ApiRouter& router) {
  // Public: recipients follow these links from their messages. Unknown, forged and expired
  // tokens get the same 404.
  router.Add("GET", "/l/{token}", Access::kPublic, [](RequestContext& ctx) {
    auto link = ctx.services.links->Resolve(ctx.params[0]);
    if (!link.ok()) {
      return link.status().code() == absl::StatusCode::kNotFound
                 ? NotFound("link")
                 : ProblemFromStatus(link.status());
    }
    if (!link->owner.campaign_id.empty()) {
      CampaignResponses responses(ctx.services.redis, ctx.services.clock,
                                  ctx.services.queue->options().chunk_size);
      auto counted = responses.CountClick(link->owner.org_id, link->owner.campaign_id,
                                          link->owner.contact_id);
      if (!counted.ok()) return ProblemFromStatus(counted);
    }
    if (ctx.services.conversations != nullptr && !link->owner.contact_id.empty()) {
      // The click is counted; the conversation note must not hold up the redirect. Once an
      // hour per person and link, never evicting their replies (the campaign's report counts
      // every click).
      auto noted = ctx.services.conversations->AppendClick(
          link->owner.org_id, link->owner.contact_id, link->owner.campaign_id,
          std::to_string(link->owner.link_index), link->target_url);
      if (!noted.ok()) spdlog::warn("click not noted in conversation: {}", MessageOf(noted.status()));
    }
    ApiResponse r;
    r.status = 302;
    r.content_type.clear();
    r.headers["Location"] = link->target_url;
    r.headers["Cache-Control"] = "no-store";
    r.headers["Referrer-Policy"] = "no-referrer";
    return r;
  });
}

}  // namespace ogw
