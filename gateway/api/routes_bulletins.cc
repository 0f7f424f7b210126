// Bulletins: officers write, change and withdraw the entries of their posts' bulletins
// (/v1/bulletins/entries), and anyone reads the public pages and feeds (/b/<org>/<post>/...,
// `-` for the organisation's own bulletin), served from BulletinSite's cache with ETag and
// Last-Modified so readers and proxies revalidate for free.

#include <spdlog/spdlog.h>

#include "gateway/api/route_helpers.h"
#include "gateway/bulletins/bulletin_pages.h"
#include "gateway/bulletins/bulletin_site.h"
#include "gateway/bulletins/bulletin_store.h"
#include "gateway/core/gzip.h"
#include "gateway/invitations/event_messages.h"
#include "gateway/invitations/ics.h"
#include "templates/template.h"

namespace ogw {
namespace {

constexpr std::string_view kInvalidEntry = "Invalid bulletin entry";

// A post of the caller's, or "" (the organisation's bulletin) for admins. nullopt with a 422
// naming `post_id` otherwise.
std::optional<std::string> WritablePost(RequestContext& ctx, const std::string& post,
                                        ApiResponse* problem) {
  if (!post.empty() && !ctx.principal.scope.Allows(post)) {
    *problem = InvalidFieldList({{"post_id", "post is not one of your posts"}}, kInvalidEntry);
    return std::nullopt;
  }
  if (post.empty() && !ctx.principal.IsAdmin()) {
    *problem = InvalidFieldList(
        {{"post_id", "required: officers write in the bulletin of one of their posts"}},
        kInvalidEntry);
    return std::nullopt;
  }
  if (!post.empty()) {
    auto found = ctx.services.orgs->GetPost(ctx.principal.org_id, post);
    if (!found.ok()) {
      *problem = ProblemFromStatus(found.status());
      return std::nullopt;
    }
    if (!*found) {
      *problem = InvalidFieldList({{"post_id", "no such post"}}, kInvalidEntry);
      return std::nullopt;
    }
  }
  return post;
}

// The change in the body; nullopt with a 422 naming every bad field.
std::optional<BulletinChange> ReadChange(RequestContext& ctx, bool creating, ApiResponse* problem) {
  auto body = ctx.JsonBody(problem);
  if (!body) return std::nullopt;
  FieldErrors errors;
  auto change = BulletinChangeFromJson(*body, creating, &errors);
  if (!change.ok()) {
    if (errors.empty()) errors.emplace_back("body", std::string(MessageOf(change.status())));
    *problem = InvalidFieldList(errors, kInvalidEntry);
    return std::nullopt;
  }
  if (change->event_id && !change->event_id->empty() && ctx.services.events != nullptr) {
    auto event = ctx.services.events->Get(ctx.principal.org_id, *change->event_id);
    if (!event.ok()) {
      *problem = ProblemFromStatus(event.status());
      return std::nullopt;
    }
    if (!*event) {
      *problem = InvalidFieldList({{"event_id", "no such event"}}, kInvalidEntry);
      return std::nullopt;
    }
  }
  return *std::move(change);
}

// The entry `id` when the caller may see it: of one of their posts, or the organisation's.
std::optional<BulletinEntry> VisibleEntry(RequestContext& ctx, ApiResponse* problem) {
  const std::string& id = ctx.params[0];
  if (!IsWellFormedId(id, "bul")) {
    *problem = NotFound("bulletin entry");
    return std::nullopt;
  }
  auto found = ctx.services.bulletins->Get(ctx.principal.org_id, id);
  if (!found.ok()) {
    *problem = ProblemFromStatus(found.status());
    return std::nullopt;
  }
  if (!*found || (!(*found)->post_id.empty() && !ctx.principal.scope.Allows((*found)->post_id))) {
    *problem = NotFound("bulletin entry");
    return std::nullopt;
  }
  return **found;
}

// A change refused for its version: 409 with the version now.
ApiResponse EntryAnswer(const absl::StatusOr<BulletinEntry>& entry, int status) {
  if (entry.ok()) return ApiResponse::Json(status, ToJson(*entry));
  const std::string_view message = MessageOf(entry.status());
  if (entry.status().code() == absl::StatusCode::kFailedPrecondition &&
      message.starts_with("version ")) {
    return Problem(409, "Bulletin entry changed",
                   "another officer changed this entry since you read it; read it again (it "
                   "is at " +
                       std::string(message) + " now) before you go on",
                   "version");
  }
  if (entry.status().code() == absl::StatusCode::kResourceExhausted) {
    return Problem(409, "Bulletin full", std::string(message));
  }
  if (entry.status().code() == absl::StatusCode::kInvalidArgument) {
    const size_t colon = message.find(':');
    return InvalidFieldList(
        {{std::string(message.substr(0, colon)),
          std::string(colon == std::string_view::npos ? message : message.substr(colon + 2))}},
        kInvalidEntry);
  }
  return ProblemFromStatus(entry.status());
}

ApiResponse CreateEntry(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<BulletinChange> change = ReadChange(ctx, true, &problem);
  if (!change) return problem;
  if (!WritablePost(ctx, change->post_id.value_or(""), &problem)) return problem;
  return EntryAnswer(
      ctx.services.bulletins->Create(ctx.principal.org_id, *change, ctx.principal.officer_id, ""),
      201);
}

ApiResponse ListEntries(RequestContext& ctx) {
  std::string post = ctx.Query("post");
  if (post == "none") post.clear();
  if (!ctx.request.has_param("post") && !ctx.principal.scope.organisation_wide &&
      ctx.principal.scope.posts.size() == 1) {
    post = *ctx.principal.scope.posts.begin();
  }
  if ((!post.empty() && !IsWellFormedId(post, "post")) ||
      (!post.empty() && !ctx.principal.scope.Allows(post))) {
    return NotFound("post");
  }
  auto entries = ctx.services.bulletins->List(ctx.principal.org_id, post);
  if (!entries.ok()) return ProblemFromStatus(entries.status());
  nlohmann::json items = nlohmann::json::array();
  for (const BulletinEntry& e : *entries) items.push_back(ToJson(e));
  return ApiResponse::Json(200, {{"post", post.empty() ? "none" : post}, {"items", items}});
}

ApiResponse GetEntry(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<BulletinEntry> entry = VisibleEntry(ctx, &problem);
  if (!entry) return problem;
  return ApiResponse::Json(200, ToJson(*entry));
}

ApiResponse PatchEntry(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<BulletinEntry> entry = VisibleEntry(ctx, &problem);
  if (!entry) return problem;
  if (entry->withdrawn()) return Problem(410, "Gone", "the entry was withdrawn");
  std::optional<BulletinChange> change = ReadChange(ctx, false, &problem);
  if (!change) return problem;
  // The entry as its post was checked: moved elsewhere meanwhile, the change is refused.
  if (!change->expected_version) change->expected_version = entry->version;
  if (!WritablePost(ctx, change->post_id.value_or(entry->post_id), &problem)) return problem;
  if (!entry->post_id.empty() || change->post_id) {
    // Moving an entry needs the right to write where it was, too.
    if (!WritablePost(ctx, entry->post_id, &problem)) return problem;
  }
  return EntryAnswer(ctx.services.bulletins->Update(ctx.principal.org_id, entry->id, *change), 200);
}

ApiResponse WithdrawEntry(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<BulletinEntry> entry = VisibleEntry(ctx, &problem);
  if (!entry) return problem;
  if (!WritablePost(ctx, entry->post_id, &problem)) return problem;
  return EntryAnswer(
      ctx.services.bulletins->Withdraw(ctx.principal.org_id, entry->id, entry->version), 200);
}

// GET /b/{org}/{post}[/{page}]: a page or feed, or 304 when the reader has it.
ApiResponse ServeBulletin(RequestContext& ctx, std::string page) {
  BulletinSite::Request request;
  request.org_id = ctx.params[0];
  request.post_id = ctx.params[1] == "-" ? "" : ctx.params[1];
  request.page = std::move(page);
  request.lang = ctx.Query("lang");
  request.accept_language = ctx.request.get_header_value("Accept-Language");
  auto answer = ctx.services.bulletin_site->Serve(request);
  if (!answer.ok()) {
    spdlog::warn("bulletin {}/{}: {}", request.org_id, request.post_id, MessageOf(answer.status()));
    ApiResponse r = PublicHtml(
        503,
        BulletinNoticeHtml("en", "Please try again",
                           "The notices cannot be shown just now. Please try again.", ""),
        "en", PublicPage::kBulletin);
    r.headers["Cache-Control"] = "no-store";
    r.headers["Retry-After"] = "5";
    return r;
  }
  ApiResponse r = PublicHtml(answer->status, "", answer->language, PublicPage::kBulletin);
  r.content_type = answer->content_type;
  if (answer->status != 200) {
    r.headers["Cache-Control"] = "no-store";
    r.body = *answer->body;
    return r;
  }
  // The gzipped page for readers who take it: compressed once in the cache, and a
  // representation of its own, with its own tag (RFC 9110, 8.8.3).
  const bool gzip = answer->gzip_body != nullptr && !answer->gzip_body->empty() &&
                    AcceptsGzip(ctx.request.get_header_value("Accept-Encoding"));
  const std::string etag =
      gzip ? answer->etag.substr(0, answer->etag.size() - 1) + "-gzip\"" : answer->etag;
  r.headers["ETag"] = etag;
  r.headers["Vary"] = "Accept-Language, Accept-Encoding";
  r.headers["Last-Modified"] = HttpDate(answer->last_modified);
  r.headers["Cache-Control"] = "public, max-age=60";
  // RFC 9110: If-None-Match decides when present; If-Modified-Since only without it.
  const std::string none_match = ctx.request.get_header_value("If-None-Match");
  bool fresh = false;
  if (!none_match.empty()) {
    fresh = none_match == "*" || none_match.find(etag) != std::string::npos;
  } else if (const std::string since = ctx.request.get_header_value("If-Modified-Since");
             !since.empty()) {
    // A date in the future is no date the server gave (RFC 9110, 13.1.3).
    const int64_t at = ParseHttpDate(since);
    fresh = at >= 0 && at <= ctx.services.clock->NowMillis() && answer->last_modified <= at;
  }
  if (fresh) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  // The cached page itself, not a copy.
  if (gzip) r.headers["Content-Encoding"] = "gzip";
  r.shared_body = gzip ? answer->gzip_body : answer->body;
  return r;
}

// GET /b/{org}/{post}/{entry}/event.ics: the entry's event for anyone's calendar, in the
// reader's language, with no attendee (the person's own file comes with their invitation).
ApiResponse EventCalendar(RequestContext& ctx) {
  BulletinSite::Request request;
  request.org_id = ctx.params[0];
  request.post_id = ctx.params[1] == "-" ? "" : ctx.params[1];
  request.page = ctx.params[2];
  request.lang = ctx.Query("lang");
  request.accept_language = ctx.request.get_header_value("Accept-Language");
  auto found = ctx.services.bulletin_site->EventOf(request);
  ApiResponse r;
  if (!found.ok() || !*found) {
    if (!found.ok()) spdlog::warn("bulletin calendar: {}", MessageOf(found.status()));
    r.status = found.ok() ? 404 : 503;
    r.content_type = "text/html; charset=utf-8";
    r.body = found.ok() ? BulletinNoticeHtml("en", "Not found", "There is no such event.", "")
                        : BulletinNoticeHtml("en", "Please try again",
                                             "The calendar cannot be shown just now.", "");
    return r;
  }
  const auto& [event, language] = **found;
  IcsOptions options;
  options.languages = {language};
  options.uid_domain = CalendarUidDomain(ctx.services.public_base_url);
  options.cancelled = event.cancelled_at_millis != 0;
  options.dtstamp_millis = ctx.services.clock->NowMillis();
  r.status = 200;
  r.content_type = "text/calendar; charset=utf-8";
  r.body = BuildIcs(event, options);
  r.headers["Content-Disposition"] = "attachment; filename=\"event.ics\"";
  r.headers["Cache-Control"] = "public, max-age=300";
  r.headers["X-Content-Type-Options"] = "nosniff";
  return r;
}

// GET /b/{org}/{post}: one address per page, the index being the one with the slash. Only
// well-formed ids and a known language go into Location.
ApiResponse RedirectToIndex(RequestContext& ctx) {
  const std::string& org = ctx.params[0];
  const std::string& post = ctx.params[1];
  if (!IsWellFormedId(org, "org") || (post != "-" && !IsWellFormedId(post, "post"))) {
    return ServeBulletin(ctx, "");  // Its 404 page.
  }
  ApiResponse r;
  r.status = 301;
  r.content_type.clear();
  std::string to = "/b/" + org + "/" + post + "/";
  if (const std::optional<std::string> lang = CanonicalLanguageTag(ctx.Query("lang"))) {
    to += "?lang=" + *lang;
  }
  r.headers["Location"] = to;
  return r;
}

}  // namespace

void RegisterBulletinRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/bulletins/entries", Access::kRead, &ListEntries);
  router.Add("POST", "/v1/bulletins/entries", Access::kWrite, &CreateEntry);
  router.Add("GET", "/v1/bulletins/entries/{id}", Access::kRead, &GetEntry);
  router.Add("PATCH", "/v1/bulletins/entries/{id}", Access::kWrite, &PatchEntry);
  router.Add("DELETE", "/v1/bulletins/entries/{id}", Access::kWrite, &WithdrawEntry);
  // The feeds before /{page}, which would take their names for an entry id.
  router.Add("GET", "/b/{org}/{post}", Access::kPublic, &RedirectToIndex);
  router.Add("GET", "/b/{org}/{post}/", Access::kPublic,
             [](RequestContext& ctx) { return ServeBulletin(ctx, ""); });
  router.Add("GET", "/b/{org}/{post}/{entry}/event.ics", Access::kPublic, &EventCalendar);
  router.Add("GET", "/b/{org}/{post}/{page}", Access::kPublic,
             [](RequestContext& ctx) { return ServeBulletin(ctx, ctx.params[2]); });
}

}  // namespace ogw
