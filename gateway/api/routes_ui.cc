// The officers' dashboard's files (gateway/ui/web/), embedded in the binary and served under
// /ui/ to anyone: they hold no data; every page reads it through the /v1 API with the
// session cookie. Revalidated on every load (cheap: an unchanged file is a 304), so a new
// gateway's pages are used at once.

#include <array>

#include "gateway/api/route_helpers.h"
#include "gateway/core/crypto.h"
#include "gateway/ui/web/app.js.h"
#include "gateway/ui/web/i18n/ar.json.h"
#include "gateway/ui/web/i18n/en.json.h"
#include "gateway/ui/web/i18n/fr.json.h"
#include "gateway/ui/web/i18n/pt.json.h"
#include "gateway/ui/web/index.html.h"
#include "gateway/ui/web/style.css.h"

namespace ogw {
namespace {

struct UiFile {
  std::string_view path;  // Below /ui/.
  std::string_view content_type;
  std::string_view text;
};

constexpr std::array<UiFile, 7> kFiles = {{
    {"", "text/html; charset=utf-8", ui::kIndex},
    {"app.js", "text/javascript; charset=utf-8", ui::kApp},
    {"style.css", "text/css; charset=utf-8", ui::kStyle},
    {"i18n/en.json", "application/json", ui::kEn},
    {"i18n/fr.json", "application/json", ui::kFr},
    {"i18n/ar.json", "application/json", ui::kAr},
    {"i18n/pt.json", "application/json", ui::kPt},
}};

// Each file's tag, computed once.
const std::string& TagOf(size_t index) {
  static const auto* tags = [] {
    auto* t = new std::array<std::string, kFiles.size()>();
    for (size_t i = 0; i < kFiles.size(); ++i) {
      (*t)[i] = "\"" + Sha1Hex(kFiles[i].text).substr(0, 20) + "\"";
    }
    return t;
  }();
  return (*tags)[index];
}

ApiResponse Serve(RequestContext& ctx, std::string_view path) {
  for (size_t i = 0; i < kFiles.size(); ++i) {
    if (kFiles[i].path != path) continue;
    ApiResponse r;
    r.content_type = std::string(kFiles[i].content_type);
    // The pages run only the gateway's own script and talk only to the gateway.
    r.headers["Content-Security-Policy"] =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    r.headers["X-Content-Type-Options"] = "nosniff";
    r.headers["Referrer-Policy"] = "no-referrer";
    r.headers["Cache-Control"] = "no-cache";
    r.headers["ETag"] = TagOf(i);
    const std::string none_match = ctx.request.get_header_value("If-None-Match");
    if (!none_match.empty() && none_match.find(TagOf(i)) != std::string::npos) {
      r.status = 304;
      r.content_type.clear();
      return r;
    }
    r.body = std::string(kFiles[i].text);
    return r;
  }
  return Problem(404, "Not found", "no such file of the dashboard");
}

}  // namespace

void RegisterUiRoutes(ApiRouter& router) {
  router.Add("GET", "/ui", Access::kPublic, [](RequestContext&) {
    ApiResponse r;
    r.status = 301;
    r.content_type.clear();
    r.headers["Location"] = "/ui/";
    return r;
  });
  router.Add("GET", "/ui/", Access::kPublic, [](RequestContext& ctx) { return Serve(ctx, ""); });
  router.Add("GET", "/ui/{file}", Access::kPublic,
             [](RequestContext& ctx) { return Serve(ctx, ctx.params[0]); });
  router.Add("GET", "/ui/i18n/{file}", Access::kPublic,
             [](RequestContext& ctx) { return Serve(ctx, "i18n/" + ctx.params[0]); });
}

}  // namespace ogw
