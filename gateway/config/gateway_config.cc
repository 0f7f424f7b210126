#include "gateway/config/gateway_config.h"

#include <fstream>
#include <set>
#include <sstream>

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
    if (c.api.default_page_size > c.api.max_page_size) {
      s.Error("default_page_size", "must not exceed max_page_size");
    }
  });
  r.Object("bootstrap", [&](JsonReader& s) {
    s.String("organisation", &c.bootstrap.organisation);
    s.String("default_language", &c.bootstrap.default_language);
    s.String("admin_name", &c.bootstrap.admin_name);
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
    s.ObjectList("providers", [&](JsonReader& p) {
      ProviderSettings ps;
      p.String("name", &ps.name, true);
      p.String("type", &ps.type, true);
      p.StringList("channels", &ps.channels, true);
      p.String("url", &ps.url);
      p.String("auth_header", &ps.auth_header);
      p.Int("timeout_ms", &ps.timeout_ms, 100, 300000);
      p.Double("per_second", &ps.per_second, 0, 1e6);
      p.Double("per_minute", &ps.per_minute, 0, 1e8);
      p.String("account_sid", &ps.account_sid);
      p.String("auth_token", &ps.auth_token);
      p.String("from", &ps.from);
      p.String("messaging_service_sid", &ps.messaging_service_sid);
      p.String("status_callback_url", &ps.status_callback_url);
      p.String("api_base", &ps.api_base);
      p.String("organisation", &ps.organisation);
      p.String("post", &ps.post);
      p.String("inbound_secret", &ps.inbound_secret);
      p.String("username", &ps.username);
      p.String("password", &ps.password);
      p.String("smsc", &ps.smsc);
      p.String("starttls", &ps.starttls);
      p.String("from_name", &ps.from_name);
      p.String("imap_url", &ps.imap_url);
      p.String("imap_username", &ps.imap_username);
      p.String("imap_password", &ps.imap_password);
      p.Int("poll_seconds", &ps.poll_seconds, 1, 86400);
      if (!names.insert(ps.name).second) p.Error("name", "another provider has this name");
      if (ps.type != "sandbox" && ps.type != "webhook" && ps.type != "twilio" &&
          ps.type != "kannel" && ps.type != "smtp") {
        p.Error("type", "expected sandbox, webhook, twilio, kannel or smtp");
      }
      if (!ps.post.empty() && ps.organisation.empty()) {
        p.Error("post", "a post's provider must also name its organisation");
      }
      if (!ps.inbound_secret.empty() && ps.inbound_secret.size() < 24) {
        p.Error("inbound_secret", "must be at least 24 characters");
      }
      if (ps.type == "kannel") {
        if (!ps.url.starts_with("http://") && !ps.url.starts_with("https://")) {
          p.Error("url", "kannel providers need smsbox's sendsms URL (http:// or https://)");
        }
        if (ps.username.empty()) p.Error("username", "required: the sendsms user");
        if (ps.organisation.empty()) {
          p.Error("organisation", "required: incoming SMS must land in one organisation");
        }
        if (ps.inbound_secret.empty()) {
          p.Error("inbound_secret", "required: authenticates Kannel's sms-service requests");
        }
        for (const std::string& ch : ps.channels) {
          if (ch != "sms") p.Error("channels", "kannel serves sms");
        }
      }
      if (ps.type == "smtp") {
        if (!ps.url.starts_with("smtp://") && !ps.url.starts_with("smtps://")) {
          p.Error("url", "smtp providers need smtp://host:port or smtps://host:port");
        }
        if (ps.from.empty() || ps.from.find('@') == std::string::npos) {
          p.Error("from", "required: the sender's e-mail address");
        }
        if (ps.starttls != "none" && ps.starttls != "try" && ps.starttls != "required") {
          p.Error("starttls", "expected none, try or required");
        }
        if (!ps.imap_url.empty() && !ps.imap_url.starts_with("imap://") &&
            !ps.imap_url.starts_with("imaps://")) {
          p.Error("imap_url", "must start with imap:// or imaps://");
        }
        if (!ps.imap_url.empty() && ps.organisation.empty()) {
          p.Error("organisation", "required with imap_url: replies must land in one organisation");
        }
        for (const std::string& ch : ps.channels) {
          if (ch != "email") p.Error("channels", "smtp serves email");
        }
      }
      if (ps.type == "twilio") {
        if (!ps.account_sid.starts_with("AC")) p.Error("account_sid", "expected AC...");
        if (ps.auth_token.empty()) p.Error("auth_token", "required (use ${ENV})");
        if (ps.from.empty() && ps.messaging_service_sid.empty()) {
          p.Error("from", "from or messaging_service_sid is required");
        }
        if (!ps.api_base.starts_with("http://") && !ps.api_base.starts_with("https://")) {
          p.Error("api_base", "must start with http:// or https://");
        }
        for (const std::string& ch : ps.channels) {
          if (ch != "sms") p.Error("channels", "twilio serves sms");
        }
      }
      if (ps.type == "webhook" && !ps.url.starts_with("http://") &&
          !ps.url.starts_with("https://")) {
        p.Error("url", "webhook providers need an http:// or https:// url");
      }
      for (const std::string& ch : ps.channels) {
        if (!ParseChannel(ch)) {
          p.Error("channels", "unknown channel " + ch);
        } else if (!served.insert(ch + "/" + ps.organisation + "/" + ps.post).second) {
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
  } catch (const nlohmann::json::parse_error& e) {
    return absl::InvalidArgumentError(path + ": not valid JSON: " + e.what());
  }
  auto config = FromJson(root);
  if (!config.ok()) {
    return absl::InvalidArgumentError(path + ": " + std::string(MessageOf(config.status())));
  }
  return config;
}

}  // namespace ogw
