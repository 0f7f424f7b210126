#include "gateway/app/runtime.h"

#include <spdlog/spdlog.h>

#include "gateway/core/crypto.h"
#include "gateway/core/key_schema.h"
#include "gateway/core/secret_box.h"
#include "gateway/providers/chat_links.h"

namespace ogw {

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Open(const GatewayConfig& config,
                                                       const Clock* clock) {
  std::unique_ptr<Runtime> rt(new Runtime(config));
  rt->clock_ = clock != nullptr ? clock : &SystemClock::Instance();
  RedisEndpoint endpoint;
  if (config.redis.url.empty()) {
    EmbeddedRedis::Options options;
    options.data_dir = config.redis.data_dir;
    options.binary = config.redis.binary;
    options.max_memory = config.redis.max_memory;
    rt->embedded_ = std::make_unique<EmbeddedRedis>(options);
    RETURN_IF_ERROR(rt->embedded_->Start());
    endpoint = rt->embedded_->endpoint();
  } else {
    ASSIGN_OR_RETURN(endpoint, RedisEndpoint::Parse(config.redis.url));
  }
  rt->redis_ = std::make_unique<RedisPool>(endpoint, static_cast<size_t>(config.redis.pool_size),
                                           std::chrono::milliseconds(config.redis.timeout_ms));
  ASSIGN_OR_RETURN(RedisReply pong, rt->redis_->Command({"PING"}));
  (void)pong;
  spdlog::info("redis at {}", endpoint.Describe());
  rt->orgs_ = std::make_unique<OrgStore>(rt->redis_.get(), rt->clock_);
  rt->sessions_ = std::make_unique<SessionStore>(rt->redis_.get(), rt->clock_);
  rt->sign_in_ = std::make_unique<OfficerSignIn>(rt->redis_.get(), rt->orgs_.get(), rt->clock_);
  // Keys the suppression list's HMACs: generated once per Redis, shared by every process.
  const std::string suppression_key = keys::GeneratedSecret("suppression");
  ASSIGN_OR_RETURN(RedisReply made,
                   rt->redis_->Command({"SET", suppression_key, HexEncode(RandomBytes(32)), "NX"}));
  (void)made;
  ASSIGN_OR_RETURN(RedisReply suppression, rt->redis_->Command({"GET", suppression_key}));
  rt->contacts_ = std::make_unique<ContactStore>(rt->redis_.get(), suppression.str);
  rt->importer_ = std::make_unique<ContactImporter>(rt->contacts_.get(), rt->clock_);
  rt->segments_ = std::make_unique<SegmentStore>(rt->redis_.get(), rt->clock_);
  rt->events_ = std::make_unique<EventStore>(rt->redis_.get(), rt->clock_);
  rt->event_seats_ = std::make_unique<EventSeats>(rt->redis_.get());
  rt->rate_limiter_ = std::make_unique<GcraRateLimiter>(rt->redis_.get(), rt->clock_);
  rt->idempotency_ =
      std::make_unique<IdempotencyStore>(rt->redis_.get(), config.api.idempotency_ttl_seconds);
  rt->metrics_ = std::make_unique<GatewayMetrics>();
  std::string link_secret = config.links.secret;
  if (link_secret.empty()) {
    // Generated once per Redis, so every gateway process sharing it agrees on the key.
    const std::string key = keys::GeneratedSecret("links");
    ASSIGN_OR_RETURN(RedisReply set,
                     rt->redis_->Command({"SET", key, HexEncode(RandomBytes(32)), "NX"}));
    (void)set;
    ASSIGN_OR_RETURN(RedisReply stored, rt->redis_->Command({"GET", key}));
    link_secret = stored.str;
  }
  rt->links_ = std::make_unique<TrackedLinks>(rt->redis_.get(), rt->clock_, link_secret,
                                              int64_t{config.links.ttl_days} * 86400);
  rt->templates_ = std::make_unique<TemplateStore>(rt->redis_.get(), rt->clock_);
  rt->renderer_ = std::make_unique<TemplateRenderer>();
  QueueOptions queue_options;
  queue_options.chunk_size = static_cast<size_t>(config.delivery.chunk_size);
  queue_options.lease_millis = int64_t{config.delivery.lease_seconds} * 1000;
  rt->queue_ = std::make_unique<DeliveryQueue>(rt->redis_.get(), rt->clock_, queue_options);
  rt->campaigns_ = std::make_unique<CampaignStore>(rt->redis_.get(), rt->clock_);
  rt->bulletins_ = std::make_unique<BulletinStore>(rt->redis_.get(), rt->clock_);
  rt->bulletin_site_ =
      std::make_unique<BulletinSite>(rt->bulletins_.get(), rt->orgs_.get(), rt->events_.get(),
                                     rt->clock_, config.links.public_base_url);
  rt->launcher_ = std::make_unique<CampaignLauncher>(
      rt->contacts_.get(), rt->segments_.get(), rt->templates_.get(), rt->campaigns_.get(),
      rt->queue_.get(), rt->clock_, rt->event_seats_.get(), rt->events_.get(),
      rt->bulletins_.get(), rt->renderer_.get());
  rt->event_messages_ = std::make_unique<EventMessages>(rt->redis_.get(), rt->clock_,
                                                        rt->campaigns_.get(), rt->launcher_.get());
  rt->conversations_ = std::make_unique<ConversationLog>(rt->redis_.get(), rt->clock_);
  rt->threads_ = std::make_unique<ConversationThreads>(rt->redis_.get(), rt->clock_);
  rt->canned_answers_ = std::make_unique<CannedAnswerStore>(rt->redis_.get(), rt->clock_);
  rt->tokens_ = std::make_unique<PersonTokens>(link_secret);
  KeywordSettings inbound_settings;
  if (!config.inbound.stop_keywords.empty()) {
    inbound_settings.stop_keywords = config.inbound.stop_keywords;
  }
  if (!config.inbound.start_keywords.empty()) {
    inbound_settings.start_keywords = config.inbound.start_keywords;
  }
  inbound_settings.resubscribe_on_start = config.inbound.resubscribe_on_start;
  RsvpDeps rsvp;
  rsvp.redis = rt->redis_.get();
  rsvp.clock = rt->clock_;
  rsvp.events = rt->events_.get();
  rsvp.seats = rt->event_seats_.get();
  rsvp.contacts = rt->contacts_.get();
  rsvp.conversations = rt->conversations_.get();
  rsvp.queue = rt->queue_.get();
  rt->rsvp_ = std::make_unique<RsvpResponder>(rsvp);
  InboundDeps inbound;
  inbound.redis = rt->redis_.get();
  inbound.clock = rt->clock_;
  inbound.contacts = rt->contacts_.get();
  inbound.conversations = rt->conversations_.get();
  inbound.threads = rt->threads_.get();
  inbound.queue = rt->queue_.get();
  inbound.tokens = rt->tokens_.get();
  inbound.rsvp = rt->rsvp_.get();
  rt->surveys_ = std::make_unique<SurveyResponder>(rt->redis_.get(), rt->clock_,
                                                   rt->campaigns_.get(), rt->queue_.get());
  inbound.surveys = rt->surveys_.get();
  inbound.public_base_url = config.links.public_base_url;
  rt->inbound_ = std::make_unique<InboundPipeline>(inbound, std::move(inbound_settings));
  rt->bulletin_forms_ = std::make_unique<BulletinForms>(
      rt->inbound_.get(), rt->contacts_.get(), rt->conversations_.get(), rt->tokens_.get(),
      rt->clock_, config.bulletins.form_min_fill_seconds, config.bulletins.max_concurrent_forms,
      // The provider directory is made below; the forms read it only once serving.
      ChatLinkSource{[self = rt.get()](const std::string& org_id, const std::string& post_id) {
                       std::vector<std::string> names;
                       if (self->providers_ == nullptr) return names;
                       for (Channel c : ChatLinkChannels(*self->providers_, org_id, post_id)) {
                         names.emplace_back(ChannelName(c));
                       }
                       return names;
                     },
                     [self = rt.get()](const std::string& org_id, const Contact& contact) {
                       if (self->providers_ == nullptr) return nlohmann::json::object();
                       return ChatLinks(*self->providers_, *self->tokens_, org_id, contact);
                     }});
  rt->page_rate_limiter_ = std::make_unique<LocalRateLimiter>();
  rt->scans_ = std::make_unique<ScanGate>(rt->rate_limiter_.get(), config.api.scan_rate_limit,
                                          config.api.max_concurrent_scans);
  rt->quarantine_ =
      std::make_unique<InboundQuarantine>(rt->redis_.get(), rt->clock_, rt->metrics_.get());
  rt->provider_rates_ = std::make_unique<ProviderRateLimiter>(rt->redis_.get(), rt->clock_);
  ASSIGN_OR_RETURN(std::string secrets_key, rt->SecretsKey());
  ASSIGN_OR_RETURN(SecretBox box, SecretBox::FromHexKey(secrets_key));
  rt->provider_store_ = std::make_unique<ProviderStore>(rt->redis_.get(), std::move(box));
  ProviderContext context;
  context.public_base_url = config.links.public_base_url;
  context.redis = rt->redis_.get();
  context.clock = rt->clock_;
  context.message_id_key = rt->tokens_->EmailMessageIdKey();
  ASSIGN_OR_RETURN(rt->destinations_, DestinationPolicy::Make(config.api.allowed_destinations));
  context.destinations = rt->destinations_;
  rt->providers_ = std::make_unique<ProviderDirectory>(config.delivery.providers,
                                                       rt->provider_store_.get(), context);
  if (absl::Status loaded = rt->providers_->Load(); !loaded.ok()) {
    return absl::InvalidArgumentError("delivery.providers: " + std::string(MessageOf(loaded)));
  }
  rt->providers_->StartWatching(std::chrono::seconds(1));
  return rt;
}

absl::StatusOr<std::string> Runtime::SecretsKey() {
  if (!config_.delivery.secrets_key.empty()) return config_.delivery.secrets_key;
  // Generated once per Redis, so every gateway process sharing it agrees on the key.
  const std::string key = keys::GeneratedSecret("providers");
  ASSIGN_OR_RETURN(RedisReply set, redis_->Command({"SET", key, HexEncode(RandomBytes(32)), "NX"}));
  (void)set;
  ASSIGN_OR_RETURN(RedisReply stored, redis_->Command({"GET", key}));
  spdlog::warn(
      "delivery.secrets_key is not set: secrets of provider accounts added through the "
      "API are sealed with a key kept in Redis itself");
  return stored.str;
}

std::unique_ptr<MailboxWatcher> Runtime::NewMailboxWatcher() {
  return std::make_unique<MailboxWatcher>(
      inbound_.get(), quarantine_.get(), providers_->context(),
      [directory = providers_.get()] { return directory->All(); });
}

std::unique_ptr<DeliveryWorker> Runtime::NewWorker() {
  WorkerDeps deps;
  deps.redis = redis_.get();
  deps.clock = clock_;
  deps.queue = queue_.get();
  deps.contacts = contacts_.get();
  deps.templates = templates_.get();
  deps.renderer = renderer_.get();
  deps.campaigns = campaigns_.get();
  deps.orgs = orgs_.get();
  deps.providers = &providers_->registry();
  deps.rate_limiter = provider_rates_.get();
  deps.metrics = metrics_.get();
  deps.links = links_.get();
  deps.public_base_url = config_.links.public_base_url;
  deps.conversations = conversations_.get();
  deps.tokens = tokens_.get();
  deps.reply_domain = config_.inbound.reply_domain;
  deps.inbound = inbound_.get();
  deps.rsvp = rsvp_.get();
  deps.event_messages = event_messages_.get();
  deps.events = events_.get();
  deps.chat_links = [directory = providers_.get(), tokens = tokens_.get()](
                        const std::string& org_id, const Contact& contact) {
    return ChatLinks(*directory, *tokens, org_id, contact);
  };
  WorkerOptions options;
  options.threads = static_cast<size_t>(config_.delivery.worker_threads);
  options.group_size = static_cast<size_t>(config_.delivery.group_size);
  options.backoff.max_attempts = config_.delivery.max_attempts;
  options.backoff.base_millis = config_.delivery.backoff_base_ms;
  options.backoff.cap_millis = config_.delivery.backoff_cap_ms;
  options.default_time_zone = config_.delivery.default_time_zone;
  return std::make_unique<DeliveryWorker>(deps, options);
}

Runtime::~Runtime() {
  providers_.reset();  // Its watcher thread reads Redis.
  // The pool's connections must close before the private server stops.
  redis_.reset();
  if (embedded_) embedded_->Stop();
}

ApiServices Runtime::Services() {
  ApiServices s;
  s.settings = config_.api;
  s.redis = redis_.get();
  s.clock = clock_;
  s.orgs = orgs_.get();
  s.contacts = contacts_.get();
  s.importer = importer_.get();
  s.segments = segments_.get();
  s.events = events_.get();
  s.event_seats = event_seats_.get();
  s.rsvp = rsvp_.get();
  s.event_messages = event_messages_.get();
  s.rate_limiter = rate_limiter_.get();
  s.idempotency = idempotency_.get();
  s.metrics = metrics_.get();
  s.links = links_.get();
  s.templates = templates_.get();
  s.renderer = renderer_.get();
  s.campaigns = campaigns_.get();
  s.launcher = launcher_.get();
  s.queue = queue_.get();
  s.conversations = conversations_.get();
  s.threads = threads_.get();
  s.canned_answers = canned_answers_.get();
  s.bulletins = bulletins_.get();
  s.bulletin_site = bulletin_site_.get();
  s.bulletin_forms = bulletin_forms_.get();
  s.page_rate_limiter = page_rate_limiter_.get();
  s.bulletin_settings = config_.bulletins;
  s.inbound = inbound_.get();
  s.tokens = tokens_.get();
  s.quarantine = quarantine_.get();
  s.destinations = destinations_.get();
  s.scans = scans_.get();
  s.providers = providers_.get();
  s.provider_store = provider_store_.get();
  s.public_base_url = config_.links.public_base_url;
  s.sessions = sessions_.get();
  s.sign_in = sign_in_.get();
  return s;
}

absl::StatusOr<std::optional<std::string>> Runtime::BootstrapIfEmpty() {
  ASSIGN_OR_RETURN(auto orgs, orgs_->ListOrganisations());
  if (!orgs.empty()) return std::optional<std::string>();
  ASSIGN_OR_RETURN(Organisation org, orgs_->CreateOrganisation(config_.bootstrap.organisation,
                                                               config_.bootstrap.default_language));
  Officer admin;
  admin.org_id = org.id;
  admin.name = config_.bootstrap.admin_name;
  admin.email = config_.bootstrap.admin_email;
  admin.role = Role::kAdmin;
  ASSIGN_OR_RETURN(admin, orgs_->CreateOfficer(std::move(admin)));
  ASSIGN_OR_RETURN(auto key, orgs_->CreateApiKey(org.id, admin.id));
  spdlog::info("created organisation {} with admin officer {}", org.id, admin.id);
  return std::optional<std::string>(key.second);
}

}  // namespace ogw
