// The public redirect behind personal tracked links.

#include "gateway/api/route_helpers.h"

namespace ogw {

void RegisterLinkRoutes(ApiRouter& router) {
  // Public: recipients follow these links from their messages. Unknown, forged and expired
  // tokens get the same 404.
  router.Add("GET", "/l/{token}", Access::kPublic, [](RequestContext& ctx) {
    auto link = ctx.services.links->Click(ctx.params[0]);
    if (!link.ok()) {
      return link.status().code() == absl::StatusCode::kNotFound
                 ? NotFound("link")
                 : ProblemFromStatus(link.status());
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
