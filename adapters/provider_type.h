#pragma once

// A provider type ("twilio", "smtp", ...) as one self-contained unit: its settings, how to
// build its provider, its inbound routes and its mailbox poller (docs/ARCHITECTURE.md,
// "Provider types as plug-ins"). The gateway knows only this interface; every type is listed
// once, in adapters/provider_types.cc.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adapters/common/destination_policy.h"
#include "adapters/inbound.h"
#include "adapters/provider.h"
#include "gateway/core/clock.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// Where an account's settings come from: the configuration file (environment references
// expanded, every field allowed) or the API (taken literally; server paths refused).
enum class ProviderSource { kConfig, kApi };

// What a string field of a type's settings holds, which decides how the gateway treats it.
enum class FieldKind {
  kText,
  kSecret,       // Sealed at rest, never answered or logged; `${ENV}` in the file.
  kUrl,          // Shown with the credentials of its authority redacted.
  kDestination,  // A URL the gateway connects to: also checked against api.allowed_destinations
                 // for accounts added through the API.
  kServerPath,   // A file on the server: configuration file only, never answered.
};

// The settings of one account that belong to its type. Every string field is listed once in
// ForEachField, which reading, writing, sealing and redacting all walk.
class TypeSettings {
 public:
  using FieldFn = std::function<void(std::string_view key, std::string& value, FieldKind kind)>;
  using ConstFieldFn =
      std::function<void(std::string_view key, const std::string& value, FieldKind kind)>;
  virtual ~TypeSettings() = default;
  virtual std::unique_ptr<TypeSettings> Clone() const = 0;
  virtual void ForEachField(const FieldFn& fn) = 0;
  // The same walk, read-only (for writing out, redacting and listing).
  void InspectFields(const ConstFieldFn& fn) const;
  // The keys of the fields of `kind`, in ForEachField's order.
  std::vector<std::string> FieldsOfKind(FieldKind kind) const;
  // Fields that are not strings (read and written as JSON numbers).
  virtual void ReadNumbers(JsonReader& /*r*/) {}
  virtual void WriteNumbers(nlohmann::json& /*j*/) const {}
  // How often the account's mailbox is polled; 0 when it has none.
  virtual int poll_seconds() const { return 0; }

  // The value of string field `key`, or nullptr when the type has no such field.
  std::string* Field(std::string_view key);
};

// TypeSettings with Clone for settings struct S (struct S : SettingsOf<S> {...}).
template <typename S>
class SettingsOf : public TypeSettings {
 public:
  std::unique_ptr<TypeSettings> Clone() const override {
    return std::make_unique<S>(static_cast<const S&>(*this));
  }
};

// A TypeSettings owner that copies what it owns, so accounts stay plain values.
class TypeSettingsPtr {
 public:
  TypeSettingsPtr() = default;
  explicit TypeSettingsPtr(std::unique_ptr<TypeSettings> p) : p_(std::move(p)) {}
  TypeSettingsPtr(const TypeSettingsPtr& o) : p_(o.p_ ? o.p_->Clone() : nullptr) {}
  TypeSettingsPtr& operator=(const TypeSettingsPtr& o) {
    if (this != &o) p_ = o.p_ ? o.p_->Clone() : nullptr;
    return *this;
  }
  TypeSettingsPtr(TypeSettingsPtr&&) = default;
  TypeSettingsPtr& operator=(TypeSettingsPtr&&) = default;
  TypeSettings* get() const { return p_.get(); }
  TypeSettings* operator->() const { return p_.get(); }
  TypeSettings& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  std::unique_ptr<TypeSettings> p_;
};

// A provider account: the fields every type shares, and its type's own settings.
struct ProviderAccount {
  std::string name;                   // Unique; also the rate-limit account.
  std::string type;                   // A registered ProviderType's name.
  std::vector<std::string> channels;  // Channels it serves: "sms", "email", ...
  // Whose it is: messages to people of this organisation (and post) go through it, and what
  // it receives lands there. Empty: every organisation without a provider of its own; such a
  // provider cannot receive (an inbound message must have one owner).
  std::string organisation;
  std::string post;
  // The country (ISO 3166-1 alpha-2) whose national numbers incoming senders may be written
  // in (an SMSC's "015112345678"); empty: none.
  std::string country;
  int timeout_ms = 10000;
  double per_second = 0;  // Rate limits; 0 = none.
  double per_minute = 0;
  // Added through the API (set when loaded, never read from input): its connections may only
  // go where api.allowed_destinations allows.
  bool from_api = false;
  TypeSettingsPtr settings;  // Set once the type is known.

