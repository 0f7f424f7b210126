// Routes for the organisation, its posts, officers and API keys.

#include "gateway/api/route_helpers.h"
#include "gateway/auth/session_store.h"
#include "gateway/contacts/normalize.h"

namespace ogw {
namespace {

constexpr size_t kMaxNameLength = 200;

// Reads the editable fields of a post from `body` into `post`, validating each.
void ReadPost(JsonReader& r, Post* post, bool creating) {
  r.String("name", &post->name, creating);
  r.String("country", &post->country);
  r.String("city", &post->city);
  r.String("default_language", &post->default_language);
  r.String("time_zone", &post->time_zone);
  // An update starts from the stored (non-empty) name, so this also refuses blanking it.
  if (post->name.empty() || post->name.size() > kMaxNameLength) {
    r.Error("name", "must be 1 to 200 bytes");
  }
  if (!post->country.empty()) {
    auto c = NormalizeCountry(post->country);
    c.ok() ? void(post->country = *c) : r.Error("country", MessageOf(c.status()));
  }
  if (!post->default_language.empty()) {
    auto l = NormalizeLanguageTag(post->default_language);
    l.ok() ? void(post->default_language = *l) : r.Error("default_language", MessageOf(l.status()));
  }
  if (!post->time_zone.empty()) {
    auto t = NormalizeTimeZone(post->time_zone);
    t.ok() ? void(post->time_zone = *t) : r.Error("time_zone", MessageOf(t.status()));
  }
}

void ReadOfficer(JsonReader& r, Officer* officer, bool creating) {
  std::string role(RoleName(officer->role));
  r.String("name", &officer->name, creating);
  r.String("email", &officer->email);
  r.String("role", &role, creating);
  r.StringList("posts", &officer->posts);
  r.Bool("disabled", &officer->disabled);
  if (officer->name.empty() || officer->name.size() > kMaxNameLength) {
    r.Error("name", "must be 1 to 200 bytes");
  }
  if (auto parsed = ParseRole(role)) {
    officer->role = *parsed;
  } else {
    r.Error("role", "expected admin, officer or viewer");
  }
  if (!officer->email.empty()) {
    auto e = NormalizeEmail(officer->email);
    e.ok() ? void(officer->email = *e) : r.Error("email", MessageOf(e.status()));
  }
}

// The officer named in the path, if the caller may see it: admins see all, others themselves.
std::optional<Officer> VisibleOfficer(RequestContext& ctx, ApiResponse* out) {
  const std::string& id = ctx.params[0];
  if (!ctx.principal.IsAdmin() && id != ctx.principal.officer_id) {
    *out = NotFound("officer");
    return std::nullopt;
  }
  auto officer = ctx.services.orgs->GetOfficer(ctx.principal.org_id, id);
  if (!officer.ok()) {
    *out = ProblemFromStatus(officer.status());
    return std::nullopt;
  }
  if (!*officer) {
    *out = NotFound("officer");
    return std::nullopt;
  }
  return **officer;
}

// GET /v1/me
ApiResponse GetMe(RequestContext& ctx) {
  const Principal& p = ctx.principal;
  return ApiResponse::Json(200, {{"org_id", p.org_id},
                                 {"officer_id", p.officer_id},
                                 {"key_id", p.key_id},
                                 {"role", RoleName(p.role)},
                                 {"posts", p.scope.posts},
                                 {"organisation_wide", p.scope.organisation_wide}});
}

// GET /v1/organisation
ApiResponse GetOrganisation(RequestContext& ctx) {
  auto org = ctx.services.orgs->GetOrganisation(ctx.principal.org_id);
  if (!org.ok()) return ProblemFromStatus(org.status());
  if (!*org) return NotFound("organisation");
  nlohmann::json body = ToJson(**org);
  auto stats = ctx.services.contacts->Stats(ctx.principal.org_id);
  if (!stats.ok()) return ProblemFromStatus(stats.status());
  nlohmann::json counters = nlohmann::json::object();
  for (const auto& [k, v] : *stats) counters[k] = v;
  body["stats"] = std::move(counters);
  return ApiResponse::Json(200, body);
}

// GET /v1/posts
ApiResponse ListPosts(RequestContext& ctx) {
  auto posts = ctx.services.orgs->ListPosts(ctx.principal.org_id);
  if (!posts.ok()) return ProblemFromStatus(posts.status());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& p : *posts) {
    if (ctx.principal.scope.Allows(p.id)) items.push_back(ToJson(p));
  }
  return ApiResponse::Json(200, {{"items", std::move(items)}});
}

// POST /v1/posts
ApiResponse CreatePost(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  Post post;
  post.org_id = ctx.principal.org_id;
  JsonReader r = JsonReader::ForInput(*body);
  ReadPost(r, &post, true);
  if (!r.Finish().ok()) return InvalidFields(r);
  auto created = ctx.services.orgs->CreatePost(std::move(post));
  if (!created.ok()) return ProblemFromStatus(created.status());
  return ApiResponse::Json(201, ToJson(*created));
}

// GET /v1/posts/{id}
ApiResponse GetPost(RequestContext& ctx) {
  if (!ctx.principal.scope.Allows(ctx.params[0])) return NotFound("post");
  auto post = ctx.services.orgs->GetPost(ctx.principal.org_id, ctx.params[0]);
  if (!post.ok()) return ProblemFromStatus(post.status());
  if (!*post) return NotFound("post");
  return ApiResponse::Json(200, ToJson(**post));
}

// PATCH /v1/posts/{id}
ApiResponse UpdatePost(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto post = ctx.services.orgs->GetPost(ctx.principal.org_id, ctx.params[0]);
  if (!post.ok()) return ProblemFromStatus(post.status());
  if (!*post) return NotFound("post");
  Post updated = **post;
  JsonReader r = JsonReader::ForInput(*body);
  ReadPost(r, &updated, false);
  if (!r.Finish().ok()) return InvalidFields(r);
  if (auto s = ctx.services.orgs->UpdatePost(updated); !s.ok()) return ProblemFromStatus(s);
  return ApiResponse::Json(200, ToJson(updated));
}

// GET /v1/officers
ApiResponse ListOfficers(RequestContext& ctx) {
  auto officers = ctx.services.orgs->ListOfficers(ctx.principal.org_id);
  if (!officers.ok()) return ProblemFromStatus(officers.status());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& o : *officers) items.push_back(ToJson(o));
  return ApiResponse::Json(200, {{"items", std::move(items)}});
}

