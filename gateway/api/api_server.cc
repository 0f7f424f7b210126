#include "gateway/api/api_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <regex>

#include "gateway/api/elastic_pool.h"
#include "gateway/api/openapi.json.h"
#include "gateway/auth/session_store.h"
#include "gateway/core/client_network.h"
#include "gateway/core/crypto.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/key_schema.h"
#include "gateway/core/local_rate_limiter.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr size_t kMaxIdempotencyKeyLength = 255;

// "/v1/contacts/{id}" -> "/v1/contacts/([^/]+)"
std::string PatternToRegex(const std::string& pattern) {
  static const std::regex kParam(R"(\{[a-z_]+\})");
  return std::regex_replace(pattern, kParam, "([^/]+)");
}

std::string BearerToken(const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  if (auth.size() > 7 && (auth.starts_with("Bearer ") || auth.starts_with("bearer "))) {
    return auth.substr(7);
  }
  return req.get_header_value("X-API-Key");
}

void Write(ApiResponse& r, httplib::Response& res) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  if (r.stream) {
    res.set_chunked_content_provider(
        r.content_type, [stream = r.stream](size_t /*offset*/, httplib::DataSink& sink) {
          const bool complete = stream([&sink](std::string_view chunk) {
            return sink.is_writable() && sink.write(chunk.data(), chunk.size());
          });
          if (complete) sink.done();
          return complete;
        });
    return;
  }
  if (r.shared_body != nullptr && !r.shared_body->empty()) {
    // Written straight from the cache's copy: a bulletin page is tens of kilobytes.
    res.set_content_provider(
        r.shared_body->size(), r.content_type,
        [body = r.shared_body](size_t offset, size_t length, httplib::DataSink& sink) {
          return sink.write(body->data() + offset, length);
        });
    return;
  }
  if (!r.body.empty() || !r.content_type.empty()) {
    // Moved, not copied: a bulletin page is tens of kilobytes (what set_content would do).
    res.body = std::move(r.body);
    res.set_header("Content-Type", r.content_type);
  }
}

// A 429 (with Retry-After) when the budget under `key` is spent, or the storage problem;
// nullopt when the request may go on.
std::optional<ApiResponse> Throttle(ApiServices& services, const std::string& key,
                                    const RateLimit& limit, std::string_view detail) {
  auto decision = services.rate_limiter->Acquire(key, limit);
  if (!decision.ok()) return ProblemFromStatus(decision.status());
  if (decision->allowed) return std::nullopt;
  services.metrics->CountRateLimited();
  return TooManyRequests(detail, decision->retry_after_millis);
}

// What the caller may do, as stored with an idempotent answer: its role and posts.
std::string GrantOf(const Principal& p) {
  std::string grant(RoleName(p.role));
  if (p.scope.organisation_wide) return grant + ":*";
  for (const std::string& post : p.scope.posts) grant += ":" + post;
  return grant;
}

bool Allowed(Access access, const Principal& p) {
  switch (access) {
    case Access::kPublic:
    case Access::kRead:
      return true;
    case Access::kWrite:
      return p.CanWrite();
    case Access::kAdmin:
      return p.IsAdmin();
  }
  return false;
}

}  // namespace

std::string RequestContext::Query(const std::string& name, const std::string& fallback) const {
  return request.has_param(name) ? request.get_param_value(name) : fallback;
}

std::optional<nlohmann::json> RequestContext::JsonBody(ApiResponse* problem) const {
  if (JsonNestingDepth(request.body) > kMaxInputJsonDepth) {
    *problem = Problem(400, "Malformed JSON", "the request body is nested too deeply", "body");
    return std::nullopt;
  }
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    *problem = Problem(400, "Malformed JSON", "the request body is not valid JSON", "body");
    return std::nullopt;
  }
  if (!body.is_object()) {
    *problem = Problem(400, "Malformed JSON", "the request body must be a JSON object", "body");
    return std::nullopt;
  }
  return body;
}