  // The settings as the type's own struct; only the type itself calls this.
  template <typename S>
  const S& SettingsAs() const {
    return static_cast<const S&>(*settings);
  }
};

// What providers need from the gateway besides their own settings.
struct ProviderContext {
  std::string public_base_url;  // Where providers post delivery reports back.
  std::string message_id_key;   // Signs e-mail Message-IDs.
  RedisPool* redis = nullptr;   // The sandbox records what it would send here.
  const Clock* clock = nullptr;
  // Where connections of accounts added through the API may go (accounts with from_api).
  std::shared_ptr<const DestinationPolicy> destinations;

  // The connection policy for `url` of `account`: none for configured accounts (trusted).
  std::shared_ptr<const DestinationPolicy> PolicyFor(const ProviderAccount& account,
                                                     std::string_view url) const;
  // The public URL of the account's inbound route `suffix`: /v1/inbound/<path>/<name><suffix>.
  std::string InboundUrl(std::string_view path, const ProviderAccount& account,
                         std::string_view suffix) const;
};

// What one webhook request or one polled item carried.
struct InboundBatch {
  std::vector<InboundMessage> messages;
  std::vector<DeliveryReport> reports;
  std::vector<AddressOptOut> opt_outs;
  // The provider answers STOP/START itself (Twilio's Advanced Opt-Out): no confirmation.
  bool provider_confirms_keywords = false;
  // Parts not this account's to store (a WhatsApp change for another phone number of the same
  // app): the rest is stored, and the request is also quarantined with this reason.
  std::string quarantine_reason;
};

// One request to an inbound route, as received.
struct InboundRequest {
  std::string_view target;  // Path and query.
  std::string_view body;
  std::string public_url;  // The URL the provider called: public base URL + target.
  std::function<std::string(std::string_view name)> header;
  std::function<std::string(std::string_view name)> query;
};

// What an inbound route made of a request: what to store and how to answer, or why not.
struct InboundOutcome {
  enum class Verdict {
    kAccept,      // Store `batch`, then answer with status/content_type/body.
    kRefuse,      // Not from the provider: `status` 401 (no credentials) or 403.
    kInvalid,     // From the provider, but malformed where it would help to say so: 400.
    kUnreadable,  // From the provider, content unusable: quarantined, then answered.
  };
  Verdict verdict = Verdict::kAccept;
  std::string reason;  // kRefuse, kInvalid, kUnreadable: why; never personal data.
  InboundBatch batch;
  // What the quarantine keeps (kUnreadable, or a message the pipeline rejects): the request
  // without its credentials; and the source it is filed under ("twilio", "email_webhook").
  std::string quarantine_source;
  std::string quarantine_sample;
  int status = 204;  // The answer once stored.
  std::string content_type;
  std::string body;

  static InboundOutcome Refuse(int status, std::string reason);
  static InboundOutcome Invalid(std::string reason);
};

// Public route /v1/inbound/<path>/{provider}<suffix> of a type.
struct InboundRoute {
  std::string_view method;  // "GET" or "POST".
  std::string_view suffix;  // "" or "/status", "/dlr", ...
  std::function<InboundOutcome(const ProviderAccount&, const InboundRequest&,
                               const ProviderContext&)>
      handle;
};

// Where a poller hands what it read: the gateway's inbound pipeline and quarantine.
class InboundSink {
 public:
  virtual ~InboundSink() = default;
  // Stores `batch`. InvalidArgument: the content cannot be stored as it is (quarantine it);
  // other errors: not stored, offer it again later.
  virtual absl::Status Store(const InboundBatch& batch) = 0;
  virtual absl::Status Quarantine(std::string_view source, std::string_view why, uint64_t bytes,
                                  std::string_view sample) = 0;
};