// POST /v1/officers
ApiResponse CreateOfficer(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  Officer officer;
  officer.org_id = ctx.principal.org_id;
  JsonReader r = JsonReader::ForInput(*body);
  ReadOfficer(r, &officer, true);
  if (!r.Finish().ok()) return InvalidFields(r);
  auto created = ctx.services.orgs->CreateOfficer(std::move(officer));
  if (!created.ok()) return ProblemFromStatus(created.status(), "posts");
  return ApiResponse::Json(201, ToJson(*created));
}

// GET /v1/officers/{id}
ApiResponse GetOfficer(RequestContext& ctx) {
  ApiResponse problem;
  auto officer = VisibleOfficer(ctx, &problem);
  if (!officer) return problem;
  return ApiResponse::Json(200, ToJson(*officer));
}

// PATCH /v1/officers/{id}
ApiResponse UpdateOfficer(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto officer = VisibleOfficer(ctx, &problem);
  if (!officer) return problem;
  JsonReader r = JsonReader::ForInput(*body);
  ReadOfficer(r, &*officer, false);
  if (!r.Finish().ok()) return InvalidFields(r);
  if (officer->id == ctx.principal.officer_id &&
      (officer->role != Role::kAdmin || officer->disabled)) {
    return Problem(409, "Conflict", "admins cannot demote or disable themselves", "role");
  }
  if (auto s = ctx.services.orgs->UpdateOfficer(*officer); !s.ok()) {
    return ProblemFromStatus(s, "posts");
  }
  // A disabled officer's dashboard sessions end now (each request checks it too).
  if (officer->disabled && ctx.services.sessions != nullptr) {
    if (auto ended = ctx.services.sessions->EndAllOf(officer->org_id, officer->id); !ended.ok()) {
      return ProblemFromStatus(ended);
    }
  }
  return ApiResponse::Json(200, ToJson(*officer));
}

// GET /v1/officers/{id}/keys
ApiResponse ListOfficerKeys(RequestContext& ctx) {
  ApiResponse problem;
  auto officer = VisibleOfficer(ctx, &problem);
  if (!officer) return problem;
  auto keys = ctx.services.orgs->ListApiKeys(ctx.principal.org_id, officer->id);
  if (!keys.ok()) return ProblemFromStatus(keys.status());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& k : *keys) items.push_back(ToJson(k));
  return ApiResponse::Json(200, {{"items", std::move(items)}});
}

// POST /v1/officers/{id}/keys
ApiResponse CreateOfficerKey(RequestContext& ctx) {
  auto created = ctx.services.orgs->CreateApiKey(ctx.principal.org_id, ctx.params[0]);
  if (!created.ok()) return ProblemFromStatus(created.status());
  nlohmann::json body = ToJson(created->first);
  body["token"] = created->second;  // Shown once; only its hash is stored.
  ApiResponse r = ApiResponse::Json(201, body);
  r.headers["Cache-Control"] = "no-store";
  r.shows_secret = true;
  return r;
}

// DELETE /v1/keys/{id}
ApiResponse RevokeKey(RequestContext& ctx) {
  auto s = ctx.services.orgs->RevokeApiKey(ctx.principal.org_id, ctx.params[0]);
  if (!s.ok()) return ProblemFromStatus(s);
  return ApiResponse::NoContent();
}

}  // namespace

void RegisterOrgRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/me", Access::kRead, &GetMe);
  router.Add("GET", "/v1/organisation", Access::kRead, &GetOrganisation);
  router.Add("GET", "/v1/posts", Access::kRead, &ListPosts);
  router.Add("POST", "/v1/posts", Access::kAdmin, &CreatePost);
  router.Add("GET", "/v1/posts/{id}", Access::kRead, &GetPost);
  router.Add("PATCH", "/v1/posts/{id}", Access::kAdmin, &UpdatePost);
  router.Add("GET", "/v1/officers", Access::kAdmin, &ListOfficers);
  router.Add("POST", "/v1/officers", Access::kAdmin, &CreateOfficer);
  router.Add("GET", "/v1/officers/{id}", Access::kRead, &GetOfficer);
  router.Add("PATCH", "/v1/officers/{id}", Access::kAdmin, &UpdateOfficer);
  router.Add("GET", "/v1/officers/{id}/keys", Access::kRead, &ListOfficerKeys);
  router.Add("POST", "/v1/officers/{id}/keys", Access::kAdmin, &CreateOfficerKey);
  router.Add("DELETE", "/v1/keys/{id}", Access::kAdmin, &RevokeKey);
}

}  // namespace ogw
