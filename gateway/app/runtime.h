#pragma once

#include <memory>
#include <optional>
#include <string>

#include "adapters/common/destination_policy.h"
#include "gateway/api/api_server.h"
#include "gateway/api/idempotency.h"
#include "gateway/api/scan_gate.h"
#include "gateway/auth/officer_sign_in.h"
#include "gateway/auth/session_store.h"
#include "gateway/bulletins/bulletin_forms.h"
#include "gateway/bulletins/bulletin_site.h"
#include "gateway/bulletins/bulletin_store.h"
#include "gateway/campaigns/campaign_launcher.h"
#include "gateway/campaigns/campaign_store.h"
#include "gateway/config/gateway_config.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/contacts/importer.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/core/embedded_redis.h"
#include "gateway/core/local_rate_limiter.h"
#include "gateway/core/rate_limiter.h"
#include "gateway/core/redis_client.h"
#include "gateway/delivery/delivery_worker.h"
#include "gateway/inbound/inbound_pipeline.h"
#include "gateway/inbound/mailbox_watcher.h"
#include "gateway/inbound/person_tokens.h"
#include "gateway/inbound/quarantine.h"
#include "gateway/invitations/event_seats.h"
#include "gateway/invitations/event_store.h"
#include "gateway/metrics/metrics.h"
#include "gateway/orgs/org_store.h"
#include "gateway/providers/provider_directory.h"
#include "gateway/providers/provider_store.h"
#include "gateway/segments/segment_store.h"
#include "templates/template_renderer.h"
#include "templates/template_store.h"
#include "templates/tracked_links.h"

namespace ogw {

// The gateway's components wired together explicitly, in dependency order. Used by `serve`,
// the admin commands and integration tests alike. Not copyable; destroy to shut down.
class Runtime {
 public:
  // Connects to the configured Redis, or starts (or attaches to) the private one.
  static absl::StatusOr<std::unique_ptr<Runtime>> Open(const GatewayConfig& config,
                                                       const Clock* clock = nullptr);
  ~Runtime();

  // Services for the HTTP API.
  ApiServices Services();

  // First start: when Redis holds no organisation, create the configured one with an admin
  // officer and return that admin's API key token (shown once). nullopt otherwise.
  absl::StatusOr<std::optional<std::string>> BootstrapIfEmpty();

  const GatewayConfig& config() const { return config_; }
  RedisPool& redis() { return *redis_; }
  OrgStore& orgs() { return *orgs_; }
  OfficerSignIn& sign_in() { return *sign_in_; }
  ContactStore& contacts() { return *contacts_; }
  ContactImporter& importer() { return *importer_; }
  SegmentStore& segments() { return *segments_; }
  GatewayMetrics& metrics() { return *metrics_; }
  TrackedLinks& links() { return *links_; }
  DeliveryQueue& queue() { return *queue_; }
  CampaignStore& campaigns() { return *campaigns_; }
  CampaignLauncher& launcher() { return *launcher_; }
  ConversationLog& conversations() { return *conversations_; }
  ConversationThreads& threads() { return *threads_; }
  InboundPipeline& inbound() { return *inbound_; }
  RsvpResponder& rsvp() { return *rsvp_; }
  InboundQuarantine& quarantine() { return *quarantine_; }
  const PersonTokens& tokens() const { return *tokens_; }
  ProviderDirectory& providers() { return *providers_; }
  // A delivery worker over this runtime's stores and configured providers (not started).
  std::unique_ptr<DeliveryWorker> NewWorker();
  // Polls the configured providers' mailboxes for replies (not started).
  std::unique_ptr<MailboxWatcher> NewMailboxWatcher();
  const Clock& clock() const { return *clock_; }
  // The private server, when no URL is configured.
  EmbeddedRedis* embedded_redis() { return embedded_.get(); }

 private:
  explicit Runtime(GatewayConfig config) : config_(std::move(config)) {}
  // The configured key that seals provider secrets, else the one generated in Redis.
  absl::StatusOr<std::string> SecretsKey();

  GatewayConfig config_;
  const Clock* clock_ = nullptr;
  std::unique_ptr<EmbeddedRedis> embedded_;
  std::unique_ptr<RedisPool> redis_;
  std::unique_ptr<OrgStore> orgs_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<OfficerSignIn> sign_in_;
  std::unique_ptr<ContactStore> contacts_;
  std::unique_ptr<ContactImporter> importer_;
  std::unique_ptr<SegmentStore> segments_;
  std::unique_ptr<EventStore> events_;
  std::unique_ptr<EventSeats> event_seats_;
  std::unique_ptr<GcraRateLimiter> rate_limiter_;
  std::unique_ptr<IdempotencyStore> idempotency_;
  std::unique_ptr<GatewayMetrics> metrics_;
  std::unique_ptr<TrackedLinks> links_;
  std::unique_ptr<TemplateStore> templates_;
  std::unique_ptr<TemplateRenderer> renderer_;
  std::unique_ptr<DeliveryQueue> queue_;
  std::unique_ptr<CampaignStore> campaigns_;
  std::unique_ptr<CampaignLauncher> launcher_;
  std::unique_ptr<EventMessages> event_messages_;
  std::unique_ptr<ConversationLog> conversations_;
  std::unique_ptr<ConversationThreads> threads_;
  std::unique_ptr<CannedAnswerStore> canned_answers_;
  std::unique_ptr<BulletinStore> bulletins_;
  std::unique_ptr<BulletinSite> bulletin_site_;
  std::unique_ptr<BulletinForms> bulletin_forms_;
  std::unique_ptr<LocalRateLimiter> page_rate_limiter_;
  std::unique_ptr<PersonTokens> tokens_;
  std::unique_ptr<RsvpResponder> rsvp_;
  std::unique_ptr<SurveyResponder> surveys_;
  std::unique_ptr<InboundPipeline> inbound_;
  std::unique_ptr<InboundQuarantine> quarantine_;
  std::shared_ptr<const DestinationPolicy> destinations_;
  std::unique_ptr<ScanGate> scans_;
  std::unique_ptr<ProviderStore> provider_store_;
  std::unique_ptr<ProviderDirectory> providers_;
  std::unique_ptr<ProviderRateLimiter> provider_rates_;
};

}  // namespace ogw
