#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/api/idempotency.h"
#include "gateway/api/problem.h"
#include "gateway/auth/principal.h"
#include "gateway/campaigns/campaign_launcher.h"
#include "gateway/campaigns/campaign_store.h"
#include "gateway/config/gateway_config.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/contacts/importer.h"
#include "gateway/conversations/canned_answers.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/conversations/conversation_threads.h"
#include "gateway/core/clock.h"
#include "gateway/core/rate_limiter.h"
#include "gateway/core/redis_client.h"
#include "gateway/inbound/inbound_pipeline.h"
#include "gateway/inbound/person_tokens.h"
#include "gateway/invitations/event_messages.h"
#include "gateway/invitations/event_seats.h"
#include "gateway/invitations/event_store.h"
#include "gateway/invitations/rsvp_responder.h"
#include "gateway/metrics/metrics.h"
#include "gateway/orgs/org_store.h"
#include "gateway/providers/provider_directory.h"
#include "gateway/providers/provider_store.h"
#include "gateway/segments/segment_store.h"
#include "templates/template_renderer.h"
#include "templates/template_store.h"
#include "templates/tracked_links.h"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace ogw {

class BulletinForms;
class LocalRateLimiter;
class BulletinSite;
class BulletinStore;
class DestinationPolicy;
class ScanGate;
class InboundQuarantine;
class OfficerSignIn;
class SessionStore;

// Everything route handlers use. Owned by the caller (main or a test), which outlives the server.
struct ApiServices {
  ApiSettings settings;
  RedisPool* redis = nullptr;
  const Clock* clock = nullptr;
  OrgStore* orgs = nullptr;
  ContactStore* contacts = nullptr;
  ContactImporter* importer = nullptr;
  SegmentStore* segments = nullptr;
  EventStore* events = nullptr;
  EventSeats* event_seats = nullptr;
  RsvpResponder* rsvp = nullptr;  // Notes and tells the changes routes make.
  EventMessages* event_messages = nullptr;
  GcraRateLimiter* rate_limiter = nullptr;
  // The public bulletin pages' budget per client address, kept in this process: a page from
  // the cache costs less than the Redis round trip of rate_limiter.
  LocalRateLimiter* page_rate_limiter = nullptr;
  IdempotencyStore* idempotency = nullptr;
  GatewayMetrics* metrics = nullptr;
  TrackedLinks* links = nullptr;
  TemplateStore* templates = nullptr;
  const TemplateRenderer* renderer = nullptr;
  CampaignStore* campaigns = nullptr;
  CampaignLauncher* launcher = nullptr;
  DeliveryQueue* queue = nullptr;
  ConversationLog* conversations = nullptr;
  ConversationThreads* threads = nullptr;
  CannedAnswerStore* canned_answers = nullptr;
  BulletinStore* bulletins = nullptr;
  BulletinSite* bulletin_site = nullptr;  // The public pages and feeds.
  BulletinForms* bulletin_forms = nullptr;  // Their reply and subscription forms.
  BulletinSettings bulletin_settings;
  InboundPipeline* inbound = nullptr;
  const PersonTokens* tokens = nullptr;
  InboundQuarantine* quarantine = nullptr;
  // Where accounts added through the API may point.
  const DestinationPolicy* destinations = nullptr;
  // Admission of requests that scan the whole organisation.
  ScanGate* scans = nullptr;
  // Provider accounts (configured and added through the API): inbound routes find their
  // owner and secrets here.
  ProviderDirectory* providers = nullptr;
  ProviderStore* provider_store = nullptr;
  // How providers and recipients reach the gateway (signed webhook URLs are checked on it).
  std::string public_base_url;
  // The dashboard's sign-in (may be null: sessions are then refused like unknown keys).
  SessionStore* sessions = nullptr;
  OfficerSignIn* sign_in = nullptr;
};

// Whether the request's Origin header, when it has one, is the gateway's own: the origin of
// `public_base_url`, or the scheme and Host the request came to. Browsers send Origin with
// every cross-site POST, so a form on another site posting here is told apart.
bool SameOrigin(const httplib::Request& req, std::string_view public_base_url);

// What a handler gets: the request, who is calling, and the {name} parameters of its pattern.
struct RequestContext {
  const httplib::Request& request;
  const Principal& principal;
  std::vector<std::string> params;  // In pattern order.
  ApiServices& services;

  // The query parameter, or `fallback` when absent.
  std::string Query(const std::string& name, const std::string& fallback = "") const;
  // The body parsed as a JSON object, or a 400 problem naming what is wrong.
  std::optional<nlohmann::json> JsonBody(ApiResponse* problem) const;
  // Who sent the request, as rate limits count it: the peer, or the client the trusted proxy
  // names, an IPv6 address by its /64 (RateLimitClient); at most 64 bytes.
  std::string ClientAddress() const;
};

// Minimum rights a route requires, checked before the handler runs.
enum class Access { kPublic, kRead, kWrite, kAdmin };

using Handler = std::function<ApiResponse(RequestContext&)>;

struct RouteInfo {
  std::string method;
  std::string pattern;  // e.g. "/v1/contacts/{id}"
  Access access;
};

// Registers routes on the HTTP server and wraps each with the common pipeline:
// authentication (Bearer API key), role check, per-key rate limit (429 + Retry-After),
// Idempotency-Key handling for POST, problem+json errors, metrics.
class ApiRouter {
 public:
  ApiRouter(httplib::Server* server, ApiServices* services);
  void Add(std::string method, std::string pattern, Access access, Handler handler);
  const std::vector<RouteInfo>& routes() const { return routes_; }

 private:
  httplib::Server* server_;
  ApiServices* services_;
  std::vector<RouteInfo> routes_;
};

void RegisterOrgRoutes(ApiRouter& router);
void RegisterContactRoutes(ApiRouter& router);
void RegisterSegmentRoutes(ApiRouter& router);
void RegisterLinkRoutes(ApiRouter& router);
void RegisterEventPageRoutes(ApiRouter& router);
void RegisterTemplateRoutes(ApiRouter& router);
void RegisterCampaignRoutes(ApiRouter& router);
void RegisterMessageRoutes(ApiRouter& router);
void RegisterConversationRoutes(ApiRouter& router);
void RegisterInboxRoutes(ApiRouter& router);
void RegisterReportRoutes(ApiRouter& router);
void RegisterSurveyRoutes(ApiRouter& router);
void RegisterInboundRoutes(ApiRouter& router);
void RegisterProviderRoutes(ApiRouter& router);
void RegisterEventRoutes(ApiRouter& router);
void RegisterBulletinRoutes(ApiRouter& router);
void RegisterBulletinFormRoutes(ApiRouter& router);
void RegisterSessionRoutes(ApiRouter& router);
void RegisterUiRoutes(ApiRouter& router);

// The HTTP API. Start() binds and serves on background threads; Stop() drains and returns.
class ApiServer {
 public:
  ApiServer(ApiServices services, ServerSettings settings);
  ~ApiServer();

  // Binds `settings.listen:port` (port 0 picks a free port) and starts serving.
  absl::Status Start();
  void Stop();
  int port() const { return port_; }
  const std::vector<RouteInfo>& routes() const;

 private:
  ApiServices services_;
  ServerSettings settings_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<ApiRouter> router_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace ogw