namespace {

// A registered route and its handler.
struct Route {
  std::string method;
  std::string pattern;
  Access access;
  Handler handler;
};

// The dashboard's caller: the session the cookie names, its officer as they are now, and,
// for a request that changes anything, the session's CSRF token in a header (which another
// site's page cannot set) and no Origin but the gateway's own.
std::optional<ApiResponse> AuthenticateSession(ApiServices& services, const httplib::Request& req,
                                               const std::string& cookie, Principal* principal) {
  auto session = services.sessions->Resolve(cookie);
  if (!session.ok()) return ProblemFromStatus(session.status());
  const auto ended = [] {
    return Problem(401, "Unauthorized", "the session has ended: sign in again");
  };
  if (!*session) return ended();
  const Session& s = **session;
  auto officer = services.orgs->GetOfficer(s.org_id, s.officer_id);
  if (!officer.ok()) return ProblemFromStatus(officer.status());
  if (!*officer || (*officer)->disabled) {
    if (auto end = services.sessions->End(s.id); !end.ok()) return ProblemFromStatus(end);
    return ended();
  }
  if (req.method != "GET" && req.method != "HEAD") {
    if (!ConstantTimeEquals(req.get_header_value("X-CSRF-Token"), s.csrf_token)) {
      return Problem(403, "Forbidden",
                     "send the session's CSRF token (GET /v1/session) as X-CSRF-Token");
    }
    if (!SameOrigin(req, services.public_base_url)) {
      return Problem(403, "Forbidden", "a request from another site's page is refused");
    }
  }
  *principal = PrincipalOf(**officer, s.id);
  principal->session_id = s.id;
  return std::nullopt;
}

// Who calls: the API key's principal (else the dashboard session's), or the answer to give
// (401 with WWW-Authenticate).
std::optional<ApiResponse> Authenticate(ApiServices& services, const httplib::Request& req,
                                        Principal* principal) {
  const std::string bearer = BearerToken(req);
  if (bearer.empty() && services.sessions != nullptr) {
    const std::string cookie = CookieValue(req.get_header_value("Cookie"), SessionStore::kCookie);
    if (!cookie.empty()) return AuthenticateSession(services, req, cookie, principal);
  }
  auto authenticated = services.orgs->Authenticate(bearer);
  if (authenticated.ok()) {
    *principal = *std::move(authenticated);
    return std::nullopt;
  }
  if (authenticated.status().code() != absl::StatusCode::kUnauthenticated) {
    return ProblemFromStatus(authenticated.status());
  }
  ApiResponse refused =
      Problem(401, "Unauthorized", "send a valid API key as 'Authorization: Bearer <key>'");
  refused.headers["WWW-Authenticate"] = "Bearer";
  return refused;
}

// The client as rate limits count it (RateLimitClient: an IPv6 address's /64) of the last
// X-Forwarded-For entry when the request comes from the trusted proxy, else of the peer; at
// most 64 bytes (it names a Redis key).
std::string ClientAddress(const httplib::Request& req, const std::string& trusted_proxy) {
  std::string client = req.remote_addr;
  if (!trusted_proxy.empty() && client == trusted_proxy && req.has_header("X-Forwarded-For")) {
    const std::string forwarded = req.get_header_value("X-Forwarded-For");
    const size_t comma = forwarded.rfind(',');
    client = forwarded.substr(comma == std::string::npos ? 0 : comma + 1);
    client.erase(0, client.find_first_not_of(' '));
  }
  client = RateLimitClient(client);
  if (client.size() > 64) client.resize(64);
  return client;
}

}  // namespace

bool SameOrigin(const httplib::Request& req, std::string_view public_base_url) {
  const std::string origin = req.get_header_value("Origin");
  if (origin.empty()) return true;  // Same-origin GETs, and clients that are not browsers.
  // "scheme://authority" of the base URL, without its path.
  const size_t authority = public_base_url.find("://");
  if (authority != std::string_view::npos) {
    const size_t path = public_base_url.find('/', authority + 3);
    if (EqualsIgnoreAsciiCase(origin, public_base_url.substr(0, path))) return true;
  }
  const std::string host = req.get_header_value("Host");
  return !host.empty() && (EqualsIgnoreAsciiCase(origin, "http://" + host) ||
                           EqualsIgnoreAsciiCase(origin, "https://" + host));
}

