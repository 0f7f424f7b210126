#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/config/provider_settings.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/rate_limiter.h"
#include "gateway/core/status.h"

namespace ogw {

// Typed, validated settings. Only this file's loader reads configuration JSON; components get
// these structs. config/gateway.example.json documents every option.
struct ServerSettings {
  std::string listen = "127.0.0.1";
  int port = 8080;
  // Threads kept ready for connections. httplib serves each connection on one thread for its
  // whole life, so a slow or idle client holds one: up to max_threads are started as needed
  // (and stop again when idle), so a few hundred slow clients cannot stop the API.
  int threads = 8;
  int max_threads = 512;
  int64_t max_body_bytes = 32 * 1024 * 1024;
  int read_timeout_seconds = 30;
};

struct RedisSettings {
  std::string url;                 // Empty: start a private redis-server.
  std::string data_dir = "data";   // For the private server (AOF files, socket).
  std::string binary = "redis-server";
  std::string max_memory;          // For the private server, e.g. "4gb"; "": half the RAM.
  int pool_size = 16;
  int timeout_ms = 2000;
};

struct ApiSettings {
  RateLimit rate_limit{50, 100};   // Per API key.
  int idempotency_ttl_seconds = 86400;
  int default_page_size = 50;
  int max_page_size = 500;
  int max_import_rows = 1'000'000;
  // Provider types organisation admins may add through /v1/providers; unset: every type,
  // empty: none. An installation serving unrelated organisations may leave out `webhook`
  // (any URL).
  std::optional<std::vector<std::string>> provider_types;
  // /metrics answers a request with "Authorization: Bearer <metrics_token>", and without a
  // token only one from the machine itself (loopback): its counters are the installation's,
  // not any one organisation's. At least 24 characters ("${ENV}").
  std::string metrics_token;
  // The shortest mailbox poll interval (`poll_seconds`) an account added through the API may
  // ask for: every process polls every mailbox.
  int min_poll_seconds = 10;
  // Requests that scan the whole organisation (segment previews, template validation): their
  // own rate per organisation, and how many may run at once per organisation and process.
  RateLimit scan_rate_limit{2, 10};
  // Public routes (provider webhooks, unsubscribe, tracked links, opt-in links) per client
  // address: far above what a provider's deliveries and retries need, far below what fills
  // Redis or holds the API.
  RateLimit public_rate_limit{100, 1000};
  // The address of a reverse proxy whose X-Forwarded-For names the client; "" when the
  // gateway is reached directly.
  std::string trusted_proxy;
  int max_concurrent_scans = 2;
  // Destinations accounts added through the API may reach although they are not public
  // unicast addresses: CIDRs ("10.20.0.0/16") and host names ("kannel.embassy.internal"),
  // e.g. an embassy's own Kannel on its network. Configured accounts are trusted.
  std::vector<std::string> allowed_destinations;
};

struct BootstrapSettings {
  // When Redis holds no organisation yet, one is created with an admin and a first key.
  std::string organisation = "Ministry of Diaspora Affairs";
  std::string default_language = "en";
  std::string admin_name = "Administrator";
  // The admin's e-mail address: with one, the first start also prints a link to set the
  // admin's dashboard password (/ui/). "" for none.
  std::string admin_email;
};

struct LinkSettings {
  // Where recipients reach the gateway's /l/<token> redirects.
  std::string public_base_url = "http://127.0.0.1:8080";
  // HMAC key for link tokens; empty: generated once and kept in Redis.
  std::string secret;
  int ttl_days = 365;
};

struct DeliverySettings {
  bool worker_in_serve = true;  // `serve` also drains the queue; `worker` runs only that.
  int worker_threads = 4;
  int group_size = 250;
  int chunk_size = 1000;
  int lease_seconds = 60;
  int max_attempts = 5;
  int64_t backoff_base_ms = 2000;
  int64_t backoff_cap_ms = 3'600'000;
  std::string default_time_zone = "UTC";
  std::vector<ProviderAccount> providers;
  // Seals the secrets of provider accounts added through the API (64 hex digits, "${ENV}");
  // empty: a key generated once and kept in Redis (docs/ARCHITECTURE.md, "Provider accounts").
  std::string secrets_key;
};

// Replies and opt-outs (docs/ARCHITECTURE.md, "Conversations and the life of a reply").
struct InboundSettings {
  // Domain of the reply+<token>@ addresses that thread e-mail replies; empty: no Reply-To.
  std::string reply_domain;
  // Keywords that withdraw / re-grant consent; empty: the built-in lists.
  std::vector<std::string> stop_keywords;
  std::vector<std::string> start_keywords;
  bool resubscribe_on_start = true;
};

// The public bulletins' reply and subscription forms (gateway/bulletins/bulletin_forms.h).
struct BulletinSettings {
  // Form posts per client address, shared by every process through Redis: a person sends a
  // few; more are refused with 429 before the form is read.
  RateLimit form_rate_limit{0.05, 10};
  // Form posts per bulletin from all addresses together: a flood from many addresses stops
  // here, not in the inbox.
  RateLimit bulletin_form_rate_limit{2, 120};
  // Form posts handled at once by one process; more get 503 at once, so form posts never
  // hold the threads that serve the pages.
  int max_concurrent_forms = 4;
  // A form sent sooner than this after it was shown was not filled in by a person.
  int form_min_fill_seconds = 3;
};

struct LoggingSettings {
  std::string level = "info";  // trace, debug, info, warn, error.
};

struct GatewayConfig {
  ServerSettings server;
  RedisSettings redis;
  ApiSettings api;
  BootstrapSettings bootstrap;
  LinkSettings links;
  DeliverySettings delivery;
  InboundSettings inbound;
  BulletinSettings bulletins;
  LoggingSettings logging;

  // Every problem is reported with its key path; unknown keys are errors.
  static absl::StatusOr<GatewayConfig> FromJson(const nlohmann::json& root,
                                                JsonReader::EnvLookup env = nullptr);
  static absl::StatusOr<GatewayConfig> LoadFile(const std::string& path);
};

}  // namespace ogw