// Fetches what reached an account's mailbox (IMAP) and hands it to a sink.
class Poller {
 public:
  virtual ~Poller() = default;
  // One poll; how many items were handed over and acknowledged.
  virtual absl::StatusOr<int> PollOnce(InboundSink& sink) = 0;
};

// One thing an administrator sets at the provider so the account's messages come back: the
// provider's own name for the setting, and its exact value.
struct ProviderSetup {
  std::string setting;
  std::string value;
};

class ProviderType {
 public:
  virtual ~ProviderType() = default;
  virtual std::string_view name() const = 0;  // The accounts' `type`.
  // The channels its accounts can serve; empty: any.
  virtual std::vector<std::string_view> channels() const { return {}; }
  // Messages per second of an account that names no `per_second`: the provider's own limit
  // (Telegram: 30 per bot); 0: none.
  virtual double default_per_second() const { return 0; }
  // Fresh settings with the type's defaults.
  virtual std::unique_ptr<TypeSettings> NewSettings() const = 0;
  // Checks the settings just read (and the common fields they depend on); problems are
  // recorded on `r` with their field names.
  virtual void Check(const ProviderAccount& account, ProviderSource source,
                     JsonReader& r) const = 0;
  // The provider for `account` (without circuit breaker: the gateway adds it).
  // InvalidArgument naming the field when the settings cannot make a working provider.
  virtual absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                         const ProviderContext& context) const = 0;
  // The path segment of its inbound routes: /v1/inbound/<path>/{provider}...
  virtual std::string_view inbound_path() const { return name(); }
  virtual std::vector<InboundRoute> inbound_routes() const { return {}; }
  // The account's mailbox poller; nullptr when it has none.
  virtual absl::StatusOr<std::unique_ptr<Poller>> MakePoller(
      const ProviderAccount& /*account*/, const ProviderContext& /*context*/) const {
    return std::unique_ptr<Poller>();
  }
  // What an administrator sets at the provider so the account receives (Kannel's get-url,
  // Twilio's incoming-message webhook, Meta's callback URL), built from the public base URL.
  // Values may carry credentials derived from the account's secrets (Kannel's key): the API
  // shows them to administrators only. Nothing for a type that needs no setting.
  virtual std::vector<ProviderSetup> Setup(const ProviderAccount& /*account*/,
                                           const ProviderContext& /*context*/) const {
    return {};
  }
  // The personal link that opens a chat with the account and hands it `code` (a chat-link
  // code that ties the chat to one person): https://t.me/<bot>?start=<code>,
  // https://m.me/<page>?ref=<code>, https://wa.me/<number>?text=<code>. Empty when the type
  // has none or the account lacks what it needs (a bot's username, the number).
  virtual std::string ChatLink(const ProviderAccount& /*account*/,
                               std::string_view /*code*/) const {
    return "";
  }
  // Whether its accounts must tell the provider something before they work (a Telegram bot's
  // setWebhook with the account's inbound URL and secret).
  virtual bool registers() const { return false; }
  // Does that, once per definition of the account across every process of the installation:
  // the gateway calls it after building the account's provider from a new or changed
  // definition, outside its locks, under a short Redis lease per account, and again later
  // when it failed (sends and webhooks do not wait for it). Must be idempotent: a lease that
  // expired mid-call lets another process repeat it.
  virtual absl::Status Register(const ProviderAccount& /*account*/,
                                const ProviderContext& /*context*/) const {
    return absl::OkStatus();
  }
};

// Helpers for the types' checks.
bool IsHttpUrl(std::string_view url);
// The shared secret a provider that cannot sign presents (Kannel's sms-service, an inbound
// e-mail relay): at least 24 characters. `required_because` empty: optional.
void CheckInboundSecret(JsonReader& r, const std::string& secret,
                        std::string_view required_because = {});

// Every registered type: the built-in ones (adapters/provider_types.cc), then those added
// with RegisterProviderType. Not thread-safe against RegisterProviderType.
const std::vector<const ProviderType*>& ProviderTypes();
const ProviderType* FindProviderType(std::string_view name);
// Adds a type (tests' own types); before the runtime opens. `type` must outlive every use.
void RegisterProviderType(const ProviderType* type);
// "sandbox, webhook, ..." for error messages.
std::string ProviderTypeNames();

}  // namespace ogw