std::string RequestContext::ClientAddress() const {
  return ogw::ClientAddress(request, services.settings.trusted_proxy);
}

namespace {

// Public routes have a budget per client address, the others one per API key. Health and
// metrics are for the operator's own monitoring and stay outside.
std::optional<ApiResponse> RateLimit(ApiServices& services, const Route& route,
                                     const httplib::Request& req, const Principal& principal) {
  if (route.access != Access::kPublic) {
    return Throttle(services, keys::RateLimit(principal.org_id, principal.key_id),
                    services.settings.rate_limit, "the API key's rate limit is exceeded");
  }
  if (route.pattern == "/healthz" || route.pattern == "/readyz" || route.pattern == "/metrics") {
    return std::nullopt;
  }
  const std::string client = ClientAddress(req, services.settings.trusted_proxy);
  if (route.method == "GET" && route.pattern.starts_with("/b/") &&
      services.page_rate_limiter != nullptr) {
    const RateDecision decision = services.page_rate_limiter->Acquire(
        client, services.settings.public_rate_limit, services.clock->NowMillis());
    if (decision.allowed) return std::nullopt;
    services.metrics->CountRateLimited();
    return TooManyRequests("too many requests from this address", decision.retry_after_millis);
  }
  return Throttle(services, keys::PublicRateLimit(client), services.settings.public_rate_limit,
                  "too many requests from this address");
}

std::optional<ApiResponse> CheckRole(Access access, const Principal& principal) {
  if (Allowed(access, principal)) return std::nullopt;
  return Problem(403, "Forbidden",
                 "this operation needs the " +
                     std::string(access == Access::kAdmin ? "admin" : "officer or admin") +
                     " role");
}

// The handler's answer; one that throws answers 500 like any other server error, so an
// idempotency record it started is released rather than left "in flight".
ApiResponse RunHandler(const Route& route, RequestContext& ctx) {
  try {
    return route.handler(ctx);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unhandled exception: {}", route.method, route.pattern, e.what());
    return Problem(500, "Internal error", "an internal error occurred");
  }
}

// What makes two requests with one Idempotency-Key the same request.
std::string RequestFingerprint(const Route& route, const httplib::Request& req) {
  std::string query;
  for (const auto& [k, v] : req.params) query += k + "=" + v + "&";
  return Sha256Hex(route.method + " " + req.path + "?" + req.get_header_value("Content-Type") +
                   "\n" + query + "\n" + req.body);
}

// A POST with an Idempotency-Key: the stored answer of the same request, or the handler's
// answer, stored.
ApiResponse RunIdempotently(ApiServices& services, const Route& route, RequestContext& ctx,
                            const std::string& idem_key) {
  if (idem_key.size() > kMaxIdempotencyKeyLength) {
    return Problem(400, "Invalid header", "Idempotency-Key is longer than 255", "Idempotency-Key");
  }
  const Principal& principal = ctx.principal;
  const std::string fingerprint = RequestFingerprint(route, ctx.request);
  const std::string grant = GrantOf(principal);
  auto begin =
      services.idempotency->Start(principal.org_id, principal.key_id, idem_key, fingerprint, grant);
  if (!begin.ok()) return ProblemFromStatus(begin.status());
  using Kind = IdempotencyStore::Begin::Kind;
  switch (begin->kind) {
    case Kind::kReplay:
      return std::move(begin->replay);
    case Kind::kMismatch:
      return Problem(422, "Idempotency key reused",
                     "this Idempotency-Key was used with a different request", "Idempotency-Key");
    case Kind::kGrantChanged:
      return Problem(403, "Forbidden",
                     "the API key's role or posts changed since this request was made; send it "
                     "with a new Idempotency-Key",
                     "Idempotency-Key");
    case Kind::kInFlight:
      return Problem(409, "Request in progress",
                     "a request with this Idempotency-Key is still being processed",
                     "Idempotency-Key");
    case Kind::kProceed:
      break;
  }
  ApiResponse response = RunHandler(route, ctx);
  absl::Status stored = services.idempotency->Finish(principal.org_id, begin->record_key,
                                                     fingerprint, grant, response);
  if (!stored.ok()) spdlog::warn("idempotency record not stored: {}", MessageOf(stored));
  return response;
}

// One request, step by step: authenticate, rate-limit, check the role, run (idempotently for
// a keyed POST).
ApiResponse Serve(ApiServices& services, const Route& route, const httplib::Request& req) {
  Principal principal;
  if (route.access != Access::kPublic) {
    if (auto refused = Authenticate(services, req, &principal)) return *std::move(refused);
  }
  if (auto limited = RateLimit(services, route, req, principal)) return *std::move(limited);
  if (auto refused = CheckRole(route.access, principal)) return *std::move(refused);
  RequestContext ctx{req, principal, {}, services};
  for (size_t i = 1; i < req.matches.size(); ++i) ctx.params.push_back(req.matches[i]);
  // Only for callers with a key: anyone can call a public route, and must not be able to fill
  // Redis with stored answers.
  const std::string idem_key = req.get_header_value("Idempotency-Key");
  if (route.method == "POST" && !idem_key.empty() && route.access != Access::kPublic) {
    return RunIdempotently(services, route, ctx, idem_key);
  }
  return RunHandler(route, ctx);
}

}  // namespace

