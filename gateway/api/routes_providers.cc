// Provider accounts of an organisation (docs/ARCHITECTURE.md, "Provider accounts:
// configuration and API"): admins add, change and remove them; everyone in the organisation
// reads them, officers those of their posts and the organisation's own. Secrets are never
// answered: `secrets_set` names which are set.

#include <spdlog/spdlog.h>

#include "gateway/api/route_helpers.h"
#include "adapters/common/destination_policy.h"
#include "gateway/inbound/quarantine.h"

namespace ogw {
namespace {

bool Visible(const Principal& p, const ProviderAccount& account) {
  return account.organisation == p.org_id &&
         (account.post.empty() || p.scope.Allows(account.post));
}

// `url` with the user and password of its authority (scheme://user:pass@host) replaced: they
// are credentials, and accounts are shown to viewers too.
std::string RedactUrlCredentials(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t host = scheme + 3;
  const size_t end = url.find_first_of("/?#", host);
  const size_t at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at == std::string::npos || at < host) return url;
  return url.substr(0, host) + "redacted@" + url.substr(at + 1);
}

nlohmann::json ToJson(const ProviderDirectory& directory, const ProviderAccount& account) {
  nlohmann::json j = ProviderAccountToJson(account, /*with_secrets=*/false);
  ForEachTypeField(account, [&](std::string_view field, const std::string&, FieldKind kind) {
    const std::string key(field);
    if (kind == FieldKind::kServerPath) j.erase(key);
    if ((kind == FieldKind::kUrl || kind == FieldKind::kDestination) && j.contains(key)) {
      j[key] = RedactUrlCredentials(j[key].get<std::string>());
    }
  });
  j["source"] = directory.IsConfigured(account.name) ? "config" : "api";
  return j;
}

// The caller's account `name`; configured ones only when `allow_configured`.
std::optional<ProviderAccount> OwnAccount(RequestContext& ctx, bool allow_configured,
                                          ApiResponse* problem) {
  std::optional<ProviderAccount> account = ctx.services.providers->Find(ctx.params[0]);
  if (!account || !Visible(ctx.principal, *account)) {
    *problem = NotFound("provider");
    return std::nullopt;
  }
  if (!allow_configured && ctx.services.providers->IsConfigured(account->name)) {
    *problem = Problem(409, "Conflict",
                       "provider " + account->name +
                           " is set in the configuration file; change it there");
    return std::nullopt;
  }
  return account;
}

// Reads and checks an account from `body` for the caller's organisation: the fields, the
// post, and that no other account serves one of its channels for the same post.
bool ReadAccount(RequestContext& ctx, const nlohmann::json& body, ProviderAccount* account,
                 ApiResponse* problem) {
  JsonReader r = JsonReader::ForInput(body);
  const std::string own_org = ctx.principal.org_id;
  ReadProviderAccount(r, ProviderSource::kApi, account);
  const auto& allowed = ctx.services.settings.provider_types;
  if (!account->type.empty() && allowed.has_value() &&
      std::find(allowed->begin(), allowed->end(), account->type) == allowed->end()) {
    r.Error("type", "this installation does not take " + account->type +
                        " accounts through the API");
  }
  // Where the account's connections would go: never a private or internal service.
  ForEachTypeField(*account, [&](std::string_view field, const std::string& url, FieldKind kind) {
    if (kind != FieldKind::kDestination || url.empty() || ctx.services.destinations == nullptr) {
      return;
    }
    if (absl::Status s = ctx.services.destinations->CheckUrl(url); !s.ok()) {
      r.Error(field, std::string(MessageOf(s)));
    }
  });
  const int min_poll = ctx.services.settings.min_poll_seconds;
  const int poll_seconds = account->settings ? account->settings->poll_seconds() : 0;
  if (poll_seconds > 0 && poll_seconds < min_poll) {
    r.Error("poll_seconds", "must be at least " + std::to_string(min_poll) +
                                " (api.min_poll_seconds)");
  }
  if (account->organisation != own_org) {
    r.Error("organisation", "must be your organisation's id (or left out)");
  }
  if (!account->post.empty()) {
    auto post = ctx.services.orgs->GetPost(own_org, account->post);
    if (!post.ok()) {
      *problem = ProblemFromStatus(post.status());
      return false;
    }
    if (!*post) r.Error("post", "no such post in your organisation");
  }
  for (const ProviderAccount& other : ctx.services.providers->All()) {
    if (other.name == account->name || other.organisation != account->organisation ||
        other.post != account->post) {
      continue;
    }
    for (const std::string& ch : account->channels) {
      if (std::find(other.channels.begin(), other.channels.end(), ch) != other.channels.end()) {
        r.Error("channels", "provider " + other.name + " already serves " + ch +
                                (account->post.empty() ? " for the organisation"
                                                       : " for this post"));
      }
    }
  }
  if (!r.Finish().ok()) {
    *problem = InvalidFields(r);
    return false;
  }
  return true;
}

// Makes this process use the change at once (the others notice within a second).
ApiResponse Applied(RequestContext& ctx, int status, const std::string& name) {
  if (absl::Status s = ctx.services.providers->Refresh(/*force=*/true); !s.ok()) {
    return ProblemFromStatus(s);
  }
  if (status == 204) return ApiResponse::NoContent();
  std::optional<ProviderAccount> account = ctx.services.providers->Find(name);
  if (!account) {
    return Problem(500, "Internal error", "the provider was stored but cannot be used");
  }
  return ApiResponse::Json(status, ToJson(*ctx.services.providers, *account));
}

// GET /v1/providers
ApiResponse ListProviders(RequestContext& ctx) {
  nlohmann::json items = nlohmann::json::array();
  for (const ProviderAccount& account : ctx.services.providers->All()) {
    if (Visible(ctx.principal, account)) {
      items.push_back(ToJson(*ctx.services.providers, account));
    }
  }
  return ApiResponse::Json(200, {{"items", std::move(items)}});
}

// GET /v1/providers/{name}; administrators also get what to set at the provider.
ApiResponse GetProvider(RequestContext& ctx) {
  ApiResponse problem;
  auto account = OwnAccount(ctx, /*allow_configured=*/true, &problem);
  if (!account) return problem;
  nlohmann::json j = ToJson(*ctx.services.providers, *account);
  const ProviderType* type = FindProviderType(account->type);
  if (ctx.principal.IsAdmin() && type != nullptr) {
    nlohmann::json setup = nlohmann::json::array();
    for (const ProviderSetup& s : type->Setup(*account, ctx.services.providers->context())) {
      setup.push_back({{"setting", s.setting}, {"value", s.value}});
    }
    j["setup"] = std::move(setup);
  }
  return ApiResponse::Json(200, j);
}

// POST /v1/providers
ApiResponse CreateProvider(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  ProviderAccount account;
  account.organisation = ctx.principal.org_id;
  if (!ReadAccount(ctx, *body, &account, &problem)) return problem;
  if (ctx.services.providers->Find(account.name)) {
    return Problem(409, "Conflict", "a provider named " + account.name + " exists", "name");
  }
  size_t own = 0;
  for (const ProviderAccount& other : ctx.services.providers->All()) {
    if (other.organisation == account.organisation) ++own;
  }
  if (own >= kMaxApiProvidersPerOrganisation) {
    return Problem(422, "Invalid input",
                   "an organisation has at most " +
                       std::to_string(kMaxApiProvidersPerOrganisation) + " provider accounts",
                   "name");
  }
  if (absl::Status s = ctx.services.provider_store->Create(account); !s.ok()) {
    if (absl::IsAlreadyExists(s)) return Problem(409, "Conflict", MessageOf(s), "name");
    return ProblemFromStatus(s);
  }
  spdlog::info("provider {} ({}) added to organisation {} by {}", account.name, account.type,
               account.organisation, ctx.principal.officer_id);
  return Applied(ctx, 201, account.name);
}

// JSON merge patch (RFC 7396) over the stored account: a secret left out keeps its value,
// null clears a field. The name, type and organisation do not change.
ApiResponse UpdateProvider(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  auto current = OwnAccount(ctx, /*allow_configured=*/false, &problem);
  if (!current) return problem;
  // What GET answers besides the fields may come back unchanged.
  body->erase("source");
  body->erase("secrets_set");
  body->erase("setup");
  // A URL sent back as GET showed it (credentials redacted) keeps the stored one.
  const nlohmann::json current_json = ProviderAccountToJson(*current, /*with_secrets=*/true);
  ForEachTypeField(*current, [&](std::string_view field, const std::string& value, FieldKind kind) {
    if (kind != FieldKind::kUrl && kind != FieldKind::kDestination) return;
    auto it = body->find(std::string(field));
    if (it != body->end() && it->is_string() && !value.empty() &&
        *it == RedactUrlCredentials(value)) {
      body->erase(it);
    }
  });
  for (const char* fixed : {"name", "type", "organisation"}) {
    auto it = body->find(fixed);
    if (it != body->end() && *it != current_json.value(fixed, "")) {
      return Problem(422, "Invalid input", std::string(fixed) + ": cannot be changed", fixed);
    }
  }
  nlohmann::json merged = current_json;
  merged.merge_patch(*body);
  ProviderAccount account;
  account.organisation = ctx.principal.org_id;
  if (!ReadAccount(ctx, merged, &account, &problem)) return problem;
  if (absl::Status s = ctx.services.provider_store->Replace(account); !s.ok()) {
    return ProblemFromStatus(s);
  }
  spdlog::info("provider {} changed by {}", account.name, ctx.principal.officer_id);
  return Applied(ctx, 200, account.name);
}

// What the account delivered that could not be read (mail over the size limit or that does
// not parse, a signed webhook with malformed content), newest first.
ApiResponse ListQuarantine(RequestContext& ctx) {
  ApiResponse problem;
  auto account = OwnAccount(ctx, /*allow_configured=*/true, &problem);
  if (!account) return problem;
  std::optional<size_t> limit = PageLimit(ctx, &problem);
  if (!limit) return problem;
  auto entries = ctx.services.quarantine->List(account->organisation, account->name, *limit);
  if (!entries.ok()) return ProblemFromStatus(entries.status());
  return ApiResponse::Json(200, {{"items", *entries}});
}

// DELETE /v1/providers/{name}
ApiResponse DeleteProvider(RequestContext& ctx) {
  ApiResponse problem;
  auto account = OwnAccount(ctx, /*allow_configured=*/false, &problem);
  if (!account) return problem;
  auto deleted = ctx.services.provider_store->Delete(account->name);
  if (!deleted.ok()) return ProblemFromStatus(deleted.status());
  if (!*deleted) return NotFound("provider");
  spdlog::info("provider {} removed by {}", account->name, ctx.principal.officer_id);
  return Applied(ctx, 204, account->name);
}

}  // namespace

void RegisterProviderRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/providers", Access::kRead, &ListProviders);
  router.Add("GET", "/v1/providers/{name}", Access::kRead, &GetProvider);
  router.Add("POST", "/v1/providers", Access::kAdmin, &CreateProvider);
  router.Add("PATCH", "/v1/providers/{name}", Access::kAdmin, &UpdateProvider);
  router.Add("GET", "/v1/providers/{name}/quarantine", Access::kAdmin, &ListQuarantine);
  router.Add("DELETE", "/v1/providers/{name}", Access::kAdmin, &DeleteProvider);
}

}  // namespace ogw
