// The dashboard's sign-in: an admin's invitation of an officer, the password the invitation
// sets, sign-in with e-mail address and password, the session's own details (its CSRF token
// for the pages) and sign-out. The session is a cookie the browser sends by itself; every
// other route accepts it where it accepts an API key (api_server.cc, AuthenticateSession).

#include <spdlog/spdlog.h>

#include "gateway/api/route_helpers.h"
#include "gateway/auth/officer_sign_in.h"
#include "gateway/auth/session_store.h"

namespace ogw {
namespace {

// "Set-Cookie" for a session's cookie; `value` "" clears it. Secure wherever the gateway is
// reached over https; Strict, so no other site's link or form sends it.
std::string SessionCookie(const ApiServices& services, const std::string& value, int64_t max_age) {
  std::string cookie = std::string(SessionStore::kCookie) + "=" + value +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (services.public_base_url.starts_with("https://")) cookie += "; Secure";
  return cookie;
}

nlohmann::json SessionJson(const Officer& officer, const Session& session) {
  return {{"officer", ToJson(officer)},
          {"session_id", session.id},
          {"csrf_token", session.csrf_token},
          {"expires_at", session.expires_at_millis}};
}

// A new session for `officer`: 201 with its cookie.
ApiResponse StartSession(RequestContext& ctx, const Officer& officer) {
  auto created = ctx.services.sessions->Create(officer.org_id, officer.id);
  if (!created.ok()) return ProblemFromStatus(created.status());
  ApiResponse r = ApiResponse::Json(201, SessionJson(officer, created->first));
  r.headers["Set-Cookie"] =
      SessionCookie(ctx.services, created->second, ctx.services.sessions->settings().max_seconds);
  r.headers["Cache-Control"] = "no-store";
  r.shows_secret = true;
  return r;
}

// The sign-in routes' own checks: configured, and posted from the gateway's pages.
std::optional<ApiResponse> SignInRefused(RequestContext& ctx) {
  if (ctx.services.sessions == nullptr || ctx.services.sign_in == nullptr) {
    return Problem(404, "Not found", "the dashboard's sign-in is not enabled");
  }
  if (!SameOrigin(ctx.request, ctx.services.public_base_url)) {
    return Problem(403, "Forbidden", "a request from another site's page is refused");
  }
  return std::nullopt;
}

// A sign-in form's body, after SignInRefused's checks: (`who`, password), both required;
// nullopt with the answer in `refused`.
std::optional<std::pair<std::string, std::string>> ReadSignInForm(RequestContext& ctx,
                                                                  const char* who,
                                                                  ApiResponse* refused) {
  if (auto answer = SignInRefused(ctx)) {
    *refused = *std::move(answer);
    return std::nullopt;
  }
  auto body = ctx.JsonBody(refused);
  if (!body) return std::nullopt;
  JsonReader r = JsonReader::ForInput(*body);
  std::pair<std::string, std::string> fields;
  r.String(who, &fields.first, true);
  r.String("password", &fields.second, true);
  if (!r.Finish().ok()) {
    *refused = InvalidFields(r);
    return std::nullopt;
  }
  return fields;
}

// POST /v1/officers/{id}/invitation
ApiResponse InviteOfficer(RequestContext& ctx) {
  if (ctx.services.sign_in == nullptr) {
    return Problem(404, "Not found", "the dashboard's sign-in is not enabled");
  }
  auto invitation = ctx.services.sign_in->Invite(ctx.principal.org_id, ctx.params[0]);
  if (!invitation.ok()) return ProblemFromStatus(invitation.status());
  ApiResponse r = ApiResponse::Json(
      201, {{"officer_id", ctx.params[0]},
            // The token in the fragment: browsers send it to no server and no Referer.
            {"url", ctx.services.public_base_url + "/ui/#invitation=" + invitation->token},
            {"expires_at", invitation->expires_at_millis}});
  r.headers["Cache-Control"] = "no-store";
  r.shows_secret = true;
  return r;
}

// POST /v1/session/password
ApiResponse AcceptInvitation(RequestContext& ctx) {
  ApiResponse refused;
  const auto fields = ReadSignInForm(ctx, "invitation", &refused);
  if (!fields) return refused;
  auto officer = ctx.services.sign_in->AcceptInvitation(fields->first, fields->second);
  if (!officer.ok()) {
    const absl::Status& s = officer.status();
    if (s.code() == absl::StatusCode::kNotFound) {
      return Problem(404, "Not found", MessageOf(s), "invitation");
    }
    if (s.code() == absl::StatusCode::kAlreadyExists) {
      return Problem(409, "Conflict", MessageOf(s), "email");
    }
    return ProblemFromStatus(s, "password");
  }
  spdlog::info("officer {} of {} set a password", officer->id, officer->org_id);
  return StartSession(ctx, *officer);
}

// POST /v1/session
ApiResponse SignIn(RequestContext& ctx) {
  ApiResponse refused;
  const auto fields = ReadSignInForm(ctx, "email", &refused);
  if (!fields) return refused;
  auto officer = ctx.services.sign_in->SignIn(fields->first, fields->second);
  if (!officer.ok()) {
    const absl::Status& s = officer.status();
    if (s.code() == absl::StatusCode::kUnauthenticated) {
      return Problem(401, "Unauthorized", MessageOf(s));
    }
    if (s.code() == absl::StatusCode::kResourceExhausted) {
      ApiResponse locked = Problem(429, "Too many requests", MessageOf(s));
      locked.headers["Retry-After"] = std::to_string(OfficerSignIn::kFailureWindowSeconds);
      return locked;
    }
    return ProblemFromStatus(s);
  }
  return StartSession(ctx, *officer);
}

// GET /v1/session: who is signed in, and the token the pages send with every change.
ApiResponse CurrentSession(RequestContext& ctx) {
  if (ctx.principal.session_id.empty()) {
    return Problem(404, "Not found", "this request is authenticated by an API key, not a session");
  }
  auto session = ctx.services.sessions->Resolve(
      CookieValue(ctx.request.get_header_value("Cookie"), SessionStore::kCookie));
  if (!session.ok()) return ProblemFromStatus(session.status());
  auto officer = ctx.services.orgs->GetOfficer(ctx.principal.org_id, ctx.principal.officer_id);
  if (!officer.ok()) return ProblemFromStatus(officer.status());
  if (!*session || !*officer) return Problem(401, "Unauthorized", "the session has ended");
  ApiResponse r = ApiResponse::Json(200, SessionJson(**officer, **session));
  r.headers["Cache-Control"] = "no-store";
  return r;
}

// DELETE /v1/session: sign-out.
ApiResponse SignOut(RequestContext& ctx) {
  if (ctx.principal.session_id.empty()) {
    return Problem(404, "Not found", "this request is authenticated by an API key, not a session");
  }
  if (auto ended = ctx.services.sessions->End(ctx.principal.session_id); !ended.ok()) {
    return ProblemFromStatus(ended);
  }
  ApiResponse r = ApiResponse::NoContent();
  r.headers["Set-Cookie"] = SessionCookie(ctx.services, "", 0);
  return r;
}

}  // namespace

void RegisterSessionRoutes(ApiRouter& router) {
  router.Add("POST", "/v1/officers/{id}/invitation", Access::kAdmin, &InviteOfficer);
  router.Add("POST", "/v1/session/password", Access::kPublic, &AcceptInvitation);
  router.Add("POST", "/v1/session", Access::kPublic, &SignIn);
  router.Add("GET", "/v1/session", Access::kRead, &CurrentSession);
  router.Add("DELETE", "/v1/session", Access::kRead, &SignOut);
}

}  // namespace ogw