ApiRouter::ApiRouter(httplib::Server* server, ApiServices* services)
    : server_(server), services_(services) {}

void ApiRouter::Add(std::string method, std::string pattern, Access access, Handler handler) {
  routes_.push_back({method, pattern, access});
  auto route = std::make_shared<const Route>(
      Route{std::move(method), std::move(pattern), access, std::move(handler)});
  ApiServices* services = services_;
  auto wrapped = [services, route](const httplib::Request& req, httplib::Response& res) {
    const auto started = std::chrono::steady_clock::now();
    ApiResponse response;
    try {
      response = Serve(*services, *route, req);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: unhandled exception: {}", route->method, route->pattern, e.what());
      response = Problem(500, "Internal error", "an internal error occurred");
    }
    Write(response, res);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    services->metrics->ObserveRequest(route->method, route->pattern, response.status, seconds);
  };
  const std::string regex = PatternToRegex(route->pattern);
  if (route->method == "GET") {
    server_->Get(regex, wrapped);
  } else if (route->method == "POST") {
    server_->Post(regex, wrapped);
  } else if (route->method == "PUT") {
    server_->Put(regex, wrapped);
  } else if (route->method == "PATCH") {
    server_->Patch(regex, wrapped);
  } else if (route->method == "DELETE") {
    server_->Delete(regex, wrapped);
  }
}

