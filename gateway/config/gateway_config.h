#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/json_reader.h"
#include "gateway/core/rate_limiter.h"
#include "gateway/core/status.h"

namespace ogw {

// Typed, validated settings. Only this file's loader reads configuration JSON; components get
// these structs. config/gateway.example.json documents every option.
struct ServerSettings {
  std::string listen = "127.0.0.1";
  int port = 8080;
  int threads = 8;
  int64_t max_body_bytes = 32 * 1024 * 1024;
  int read_timeout_seconds = 30;
};

struct RedisSettings {
  std::string url;                 // Empty: start a private redis-server.
  std::string data_dir = "data";   // For the private server (AOF files, socket).
  std::string binary = "redis-server";
  std::string max_memory;          // For the private server, e.g. "4gb".
  int pool_size = 16;
  int timeout_ms = 2000;
};

struct ApiSettings {
  RateLimit rate_limit{50, 100};   // Per API key.
  int idempotency_ttl_seconds = 86400;
  int default_page_size = 50;
  int max_page_size = 500;
  int max_import_rows = 1'000'000;
};

struct BootstrapSettings {
  // When Redis holds no organisation yet, one is created with an admin and a first key.
  std::string organisation = "Ministry of Diaspora Affairs";
  std::string default_language = "en";
  std::string admin_name = "Administrator";
};

struct LinkSettings {
  // Where recipients reach the gateway's /l/<token> redirects.
  std::string public_base_url = "http://127.0.0.1:8080";
  // HMAC key for link tokens; empty: generated once and kept in Redis.
  std::string secret;
  int ttl_days = 365;
};

// A provider account. Channels without one use the sandbox provider.
struct ProviderSettings {
  std::string name;                   // Unique; also the rate-limit account.
  std::string type;                   // "sandbox", "webhook", "twilio", "kannel" or "smtp".
  std::vector<std::string> channels;  // Channels it serves: "sms", "email", ...
  // Whose it is: messages to people of this organisation (and post) go through it, and what
  // it receives lands there. Empty: every organisation without a provider of its own; such a
  // provider cannot receive (an inbound message must have one owner).
  std::string organisation;
  std::string post;
  // Shared secret that authenticates what the provider posts to the gateway when it cannot
  // sign (Kannel's sms-service, an inbound e-mail relay); at least 24 characters.
  std::string inbound_secret;
  std::string url;        // webhook: where messages are POSTed; kannel: smsbox's sendsms URL;
                          // smtp: smtp://host:port or smtps://host:port.
  std::string username;   // kannel: sendsms user; smtp: AUTH user.
  std::string password;   // kannel, smtp: a secret ("${ENV}").
  std::string smsc;       // kannel: route through this smsc id; empty for Kannel's choice.
  std::string starttls = "try";  // smtp: none, try or required.
  std::string from_name;         // smtp: display name of the sender.
  std::string imap_url;          // smtp: mailbox polled for replies, imap(s)://host:port/INBOX.
  std::string imap_username;
  std::string imap_password;
  int poll_seconds = 30;         // smtp: how often the mailbox is polled.
  std::string auth_header;            // webhook: e.g. "Authorization: Bearer ${TOKEN}".
  // twilio: the account, its auth token (a secret: "${TWILIO_AUTH_TOKEN}"), the sender (a
  // number or alphanumeric id, or a Messaging Service), where Twilio reports delivery, and
  // the API's base URL (tests point it at a fake).
  std::string account_sid;
  std::string auth_token;
  std::string from;
  std::string messaging_service_sid;
  std::string status_callback_url;
  std::string api_base = "https://api.twilio.com";
  int timeout_ms = 10000;
  double per_second = 0;              // Rate limits; 0 = none.
  double per_minute = 0;
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
  std::vector<ProviderSettings> providers;
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
  LoggingSettings logging;

  // Every problem is reported with its key path; unknown keys are errors.
  static absl::StatusOr<GatewayConfig> FromJson(const nlohmann::json& root,
                                                JsonReader::EnvLookup env = nullptr);
  static absl::StatusOr<GatewayConfig> LoadFile(const std::string& path);
};

}  // namespace ogw
