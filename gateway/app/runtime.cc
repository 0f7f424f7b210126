#include "gateway/app/runtime.h"

#include <spdlog/spdlog.h>

#include "adapters/common/circuit_breaker.h"
#include "adapters/sandbox/sandbox_provider.h"
#include "adapters/email/smtp_provider.h"
#include "adapters/sms/kannel_provider.h"
#include "adapters/sms/twilio_provider.h"
#include "gateway/inbound/email_intake.h"
#include "adapters/webhook/webhook_provider.h"
#include "gateway/core/crypto.h"
#include "gateway/core/key_schema.h"

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
  rt->contacts_ = std::make_unique<ContactStore>(rt->redis_.get());
  rt->importer_ = std::make_unique<ContactImporter>(rt->contacts_.get(), rt->clock_);
  rt->segments_ = std::make_unique<SegmentStore>(rt->redis_.get(), rt->clock_);
  rt->rate_limiter_ = std::make_unique<GcraRateLimiter>(rt->redis_.get(), rt->clock_);
  rt->idempotency_ =
      std::make_unique<IdempotencyStore>(rt->redis_.get(), config.api.idempotency_ttl_seconds);
  rt->metrics_ = std::make_unique<GatewayMetrics>();
  std::string link_secret = config.links.secret;
  if (link_secret.empty()) {
    // Generated once per Redis, so every gateway process sharing it agrees on the key.
    const std::string key = keys::GeneratedSecret("links");
    ASSIGN_OR_RETURN(RedisReply set, rt->redis_->Command({"SET", key, HexEncode(RandomBytes(32)),
                                                          "NX"}));
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
  rt->launcher_ = std::make_unique<CampaignLauncher>(rt->contacts_.get(), rt->segments_.get(),
                                                     rt->templates_.get(), rt->campaigns_.get(),
                                                     rt->queue_.get(), rt->clock_);
  rt->conversations_ = std::make_unique<ConversationLog>(rt->redis_.get(), rt->clock_);
  rt->tokens_ = std::make_unique<PersonTokens>(link_secret);
  KeywordSettings inbound_settings;
  if (!config.inbound.stop_keywords.empty()) {
    inbound_settings.stop_keywords = config.inbound.stop_keywords;
  }
  if (!config.inbound.start_keywords.empty()) {
    inbound_settings.start_keywords = config.inbound.start_keywords;
  }
  inbound_settings.resubscribe_on_start = config.inbound.resubscribe_on_start;
  rt->inbound_ = std::make_unique<InboundPipeline>(
      InboundDeps{rt->redis_.get(), rt->clock_, rt->contacts_.get(), rt->conversations_.get(),
                  rt->queue_.get(), rt->tokens_.get()},
      std::move(inbound_settings));
  rt->provider_rates_ = std::make_unique<ProviderRateLimiter>(rt->redis_.get(), rt->clock_);
  rt->providers_ = std::make_unique<ProviderRegistry>();
  for (const ProviderSettings& ps : config.delivery.providers) {
    ProviderBinding binding;
    binding.account = ps.name;
    binding.rate = ProviderRate{ps.per_second, ps.per_minute};
    if (ps.type == "webhook") {
      WebhookConfig wc;
      wc.name = ps.name;
      wc.url = ps.url;
      wc.auth_header = ps.auth_header;
      wc.timeout_ms = ps.timeout_ms;
      binding.provider = std::make_shared<WebhookProvider>(wc);
    } else if (ps.type == "twilio") {
      TwilioConfig tc;
      tc.name = ps.name;
      tc.api_base = ps.api_base;
      tc.account_sid = ps.account_sid;
      tc.auth_token = ps.auth_token;
      tc.from = ps.from;
      tc.messaging_service_sid = ps.messaging_service_sid;
      tc.status_callback_url = ps.status_callback_url;
      if (tc.status_callback_url.empty() && !ps.organisation.empty()) {
        tc.status_callback_url =
            config.links.public_base_url + "/v1/inbound/twilio/" + ps.name + "/status";
      }
      tc.timeout_ms = ps.timeout_ms;
      binding.provider = std::make_shared<TwilioProvider>(tc);
    } else if (ps.type == "kannel") {
      KannelConfig kc;
      kc.name = ps.name;
      kc.sendsms_url = ps.url;
      kc.username = ps.username;
      kc.password = ps.password;
      kc.from = ps.from;
      kc.smsc = ps.smsc;
      kc.dlr_url_base = config.links.public_base_url + "/v1/inbound/kannel/" + ps.name + "/dlr";
      kc.dlr_secret = ps.inbound_secret;
      kc.timeout_ms = ps.timeout_ms;
      binding.provider = std::make_shared<KannelProvider>(kc);
    } else if (ps.type == "smtp") {
      SmtpConfig sc;
      sc.name = ps.name;
      sc.url = ps.url;
      sc.starttls = ps.starttls;
      sc.username = ps.username;
      sc.password = ps.password;
      sc.from_address = ps.from;
      sc.from_name = ps.from_name;
      sc.message_id_domain = MessageIdDomain(ps);
      sc.timeout_ms = ps.timeout_ms;
      if (absl::Status valid = ValidateSmtpConfig(sc); !valid.ok()) {
        return absl::InvalidArgumentError("delivery.providers " + ps.name + ": " +
                                          std::string(MessageOf(valid)));
      }
      binding.provider = std::make_shared<SmtpProvider>(sc);
    } else {
      binding.provider = std::make_shared<SandboxProvider>(ps.name, rt->redis_.get(), rt->clock_);
    }
    // A provider that is down must not eat worker time: its messages wait.
    binding.provider =
        std::make_shared<CircuitBreakerProvider>(binding.provider, rt->clock_);
    for (const std::string& ch : ps.channels) {
      rt->providers_->Bind(*ParseChannel(ch), binding, ps.organisation, ps.post);
    }
  }
  // Every channel without a configured provider goes to the sandbox.
  for (Channel ch : {Channel::kEmail, Channel::kSms, Channel::kWhatsApp, Channel::kTelegram,
                     Channel::kMessenger}) {
    if (rt->providers_->For(ch) != nullptr) continue;
    const std::string name = std::string(ChannelName(ch)) + "-sandbox";
    rt->providers_->Bind(ch, ProviderBinding{std::make_shared<SandboxProvider>(
                                                 name, rt->redis_.get(), rt->clock_),
                                             name, ProviderRate{}});
  }
  return rt;
}

std::unique_ptr<MailboxWatcher> Runtime::NewMailboxWatcher() {
  return std::make_unique<MailboxWatcher>(inbound_.get(), config_.delivery.providers);
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
  deps.providers = providers_.get();
  deps.rate_limiter = provider_rates_.get();
  deps.metrics = metrics_.get();
  deps.links = links_.get();
  deps.public_base_url = config_.links.public_base_url;
  deps.conversations = conversations_.get();
  deps.tokens = tokens_.get();
  deps.reply_domain = config_.inbound.reply_domain;
  deps.inbound = inbound_.get();
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
  s.inbound = inbound_.get();
  s.tokens = tokens_.get();
  s.providers = &config_.delivery.providers;
  s.public_base_url = config_.links.public_base_url;
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
  admin.role = Role::kAdmin;
  ASSIGN_OR_RETURN(admin, orgs_->CreateOfficer(std::move(admin)));
  ASSIGN_OR_RETURN(auto key, orgs_->CreateApiKey(org.id, admin.id));
  spdlog::info("created organisation {} with admin officer {}", org.id, admin.id);
  return std::optional<std::string>(key.second);
}

}  // namespace ogw
