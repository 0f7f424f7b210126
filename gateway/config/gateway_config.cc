#include "gateway/config/gateway_config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "adapters/common/destination_policy.h"
#include "gateway/contacts/contact.h"

namespace ogw {

absl::StatusOr<GatewayConfig> GatewayConfig::FromJson(const nlohmann::json& root,
                                                      JsonReader::EnvLookup env) {
  GatewayConfig c;
  JsonReader r(root, "", std::move(env));
  r.Object("server", [&](JsonReader& s) {
    s.String("listen", &c.server.listen);
    s.Int("port", &c.server.port, 0, 65535);
    s.Int("threads", &c.server.threads, 1, 256);
    s.Int("max_threads", &c.server.max_threads, 1, 4096);
    if (c.server.max_threads < c.server.threads) {
      s.Error("max_threads", "must be at least threads");
    }
    s.Int("max_body_bytes", &c.server.max_body_bytes, 1024, int64_t{1} << 32);
    s.Int("read_timeout_seconds", &c.server.read_timeout_seconds, 1, 3600);
  });
  r.Object("redis", [&](JsonReader& s) {
    s.String("url", &c.redis.url);
    s.String("data_dir", &c.redis.data_dir);
    s.String("binary", &c.redis.binary);
    s.String("max_memory", &c.redis.max_memory);
    s.Int("pool_size", &c.redis.pool_size, 1, 1024);
    s.Int("timeout_ms", &c.redis.timeout_ms, 10, 60000);
    if (!c.redis.url.empty() && !c.redis.url.starts_with("redis://") &&
        !c.redis.url.starts_with("unix://")) {
      s.Error("url", "must start with redis:// or unix://");
    }
  });
  r.Object("api", [&](JsonReader& s) {
    s.Object("rate_limit", [&](JsonReader& rl) {
      rl.Double("per_second", &c.api.rate_limit.per_second, 0.01, 1e6);
      rl.Double("burst", &c.api.rate_limit.burst, 1, 1e6);
    });
    s.Int("idempotency_ttl_seconds", &c.api.idempotency_ttl_seconds, 60, 30 * 86400);
    s.Int("default_page_size", &c.api.default_page_size, 1, 10000);
    s.Int("max_page_size", &c.api.max_page_size, 1, 10000);
    s.Int("max_import_rows", &c.api.max_import_rows, 1, 10'000'000);
    s.StringList("provider_types", &c.api.provider_types);
    for (const std::string& type : c.api.provider_types.value_or(std::vector<std::string>())) {
      if (FindProviderType(type) == nullptr) {
        s.Error("provider_types", "unknown provider type " + type);
      }
    }
    s.String("metrics_token", &c.api.metrics_token);
    s.Int("min_poll_seconds", &c.api.min_poll_seconds, 1, 3600);
    s.Object("scan_rate_limit", [&](JsonReader& rl) {
      rl.Double("per_second", &c.api.scan_rate_limit.per_second, 0.01, 1e6);
      rl.Double("burst", &c.api.scan_rate_limit.burst, 1, 1e6);
    });
    s.Int("max_concurrent_scans", &c.api.max_concurrent_scans, 1, 64);
    s.Object("public_rate_limit", [&](JsonReader& rl) {
      rl.Double("per_second", &c.api.public_rate_limit.per_second, 0.01, 1e6);
      rl.Double("burst", &c.api.public_rate_limit.burst, 1, 1e6);
    });
    s.String("trusted_proxy", &c.api.trusted_proxy);
    s.StringList("allowed_destinations", &c.api.allowed_destinations);
    if (auto policy = DestinationPolicy::Make(c.api.allowed_destinations); !policy.ok()) {
      s.Error("allowed_destinations", std::string(MessageOf(policy.status())));
    }
    if (!c.api.metrics_token.empty() && c.api.metrics_token.size() < 24) {
      s.Error("metrics_token", "must be at least 24 characters");
    }
    if (c.api.default_page_size > c.api.max_page_size) {
      s.Error("default_page_size", "must not exceed max_page_size");
    }
  });
  r.Object("bootstrap", [&](JsonReader& s) {
    s.String("organisation", &c.bootstrap.organisation);
    s.String("default_language", &c.bootstrap.default_language);
    s.String("admin_name", &c.bootstrap.admin_name);
    s.String("admin_email", &c.bootstrap.admin_email);
    if (!c.bootstrap.admin_email.empty() &&
        (c.bootstrap.admin_email.find('@') == std::string::npos ||
         c.bootstrap.admin_email.size() > 254)) {
      s.Error("admin_email", "must be an e-mail address");
    }
  });
  r.Object("links", [&](JsonReader& s) {
    s.String("public_base_url", &c.links.public_base_url);
    s.String("secret", &c.links.secret);
    s.Int("ttl_days", &c.links.ttl_days, 1, 3650);
    if (!c.links.public_base_url.starts_with("http://") &&
        !c.links.public_base_url.starts_with("https://")) {
      s.Error("public_base_url", "must start with http:// or https://");
    } else if (c.links.public_base_url.ends_with("/")) {
      s.Error("public_base_url", "must not end with /");
    }
    if (!c.links.secret.empty() && c.links.secret.size() < 32) {
      s.Error("secret", "must be at least 32 characters");
    }
  });
  r.Object("delivery", [&](JsonReader& s) {
    DeliverySettings& d = c.delivery;
    s.Bool("worker_in_serve", &d.worker_in_serve);
    s.Int("worker_threads", &d.worker_threads, 1, 256);
    s.Int("group_size", &d.group_size, 1, 10000);
    s.Int("chunk_size", &d.chunk_size, 8, 100000);
    s.Int("lease_seconds", &d.lease_seconds, 5, 3600);
    s.Int("max_attempts", &d.max_attempts, 1, 100);
    s.Int("backoff_base_ms", &d.backoff_base_ms, 1, 3'600'000);
    s.Int("backoff_cap_ms", &d.backoff_cap_ms, 1, 86'400'000);
    s.String("default_time_zone", &d.default_time_zone);
    if (d.chunk_size % 8 != 0) s.Error("chunk_size", "must be a multiple of 8");
    std::set<std::string> names;
    std::set<std::string> served;
    s.String("secrets_key", &d.secrets_key);
    if (!d.secrets_key.empty() &&
        (d.secrets_key.size() != 64 ||
         d.secrets_key.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)) {
      s.Error("secrets_key", "must be 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`");
    }
    s.ObjectList("providers", [&](JsonReader& p) {
      ProviderAccount ps;
      ReadProviderAccount(p, ProviderSource::kConfig, &ps);
      if (!names.insert(ps.name).second) p.Error("name", "another provider has this name");
      for (const std::string& ch : ps.channels) {
        if (ParseChannel(ch) &&
            !served.insert(ch + "/" + ps.organisation + "/" + ps.post).second) {
          p.Error("channels", "channel " + ch + " already has a provider" +
                                  (ps.organisation.empty() ? "" : " for this organisation/post"));
        }
      }
      d.providers.push_back(std::move(ps));
    });
  });
  r.Object("inbound", [&](JsonReader& s) {
    s.String("reply_domain", &c.inbound.reply_domain);
    s.StringList("stop_keywords", &c.inbound.stop_keywords);
    s.StringList("start_keywords", &c.inbound.start_keywords);
    s.Bool("resubscribe_on_start", &c.inbound.resubscribe_on_start);
    if (c.inbound.reply_domain.find_first_of("@ <>\r\n") != std::string::npos) {
      s.Error("reply_domain", "must be a bare domain such as replies.example.org");
    }
  });
  r.Object("bulletins", [&](JsonReader& s) {
    s.Object("form_rate_limit", [&](JsonReader& rl) {
      rl.Double("per_second", &c.bulletins.form_rate_limit.per_second, 0.001, 1e6);
      rl.Double("burst", &c.bulletins.form_rate_limit.burst, 1, 1e6);
    });
    s.Object("bulletin_form_rate_limit", [&](JsonReader& rl) {
      rl.Double("per_second", &c.bulletins.bulletin_form_rate_limit.per_second, 0.001, 1e6);
      rl.Double("burst", &c.bulletins.bulletin_form_rate_limit.burst, 1, 1e6);
    });
    s.Int("max_concurrent_forms", &c.bulletins.max_concurrent_forms, 1, 256);
    s.Int("form_min_fill_seconds", &c.bulletins.form_min_fill_seconds, 0, 600);
  });
  r.Object("logging", [&](JsonReader& s) {
    s.String("level", &c.logging.level);
    static const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
    bool known = false;
    for (const char* l : kLevels) known |= c.logging.level == l;
    if (!known) s.Error("level", "expected one of trace, debug, info, warn, error");
  });
  RETURN_IF_ERROR(r.Finish());
  return c;
}

absl::StatusOr<GatewayConfig> GatewayConfig::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read config file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(buf.str());
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400.
    return absl::InvalidArgumentError(path + ": not valid JSON: " + e.what());
  }
  auto config = FromJson(root);
  if (!config.ok()) {
    return absl::InvalidArgumentError(path + ": " + std::string(MessageOf(config.status())));
  }
  return config;
}

}  // namespace ogw
