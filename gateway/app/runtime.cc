#include "gateway/app/runtime.h"

#include <spdlog/spdlog.h>

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
  return rt;
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