ApiServer::ApiServer(ApiServices services, ServerSettings settings)
    : services_(services), settings_(std::move(settings)) {
  server_ = std::make_unique<httplib::Server>();
  router_ = std::make_unique<ApiRouter>(server_.get(), &services_);

  router_->Add("GET", "/healthz", Access::kPublic, [](RequestContext&) {
    return ApiResponse::Json(200, {{"status", "ok"}});
  });
  router_->Add("GET", "/readyz", Access::kPublic, [](RequestContext& ctx) {
    auto pong = ctx.services.redis->Command({"PING"});
    if (!pong.ok()) {
      return Problem(503, "Not ready", "redis is not reachable");
    }
    return ApiResponse::Json(200, {{"status", "ready"}, {"redis", "ok"}});
  });
  // The API described once, for client generators and API tools (gateway/api/openapi.json;
  // a test checks it lists exactly these routes and matches what the API tests send and get).
  router_->Add("GET", "/v1/openapi.json", Access::kPublic, [](RequestContext&) {
    ApiResponse r;
    r.content_type = "application/json";
    r.body = std::string(api::kOpenapi);
    return r;
  });
  router_->Add("GET", "/metrics", Access::kPublic, [](RequestContext& ctx) {
    const std::string& token = ctx.services.settings.metrics_token;
    const std::string& from = ctx.request.remote_addr;
    const bool loopback =
        from.starts_with("127.") || from == "::1" || from.starts_with("::ffff:127.");
    const bool authorised =
        !token.empty() &&
        ConstantTimeEquals(ctx.request.get_header_value("Authorization"), "Bearer " + token);
    if (!authorised && !(token.empty() && loopback)) {
      return Problem(403, "Forbidden",
                     "metrics are served to this machine, or with the configured metrics token");
    }
    ApiResponse r;
    r.body = ctx.services.metrics->Serialize();
    r.content_type = "text/plain; version=0.0.4";
    return r;
  });
  RegisterOrgRoutes(*router_);
  RegisterContactRoutes(*router_);
  RegisterSegmentRoutes(*router_);
  RegisterLinkRoutes(*router_);
  RegisterEventPageRoutes(*router_);
  RegisterTemplateRoutes(*router_);
  RegisterCampaignRoutes(*router_);
  RegisterMessageRoutes(*router_);
  RegisterInboxRoutes(*router_);
  RegisterReportRoutes(*router_);
  RegisterSurveyRoutes(*router_);
  RegisterConversationRoutes(*router_);
  RegisterInboundRoutes(*router_);
  RegisterProviderRoutes(*router_);
  RegisterEventRoutes(*router_);
  // The forms before the pages, whose /{page} would match a form's name.
  RegisterBulletinFormRoutes(*router_);
  RegisterSessionRoutes(*router_);
  RegisterUiRoutes(*router_);
  RegisterBulletinRoutes(*router_);

  // A request without Content-Length or Transfer-Encoding has no body (RFC 9112, 6.3), as
  // `curl -X POST <url>` sends it; httplib would instead read until the connection closes
  // and answer 400 after the read timeout. Runs before httplib reads the body, on the
  // request object httplib owns (not const: handed to this hook as const only).
  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      const_cast<httplib::Request&>(req).headers.emplace("Content-Length", "0");
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_->set_payload_max_length(static_cast<size_t>(settings_.max_body_bytes));
  // Headers and body go out in separate writes: with Nagle's algorithm the body would wait
  // for the client's delayed acknowledgement (40 ms on Linux).
  server_->set_tcp_nodelay(true);
  // A client reading many pages keeps its connection (httplib closes one after 5 requests).
  server_->set_keep_alive_max_count(100);
  server_->set_read_timeout(settings_.read_timeout_seconds, 0);
  server_->new_task_queue = [min = settings_.threads, max = settings_.max_threads] {
    return new ElasticThreadPool(static_cast<size_t>(min), static_cast<size_t>(max));
  };
  server_->set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        // Errors raised by the HTTP layer itself (no route, body too large, bad request line);
        // responses our handlers produced already carry a problem body.
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        ApiResponse p;
        if (res.status == 404) {
          p = Problem(404, "Not found", "no such route");
        } else if (res.status == 413) {
          p = Problem(413, "Payload too large", "the request body exceeds the configured limit",
                      "body");
        } else if (res.status == 400) {
          p = Problem(400, "Bad request",
                      "the request line, a header or the body's framing is malformed (for a body, "
                      "send Content-Length or Transfer-Encoding: chunked)");
        } else if (res.status == 414) {
          p = Problem(414, "URI too long", "the request target is too long");
        } else if (res.status == 416) {
          p = Problem(416, "Range not satisfiable", "ranges are not supported");
        } else {
          p = Problem(res.status, "HTTP error", "the request could not be processed");
        }
        res.set_content(p.body, p.content_type);
        return httplib::Server::HandlerResponse::Handled;
      }));
}

ApiServer::~ApiServer() { Stop(); }

const std::vector<RouteInfo>& ApiServer::routes() const { return router_->routes(); }

absl::Status ApiServer::Start() {
  if (settings_.port == 0) {
    port_ = server_->bind_to_any_port(settings_.listen);
  } else {
    port_ = server_->bind_to_port(settings_.listen, settings_.port) ? settings_.port : -1;
  }
  if (port_ <= 0) {
    return absl::UnavailableError("cannot listen on " + settings_.listen + ":" +
                                  std::to_string(settings_.port));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until the accept loop runs, so a Stop() that came too early
  // would leave the thread serving forever: return only once it runs.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_->is_running()) return absl::InternalError("the HTTP server did not start");
  return absl::OkStatus();
}

void ApiServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ogw
